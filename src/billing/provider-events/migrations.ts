import type { Migration } from '../../platform/db/migrations.ts';

/**
 * What billing learns from its payment provider's events (provider-events/):
 * refunds and disputes made at the provider, outside billing.
 */
export const providerEventMigrations: readonly Migration[] = [
  {
    id: 'billing/080_provider_events',
    sql: `
CREATE TABLE billing_provider_events (
  event_id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  object_id TEXT NOT NULL,
  object_json TEXT NOT NULL,
  created_s BIGINT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'handled', 'ignored')),
  note TEXT,
  tries INTEGER NOT NULL DEFAULT 0,
  received_at_ms BIGINT NOT NULL,
  handled_at_ms BIGINT
);
CREATE INDEX billing_provider_events_pending ON billing_provider_events (received_at_ms) WHERE status = 'pending';
CREATE TABLE billing_provider_event_cursor (
  id TEXT PRIMARY KEY,
  created_from_s BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL
);
CREATE TABLE billing_credit_adjustments (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES billing_organizations (id),
  attempt_id TEXT NOT NULL REFERENCES billing_payment_attempts (id),
  kind TEXT NOT NULL CHECK (kind IN ('provider_refund', 'dispute_withdrawn', 'dispute_reinstated')),
  provider_object_id TEXT NOT NULL,
  provider_event_id TEXT NOT NULL,
  amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
  currency TEXT NOT NULL,
  credits_removed_minor BIGINT NOT NULL DEFAULT 0,
  debt_minor BIGINT NOT NULL DEFAULT 0,
  credits_restored_minor BIGINT NOT NULL DEFAULT 0,
  detail TEXT,
  created_at_ms BIGINT NOT NULL
);
CREATE INDEX billing_credit_adjustments_org ON billing_credit_adjustments (org_id, created_at_ms);
ALTER TABLE billing_refunds ADD COLUMN source TEXT NOT NULL DEFAULT 'billing';
CREATE UNIQUE INDEX billing_refunds_provider_refund ON billing_refunds (provider_refund_id) WHERE provider_refund_id IS NOT NULL;
CREATE INDEX billing_payment_attempts_provider_intent ON billing_payment_attempts (provider_intent_id) WHERE provider_intent_id IS NOT NULL;
`,
  },
  {
    // A refund can fail after it succeeded (Stripe: `refund.failed`, status `failed` with a `failure_reason` such as
    // `expired_or_canceled_card`; the money goes back to the merchant's balance): its credits come back, recorded as a
    // `provider_refund_failed` adjustment with the debt it cancelled. SQLite cannot widen a CHECK, so the table is
    // rebuilt (as acquirer/risk's migrations do); its rows keep their values.
    id: 'billing/081_refund_failed_adjustments',
    sql: `
CREATE TABLE billing_credit_adjustments_081 (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES billing_organizations (id),
  attempt_id TEXT NOT NULL REFERENCES billing_payment_attempts (id),
  kind TEXT NOT NULL CHECK (kind IN ('provider_refund', 'dispute_withdrawn', 'dispute_reinstated', 'provider_refund_failed')),
  provider_object_id TEXT NOT NULL,
  provider_event_id TEXT NOT NULL,
  amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
  currency TEXT NOT NULL,
  credits_removed_minor BIGINT NOT NULL DEFAULT 0,
  debt_minor BIGINT NOT NULL DEFAULT 0,
  credits_restored_minor BIGINT NOT NULL DEFAULT 0,
  debt_cancelled_minor BIGINT NOT NULL DEFAULT 0,
  detail TEXT,
  created_at_ms BIGINT NOT NULL
);
INSERT INTO billing_credit_adjustments_081
  (id, org_id, attempt_id, kind, provider_object_id, provider_event_id, amount_minor, currency, credits_removed_minor, debt_minor, credits_restored_minor, detail, created_at_ms)
  SELECT id, org_id, attempt_id, kind, provider_object_id, provider_event_id, amount_minor, currency, credits_removed_minor, debt_minor, credits_restored_minor, detail, created_at_ms
  FROM billing_credit_adjustments;
DROP TABLE billing_credit_adjustments;
ALTER TABLE billing_credit_adjustments_081 RENAME TO billing_credit_adjustments;
CREATE INDEX billing_credit_adjustments_org ON billing_credit_adjustments (org_id, created_at_ms);
`,
  },
];
