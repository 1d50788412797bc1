import type { Migration } from '../../platform/db/migrations.ts';

export const networkDisputeMigrations: readonly Migration[] = [
  {
    id: 'network/010_dispute_messages',
    sql: `
-- Every dispute message the network carried (chargeback, representment,
-- decision) with the answer its sender got; a repeat (same id, same request)
-- is answered from here, one answered 91/96 is carried again.
CREATE TABLE network_dispute_messages (
  seq {{rowid}},
  id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL CHECK (type IN ('chargeback', 'representment', 'dispute_decision')),
  sender TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  chargeback_id TEXT NOT NULL,
  original_id TEXT,
  issuer TEXT,
  acquirer_id TEXT,
  merchant_id TEXT,
  kind TEXT,
  category TEXT,
  reason_code TEXT,
  action TEXT,
  winner TEXT,
  amount_minor BIGINT,
  currency TEXT,
  response_code TEXT NOT NULL,
  reason TEXT NOT NULL,
  receiver_ref TEXT,
  created_at_ms BIGINT NOT NULL,
  answered_at_ms BIGINT NOT NULL
);
CREATE INDEX network_dispute_messages_by_chargeback ON network_dispute_messages (chargeback_id, seq);
CREATE INDEX network_dispute_messages_by_original ON network_dispute_messages (original_id) WHERE original_id IS NOT NULL;
-- One chargeback per authorization, one answer per chargeback, one decision:
-- the first message to claim the step holds it; a refusal gives it back.
CREATE TABLE network_dispute_claims (
  step TEXT PRIMARY KEY,
  message_id TEXT NOT NULL
);
-- The test bank's chargebacks owed after a capture of a dispute test card.
CREATE TABLE test_bank_disputes (
  id TEXT PRIMARY KEY,
  authorization_request_id TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  category TEXT NOT NULL,
  brand TEXT NOT NULL,
  amount_minor BIGINT NOT NULL,
  currency TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('owed', 'sent', 'refused', 'represented', 'decided', 'accepted')),
  winner TEXT,
  created_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL
);
CREATE INDEX test_bank_disputes_owed ON test_bank_disputes (status, created_at_ms);
`,
  },
  {
    id: 'network/011_fraud_reports',
    sql: `
-- Fraud reports (Visa TC40 / Mastercard SAFE) the network carried from an
-- issuer to the acquirer of the original authorization, with the answer the
-- sender got; a repeat (same id, same request) is answered from here, one
-- answered 91/96 is carried again. Nothing moves money.
CREATE TABLE network_fraud_reports (
  seq {{rowid}},
  id TEXT NOT NULL UNIQUE,
  sender TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  original_id TEXT NOT NULL,
  issuer TEXT,
  acquirer_id TEXT,
  merchant_id TEXT,
  fraud_type TEXT NOT NULL,
  response_code TEXT NOT NULL,
  reason TEXT NOT NULL,
  receiver_ref TEXT,
  created_at_ms BIGINT NOT NULL,
  answered_at_ms BIGINT NOT NULL
);
CREATE INDEX network_fraud_reports_by_original ON network_fraud_reports (original_id);
`,
  },
  {
    // 3-D Secure liability shift (reason-codes.ts): the ECI an authorization carried with its authentication value,
    // kept with the network's record of it. Authorizations recorded before carried none that was kept: NULL.
    id: 'network/012_authorization_eci',
    sql: `
ALTER TABLE network_messages ADD COLUMN eci TEXT;
`,
  },
];
