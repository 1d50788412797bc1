import type { Migration } from '../platform/db/migrations.ts';

/**
 * The network's own table, and the scripted test bank's (which is another
 * party: it shares the database only because it runs in the same program,
 * and nobody else reads its tables).
 */
export const networkMigrations: readonly Migration[] = [
  {
    id: 'network/001_messages',
    sql: `
-- One row per message the network carried (or answered itself): the request
-- as far as it may be kept (BIN and last four, never the number or the CVV2)
-- and the answer the sender got. A repeat with the same id is answered from
-- here; a follow-up answered 91/96 is retried and its row then takes the new
-- answer. Network-made messages (a reversal after a late approval, an
-- advice) have rows of their own with origin 'network'. original_id names
-- the authorization a follow-up, reversal or advice belongs to (NULL on an
-- authorization itself, and on a follow-up that named none validly).
CREATE TABLE network_messages (
  seq {{rowid}},
  id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL CHECK (type IN ('authorization', 'incremental_authorization', 'reversal', 'clearing', 'refund', 'advice')),
  origin TEXT NOT NULL CHECK (origin IN ('acquirer', 'network')),
  original_id TEXT,
  issuer TEXT,
  bin TEXT,
  last4 TEXT,
  brand TEXT,
  funding TEXT,
  card_country TEXT,
  purpose TEXT,
  initiator TEXT,
  entry_mode TEXT,
  amount_minor BIGINT,
  currency TEXT,
  final INTEGER,
  acquirer_id TEXT,
  merchant_id TEXT,
  merchant_name TEXT,
  mcc TEXT,
  merchant_country TEXT,
  merchant_customer_ref TEXT,
  response_code TEXT NOT NULL,
  reason TEXT NOT NULL,
  decided_by TEXT NOT NULL CHECK (decided_by IN ('issuer', 'network')),
  approval_code TEXT,
  answer_amount_minor BIGINT NOT NULL,
  avs_line1 TEXT,
  avs_postal_code TEXT,
  cvv2 TEXT,
  issuer_authorization_id TEXT,
  issuer_outcome TEXT CHECK (issuer_outcome IN ('answered', 'timeout', 'error', 'delivered')),
  late_response_code TEXT,
  late_reason TEXT,
  attempts INTEGER NOT NULL,
  latency_us BIGINT NOT NULL,
  sent_at_ms BIGINT,
  answered_at_ms BIGINT NOT NULL
);
-- Partial: authorizations (the hot path) have no original and skip this index.
CREATE INDEX network_messages_by_original ON network_messages (original_id, seq) WHERE original_id IS NOT NULL;
`,
  },
  {
    id: 'network/002_test_bank',
    sql: `
-- The scripted test bank's authorizations: what it held, cleared, released
-- and refunded against each, so follow-ups after a restart still work.
CREATE TABLE test_bank_authorizations (
  id TEXT PRIMARY KEY,
  request_id TEXT NOT NULL UNIQUE,
  card_bin TEXT NOT NULL,
  card_last4 TEXT NOT NULL,
  purpose TEXT NOT NULL,
  initiator TEXT NOT NULL,
  acquirer_id TEXT NOT NULL,
  merchant_id TEXT NOT NULL,
  currency TEXT NOT NULL,
  requested_minor BIGINT NOT NULL,
  response_code TEXT NOT NULL,
  reason TEXT NOT NULL,
  approval_code TEXT,
  avs_line1 TEXT NOT NULL,
  avs_postal_code TEXT NOT NULL,
  cvv2 TEXT NOT NULL,
  decided_by TEXT NOT NULL CHECK (decided_by IN ('issuer', 'network')),
  stand_in_code TEXT,
  stand_in_reason TEXT,
  authorized_minor BIGINT NOT NULL CHECK (authorized_minor >= 0),
  cleared_minor BIGINT NOT NULL CHECK (cleared_minor >= 0),
  released_minor BIGINT NOT NULL CHECK (released_minor >= 0),
  refunded_minor BIGINT NOT NULL CHECK (refunded_minor >= 0),
  closed_at_ms BIGINT,
  created_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL,
  CHECK (cleared_minor + released_minor <= authorized_minor),
  CHECK (refunded_minor <= cleared_minor)
);
CREATE INDEX test_bank_authorizations_by_card ON test_bank_authorizations (card_bin, card_last4, merchant_id);

-- Every follow-up the test bank answered, so a repeat gets the first answer.
CREATE TABLE test_bank_messages (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  original_id TEXT NOT NULL,
  authorization_id TEXT,
  response_code TEXT NOT NULL,
  reason TEXT NOT NULL,
  amount_minor BIGINT NOT NULL CHECK (amount_minor >= 0),
  released_minor BIGINT NOT NULL CHECK (released_minor >= 0),
  currency TEXT NOT NULL,
  approval_code TEXT,
  created_at_ms BIGINT NOT NULL
);
CREATE INDEX test_bank_messages_by_authorization ON test_bank_messages (authorization_id);
`,
  },
  {
    // A stand-in's follow-through (reverse a late approval, advise the issuer) is owed durably: settled when done,
    // swept after a crash (stand-in-follow-through.ts). Stand-ins from before this column were followed through in memory.
    id: 'network/003_stand_in_settled',
    sql: `
ALTER TABLE network_messages ADD COLUMN stand_in_settled_at_ms BIGINT;
UPDATE network_messages SET stand_in_settled_at_ms = answered_at_ms WHERE type = 'authorization' AND decided_by = 'network';
-- Owed: a stand-in after the issuer was asked (it timed out or failed, and may have acted); refusals never reached one.
CREATE INDEX network_messages_stand_ins_owed ON network_messages (answered_at_ms)
  WHERE type = 'authorization' AND decided_by = 'network' AND issuer_outcome IN ('timeout', 'error') AND stand_in_settled_at_ms IS NULL;
`,
  },  {
    // The test bank's 3-D Secure access control server (test-bank-acs.ts): one row per authentication the
    // acquirer asked for, keyed by its id so a repeat opens no second challenge. No card data: BIN and last four.
    id: 'network/004_test_bank_authentications',
    sql: `
CREATE TABLE test_bank_authentications (
  id TEXT PRIMARY KEY,
  card_bin TEXT NOT NULL,
  card_last4 TEXT NOT NULL,
  purpose TEXT NOT NULL,
  acquirer_id TEXT NOT NULL,
  merchant_id TEXT NOT NULL,
  merchant_name TEXT NOT NULL,
  currency TEXT NOT NULL,
  amount_minor BIGINT NOT NULL CHECK (amount_minor >= 0),
  notification_url TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('challenge', 'authenticated', 'failed', 'expired')),
  reason TEXT NOT NULL,
  auth_value TEXT,
  expires_at_ms BIGINT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL
);
`,
  },
  {
    // ISO 8583 fields 6/51 of an authorization's answer: the cardholder billing amount and currency, when
    // the issuer converted a payment in another currency than the card's (messages.ts cardholderBilling).
    // Earlier records had no conversion to show: NULL.
    id: 'network/005_cardholder_billing',
    sql: `
ALTER TABLE network_messages ADD COLUMN billing_amount_minor BIGINT CHECK (billing_amount_minor >= 0);
ALTER TABLE network_messages ADD COLUMN billing_currency TEXT;
`,
  },
  {
    // The operator console's authorizations and declines over a period (decline-records.ts): each read is a
    // range of one of these, never a scan of every message. Partial, so follow-ups add nothing; a declined
    // authorization is in both. Keys grow with time, so a new entry lands at the right edge of the index.
    id: 'network/006_authorizations_by_time',
    sql: `
CREATE INDEX network_messages_authorizations_by_time ON network_messages (answered_at_ms, id) WHERE type = 'authorization';
CREATE INDEX network_messages_declines_by_time ON network_messages (answered_at_ms, id) WHERE type = 'authorization' AND response_code <> '00';
`,
  },
  {
    // The advices owed after stand-ins, until their issuer has them (owed-advices.ts): sealed, since an advice carries
    // the card number; deleted once delivered or given up. Stand-ins from before this table were advised in memory only.
    id: 'network/007_owed_advices',
    sql: `
CREATE TABLE network_owed_advices (
  advice_id TEXT PRIMARY KEY,
  original_id TEXT NOT NULL,
  issuer TEXT NOT NULL,
  sealed TEXT NOT NULL,
  owed_since_ms BIGINT NOT NULL
);
CREATE INDEX network_owed_advices_by_age ON network_owed_advices (owed_since_ms);
`,
  },
];
