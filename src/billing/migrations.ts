import type { Migration } from '../platform/db/migrations.ts';

/**
 * Merchant billing's tables: organizations (the API business's customers),
 * their API keys (SHA-256 only, as the acquirer's: a key is ~190 random bits,
 * so a plain hash is enough) and metered usage events. Credits are not here:
 * they live in the ledger's billing book (billing-ledger.ts).
 */
export const billingMigrations: readonly Migration[] = [
  {
    id: 'billing/001_organizations',
    sql: `
CREATE TABLE billing_organizations (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  is_demo INTEGER NOT NULL DEFAULT 0,
  created_at_ms BIGINT NOT NULL
);
CREATE TABLE billing_api_keys (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES billing_organizations (id),
  key_hash TEXT NOT NULL UNIQUE,
  key_last4 TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  revoked_at_ms BIGINT
);
CREATE INDEX billing_api_keys_org ON billing_api_keys (org_id);
`,
  },
  {
    id: 'billing/002_usage_events',
    sql: `
CREATE TABLE billing_usage_events (
  org_id TEXT NOT NULL REFERENCES billing_organizations (id),
  usage_event_id TEXT NOT NULL,
  model TEXT NOT NULL,
  input_tokens BIGINT NOT NULL CHECK (input_tokens >= 0),
  output_tokens BIGINT NOT NULL CHECK (output_tokens >= 0),
  amount_minor BIGINT NOT NULL CHECK (amount_minor >= 0),
  currency TEXT NOT NULL,
  transfer_id TEXT,
  created_at_ms BIGINT NOT NULL,
  PRIMARY KEY (org_id, usage_event_id)
);
`,
  },
  {
    id: 'billing/003_payments',
    sql: `
ALTER TABLE billing_organizations ADD COLUMN default_payment_method_id TEXT;
CREATE TABLE billing_customers (
  org_id TEXT PRIMARY KEY REFERENCES billing_organizations (id),
  provider_customer_id TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL
);
CREATE TABLE billing_payment_methods (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES billing_organizations (id),
  brand TEXT NOT NULL,
  last4 TEXT NOT NULL,
  exp_month INTEGER NOT NULL,
  exp_year INTEGER NOT NULL,
  funding TEXT NOT NULL,
  country TEXT,
  fingerprint TEXT,
  verification_attempt_id TEXT NOT NULL,
  verification_hold_minor BIGINT,
  added_at_ms BIGINT NOT NULL,
  removed_at_ms BIGINT
);
CREATE INDEX billing_payment_methods_org ON billing_payment_methods (org_id);
CREATE TABLE billing_payment_attempts (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES billing_organizations (id),
  kind TEXT NOT NULL CHECK (kind IN ('verification', 'purchase', 'auto_recharge', 'subscription')),
  amount_minor BIGINT NOT NULL CHECK (amount_minor >= 0),
  currency TEXT NOT NULL,
  payment_method_id TEXT NOT NULL,
  initiator TEXT NOT NULL CHECK (initiator IN ('customer', 'merchant')),
  status TEXT NOT NULL CHECK (status IN ('processing', 'succeeded', 'failed')),
  provider_intent_id TEXT,
  provider_charge_id TEXT,
  failure_json TEXT,
  failure_class TEXT CHECK (failure_class IN ('soft', 'hard', 'processor')),
  subscription_id TEXT,
  refunded_minor BIGINT NOT NULL DEFAULT 0,
  client_key TEXT,
  created_at_ms BIGINT NOT NULL,
  finished_at_ms BIGINT
);
CREATE UNIQUE INDEX billing_payment_attempts_client_key ON billing_payment_attempts (org_id, client_key);
CREATE INDEX billing_payment_attempts_org ON billing_payment_attempts (org_id, id);
CREATE INDEX billing_payment_attempts_status ON billing_payment_attempts (status, created_at_ms);
CREATE TABLE billing_receipts (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES billing_organizations (id),
  number TEXT NOT NULL,
  attempt_id TEXT NOT NULL UNIQUE REFERENCES billing_payment_attempts (id),
  amount_minor BIGINT NOT NULL,
  currency TEXT NOT NULL,
  description TEXT NOT NULL,
  card_brand TEXT NOT NULL,
  card_last4 TEXT NOT NULL,
  paid_at_ms BIGINT NOT NULL,
  UNIQUE (org_id, number)
);
CREATE TABLE billing_refunds (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES billing_organizations (id),
  attempt_id TEXT NOT NULL REFERENCES billing_payment_attempts (id),
  amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
  currency TEXT NOT NULL,
  reason TEXT,
  status TEXT NOT NULL CHECK (status IN ('processing', 'succeeded', 'failed')),
  provider_refund_id TEXT,
  failure_message TEXT,
  credits_removed_minor BIGINT,
  debt_minor BIGINT,
  created_at_ms BIGINT NOT NULL,
  finished_at_ms BIGINT
);
CREATE INDEX billing_refunds_attempt ON billing_refunds (attempt_id);
`,
  },
  {
    // Who may call the provider for a processing attempt or refund right now
    // (payment-attempts.ts claimAttemptSend): one sender per idempotency key at a time.
    id: 'billing/007_payment_send_leases',
    sql: `
ALTER TABLE billing_payment_attempts ADD COLUMN send_lease_until_ms BIGINT;
ALTER TABLE billing_refunds ADD COLUMN send_lease_until_ms BIGINT;
`,
  },
  {
    // When the provider releases a card's verification hold: a merchant may keep it for hours (the acquirer's verification_hold_release).
    // NULL: released when the card was added (cards added before this column), or the provider does not say.
    id: 'billing/016_verification_hold_release',
    sql: `
ALTER TABLE billing_payment_methods ADD COLUMN verification_hold_release_at_ms BIGINT;
ALTER TABLE billing_payment_methods ADD COLUMN verification_hold_kept INTEGER NOT NULL DEFAULT 0;
`,
  },
  {
    // Where the customer's browser comes back after a card verification's 3-D Secure challenge (the billing page). Kept with the
    // attempt because a re-send under the same idempotency key must carry the same parameters. NULL: no challenge page to return to.
    id: 'billing/061_verification_return_url',
    sql: `
ALTER TABLE billing_payment_attempts ADD COLUMN return_url TEXT;
`,
  },
  {
    // The refund sweep's way in (credit-refunds.ts, test/app/query-plans.test.ts): only refunds still processing.
    id: 'billing/063_refunds_processing_index',
    sql: `
CREATE INDEX billing_refunds_processing ON billing_refunds (created_at_ms) WHERE status = 'processing';
`,
  },
];
