import type { Sql, Tx } from '../../platform/db/database.ts';

/** Rows of quotes, orders and order events; SQL only, no rules. */

export type TopUpOrderStatus = 'created' | 'paid' | 'credited' | 'expired' | 'closed' | 'failed' | 'refund_pending' | 'refunded';

export interface TopUpQuote {
  readonly id: string;
  readonly cardholder_id: string;
  readonly cny_amount_minor: number;
  readonly fee_cny_minor: number;
  /** "7.20": 1 USD = 7.20 CNY, as given when the quote was made. */
  readonly rate: string;
  readonly usd_amount_minor: number;
  readonly created_at_ms: number;
  readonly expires_at_ms: number;
}

export interface TopUpOrder {
  readonly id: string;
  readonly cardholder_id: string;
  readonly quote_id: string;
  readonly cny_amount_minor: number;
  readonly fee_cny_minor: number;
  readonly rate: string;
  readonly usd_amount_minor: number;
  readonly status: TopUpOrderStatus;
  readonly provider_trade_no: string | null;
  readonly pay_url: string | null;
  readonly qr_payload: string | null;
  readonly created_at_ms: number;
  readonly expires_at_ms: number;
  readonly paid_at_ms: number | null;
  readonly credited_at_ms: number | null;
  readonly expired_at_ms: number | null;
  readonly closed_at_ms: number | null;
  readonly failed_at_ms: number | null;
  readonly refund_requested_at_ms: number | null;
  readonly refunded_at_ms: number | null;
  readonly provider_refund_id: string | null;
  readonly updated_at_ms: number;
}

export interface TopUpOrderEvent {
  readonly order_id: string;
  readonly from_status: string | null;
  readonly to_status: string;
  readonly reason: string;
  readonly at_ms: number;
}

const QUOTE_COLUMNS = 'id, cardholder_id, cny_amount_minor, fee_cny_minor, rate, usd_amount_minor, created_at_ms, expires_at_ms';
const ORDER_COLUMNS = `id, cardholder_id, quote_id, cny_amount_minor, fee_cny_minor, rate, usd_amount_minor, status,
  provider_trade_no, pay_url, qr_payload, created_at_ms, expires_at_ms, paid_at_ms, credited_at_ms, expired_at_ms,
  closed_at_ms, failed_at_ms, refund_requested_at_ms, refunded_at_ms, provider_refund_id, updated_at_ms`;

export async function insertQuote(sql: Sql, quote: TopUpQuote): Promise<void> {
  await sql.run(`INSERT INTO issuer_topup_quotes (${QUOTE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, [
    quote.id,
    quote.cardholder_id,
    quote.cny_amount_minor,
    quote.fee_cny_minor,
    quote.rate,
    quote.usd_amount_minor,
    quote.created_at_ms,
    quote.expires_at_ms,
  ]);
}

export function loadQuote(sql: Sql, id: string): Promise<TopUpQuote | undefined> {
  return sql.get<TopUpQuote>(`SELECT ${QUOTE_COLUMNS} FROM issuer_topup_quotes WHERE id = ?`, [id]);
}

/** The quote, locked until the transaction ends: one order per quote is decided under it (two taps of "pay" make one order). */
export function lockQuote(tx: Tx, id: string): Promise<TopUpQuote | undefined> {
  return tx.get<TopUpQuote>(`SELECT ${QUOTE_COLUMNS} FROM issuer_topup_quotes WHERE id = ? ${tx.forUpdate}`, [id]);
}

export async function insertOrder(tx: Tx, order: TopUpOrder, reason: string): Promise<void> {
  await tx.run(
    `INSERT INTO issuer_topup_orders (id, cardholder_id, quote_id, cny_amount_minor, fee_cny_minor, rate, usd_amount_minor,
       status, created_at_ms, expires_at_ms, updated_at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      order.id,
      order.cardholder_id,
      order.quote_id,
      order.cny_amount_minor,
      order.fee_cny_minor,
      order.rate,
      order.usd_amount_minor,
      order.status,
      order.created_at_ms,
      order.expires_at_ms,
      order.updated_at_ms,
    ],
  );
  await recordEvent(tx, order.id, null, order.status, reason, order.created_at_ms);
}

export function loadOrder(sql: Sql, id: string): Promise<TopUpOrder | undefined> {
  return sql.get<TopUpOrder>(`SELECT ${ORDER_COLUMNS} FROM issuer_topup_orders WHERE id = ?`, [id]);
}

/** Locks the order for the rest of the transaction (PostgreSQL; SQLite's writer lock already serializes). */
export function lockOrder(tx: Tx, id: string): Promise<TopUpOrder | undefined> {
  return tx.get<TopUpOrder>(`SELECT ${ORDER_COLUMNS} FROM issuer_topup_orders WHERE id = ? ${tx.forUpdate}`, [id]);
}

export function loadOrderForQuote(sql: Sql, quoteId: string): Promise<TopUpOrder | undefined> {
  return sql.get<TopUpOrder>(`SELECT ${ORDER_COLUMNS} FROM issuer_topup_orders WHERE quote_id = ?`, [quoteId]);
}

type Stamp = 'paid_at_ms' | 'credited_at_ms' | 'expired_at_ms' | 'closed_at_ms' | 'failed_at_ms' | 'refund_requested_at_ms' | 'refunded_at_ms';

/** Moves an order from one status to another, stamping the given times and recording the event. */
export async function transition(
  tx: Tx,
  order: TopUpOrder,
  to: TopUpOrderStatus,
  change: { reason: string; nowMs: number; stamps: readonly Stamp[]; extra?: Partial<Record<'provider_trade_no' | 'provider_refund_id', string>> },
): Promise<void> {
  const sets = ['status = ?', 'updated_at_ms = ?', ...change.stamps.map((s) => `${s} = ?`)];
  const params: unknown[] = [to, change.nowMs, ...change.stamps.map(() => change.nowMs)];
  for (const [column, value] of Object.entries(change.extra ?? {})) {
    sets.push(`${column} = ?`);
    params.push(value);
  }
  const changed = await tx.run(`UPDATE issuer_topup_orders SET ${sets.join(', ')} WHERE id = ? AND status = ?`, [...params, order.id, order.status]);
  if (changed !== 1) throw new Error(`top-up order ${order.id} changed under a lock`);
  await recordEvent(tx, order.id, order.status, to, change.reason, change.nowMs);
}

export async function recordEvent(sql: Sql, orderId: string, from: string | null, to: string, reason: string, atMs: number): Promise<void> {
  await sql.run('INSERT INTO issuer_topup_order_events (order_id, from_status, to_status, reason, at_ms) VALUES (?, ?, ?, ?, ?)', [
    orderId,
    from,
    to,
    reason,
    atMs,
  ]);
}

export function listOrderEvents(sql: Sql, orderId: string): Promise<TopUpOrderEvent[]> {
  return sql.all<TopUpOrderEvent>(
    'SELECT order_id, from_status, to_status, reason, at_ms FROM issuer_topup_order_events WHERE order_id = ? ORDER BY seq',
    [orderId],
  );
}

export async function dueOrderIds(sql: Sql, status: TopUpOrderStatus, beforeMs: number, limit: number): Promise<string[]> {
  const rows = await sql.all<{ id: string }>(
    'SELECT id FROM issuer_topup_orders WHERE status = ? AND expires_at_ms <= ? ORDER BY expires_at_ms, id LIMIT ?',
    [status, beforeMs, limit],
  );
  return rows.map((r) => r.id);
}
