import type { Sql } from '../../platform/db/database.ts';
import { IssuerError } from '../errors.ts';
import type { Ledger, Transfer } from '../../ledger/index.ts';
import { InvalidCursor } from '../../ledger/index.ts';
import { CARD_TRANSFER_CODES } from '../cards/card-accounts.ts';
import { DISPUTE_TRANSFER_CODES } from '../disputes/dispute-ledger.ts';
import { disputeIdOfTransfer } from '../disputes/statement-disputes.ts';
import { TRANSFER_CODES, walletAccountId } from './ledger-accounts.ts';
import type { TopUpOrder, TopUpOrderStatus } from './top-up-store.ts';

export type StatementStatus = 'pending' | 'settled' | 'declined' | 'reversed' | 'refunded' | 'expired';
export type StatementType = 'top_up' | 'withdrawal' | 'withdrawal_fee' | 'transfer';
/**
 * What a `transfer` entry was. `type` stays `transfer` for these (a public
 * enum API clients match on); this field, added beside it, tells them apart.
 * Null for any other entry. Additive: new kinds may come.
 *
 * - card_load / card_unload / card_close_sweep / card_fee: money between the
 *   wallet and a card, or the card's opening fee;
 * - merchant_refund: a merchant's refund of a card payment, credited to the
 *   wallet because the card had been closed meanwhile;
 * - dispute_provisional_credit / dispute_credit / dispute_reversal: a
 *   dispute's credit while the case is open, its credit when the cardholder
 *   won without one, and the provisional credit taken back (the merchant
 *   won or the network refused the chargeback) — in the wallet when the
 *   disputed card was closed. The same names as the card statement's lines.
 */
export type TransferKind =
  | 'card_load'
  | 'card_unload'
  | 'card_close_sweep'
  | 'card_fee'
  | 'merchant_refund'
  | 'dispute_provisional_credit'
  | 'dispute_credit'
  | 'dispute_reversal';
export const TRANSFER_KINDS = [
  'card_load',
  'card_unload',
  'card_close_sweep',
  'card_fee',
  'merchant_refund',
  'dispute_provisional_credit',
  'dispute_credit',
  'dispute_reversal',
] as const satisfies readonly TransferKind[];

/** The transfer codes that move wallet money other than top-ups and withdrawals, by the kind they show as. */
const KIND_OF_CODE: ReadonlyMap<number, TransferKind> = new Map([
  [CARD_TRANSFER_CODES.card_load, 'card_load'],
  [CARD_TRANSFER_CODES.card_unload, 'card_unload'],
  [CARD_TRANSFER_CODES.card_close_sweep, 'card_close_sweep'],
  [CARD_TRANSFER_CODES.card_opening_fee, 'card_fee'],
  [CARD_TRANSFER_CODES.merchant_refund_wallet, 'merchant_refund'],
  [DISPUTE_TRANSFER_CODES.provisional_credit, 'dispute_provisional_credit'],
  [DISPUTE_TRANSFER_CODES.credit, 'dispute_credit'],
  [DISPUTE_TRANSFER_CODES.provisional_reversal, 'dispute_reversal'],
]);

export interface StatementEntry {
  /** The ledger transfer id, or the top-up order id for a top-up that never reached the wallet. */
  readonly id: string;
  readonly type: StatementType;
  readonly status: StatementStatus;
  /** Signed, in the wallet's currency: + money in, − money out. Zero for a top-up that never arrived. */
  readonly amount_minor: number;
  readonly currency: string;
  readonly at_ms: number;
  readonly top_up_order_id: string | null;
  readonly withdrawal_id: string | null;
  /** For top-ups: what was paid in CNY, the fee taken from it, and the rate. */
  readonly cny_amount_minor: number | null;
  readonly fee_cny_minor: number | null;
  readonly rate: string | null;
  /** The provider-side state of a top-up order, when the entry is one. */
  readonly order_status: TopUpOrderStatus | null;
  /** For a `transfer`: which one (see TransferKind). */
  readonly transfer_kind: TransferKind | null;
  /**
   * The card a transfer was for: from the ledger transfer's metadata (card moves, the opening fee), else from the
   * payment a refund was for or the dispute a credit was for; its last four digits from the card.
   */
  readonly card_id: string | null;
  readonly card_last4: string | null;
}

export interface StatementPage {
  readonly data: StatementEntry[];
  readonly has_more: boolean;
  readonly next_cursor: string | null;
}

