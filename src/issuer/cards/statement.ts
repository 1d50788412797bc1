import type { Sql } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { IssuerError } from '../errors.ts';
import type { Ledger, Transfer } from '../../ledger/index.ts';
import { InvalidCursor } from '../../ledger/index.ts';
import {
  ACTIVITY_START,
  authorizationLines,
  eventLines,
  type ActivityLine,
  type ActivityPosition,
} from '../authorization/statement-activity.ts';
import { DISPUTE_LINE_TYPES, disputeIdOfTransfer, lineDisputes, type LineDispute } from '../disputes/statement-disputes.ts';
import { CARD_TRANSFER_CODES, cardAccountId } from './card-accounts.ts';
import { getCardOf } from './cards.ts';

/**
 * A card's statement, newest first: everything that happened on the card,
 * each line with a status in the vocabulary. Three sources, merged
 * by time:
 *
 * - the card's own ledger movements (load, unload, close sweep, and any
 *   hold not placed by the authorization engine). A hold appears once, with
 *   its current state (pending → settled when posted, reversed when voided,
 *   expired); the post or void that resolved it is folded into that line;
 * - the authorization engine's decisions: one line per authorization,
 *   approved or declined (declines carry the reason and its text in Chinese
 *   and English);
 * - the engine's events: clearings, refunds, reversals, expiries, releases
 *   on close and incremental authorizations.
 *
 * The engine's own ledger transfers (ids `iauth_…`) are not listed: the
 * authorization and event lines say the same thing in the cardholder's terms.
 *
 * The cursor holds a position in each source, so paging never repeats or
 * skips a line even when lines of different sources share a millisecond.
 */

export type StatementStatus = 'pending' | 'settled' | 'declined' | 'reversed' | 'refunded' | 'expired';

export interface StatementLine {
  readonly id: string;
  readonly type: string;
  /** Positive: money into the card; negative: out of it. USD cents. */
  readonly amountUsdMinor: number;
  readonly status: StatementStatus;
  readonly createdAtMs: number;
  readonly resolvedAtMs: number | null;
  /** For card payments: the merchant as it presented itself. */
  readonly merchant: ActivityLine['merchant'];
  /** For card payments: the issuer's authorization record (`iauth_…`). */
  readonly authorizationId: string | null;
  /** For a payment asked in another currency: what was asked. */
  readonly requested: ActivityLine['requested'];
  /** For an approved payment in another currency: the rate, the converted amount and the cross-border fee that make up `amountUsdMinor`. */
  readonly exchange?: ActivityLine['exchange'];
  /** For declined lines: the ISO code, the reason, and what it means in Chinese and English. */
  readonly decline: ActivityLine['decline'];
  /** A disputed payment's line, and the dispute's own credits and reversals: the dispute and its state. */
  readonly dispute: LineDispute | null;
}

export const STATEMENT_PAGE_MAX = 100;

const TYPES = new Map<number, string>([
  [CARD_TRANSFER_CODES.card_load, 'load'],
  [CARD_TRANSFER_CODES.card_unload, 'unload'],
  [CARD_TRANSFER_CODES.card_close_sweep, 'close_sweep'],
]);

const LEDGER_PAGE = 100;
/** Ledger pages read per statement page at most: a card busy with payments has many engine transfers to skip. */
const LEDGER_PAGES_MAX = 20;
const CURSOR_MAX_CHARS = 1_000;

interface LedgerPosition {
  /** The ledger cursor of the page the next line is in (null: the newest page). */
  readonly cursor: string | null;
  /** How many transfers of that page were already passed. */
  readonly skip: number;
}

interface Positions {
  ledger: LedgerPosition | 'end';
  authorizations: ActivityPosition | 'end';
  events: ActivityPosition | 'end';
}

interface Candidate {
  readonly line: StatementLine;
  /** Where this source stands once the line is taken. */
  readonly position: LedgerPosition | ActivityPosition;
  /** A stop: the ledger ran out of reading budget here; the page ends before anything older. */
  readonly frontier?: true;
}

interface Fetched {
  readonly candidates: Candidate[];
  /** No line after these. */
  readonly exhausted: boolean;
}

