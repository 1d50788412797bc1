import type { Migration } from '../../platform/db/migrations.ts';

/**
 * Subscriptions: plans are data (the migration seeds Plus, $20.00 a month,
 * as ChatGPT's), and an organization holds at most one live subscription
 * per plan — the partial unique index is the backstop for the organization
 * lock the service takes when subscribing.
 *
 * A subscription copies its plan's price when it starts, so changing a plan's
 * price never changes what existing subscribers pay. Periods are computed
 * from `anchor_ms` and `period_index` (periods.ts); `next_charge_at_ms` is
 * when the renewal job acts next (period end, a retry, or the end of the
 * subscription), and `pending_attempt_id` the one payment in flight — the
 * job never starts a second while it is set.
 */
export const subscriptionMigrations: readonly Migration[] = [
  {
    id: 'billing/005_subscriptions',
    sql: `
CREATE TABLE billing_plans (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
  currency TEXT NOT NULL,
  interval_months INTEGER NOT NULL CHECK (interval_months BETWEEN 1 AND 12),
  active INTEGER NOT NULL DEFAULT 1,
  created_at_ms BIGINT NOT NULL
);
INSERT INTO billing_plans (id, name, amount_minor, currency, interval_months, active, created_at_ms) VALUES ('plus', 'Plus', 2000, 'USD', 1, 1, 0);
CREATE TABLE billing_subscriptions (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES billing_organizations (id),
  plan_id TEXT NOT NULL REFERENCES billing_plans (id),
  status TEXT NOT NULL CHECK (status IN ('incomplete', 'active', 'past_due', 'canceled')),
  amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
  currency TEXT NOT NULL,
  interval_months INTEGER NOT NULL,
  anchor_ms BIGINT,
  period_index INTEGER NOT NULL DEFAULT 0,
  current_period_start_ms BIGINT,
  current_period_end_ms BIGINT,
  next_charge_at_ms BIGINT,
  pending_attempt_id TEXT,
  latest_attempt_id TEXT,
  failed_charges INTEGER NOT NULL DEFAULT 0,
  processor_failures INTEGER NOT NULL DEFAULT 0,
  past_due_since_ms BIGINT,
  declined_card_id TEXT,
  last_failure_code TEXT,
  cancel_at_period_end INTEGER NOT NULL DEFAULT 0,
  cancel_requested_at_ms BIGINT,
  ended_at_ms BIGINT,
  cancel_reason TEXT CHECK (cancel_reason IN ('requested', 'payment_failed')),
  created_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL
);
CREATE UNIQUE INDEX billing_subscriptions_live ON billing_subscriptions (org_id, plan_id) WHERE status IN ('incomplete', 'active', 'past_due');
CREATE INDEX billing_subscriptions_org ON billing_subscriptions (org_id, id);
CREATE INDEX billing_subscriptions_due ON billing_subscriptions (next_charge_at_ms) WHERE status IN ('active', 'past_due');
`,
  },
  {
    // Subscriptions whose first payment never succeeded end after a while (subscription-states.ts).
    id: 'billing/008_incomplete_subscriptions_expire',
    sql: `CREATE INDEX billing_subscriptions_incomplete ON billing_subscriptions (created_at_ms) WHERE status = 'incomplete';`,
  },
];
