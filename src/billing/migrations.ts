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
];