export const STATEMENT_MAX_LIMIT = 100;

/** Top-ups that moved no money into the wallet; a credited one is shown from its ledger transfer. */
const UNCREDITED: readonly TopUpOrderStatus[] = ['created', 'paid', 'expired', 'closed', 'failed', 'refund_pending', 'refunded'];
const ORDER_STATUS_TO_ENTRY: Record<TopUpOrderStatus, StatementStatus> = {
  created: 'pending',
  paid: 'pending',
  credited: 'settled',
  expired: 'expired',
  closed: 'expired',
  failed: 'declined',
  refund_pending: 'refunded',
  refunded: 'refunded',
};
const HOLD_STATUS_TO_ENTRY = { pending: 'pending', posted: 'settled', voided: 'reversed', expired: 'expired' } as const;

interface Cursor {
  /** The ledger's own cursor, or 'end' when the ledger side is used up, or null for its start. */
  readonly l: string | null;
  /** The last top-up order given: [created_at_ms, id]; null for the start. */
  readonly o: readonly [number, string] | null;
}

/**
 * Every movement of a cardholder's wallet, newest first, merged from two
 * sources: the wallet account's ledger transfers (credited top-ups,
 * withdrawal holds with their outcome, fees, and later card moves), and the
 * top-up orders that moved no money into it (pending, expired, failed,
 * refunded). The cursor keeps a position in each, so a page never repeats or
 * skips an entry. Resolution transfers (the post or void of a hold) are not
 * entries of their own: the hold they resolve carries their outcome.
 */
export async function walletStatement(
  sql: Sql,
  ledger: Ledger,
  cardholderId: string,
  options: { limit?: number; cursor?: string | null } = {},
): Promise<StatementPage> {
  const limit = Math.min(Math.max(Math.trunc(options.limit ?? 20), 1), STATEMENT_MAX_LIMIT);
  const cursor = decode(options.cursor);
  const account = walletAccountId(cardholderId);

  const ledgerPage =
    cursor.l === 'end' ? { data: [] as Transfer[], has_more: false, next_cursor: null } : await readLedger(sql, ledger, account, cursor.l, limit);
  const orders = await sql.all<TopUpOrder>(
    `SELECT id, cardholder_id, quote_id, cny_amount_minor, fee_cny_minor, rate, usd_amount_minor, status, created_at_ms
     FROM issuer_topup_orders
     WHERE cardholder_id = ? AND status IN (${UNCREDITED.map(() => '?').join(', ')})
       AND (created_at_ms < ? OR (created_at_ms = ? AND id < ?))
     ORDER BY created_at_ms DESC, id DESC LIMIT ?`,
    [cardholderId, ...UNCREDITED, ...orderBound(cursor.o), limit + 1],
  );

  // Merge by time, newest first; on a tie the ledger entry comes first.
  const entries: StatementEntry[] = [];
  let rawUsed = 0;
  let ordersUsed = 0;
  const transfers = ledgerPage.data;
  while (entries.length < limit && (rawUsed < transfers.length || ordersUsed < orders.length)) {
    const transfer = transfers[rawUsed];
    const order = orders[ordersUsed];
    if (transfer && (!order || Number(transfer.created_at_ms) >= Number(order.created_at_ms))) {
      rawUsed++;
      const entry = transferEntry(transfer, account);
      if (entry) entries.push(entry);
    } else if (order) {
      ordersUsed++;
      entries.push(orderEntry(order));
    }
  }

  // The ledger position after what was used: its own cursor when the page was used up, else one more read.
  let nextLedger: string | null;
  if (cursor.l === 'end') nextLedger = 'end';
  else if (rawUsed === transfers.length) nextLedger = ledgerPage.has_more ? ledgerPage.next_cursor : 'end';
  else if (rawUsed === 0) nextLedger = cursor.l;
  else nextLedger = (await ledger.listAccountTransfers(sql, account, { limit: rawUsed, after: cursor.l })).next_cursor;
  const lastOrder = ordersUsed > 0 ? orders[ordersUsed - 1]! : null;
  const nextOrder: Cursor['o'] = lastOrder ? [Number(lastOrder.created_at_ms), lastOrder.id] : cursor.o;

  const ledgerLeft = nextLedger !== 'end';
  const ordersLeft = ordersUsed < orders.length;
  const hasMore = ledgerLeft || ordersLeft;
  const withCards = withCardIds(entries, await cardIdsOfPaymentsAndDisputes(sql, cardholderId, entries));
  const enriched = withCardLast4(enrich(withCards, await creditedOrders(sql, withCards)), await cardLast4s(sql, cardholderId, withCards));
  return { data: enriched, has_more: hasMore, next_cursor: hasMore ? encode({ l: nextLedger, o: nextOrder }) : null };
}

