import type { Migration } from '../../platform/db/migrations.ts';

/**
 * Customers of a merchant (Stripe's Customer). A deleted customer keeps its
 * row with `deleted_at_ms`: its id stays taken, retrieving it answers
 * `deleted: true` as at Stripe, and its events still point at something.
 * `default_payment_method_id` is Stripe's
 * `invoice_settings.default_payment_method`: a payment method attached to
 * this customer (checked when set; cleared when it is detached).
 */
export const customerMigrations: readonly Migration[] = [
  {
    id: 'acquirer/020_customers',
    sql: `
CREATE TABLE acquirer_customers (
  id TEXT PRIMARY KEY,
  merchant_id TEXT NOT NULL REFERENCES acquirer_merchants (id),
  email TEXT,
  name TEXT,
  phone TEXT,
  description TEXT,
  metadata TEXT NOT NULL,
  default_payment_method_id TEXT,
  created_at_ms BIGINT NOT NULL,
  deleted_at_ms BIGINT
);
CREATE INDEX acquirer_customers_merchant ON acquirer_customers (merchant_id, id);
CREATE INDEX acquirer_customers_email ON acquirer_customers (merchant_id, email, id);
`,
  },
];
