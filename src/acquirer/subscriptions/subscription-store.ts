import type { Sql, Tx } from '../../platform/db/database.ts';
import { noSuchObject } from '../errors.ts';
import type { Metadata } from '../stripe/params.ts';
import { billingPeriod, type RecurringInterval } from './billing-periods.ts';
import { planObject, PRICE_COLUMNS, priceObject, type PriceRow } from './catalog.ts';

/**
 * Subscriptions and their items: rows, Stripe's objects, and the one query
 * every renewal needs (the period a cycle covers). Statuses as Stripe's:
 * `incomplete` until the first invoice is paid, `active`, `past_due` while a
 * renewal's invoice is unpaid, `canceled` at the end.
 */

export type SubscriptionStatus = 'incomplete' | 'active' | 'past_due' | 'canceled';

export interface SubscriptionRow {
  id: string;
  merchant_id: string;
  customer_id: string;
  status: SubscriptionStatus;
  currency: string;
  default_payment_method_id: string | null;
  description: string | null;
  metadata: string;
  billing_cycle_anchor_ms: number | string;
  cycle: number | string;
  current_period_start_ms: number | string;
  current_period_end_ms: number | string;
  cancel_at_period_end: number | string;
  canceled_at_ms: number | string | null;
  ended_at_ms: number | string | null;
  cancellation_comment: string | null;
  cancellation_feedback: string | null;
  cancellation_reason: string | null;
  latest_invoice_id: string | null;
  test_clock_id: string | null;
  created_at_ms: number | string;
}

export const SUBSCRIPTION_COLUMNS =
  'id, merchant_id, customer_id, status, currency, default_payment_method_id, description, metadata, billing_cycle_anchor_ms, cycle, current_period_start_ms, current_period_end_ms, cancel_at_period_end, canceled_at_ms, ended_at_ms, cancellation_comment, cancellation_feedback, cancellation_reason, latest_invoice_id, test_clock_id, created_at_ms';

/** An item with its price (prices never change what they charge, so the join is stable). */
export interface ItemWithPrice {
  readonly id: string;
  readonly quantity: number;
  readonly metadata: Metadata;
  readonly createdAtMs: number;
  readonly price: PriceRow;
}

const seconds = (ms: number | string | null) => (ms === null ? null : Math.floor(Number(ms) / 1000));

export async function findSubscription(sql: Sql, merchantId: string, id: string, lock = false): Promise<SubscriptionRow | undefined> {
  return sql.get<SubscriptionRow>(`SELECT ${SUBSCRIPTION_COLUMNS} FROM acquirer_subscriptions WHERE merchant_id = ? AND id = ?${lock ? ` ${(sql as Tx).forUpdate}` : ''}`, [merchantId, id]);
}

export async function requireSubscription(sql: Sql, merchantId: string, id: string, param = 'id', lock = false): Promise<SubscriptionRow> {
  const row = await findSubscription(sql, merchantId, id, lock);
  if (row === undefined) throw noSuchObject(`No such subscription: '${id}'`, param);
  return row;
}

export async function subscriptionItems(sql: Sql, subscriptionId: string): Promise<ItemWithPrice[]> {
  const prefixed = PRICE_COLUMNS.split(', ').map((column) => `p.${column} AS price_${column}`).join(', ');
  const rows = await sql.all<Record<string, unknown>>(
    `SELECT i.id AS item_id, i.quantity AS item_quantity, i.metadata AS item_metadata, i.created_at_ms AS item_created_at_ms, ${prefixed}
     FROM acquirer_subscription_items i JOIN acquirer_prices p ON p.id = i.price_id WHERE i.subscription_id = ? ORDER BY i.id`,
    [subscriptionId],
  );
  return rows.map((row) => ({
    id: row.item_id as string,
    quantity: Number(row.item_quantity),
    metadata: JSON.parse(row.item_metadata as string) as Metadata,
    createdAtMs: Number(row.item_created_at_ms),
    price: Object.fromEntries(PRICE_COLUMNS.split(', ').map((column) => [column, row[`price_${column}`]])) as unknown as PriceRow,
  }));
}

/** The interval every item of a subscription shares (checked when it is made). */
export function scheduleOf(items: readonly ItemWithPrice[]): { interval: RecurringInterval; count: number } {
  const price = items[0]!.price;
  return { interval: price.recurring_interval!, count: Number(price.recurring_interval_count) };
}