export async function cardStatement(
  ledger: Ledger,
  sql: Sql,
  input: { readonly cardholderId: string; readonly cardId: string; readonly limit?: number; readonly after?: string | null },
): Promise<{ lines: StatementLine[]; hasMore: boolean; nextCursor: string | null }> {
  const card = await getCardOf(sql, input.cardholderId, input.cardId);
  const limit = Math.min(Math.max(1, Math.trunc(input.limit ?? 20)), STATEMENT_PAGE_MAX);
  const positions = input.after ? decodeCursor(input.after) : { ledger: { cursor: null, skip: 0 }, authorizations: ACTIVITY_START, events: ACTIVITY_START };
  const nowMs = ledger.clock.nowMs();
  const account = cardAccountId(card.id);
  // One more than a page from each source: a source with a line left over has more.
  const want = limit + 1;
  // Within one millisecond, the first source's line counts as the newer: an event follows its
  // authorization, and an authorization follows the load that paid for it.
  const sources: Array<{ key: keyof Positions; fetched: Fetched }> = [
    { key: 'events', fetched: await activity(positions.events, want, (after) => eventLines(sql, card.id, after, want, nowMs)) },
    {
      key: 'authorizations',
      fetched: await activity(positions.authorizations, want, (after) => authorizationLines(sql, card.id, after, want, nowMs)),
    },
    { key: 'ledger', fetched: await ledgerLines(ledger, sql, account, positions.ledger, want) },
  ];

  const heads = sources.map(() => 0);
  const lines: StatementLine[] = [];
  let stopped = false;
  while (lines.length < limit) {
    let best = -1;
    for (let i = 0; i < sources.length; i++) {
      const candidate = sources[i]!.fetched.candidates[heads[i]!];
      if (candidate === undefined) continue;
      const current = best < 0 ? undefined : sources[best]!.fetched.candidates[heads[best]!]!;
      if (current === undefined || candidate.line.createdAtMs > current.line.createdAtMs) best = i;
    }
    if (best < 0) break;
    const source = sources[best]!;
    const taken = source.fetched.candidates[heads[best]!]!;
    heads[best]! += 1;
    positions[source.key] = taken.position as never;
    if (taken.frontier) {
      stopped = true;
      break;
    }
    lines.push(taken.line);
  }
  sources.forEach((source, i) => {
    // A source whose fetched lines were all taken and that has nothing after them is done.
    if (heads[i] === source.fetched.candidates.length && source.fetched.exhausted) positions[source.key] = 'end';
  });
  const hasMore = stopped || sources.some((source, i) => heads[i]! < source.fetched.candidates.length || !source.fetched.exhausted);
  return { lines: await withDisputes(sql, lines), hasMore, nextCursor: hasMore ? encodeCursor(positions) : null };
}

/** The payment lines that were disputed, and the dispute's postings, carry the dispute (one query for the page). */
async function withDisputes(sql: Sql, lines: StatementLine[]): Promise<StatementLine[]> {
  const payments = lines.filter((l) => l.type === 'authorization' && l.authorizationId !== null).map((l) => l.authorizationId!);
  const postings = lines.map((l) => disputeIdOfTransfer(l.id)).filter((id): id is string => id !== null);
  const found = await lineDisputes(sql, payments, postings);
  return lines.map((line) => {
    const dispute =
      line.type === 'authorization' && line.authorizationId !== null ? found.byAuthorization.get(line.authorizationId) : found.byId.get(disputeIdOfTransfer(line.id) ?? '');
    return dispute === undefined ? line : { ...line, dispute };
  });
}

async function activity(position: ActivityPosition | 'end', want: number, read: (after: ActivityPosition) => Promise<ActivityLine[]>): Promise<Fetched> {
  if (position === 'end') return { candidates: [], exhausted: true };
  const found = await read(position);
  return {
    candidates: found.map((line) => ({ line: { ...line, dispute: null }, position: { atMs: line.createdAtMs, id: line.id } })),
    exhausted: found.length < want,
  };
}

