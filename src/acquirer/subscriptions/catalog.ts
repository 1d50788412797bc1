import type { Sql, Tx } from '../../platform/db/database.ts';
import { noSuchObject } from '../errors.ts';
import type { Metadata } from '../stripe/params.ts';
import type { RecurringInterval } from './billing-periods.ts';

/**
 * The merchant's catalogue: products and their prices, stored and shown in
 * Stripe's shapes. A price never changes what it charges (Stripe's rule: a
 * new amount is a new price), so a subscription's invoices always bill what
 * its price said when it was chosen.
 */

export interface ProductRow {
  id: string;
  merchant_id: string;
  name: string;
  description: string | null;
  active: number | string;
  default_price_id: string | null;
  metadata: string;
  created_at_ms: number | string;
  updated_at_ms: number | string;
}

export const PRODUCT_COLUMNS = 'id, merchant_id, name, description, active, default_price_id, metadata, created_at_ms, updated_at_ms';

export interface PriceRow {
  id: string;
  merchant_id: string;
  product_id: string;
  currency: string;
  unit_amount_minor: number | string;
  recurring_interval: RecurringInterval | null;
  recurring_interval_count: number | string | null;
  active: number | string;
  nickname: string | null;
  lookup_key: string | null;
  metadata: string;
  created_at_ms: number | string;
}

export const PRICE_COLUMNS = 'id, merchant_id, product_id, currency, unit_amount_minor, recurring_interval, recurring_interval_count, active, nickname, lookup_key, metadata, created_at_ms';

const seconds = (ms: number | string) => Math.floor(Number(ms) / 1000);

export function productObject(row: ProductRow): Record<string, unknown> & { id: string } {
  return {
    id: row.id,
    object: 'product',
    active: Number(row.active) === 1,
    created: seconds(row.created_at_ms),
    default_price: row.default_price_id,
    description: row.description,
    images: [],
    livemode: false,
    marketing_features: [],
    metadata: JSON.parse(row.metadata) as Metadata,
    name: row.name,
    package_dimensions: null,
    shippable: null,
    statement_descriptor: null,
    tax_code: null,
    type: 'service',
    unit_label: null,
    updated: seconds(row.updated_at_ms),
    url: null,
  };
}

export function priceObject(row: PriceRow): Record<string, unknown> & { id: string } {
  const amount = Number(row.unit_amount_minor);
  return {
    id: row.id,
    object: 'price',
    active: Number(row.active) === 1,
    billing_scheme: 'per_unit',
    created: seconds(row.created_at_ms),
    currency: row.currency,
    custom_unit_amount: null,
    livemode: false,
    lookup_key: row.lookup_key,
    metadata: JSON.parse(row.metadata) as Metadata,
    nickname: row.nickname,
    product: row.product_id,
    recurring:
      row.recurring_interval === null
        ? null
        : { interval: row.recurring_interval, interval_count: Number(row.recurring_interval_count), meter: null, trial_period_days: null, usage_type: 'licensed' },
    tax_behavior: 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
    type: row.recurring_interval === null ? 'one_time' : 'recurring',
    unit_amount: amount,
    unit_amount_decimal: String(amount),
  };
}

/**
 * Stripe still shows a subscription item's price as the legacy `plan` too;
 * integrations written against plans read it, so it is the same price in that shape.
 */
export function planObject(row: PriceRow): Record<string, unknown> {
  const amount = Number(row.unit_amount_minor);
  return {
    id: row.id,
    object: 'plan',
    active: Number(row.active) === 1,
    amount,
    amount_decimal: String(amount),
    billing_scheme: 'per_unit',
    created: seconds(row.created_at_ms),
    currency: row.currency,
    interval: row.recurring_interval,
    interval_count: Number(row.recurring_interval_count),
    livemode: false,
    metadata: JSON.parse(row.metadata) as Metadata,
    meter: null,
    nickname: row.nickname,
    product: row.product_id,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: null,
    usage_type: 'licensed',
  };
}

export async function findProduct(sql: Sql, merchantId: string, id: string, lock = false): Promise<ProductRow | undefined> {
  return sql.get<ProductRow>(`SELECT ${PRODUCT_COLUMNS} FROM acquirer_products WHERE merchant_id = ? AND id = ?${lock ? ` ${(sql as Tx).forUpdate}` : ''}`, [merchantId, id]);
}

export async function requireProduct(sql: Sql, merchantId: string, id: string, param = 'id', lock = false): Promise<ProductRow> {
  const row = await findProduct(sql, merchantId, id, lock);
  if (row === undefined) throw noSuchObject(`No such product: '${id}'`, param);
  return row;
}

export async function findPrice(sql: Sql, merchantId: string, id: string): Promise<PriceRow | undefined> {
  return sql.get<PriceRow>(`SELECT ${PRICE_COLUMNS} FROM acquirer_prices WHERE merchant_id = ? AND id = ?`, [merchantId, id]);
}

export async function requirePrice(sql: Sql, merchantId: string, id: string, param = 'id'): Promise<PriceRow> {
  const row = await findPrice(sql, merchantId, id);
  if (row === undefined) throw noSuchObject(`No such price: '${id}'`, param);
  return row;
}