async function readLedger(sql: Sql, ledger: Ledger, account: string, after: string | null, limit: number) {
  try {
    return await ledger.listAccountTransfers(sql, account, { limit, after });
  } catch (error) {
    if (error instanceof InvalidCursor) throw new IssuerError('parameter_invalid', 'The cursor is not one this list gave.', { param: 'cursor' });
    throw error;
  }
}

function transferEntry(t: Transfer, account: string): StatementEntry | null {
  if (t.pending_id !== null) return null; // the post/void of a hold; the hold shows the outcome
  const sign = t.credit_account_id === account ? 1 : -1;
  const status: StatementStatus = t.pending_status === null ? 'settled' : HOLD_STATUS_TO_ENTRY[t.pending_status];
  const meta = t.metadata as Record<string, unknown>;
  const type: StatementType =
    t.code === TRANSFER_CODES.top_up_credit
      ? 'top_up'
      : t.code === TRANSFER_CODES.withdrawal_payout
        ? 'withdrawal'
        : t.code === TRANSFER_CODES.withdrawal_fee
          ? 'withdrawal_fee'
          : 'transfer';
  return {
    id: t.id,
    type,
    status,
    amount_minor: sign * Number(t.amount),
    currency: t.currency,
    at_ms: Number(t.created_at_ms),
    top_up_order_id: typeof meta.order_id === 'string' ? meta.order_id : null,
    withdrawal_id: typeof meta.withdrawal_id === 'string' ? meta.withdrawal_id : null,
    cny_amount_minor: null,
    fee_cny_minor: null,
    rate: null,
    order_status: null,
    transfer_kind: type === 'transfer' ? (KIND_OF_CODE.get(t.code) ?? null) : null,
    card_id: typeof meta.card_id === 'string' ? meta.card_id : null,
    card_last4: null,
  };
}

function orderEntry(order: TopUpOrder): StatementEntry {
  return {
    id: order.id,
    type: 'top_up',
    status: ORDER_STATUS_TO_ENTRY[order.status],
    amount_minor: 0,
    currency: 'USD',
    at_ms: Number(order.created_at_ms),
    top_up_order_id: order.id,
    withdrawal_id: null,
    cny_amount_minor: Number(order.cny_amount_minor),
    fee_cny_minor: Number(order.fee_cny_minor),
    rate: order.rate,
    order_status: order.status,
    transfer_kind: null,
    card_id: null,
    card_last4: null,
  };
}

/** One query for the orders behind the credited top-ups on the page. */
async function creditedOrders(sql: Sql, entries: readonly StatementEntry[]): Promise<Map<string, TopUpOrder>> {
  const ids = entries.filter((e) => e.type === 'top_up' && e.order_status === null && e.top_up_order_id).map((e) => e.top_up_order_id!);
  if (ids.length === 0) return new Map();
  const rows = await sql.all<TopUpOrder>(
    `SELECT id, cny_amount_minor, fee_cny_minor, rate, status FROM issuer_topup_orders WHERE id IN (${ids.map(() => '?').join(', ')})`,
    ids,
  );
  return new Map(rows.map((r) => [r.id, r]));
}

function enrich(entries: StatementEntry[], orders: Map<string, TopUpOrder>): StatementEntry[] {
  return entries.map((e) => {
    const order = e.order_status === null && e.top_up_order_id ? orders.get(e.top_up_order_id) : undefined;
    if (!order) return e;
    return { ...e, cny_amount_minor: Number(order.cny_amount_minor), fee_cny_minor: Number(order.fee_cny_minor), rate: order.rate, order_status: order.status };
  });
}

/**
 * The payment (authorization id) or dispute a refund's or dispute's transfer
 * was for, by its id: a refund's is `<authorization>:<seq>`, a dispute's
 * `idsp:<dispute>:<step>`. Their transfers carry no card in their metadata.
 */
