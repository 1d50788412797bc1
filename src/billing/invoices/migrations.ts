import type { Migration } from '../../platform/db/migrations.ts';

/**
 * Invoices: the organization's billing profile (who the invoice is made out
 * to), one counter row per organization (the next number is taken under its
 * row lock in the payment's transaction, so numbers have no gaps and no
 * duplicates), and one invoice per successful payment, with a copy of the
 * profile and the tax as they were when it was issued.
 */
export const invoiceMigrations: readonly Migration[] = [
  {
    id: 'billing/013_invoices',
    sql: `
CREATE TABLE billing_profiles (
  org_id TEXT PRIMARY KEY REFERENCES billing_organizations (id),
  name TEXT NOT NULL,
  address_line1 TEXT NOT NULL,
  address_line2 TEXT,
  city TEXT NOT NULL,
  postal_code TEXT,
  country TEXT NOT NULL,
  tax_id TEXT,
  updated_at_ms BIGINT NOT NULL
);
CREATE TABLE billing_invoice_counters (
  org_id TEXT PRIMARY KEY REFERENCES billing_organizations (id),
  last_number BIGINT NOT NULL
);
CREATE TABLE billing_invoices (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES billing_organizations (id),
  sequence BIGINT NOT NULL,
  number TEXT NOT NULL,
  attempt_id TEXT NOT NULL UNIQUE REFERENCES billing_payment_attempts (id),
  kind TEXT NOT NULL,
  description TEXT NOT NULL,
  currency TEXT NOT NULL,
  subtotal_minor BIGINT NOT NULL CHECK (subtotal_minor >= 0),
  tax_minor BIGINT NOT NULL CHECK (tax_minor >= 0),
  total_minor BIGINT NOT NULL CHECK (total_minor = subtotal_minor + tax_minor),
  tax_rate_bps INTEGER NOT NULL,
  bill_to_name TEXT,
  bill_to_address TEXT,
  bill_to_country TEXT,
  bill_to_tax_id TEXT,
  card_brand TEXT NOT NULL,
  card_last4 TEXT NOT NULL,
  issued_at_ms BIGINT NOT NULL,
  UNIQUE (org_id, sequence)
);
CREATE INDEX billing_invoices_org ON billing_invoices (org_id, issued_at_ms);
`,
  },
  {
    // What a subscription invoice's line paid — the plan and the period — kept as data, so a page or a PDF can word it in its
    // reader's language (the description stays, in English, as it was issued). NULL for other kinds and for older invoices.
    id: 'billing/062_invoice_subscription_period',
    sql: `
ALTER TABLE billing_invoices ADD COLUMN plan_name TEXT;
ALTER TABLE billing_invoices ADD COLUMN period_start_ms BIGINT;
ALTER TABLE billing_invoices ADD COLUMN period_end_ms BIGINT;
`,
  },
];
