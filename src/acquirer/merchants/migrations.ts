import type { Migration } from '../../platform/db/migrations.ts';

/**
 * The acquirer's merchants, their API keys (stored as SHA-256 only: a key is
 * 192 random bits, so a plain hash is enough) and its idempotency keys.
 *
 * The acquirer keeps its own idempotency table rather than the platform's
 * in-transaction one: a payment call crosses the network, which must happen
 * outside any database transaction, so a key here has a visible `running`
 * state with a lease (a concurrent request with the same key gets Stripe's
 * 409 `idempotency_key_in_use`; a crashed request's lease runs out and the
 * retry resumes the work, which every handler is written to do).
 */
export const merchantMigrations: readonly Migration[] = [
  {
    id: 'acquirer/001_merchants',
    sql: `
CREATE TABLE acquirer_merchants (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  statement_descriptor TEXT NOT NULL,
  mcc TEXT NOT NULL CHECK (length(mcc) = 4),
  country TEXT NOT NULL CHECK (length(country) = 2),
  default_currency TEXT NOT NULL CHECK (length(default_currency) = 3),
  is_demo INTEGER NOT NULL DEFAULT 0,
  created_at_ms BIGINT NOT NULL
);
CREATE TABLE acquirer_api_keys (
  id TEXT PRIMARY KEY,
  merchant_id TEXT NOT NULL REFERENCES acquirer_merchants (id),
  kind TEXT NOT NULL CHECK (kind IN ('secret', 'publishable')),
  key_hash TEXT NOT NULL UNIQUE,
  key_last4 TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  revoked_at_ms BIGINT
);
CREATE INDEX acquirer_api_keys_merchant ON acquirer_api_keys (merchant_id);
CREATE TABLE acquirer_idempotency_keys (
  merchant_id TEXT NOT NULL,
  idem_key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('running', 'done')),
  response_status INTEGER,
  response_body TEXT,
  lease_until_ms BIGINT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  expires_at_ms BIGINT NOT NULL,
  PRIMARY KEY (merchant_id, idem_key)
);
CREATE INDEX acquirer_idempotency_keys_expiry ON acquirer_idempotency_keys (expires_at_ms);
`,
  },
  {
    // What a card verification authorizes (then releases), in minor units of the default currency; 0 = zero-amount verification.
    // A demo merchant made before this existed gets the seed's $5.00 hold, as `cardlane up` now gives a new one (DEMO_VERIFICATION_HOLD_MINOR).
    id: 'acquirer/002_card_verification_amount',
    sql: `
ALTER TABLE acquirer_merchants ADD COLUMN card_verification_amount_minor BIGINT NOT NULL DEFAULT 0 CHECK (card_verification_amount_minor >= 0);
UPDATE acquirer_merchants SET card_verification_amount_minor = 500 WHERE is_demo = 1 AND default_currency = 'usd';
`,
  },
  {
    // Exactly-once across crashes (stripe/idempotency-keys.ts): which attempt holds a key's lease (a fence for
    // a request whose lease was taken over), and the recovery point — the object the request created or is acting
    // on, recorded in the same transaction as its first durable write — so a retry resumes it instead of starting again.
    id: 'acquirer/003_idempotency_recovery_points',
    sql: `
ALTER TABLE acquirer_idempotency_keys ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
ALTER TABLE acquirer_idempotency_keys ADD COLUMN recovery_point TEXT;
`,
  },
  {
    // When a card verification's hold is released (merchants/verification-hold-release.ts): 'immediately' (as before),
    // 'after_hours:N' or 'never'. A demo merchant made before this keeps the seed's hold for 6 hours, as `cardlane up`
    // now gives a new one (DEMO_VERIFICATION_HOLD_RELEASE), so the seed's "$10 + the $5 hold" shows on an existing data directory too.
    id: 'acquirer/004_verification_hold_release',
    sql: `
ALTER TABLE acquirer_merchants ADD COLUMN verification_hold_release TEXT NOT NULL DEFAULT 'immediately';
UPDATE acquirer_merchants SET verification_hold_release = 'after_hours:6' WHERE is_demo = 1 AND default_currency = 'usd';
`,
  },
];
