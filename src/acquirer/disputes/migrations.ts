import type { Migration } from '../../platform/db/migrations.ts';

export const disputeMigrations: readonly Migration[] = [
  {
    id: 'acquirer/030_disputes',
    sql: `
-- Stripe's Dispute objects: one per chargeback (or inquiry) the network
-- delivered, at most one per charge. funds: what the merchant's balance went
-- through (none for inquiries; withdrawn; reinstated when won).
-- representment: the answer owed to the network ('none' until the merchant
-- submits or accepts, 'pending' until the network took it, 'sent').
CREATE TABLE acquirer_disputes (
  id TEXT PRIMARY KEY,
  merchant_id TEXT NOT NULL,
  charge_id TEXT NOT NULL UNIQUE,
  payment_intent_id TEXT,
  network_chargeback_id TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('chargeback', 'inquiry')),
  reason TEXT NOT NULL,
  network_reason_code TEXT NOT NULL,
  brand TEXT NOT NULL,
  amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
  fee_minor BIGINT NOT NULL CHECK (fee_minor >= 0),
  currency TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('warning_needs_response', 'warning_under_review', 'warning_closed', 'needs_response', 'under_review', 'won', 'lost')),
  funds TEXT NOT NULL CHECK (funds IN ('none', 'withdrawn', 'reinstated')),
  evidence TEXT NOT NULL,
  submission_count INTEGER NOT NULL,
  due_by_ms BIGINT NOT NULL,
  representment TEXT NOT NULL CHECK (representment IN ('none', 'pending', 'sent')),
  representment_action TEXT,
  metadata TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  closed_at_ms BIGINT
);
CREATE INDEX acquirer_disputes_merchant ON acquirer_disputes (merchant_id, id);
CREATE INDEX acquirer_disputes_due ON acquirer_disputes (due_by_ms) WHERE status IN ('needs_response', 'warning_needs_response');
CREATE INDEX acquirer_disputes_unsent ON acquirer_disputes (representment) WHERE representment = 'pending';
`,
  },
  {
    id: 'acquirer/031_early_fraud_warnings',
    sql: `
-- Stripe's early fraud warnings: one per charge the card's issuer reported as
-- fraud (TC40 / SAFE) through the network. No money moves; whether it is
-- still actionable (not refunded in full, not disputed) is read from the charge.
CREATE TABLE acquirer_early_fraud_warnings (
  id TEXT PRIMARY KEY,
  merchant_id TEXT NOT NULL,
  charge_id TEXT NOT NULL UNIQUE,
  payment_intent_id TEXT,
  network_report_id TEXT NOT NULL UNIQUE,
  fraud_type TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL
);
CREATE INDEX acquirer_early_fraud_warnings_merchant ON acquirer_early_fraud_warnings (merchant_id, id);
`,
  },
  {
    // The dispute fee's currency (dispute-ledger.ts): the merchant's settlement currency, which may differ from the
    // disputed charge's. Disputes opened before took the fee in the charge's currency.
    id: 'acquirer/032_dispute_fee_currency',
    sql: `
ALTER TABLE acquirer_disputes ADD COLUMN fee_currency TEXT;
UPDATE acquirer_disputes SET fee_currency = currency;
`,
  },
];