function paymentOrDisputeOf(e: StatementEntry): { authorizationId: string } | { disputeId: string } | null {
  if (e.card_id !== null) return null;
  if (e.transfer_kind === 'merchant_refund') {
    const authorizationId = e.id.split(':')[0]!;
    return authorizationId.startsWith('iauth_') ? { authorizationId } : null;
  }
  if (e.transfer_kind === 'dispute_provisional_credit' || e.transfer_kind === 'dispute_credit' || e.transfer_kind === 'dispute_reversal') {
    const disputeId = disputeIdOfTransfer(e.id);
    return disputeId === null ? null : { disputeId };
  }
  return null;
}

/** One query each for the cards of the refunded payments and disputed ones on the page (only the cardholder's own), by entry id. */
async function cardIdsOfPaymentsAndDisputes(sql: Sql, cardholderId: string, entries: readonly StatementEntry[]): Promise<Map<string, string>> {
  const byEntry = new Map<string, string>();
  const sources = entries.map((e) => [e.id, paymentOrDisputeOf(e)] as const);
  const authorizationIds = [...new Set(sources.flatMap(([, s]) => (s !== null && 'authorizationId' in s ? [s.authorizationId] : [])))];
  const disputeIds = [...new Set(sources.flatMap(([, s]) => (s !== null && 'disputeId' in s ? [s.disputeId] : [])))];
  const cardOf = new Map<string, string>();
  if (authorizationIds.length > 0) {
    const rows = await sql.all<{ id: string; card_id: string | null }>(
      `SELECT id, card_id FROM issuer_authorizations WHERE cardholder_id = ? AND id IN (${authorizationIds.map(() => '?').join(', ')})`,
      [cardholderId, ...authorizationIds],
    );
    for (const r of rows) if (r.card_id !== null) cardOf.set(r.id, r.card_id);
  }
  if (disputeIds.length > 0) {
    const rows = await sql.all<{ id: string; card_id: string }>(
      `SELECT id, card_id FROM issuer_disputes WHERE cardholder_id = ? AND id IN (${disputeIds.map(() => '?').join(', ')})`,
      [cardholderId, ...disputeIds],
    );
    for (const r of rows) cardOf.set(r.id, r.card_id);
  }
  for (const [id, source] of sources) {
    if (source === null) continue;
    const card = cardOf.get('authorizationId' in source ? source.authorizationId : source.disputeId);
    if (card !== undefined) byEntry.set(id, card);
  }
  return byEntry;
}

function withCardIds(entries: StatementEntry[], cards: Map<string, string>): StatementEntry[] {
  if (cards.size === 0) return entries;
  return entries.map((e) => (cards.has(e.id) ? { ...e, card_id: cards.get(e.id)! } : e));
}

/** One query for the last four digits of the cards named on the page (only the cardholder's own). */
async function cardLast4s(sql: Sql, cardholderId: string, entries: readonly StatementEntry[]): Promise<Map<string, string>> {
  const ids = [...new Set(entries.map((e) => e.card_id).filter((id): id is string => id !== null))];
  if (ids.length === 0) return new Map();
  const rows = await sql.all<{ id: string; last4: string }>(
    `SELECT id, last4 FROM issuer_cards WHERE cardholder_id = ? AND id IN (${ids.map(() => '?').join(', ')})`,
    [cardholderId, ...ids],
  );
  return new Map(rows.map((r) => [r.id, r.last4]));
}

function withCardLast4(entries: StatementEntry[], last4s: Map<string, string>): StatementEntry[] {
  if (last4s.size === 0) return entries;
  return entries.map((e) => (e.card_id !== null && last4s.has(e.card_id) ? { ...e, card_last4: last4s.get(e.card_id)! } : e));
}

function orderBound(o: Cursor['o']): [number, number, string] {
  return o === null ? [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, ''] : [o[0], o[0], o[1]];
}

function encode(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

const CURSOR_MAX_CHARS = 512;

function decode(text: string | null | undefined): Cursor {
  if (text === undefined || text === null || text === '') return { l: null, o: null };
  const invalid = new IssuerError('parameter_invalid', 'The cursor is not one this list gave.', { param: 'cursor' });
  if (text.length > CURSOR_MAX_CHARS) throw invalid;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString());
  } catch {
    throw invalid;
  }
  const c = value as { l?: unknown; o?: unknown };
  if (typeof c !== 'object' || c === null) throw invalid;
  if (c.l !== null && typeof c.l !== 'string') throw invalid;
  if (c.o !== null && !(Array.isArray(c.o) && c.o.length === 2 && Number.isSafeInteger(c.o[0]) && typeof c.o[1] === 'string')) throw invalid;
  return { l: c.l as string | null, o: c.o as Cursor['o'] };
}