/** What one period of the subscription costs: Σ unit amount × quantity. */
export function periodAmount(items: readonly ItemWithPrice[]): number {
  return items.reduce((sum, item) => sum + Number(item.price.unit_amount_minor) * item.quantity, 0);
}

export function periodOfCycle(row: SubscriptionRow, items: readonly ItemWithPrice[], cycle: number): { startMs: number; endMs: number } {
  const { interval, count } = scheduleOf(items);
  return billingPeriod(Number(row.billing_cycle_anchor_ms), interval, count, cycle);
}

export function subscriptionObject(row: SubscriptionRow, items: readonly ItemWithPrice[]): Record<string, unknown> & { id: string } {
  const periodStart = seconds(row.current_period_start_ms);
  const periodEnd = seconds(row.current_period_end_ms);
  const cancelAtPeriodEnd = Number(row.cancel_at_period_end) === 1;
  return {
    id: row.id,
    object: 'subscription',
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: seconds(row.billing_cycle_anchor_ms),
    billing_cycle_anchor_config: null,
    billing_mode: { flexible: null, type: 'classic' },
    billing_schedules: [],
    billing_thresholds: null,
    cancel_at: cancelAtPeriodEnd && row.status !== 'canceled' ? periodEnd : null,
    cancel_at_period_end: cancelAtPeriodEnd,
    canceled_at: seconds(row.canceled_at_ms),
    cancellation_details: { comment: row.cancellation_comment, feedback: row.cancellation_feedback, reason: row.cancellation_reason },
    collection_method: 'charge_automatically',
    created: seconds(row.created_at_ms),
    currency: row.currency,
    customer: row.customer_id,
    customer_account: null,
    days_until_due: null,
    default_payment_method: row.default_payment_method_id,
    default_source: null,
    default_tax_rates: [],
    description: row.description,
    discounts: [],
    ended_at: seconds(row.ended_at_ms),
    invoice_settings: { account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: { type: 'self' } },
    items: {
      object: 'list',
      data: items.map((item) => subscriptionItemObject(row.id, item, periodStart!, periodEnd!)),
      has_more: false,
      total_count: items.length,
      url: `/v1/subscription_items?subscription=${row.id}`,
    },
    latest_invoice: row.latest_invoice_id,
    livemode: false,
    managed_payments: { enabled: false },
    metadata: JSON.parse(row.metadata) as Metadata,
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: 'off' },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: seconds(row.created_at_ms),
    status: row.status,
    test_clock: row.test_clock_id,
    transfer_data: null,
    trial_end: null,
    trial_settings: { end_behavior: { missing_payment_method: 'create_invoice' } },
    trial_start: null,
  };
}

/** A subscription item; its period is the subscription's current one (where the current API version keeps it). */
function subscriptionItemObject(subscriptionId: string, item: ItemWithPrice, periodStart: number, periodEnd: number): Record<string, unknown> {
  return {
    id: item.id,
    object: 'subscription_item',
    billing_thresholds: null,
    created: seconds(item.createdAtMs),
    current_period_end: periodEnd,
    current_period_start: periodStart,
    discounts: [],
    metadata: item.metadata,
    plan: planObject(item.price),
    price: priceObject(item.price),
    quantity: item.quantity,
    subscription: subscriptionId,
    tax_rates: [],
  };
}

/** The subscription as its endpoints answer it (items and prices read). */
export async function loadSubscriptionObject(sql: Sql, row: SubscriptionRow): Promise<Record<string, unknown> & { id: string }> {
  return subscriptionObject(row, await subscriptionItems(sql, row.id));
}

/** Writes the changing columns of a subscription row. */
export async function saveSubscription(tx: Tx, row: SubscriptionRow): Promise<void> {
  await tx.run(
    `UPDATE acquirer_subscriptions SET status = ?, default_payment_method_id = ?, description = ?, metadata = ?, cycle = ?, current_period_start_ms = ?, current_period_end_ms = ?,
       cancel_at_period_end = ?, canceled_at_ms = ?, ended_at_ms = ?, cancellation_comment = ?, cancellation_feedback = ?, cancellation_reason = ?, latest_invoice_id = ?
     WHERE id = ? AND merchant_id = ?`,
    [
      row.status, row.default_payment_method_id, row.description, row.metadata, row.cycle, row.current_period_start_ms, row.current_period_end_ms,
      row.cancel_at_period_end, row.canceled_at_ms, row.ended_at_ms, row.cancellation_comment, row.cancellation_feedback, row.cancellation_reason, row.latest_invoice_id,
      row.id, row.merchant_id,
    ],
  );
}
