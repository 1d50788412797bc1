import type { Migration } from '../../platform/db/migrations.ts';

export const issuerDisputeMigrations: readonly Migration[] = [
  {
    id: 'issuer/040_disputes',
    sql: `
-- A cardholder's dispute of a settled card payment: one per authorization
-- (a second is refused as a duplicate). status: opening (chargeback not yet
-- taken by the network) → chargeback_sent → merchant_responded → deciding →
-- won | lost; rejected when the network refused the chargeback.
CREATE TABLE issuer_disputes (
  id TEXT PRIMARY KEY,
  cardholder_id TEXT NOT NULL,
  card_id TEXT NOT NULL,
  authorization_id TEXT NOT NULL UNIQUE,
  network_original_id TEXT NOT NULL,
  category TEXT NOT NULL,
  scheme TEXT NOT NULL,
  reason_code TEXT NOT NULL,
  amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
  currency TEXT NOT NULL,
  statement TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('opening', 'chargeback_sent', 'merchant_responded', 'deciding', 'won', 'lost', 'rejected')),
  provisional_credit_minor BIGINT NOT NULL,
  merchant_evidence TEXT,
  winner TEXT,
  decided_by TEXT,
  respond_by_ms BIGINT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL,
  closed_at_ms BIGINT
);
CREATE INDEX issuer_disputes_cardholder ON issuer_disputes (cardholder_id, created_at_ms);
CREATE INDEX issuer_disputes_unsent ON issuer_disputes (status) WHERE status IN ('opening', 'deciding');
-- What happened to the case, step by step, as the cardholder is told.
CREATE TABLE issuer_dispute_steps (
  seq {{rowid}},
  dispute_id TEXT NOT NULL,
  step TEXT NOT NULL,
  detail TEXT NOT NULL,
  amount_minor BIGINT,
  at_ms BIGINT NOT NULL
);
CREATE INDEX issuer_dispute_steps_dispute ON issuer_dispute_steps (dispute_id, seq);
`,
  },
  {
    id: 'issuer/041_dispute_network_amount',
    sql: `
-- A dispute of a payment in another currency than the card's: amount_minor is
-- what the cardholder disputes of what the card was billed (USD cents, the
-- issuer's books); the chargeback asks the merchant's side for the same share
-- of the payment in the payment's own currency, fixed when the case opens so
-- every resend of the chargeback is the same message. NULL: a USD payment,
-- whose chargeback is amount_minor itself.
ALTER TABLE issuer_disputes ADD COLUMN network_amount_minor BIGINT;
ALTER TABLE issuer_disputes ADD COLUMN network_currency TEXT;
`,
  },
];
