import { formatMoney, money } from '../../platform/money.ts';
import { listMoneySettingHistory, type MoneySettings } from '../money/settings.ts';
import type { StatementEntry } from '../money/statement.ts';
import type { TopUpOrder, TopUpQuote } from '../money/top-up.ts';
import type { Withdrawal } from '../money/withdrawal.ts';

/** The money API's JSON objects, from the money services' records (shapes in money-schemas.ts). */

// How many recent setting changes the operator's settings answer shows.
const SETTINGS_HISTORY_SHOWN = 50;

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

/** An amount with its currency, in integer minor units and as text for people. */
export function amount(amountMinor: number, currency: string) {
  return { amount_minor: amountMinor, currency, formatted: formatMoney(money(amountMinor, currency)) };
}

/** The wallet's balance from its ledger account (none yet reads as zero): pending is held for payouts still running. */
export function walletJson(balance: { readonly available: number; readonly debits_pending: number } | null) {
  const available = balance?.available ?? 0;
  const pending = balance?.debits_pending ?? 0;
  return { object: 'wallet', currency: 'USD', available: amount(available, 'USD'), pending: amount(pending, 'USD'), posted: amount(available + pending, 'USD') };
}

export function quoteJson(q: TopUpQuote) {
  return {
    id: q.id,
    object: 'top_up_quote',
    cny_amount: amount(q.cny_amount_minor, 'CNY'),
    fee: amount(q.fee_cny_minor, 'CNY'),
    rate: q.rate,
    usd_amount: amount(q.usd_amount_minor, 'USD'),
    created_at: iso(q.created_at_ms),
    expires_at: iso(q.expires_at_ms),
  };
}

export function topUpJson(o: TopUpOrder) {
  return {
    id: o.id,
    object: 'top_up',
    quote_id: o.quote_id,
    status: o.status,
    cny_amount: amount(o.cny_amount_minor, 'CNY'),
    fee: amount(o.fee_cny_minor, 'CNY'),
    rate: o.rate,
    usd_amount: amount(o.usd_amount_minor, 'USD'),
    pay_url: o.pay_url,
    qr_payload: o.qr_payload,
    created_at: iso(o.created_at_ms),
    expires_at: iso(o.expires_at_ms),
    credited_at: isoOrNull(o.credited_at_ms),
    refunded_at: isoOrNull(o.refunded_at_ms),
  };
}

export function withdrawalJson(w: Withdrawal) {
  return {
    id: w.id,
    object: 'withdrawal',
    status: w.status,
    amount: amount(w.amount_usd_minor, 'USD'),
    fee: amount(w.fee_usd_minor, 'USD'),
    payout: amount(w.payout_usd_minor, 'USD'),
    payout_cny: amount(w.payout_cny_minor, 'CNY'),
    rate: w.rate,
    failure_reason: w.failure_reason,
    created_at: iso(w.created_at_ms),
    paid_at: isoOrNull(w.paid_at_ms),
    failed_at: isoOrNull(w.failed_at_ms),
  };
}

export function entryJson(e: StatementEntry) {
  return {
    id: e.id,
    object: 'statement_entry',
    type: e.type,
    transfer_kind: e.transfer_kind,
    card: e.card_id === null ? null : { id: e.card_id, last4: e.card_last4 },
    status: e.status,
    amount: amount(e.amount_minor, e.currency),
    created_at: iso(e.at_ms),
    top_up_id: e.top_up_order_id,
    withdrawal_id: e.withdrawal_id,
    cny_amount: e.cny_amount_minor === null ? null : amount(e.cny_amount_minor, 'CNY'),
    fee: e.fee_cny_minor === null ? null : amount(e.fee_cny_minor, 'CNY'),
    rate: e.rate,
    top_up_status: e.order_status,
  };
}

export async function settingsJson(sql: Parameters<typeof listMoneySettingHistory>[0], settings: MoneySettings) {
  const history = await listMoneySettingHistory(sql, { limit: SETTINGS_HISTORY_SHOWN });
  return { settings, history: history.map((h) => ({ name: h.name, value: h.value, changed_by: h.changed_by, changed_at: iso(h.changed_at_ms) })) };
}
