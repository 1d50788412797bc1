import { AppError } from '../errors.ts';

/**
 * Lists paged by a stable cursor: the position of the last row shown — its
 * time and its id, which together order every row once — kept in an opaque
 * string. The next page starts strictly after that position, so rows written
 * meanwhile neither repeat nor push a row off a later page, as an OFFSET
 * would. Newest first for history; oldest first for a work queue, where the
 * one who has waited longest comes first.
 */

export type KeysetOrder = 'newest' | 'oldest';

export interface KeysetPosition {
  readonly atMs: number;
  readonly id: string;
}

export interface KeysetPage<R> {
  readonly data: R[];
  readonly hasMore: boolean;
  readonly nextCursor: string | null;
}

const MAX_ID_CHARS = 200;
/**
 * Every id a list pages on is printable ASCII (Cardlane's `<prefix>_<ULID>`, a network message's id). Anything else
 * — a NUL, which PostgreSQL refuses in a text parameter (a 500), a control or non-ASCII character — is not a cursor's.
 */
const ID_CHARACTERS = /^[\x21-\x7e]+$/;

export function encodeCursor(position: KeysetPosition): string {
  return Buffer.from(JSON.stringify([position.atMs, position.id]), 'utf8').toString('base64url');
}

/** The position in a cursor this list gave; a cursor from anywhere else is 400 `parameter_invalid` (param `cursor`), never a silent first page. */
export function decodeCursor(cursor: string, param = 'cursor'): KeysetPosition {
  const invalid = () => new AppError('parameter_invalid', 'The cursor is not one this list gave.', { param });
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(cursor)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw invalid();
  const [atMs, id] = parsed as unknown[];
  if (!Number.isSafeInteger(atMs) || (atMs as number) < 0 || typeof id !== 'string' || id.length > MAX_ID_CHARS || !ID_CHARACTERS.test(id)) throw invalid();
  return { atMs: atMs as number, id };
}

/**
 * The WHERE clause of a page after `position` in the given order of
 * (`timeColumn`, `idColumn`), and its three parameters; none for the first page.
 */
export function afterPosition(
  timeColumn: string,
  idColumn: string,
  position: KeysetPosition | null,
  order: KeysetOrder = 'newest',
): { readonly sql: string; readonly params: unknown[] } {
  if (position === null) return { sql: '1 = 1', params: [] };
  const past = order === 'newest' ? '<' : '>';
  return { sql: `(${timeColumn} ${past} ? OR (${timeColumn} = ? AND ${idColumn} ${past} ?))`, params: [position.atMs, position.atMs, position.id] };
}

/** The ORDER BY of (`timeColumn`, `idColumn`) that `afterPosition` pages through. */
export function keysetOrderBy(timeColumn: string, idColumn: string, order: KeysetOrder = 'newest'): string {
  const direction = order === 'newest' ? 'DESC' : 'ASC';
  return `${timeColumn} ${direction}, ${idColumn} ${direction}`;
}

/** A page from `limit + 1` rows read in the list's order: the extra row only says that there is more. */
export function pageOf<R>(rows: readonly R[], limit: number, positionOf: (row: R) => KeysetPosition): KeysetPage<R> {
  const data = rows.slice(0, limit);
  const hasMore = rows.length > limit;
  const last = data[data.length - 1];
  return { data, hasMore, nextCursor: hasMore && last !== undefined ? encodeCursor(positionOf(last)) : null };
}
