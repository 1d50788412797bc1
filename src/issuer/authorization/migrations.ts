import type { Migration } from '../../platform/db/migrations.ts';

/**
 * The authorization engine's tables.
 *
 * - `issuer_authorizations`: one row per authorization request decided (or
 *   advised by the network), approved or declined. Holds no PAN (the BIN
 *   and last four only, for traces of unknown cards) and no CVV2. The
 *   response is rebuilt from the columns, so a repeat answers exactly what
 *   was answered first. `checks` is the one JSON text per decision: each
 *   check's result, for the doctor.
 * - `issuer_authorization_messages`: every follow-up message (incremental
 *   authorization, reversal, clearing, refund, advice) by its message id,
 *   with the answer given, plus the engine's own events (expiry, release on
 *   card close) so that the card statement can show them.
 * - `issuer_card_spend`: approved purchase amounts of the card's current
 *   UTC day and month, for the per-day/per-month limits (a counter, so a
 *   busy card's limit check costs one row, not a sum over its history).
 *   Kept only while the card has such a limit; setting one rebuilds it from
 *   the records (spend.ts).
 * - `issuer_card_merchant_accounts`: which merchant customer accounts
 *   (acquirer + merchant + the merchant's customer ref) a card has been
 *   approved for, for the accounts-per-merchant rule.
 *
 * Amounts are integer minor units; `*_usd_minor` are USD cents; times are
 * epoch milliseconds; booleans are 0/1.
 */
export const authorizationMigrations: readonly Migration[] = [
  {
    id: 'issuer/010_authorizations',
    sql: `
CREATE TABLE issuer_authorizations (
  id TEXT PRIMARY KEY,
  request_id TEXT NOT NULL UNIQUE,
  card_id TEXT,
  cardholder_id TEXT,
  pan_bin TEXT,
  pan_last4 TEXT,
  purpose TEXT NOT NULL,
  acquirer_id TEXT NOT NULL,
  merchant_id TEXT NOT NULL,
  merchant_name TEXT NOT NULL,
  mcc TEXT NOT NULL,
  merchant_country TEXT NOT NULL,
  merchant_customer_ref TEXT,
  entry_mode TEXT NOT NULL,
  initiator TEXT NOT NULL,
  amount_minor BIGINT NOT NULL,
  currency TEXT NOT NULL,
  approved INTEGER NOT NULL CHECK (approved IN (0, 1)),
  response_code TEXT NOT NULL,
  reason TEXT NOT NULL,
  approval_code TEXT,
  avs_line1 TEXT NOT NULL,
  avs_postal_code TEXT NOT NULL,
  cvv2 TEXT NOT NULL,
  checks TEXT NOT NULL,
  latency_us BIGINT NOT NULL,
  decided_by TEXT NOT NULL CHECK (decided_by IN ('issuer', 'network')),
  status TEXT NOT NULL CHECK (status IN ('pending', 'closed', 'reversed', 'expired', 'declined')),
  approved_usd_minor BIGINT NOT NULL CHECK (approved_usd_minor >= 0),
  held_usd_minor BIGINT NOT NULL CHECK (held_usd_minor >= 0),
  cleared_usd_minor BIGINT NOT NULL CHECK (cleared_usd_minor >= 0),
  refunded_usd_minor BIGINT NOT NULL CHECK (refunded_usd_minor >= 0 AND refunded_usd_minor <= cleared_usd_minor),
  released_usd_minor BIGINT NOT NULL CHECK (released_usd_minor >= 0),
  hold_transfer_id TEXT,
  ledger_seq INTEGER NOT NULL,
  expires_at_ms BIGINT,
  sent_at_ms BIGINT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL,
  closed_at_ms BIGINT,
  CHECK (cleared_usd_minor + held_usd_minor + released_usd_minor = approved_usd_minor)
);
CREATE INDEX issuer_authorizations_card ON issuer_authorizations (card_id, created_at_ms);
CREATE INDEX issuer_authorizations_due ON issuer_authorizations (expires_at_ms) WHERE status = 'pending';

CREATE TABLE issuer_authorization_messages (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL CHECK (type IN ('incremental_authorization', 'reversal', 'clearing', 'refund', 'advice', 'expiry', 'card_closed')),
  original_id TEXT NOT NULL,
  authorization_id TEXT,
  card_id TEXT,
  amount_minor BIGINT,
  currency TEXT,
  final INTEGER CHECK (final IN (0, 1)),
  response_code TEXT NOT NULL,
  reason TEXT NOT NULL,
  approval_code TEXT,
  moved_usd_minor BIGINT NOT NULL CHECK (moved_usd_minor >= 0),
  checks TEXT,
  created_at_ms BIGINT NOT NULL
);
CREATE INDEX issuer_authorization_messages_card ON issuer_authorization_messages (card_id, created_at_ms);
CREATE INDEX issuer_authorization_messages_authorization ON issuer_authorization_messages (authorization_id, created_at_ms);

CREATE TABLE issuer_card_spend (
  card_id TEXT PRIMARY KEY,
  day_index BIGINT NOT NULL,
  day_usd_minor BIGINT NOT NULL CHECK (day_usd_minor >= 0),
  month_index BIGINT NOT NULL,
  month_usd_minor BIGINT NOT NULL CHECK (month_usd_minor >= 0),
  updated_at_ms BIGINT NOT NULL
);

CREATE TABLE issuer_card_merchant_accounts (
  card_id TEXT NOT NULL,
  acquirer_id TEXT NOT NULL,
  merchant_id TEXT NOT NULL,
  customer_ref TEXT NOT NULL,
  authorization_id TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  PRIMARY KEY (card_id, acquirer_id, merchant_id, customer_ref)
);
`,
  },
  {
    // Card-testing counters (decline-limiter.ts): declines that answered a guess about card data, per merchant
    // (`merchant:["acquirer","merchant"]`) and per card (`card:<PAN fingerprint>`), in a fixed window.
    id: 'issuer/011_decline_limits',
    sql: `
CREATE TABLE issuer_decline_limits (
  subject TEXT PRIMARY KEY,
  window_started_at_ms BIGINT NOT NULL,
  declines INTEGER NOT NULL CHECK (declines >= 0),
  blocked_until_ms BIGINT NOT NULL DEFAULT 0,
  updated_at_ms BIGINT NOT NULL
);
`,
  },
];
