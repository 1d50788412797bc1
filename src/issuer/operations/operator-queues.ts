import type { Sql } from '../../platform/db/database.ts';
import { afterPosition, keysetOrderBy, pageOf, type KeysetOrder, type KeysetPage, type KeysetPosition } from '../../platform/db/keyset-page.ts';
import type { IssuerDisputeRow } from '../disputes/disputes.ts';
import type { TopUpOrder } from '../money/top-up-store.ts';
import type { Withdrawal } from '../money/withdrawal.ts';

/**
 * What the operator console lists, newest or oldest first, one page at a
 * time (the keyset of each is its (created_at_ms, id), migrations.ts): identity
 * verifications, top-up orders, withdrawals and disputes, each with whom it
 * belongs to. Reads only.
 */

export interface PageRequest<S extends string> {
  readonly status: S | null;
  readonly limit: number;
  readonly after: KeysetPosition | null;
  /** Newest first for history; oldest first to work a queue (the longest waiting at the top). */
  readonly order: KeysetOrder;
}

export interface WithCardholder {
  readonly phone_e164: string;
}

export interface KycQueueRow {
  readonly id: string;
  readonly cardholder_id: string;
  readonly phone_e164: string;
  readonly status: 'pending' | 'approved' | 'rejected';
  /** The free text of a rejection from before the reason codes; null since. */
  readonly reason: string | null;
  readonly reason_code: string | null;
  readonly internal_note: string | null;
  readonly provider: string;
  readonly created_at_ms: number;
  readonly completed_at_ms: number | null;
}

const position = (row: { readonly created_at_ms: number | string; readonly id: string }): KeysetPosition => ({ atMs: Number(row.created_at_ms), id: row.id });

async function page<R extends { readonly created_at_ms: number | string; readonly id: string }>(
  sql: Sql,
  select: string,
  alias: string,
  request: PageRequest<string>,
): Promise<KeysetPage<R>> {
  const after = afterPosition(`${alias}.created_at_ms`, `${alias}.id`, request.after, request.order);
  const status = request.status === null ? { sql: '1 = 1', params: [] as unknown[] } : { sql: `${alias}.status = ?`, params: [request.status] };
  const rows = await sql.all<R>(
    `${select} WHERE ${status.sql} AND ${after.sql} ORDER BY ${keysetOrderBy(`${alias}.created_at_ms`, `${alias}.id`, request.order)} LIMIT ?`,
    [...status.params, ...after.params, request.limit + 1],
  );
  return pageOf(rows, request.limit, position);
}

export function kycQueue(sql: Sql, request: PageRequest<KycQueueRow['status']>): Promise<KeysetPage<KycQueueRow>> {
  return page<KycQueueRow>(
    sql,
    `SELECT k.id, k.cardholder_id, c.phone_e164, k.status, k.reason, k.reason_code, k.internal_note, k.provider, k.created_at_ms, k.completed_at_ms
       FROM issuer_kyc_verifications k JOIN issuer_cardholders c ON c.id = k.cardholder_id`,
    'k',
    request,
  );
}

export function topUpList(sql: Sql, request: PageRequest<TopUpOrder['status']>): Promise<KeysetPage<TopUpOrder & WithCardholder>> {
  return page<TopUpOrder & WithCardholder>(sql, `SELECT o.*, c.phone_e164 FROM issuer_topup_orders o JOIN issuer_cardholders c ON c.id = o.cardholder_id`, 'o', request);
}

export function withdrawalList(sql: Sql, request: PageRequest<Withdrawal['status']>): Promise<KeysetPage<Withdrawal & WithCardholder>> {
  return page<Withdrawal & WithCardholder>(sql, `SELECT w.*, c.phone_e164 FROM issuer_withdrawals w JOIN issuer_cardholders c ON c.id = w.cardholder_id`, 'w', request);
}

/** A dispute with the payment it disputes: where, and on which card (its last four digits only). */
export interface DisputeQueueRow extends IssuerDisputeRow, WithCardholder {
  readonly merchant_name: string | null;
  readonly card_last4: string | null;
}

export function disputeList(sql: Sql, request: PageRequest<IssuerDisputeRow['status']>): Promise<KeysetPage<DisputeQueueRow>> {
  return page<DisputeQueueRow>(
    sql,
    `SELECT d.*, c.phone_e164, a.merchant_name, a.pan_last4 AS card_last4
       FROM issuer_disputes d JOIN issuer_cardholders c ON c.id = d.cardholder_id LEFT JOIN issuer_authorizations a ON a.id = d.authorization_id`,
    'd',
    request,
  );
}

/**
 * A phone number as an operator's list shows it: the country code and the
 * first digits, then only the last four (+86138****0001) — enough to tell
 * people apart and match a call, not to copy a list of numbers.
 */
export function maskedPhone(e164: string): string {
  if (e164.length <= 8) return `${e164.slice(0, 2)}****`;
  return `${e164.slice(0, 6)}${'*'.repeat(Math.max(4, e164.length - 10))}${e164.slice(-4)}`;
}
