import type { Migration } from '../../platform/db/migrations.ts';

/**
 * Stripe Billing's core as the acquirer serves it (`/v1/products`,
 * `/v1/prices`, `/v1/subscriptions`, `/v1/invoices`): a merchant's own
 * recurring charges to its customers. (Not src/billing's subscriptions,
 * which are an organization's plan with Cardlane.)
 *
 * A subscription's periods are counted from its billing cycle anchor
 * (`cycle` 0 is the first), so a month that is shorter than the anchor's
 * day never shifts later periods (billing-periods.ts). An invoice belongs to
 * one billed period: `UNIQUE (subscription_id, billed_period_start_ms)` is
 * what makes a renewal happen once even when two processes (or a crash and
 * its retry) reach the same period end. `collecting` marks an invoice whose
 * payment attempt has been asked for and whose outcome is not recorded yet;
 * `collect_after_ms` (server time) is when the sweep may take it over from
 * the request that started it.
 */
export const subscriptionMigrations: readonly Migration[] = [
  {
    id: 'acquirer/050_billing_products_prices',
    sql: `
CREATE TABLE acquirer_products (
  id TEXT PRIMARY KEY,
  merchant_id TEXT NOT NULL,
  name TEXT NOT NULL,
  description TEXT,
  active INTEGER NOT NULL,
  default_price_id TEXT,
  metadata TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL
);
CREATE INDEX acquirer_products_merchant ON acquirer_products (merchant_id, id);
CREATE TABLE acquirer_prices (
  id TEXT PRIMARY KEY,
  merchant_id TEXT NOT NULL,
  product_id TEXT NOT NULL,
  currency TEXT NOT NULL,
  unit_amount_minor BIGINT NOT NULL,
  recurring_interval TEXT,
  recurring_interval_count INTEGER,
  active INTEGER NOT NULL,
  nickname TEXT,
  lookup_key TEXT,
  metadata TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL
);
CREATE INDEX acquirer_prices_merchant ON acquirer_prices (merchant_id, id);
CREATE INDEX acquirer_prices_product ON acquirer_prices (merchant_id, product_id, id);
`,
  },
  {
    id: 'acquirer/051_billing_subscriptions_invoices',
    sql: `
CREATE TABLE acquirer_subscriptions (
  id TEXT PRIMARY KEY,
  merchant_id TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  status TEXT NOT NULL,
  currency TEXT NOT NULL,
  default_payment_method_id TEXT,
  description TEXT,
  metadata TEXT NOT NULL,
  billing_cycle_anchor_ms BIGINT NOT NULL,
  cycle INTEGER NOT NULL,
  current_period_start_ms BIGINT NOT NULL,
  current_period_end_ms BIGINT NOT NULL,
  cancel_at_period_end INTEGER NOT NULL,
  canceled_at_ms BIGINT,
  ended_at_ms BIGINT,
  cancellation_comment TEXT,
  cancellation_feedback TEXT,
  cancellation_reason TEXT,
  latest_invoice_id TEXT,
  test_clock_id TEXT,
  created_at_ms BIGINT NOT NULL
);
CREATE INDEX acquirer_subscriptions_merchant ON acquirer_subscriptions (merchant_id, id);
CREATE INDEX acquirer_subscriptions_customer ON acquirer_subscriptions (merchant_id, customer_id, id);
CREATE INDEX acquirer_subscriptions_due ON acquirer_subscriptions (status, current_period_end_ms);
CREATE TABLE acquirer_subscription_items (
  id TEXT PRIMARY KEY,
  merchant_id TEXT NOT NULL,
  subscription_id TEXT NOT NULL,
  price_id TEXT NOT NULL,
  quantity INTEGER NOT NULL,
  metadata TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL
);
CREATE INDEX acquirer_subscription_items_subscription ON acquirer_subscription_items (subscription_id, id);
CREATE TABLE acquirer_invoices (
  id TEXT PRIMARY KEY,
  merchant_id TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  subscription_id TEXT,
  number TEXT NOT NULL,
  status TEXT NOT NULL,
  billing_reason TEXT NOT NULL,
  currency TEXT NOT NULL,
  amount_due_minor BIGINT NOT NULL,
  amount_paid_minor BIGINT NOT NULL,
  attempt_count INTEGER NOT NULL,
  period_start_ms BIGINT NOT NULL,
  period_end_ms BIGINT NOT NULL,
  billed_period_start_ms BIGINT NOT NULL,
  payment_intent_id TEXT NOT NULL,
  last_attempt_charge_id TEXT,
  collecting INTEGER NOT NULL,
  collect_after_ms BIGINT NOT NULL,
  customer_email TEXT,
  customer_name TEXT,
  test_clock_id TEXT,
  created_at_ms BIGINT NOT NULL,
  finalized_at_ms BIGINT NOT NULL,
  paid_at_ms BIGINT,
  UNIQUE (subscription_id, billed_period_start_ms)
);
CREATE INDEX acquirer_invoices_merchant ON acquirer_invoices (merchant_id, id);
CREATE INDEX acquirer_invoices_customer ON acquirer_invoices (merchant_id, customer_id, id);
CREATE INDEX acquirer_invoices_collecting ON acquirer_invoices (collecting, collect_after_ms);
CREATE TABLE acquirer_invoice_lines (
  id TEXT PRIMARY KEY,
  merchant_id TEXT NOT NULL,
  invoice_id TEXT NOT NULL,
  subscription_item_id TEXT NOT NULL,
  price_id TEXT NOT NULL,
  quantity INTEGER NOT NULL,
  amount_minor BIGINT NOT NULL,
  description TEXT NOT NULL,
  period_start_ms BIGINT NOT NULL,
  period_end_ms BIGINT NOT NULL
);
CREATE INDEX acquirer_invoice_lines_invoice ON acquirer_invoice_lines (invoice_id, id);
`,
  },
  {
    // An invoice's number takes the next of its customer's sequence (Stripe's `next_invoice_sequence`), advanced in
    // the statement that takes it: the COUNT of the customer's invoices it replaces gave two invoices made at once on
    // PostgreSQL the same number, and read all the customer's invoices each time.
    id: 'acquirer/052_customer_invoice_sequence',
    sql: `
ALTER TABLE acquirer_customers ADD COLUMN next_invoice_sequence BIGINT NOT NULL DEFAULT 1;
UPDATE acquirer_customers SET next_invoice_sequence = 1 + (
  SELECT COUNT(*) FROM acquirer_invoices i WHERE i.merchant_id = acquirer_customers.merchant_id AND i.customer_id = acquirer_customers.id
);
`,
  },
];
