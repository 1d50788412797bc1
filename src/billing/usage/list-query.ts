import { refuse, refuseUnknown, single, wholeNumber, type Parsed, type RawQuery } from './query-params.ts';

/**
 * Reading the query of OpenAI's organization lists (`GET /organization/projects`,
 * `GET /organization/projects/{id}/api_keys`) into a checked value, as
 * usage-query.ts reads the reports: every parameter is read or refused.
 * `?include_archived=yes` once meant false and `?limt=5` was ignored;
 * both are 400s now, naming the parameter.
 *
 * Paging is OpenAI's: `limit` (1 to 100, 20 by default) objects in id order
 * — ids sort by creation time — and `after=<last_id of the previous page>`
 * for the next ones, with `has_more` saying whether there are any. The id
 * is the cursor (keyset), so a project archived or a key revoked while a
 * client pages moves nothing and skips nothing.
 */

/** OpenAI's page sizes for both lists. */
export const LIST_LIMIT = { default: 20, max: 100 } as const;

export interface ListShape<F extends string> {
  /** What the list holds, for messages: "project", "API key". */
  readonly noun: string;
  /** The prefix of its ids (`proj`, `key`): a cursor of another kind is refused before any lookup. */
  readonly idPrefix: string;
  /** Its yes/no filters (`include_archived`), false unless `true` is sent. */
  readonly flags: readonly F[];
}

export interface ListQuery<F extends string> {
  readonly limit: number;
  /** The cursor, well-formed; the route checks it names one of the list's objects. */
  readonly after: string | null;
  readonly flags: Readonly<Record<F, boolean>>;
}

const ID_BODY = '[0-9A-Za-z]{1,100}';

export function parseListQuery<F extends string>(raw: RawQuery, shape: ListShape<F>): Parsed<ListQuery<F>> {
  const unknown = refuseUnknown(raw, ['limit', 'after', ...shape.flags]);
  if (unknown !== null) return unknown;
  const flags = {} as Record<F, boolean>;
  for (const flag of shape.flags) {
    const text = single(raw, flag);
    if (text !== undefined && text !== 'true' && text !== 'false') return refuse(flag, `${flag} must be true or false.`, 'invalid_value');
    flags[flag] = text === 'true';
  }
  const limitText = single(raw, 'limit');
  const limit = limitText === undefined ? LIST_LIMIT.default : limitText === null ? null : wholeNumber(limitText, LIST_LIMIT.max);
  if (limit === null || limit < 1) return refuse('limit', `limit must be a whole number from 1 to ${LIST_LIMIT.max}.`, 'invalid_value');
  const after = single(raw, 'after');
  if (after !== undefined && (after === null || !new RegExp(`^${shape.idPrefix}_${ID_BODY}$`).test(after))) return refuseCursor(shape);
  return { ok: true, query: { limit, after: after ?? null, flags } };
}

/** `after` names nothing in this list: malformed, or not one of its objects. */
export function refuseCursor(shape: Pick<ListShape<string>, 'noun' | 'idPrefix'>) {
  return refuse('after', `after must be the id of one of this list's ${shape.noun}s (${shape.idPrefix}_…): pass last_id from the previous page.`, 'invalid_cursor');
}

/** OpenAI's list object from `limit + 1` rows read in id order: the extra row only says there is more. */
export function listPage<R extends { readonly id: string }, T>(rows: readonly R[], limit: number, present: (row: R) => T) {
  const page = rows.slice(0, limit);
  return { object: 'list' as const, data: page.map(present), first_id: page[0]?.id ?? null, last_id: page.at(-1)?.id ?? null, has_more: rows.length > limit };
}