/** The card's ledger lines after `position`: up to `want`, or fewer if the reading budget runs out first (then a frontier). */
async function ledgerLines(ledger: Ledger, sql: Sql, account: string, position: LedgerPosition | 'end', want: number): Promise<Fetched> {
  if (position === 'end') return { candidates: [], exhausted: true };
  const candidates: Candidate[] = [];
  let cursor = position.cursor;
  let skip = position.skip;
  let lastSeen: Transfer | undefined;
  for (let pages = 0; pages < LEDGER_PAGES_MAX; pages++) {
    let page;
    try {
      page = await ledger.listAccountTransfers(sql, account, { limit: LEDGER_PAGE, after: cursor });
    } catch (error) {
      if (error instanceof InvalidCursor) throw invalidCursor();
      throw error;
    }
    for (let i = skip; i < page.data.length; i++) {
      const transfer = page.data[i]!;
      lastSeen = transfer;
      if (!shown(transfer)) continue;
      candidates.push({ line: ledgerLine(transfer, account), position: { cursor, skip: i + 1 } });
      if (candidates.length >= want) return { candidates, exhausted: false };
    }
    if (!page.has_more) return { candidates, exhausted: true };
    cursor = page.next_cursor;
    skip = 0;
  }
  const frontierAt = lastSeen?.created_at_ms ?? 0;
  candidates.push({ line: { ...EMPTY_LINE, createdAtMs: frontierAt }, position: { cursor, skip: 0 }, frontier: true });
  return { candidates, exhausted: false };
}

const EMPTY_LINE: StatementLine = {
  id: '',
  type: '',
  amountUsdMinor: 0,
  status: 'settled',
  createdAtMs: 0,
  resolvedAtMs: null,
  merchant: null,
  authorizationId: null,
  requested: null,
  decline: null,
  dispute: null,
};

function shown(transfer: Transfer): boolean {
  if (transfer.flags.includes('post_pending_transfer') || transfer.flags.includes('void_pending_transfer')) return false;
  return !transfer.id.startsWith('iauth_');
}

function ledgerLine(transfer: Transfer, account: string): StatementLine {
  const sign = transfer.credit_account_id === account ? 1 : -1;
  return {
    ...EMPTY_LINE,
    id: transfer.id,
    type: TYPES.get(transfer.code) ?? DISPUTE_LINE_TYPES.get(transfer.code) ?? `code_${transfer.code}`,
    amountUsdMinor: sign * transfer.amount,
    status: status(transfer),
    createdAtMs: transfer.created_at_ms,
    resolvedAtMs: transfer.resolved_at_ms,
  };
}

function status(transfer: Transfer): StatementStatus {
  switch (transfer.pending_status) {
    case null:
      return 'settled';
    case 'pending':
      return 'pending';
    case 'posted':
      return 'settled';
    case 'voided':
      return 'reversed';
    case 'expired':
      return 'expired';
  }
}

function encodeCursor(positions: Positions): string {
  const part = (p: ActivityPosition | 'end') => (p === 'end' ? 0 : [p.atMs, p.id]);
  const ledgerPart = positions.ledger === 'end' ? 0 : [positions.ledger.cursor, positions.ledger.skip];
  return Buffer.from(JSON.stringify([1, ledgerPart, part(positions.authorizations), part(positions.events)])).toString('base64url');
}

function decodeCursor(text: string): Positions {
  if (typeof text !== 'string' || text.length > CURSOR_MAX_CHARS) throw invalidCursor();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (!Array.isArray(value) || value.length !== 4 || value[0] !== 1) throw invalidCursor();
  const activityPart = (p: unknown): ActivityPosition | 'end' => {
    if (p === 0) return 'end';
    if (Array.isArray(p) && p.length === 2 && Number.isSafeInteger(p[0]) && typeof p[1] === 'string' && p[1].length <= 200) return { atMs: p[0], id: p[1] };
    throw invalidCursor();
  };
  const l = value[1] as unknown;
  let ledgerPosition: LedgerPosition | 'end';
  if (l === 0) ledgerPosition = 'end';
  else if (Array.isArray(l) && l.length === 2 && (l[0] === null || (typeof l[0] === 'string' && l[0].length <= 200)) && Number.isSafeInteger(l[1]) && l[1] >= 0 && l[1] <= LEDGER_PAGE) {
    ledgerPosition = { cursor: l[0] as string | null, skip: l[1] as number };
  } else throw invalidCursor();
  return { ledger: ledgerPosition, authorizations: activityPart(value[2]), events: activityPart(value[3]) };
}

function invalidCursor(): AppError {
  return new IssuerError('parameter_invalid', 'The cursor is not one this API gave out.', { param: 'starting_after' });
}
