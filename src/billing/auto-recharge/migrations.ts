import type { Migration } from '../../platform/db/migrations.ts';

/**
 * One row per organization that set auto-recharge up. The row is also the
 * lock every recharge decision takes (FOR UPDATE): the in-flight mark, the
 * back-off and the pause live here, so deciding, claiming and finishing a
 * recharge are serialized per organization in every process.
 */
export const autoRechargeMigrations: readonly Migration[] = [
  {
    id: 'billing/004_auto_recharge',
    sql: `
CREATE TABLE billing_auto_recharge (
  org_id TEXT PRIMARY KEY REFERENCES billing_organizations (id),
  enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  threshold_minor BIGINT NOT NULL CHECK (threshold_minor >= 0),
  target_minor BIGINT NOT NULL,
  monthly_limit_minor BIGINT CHECK (monthly_limit_minor > 0),
  currency TEXT NOT NULL,
  in_flight_attempt_id TEXT,
  last_attempt_id TEXT,
  declines_in_a_row INTEGER NOT NULL DEFAULT 0,
  failures_in_a_row INTEGER NOT NULL DEFAULT 0,
  next_attempt_at_ms BIGINT,
  paused_at_ms BIGINT,
  paused_reason TEXT CHECK (paused_reason IN ('hard_decline', 'repeated_declines')),
  paused_by_attempt_id TEXT,
  updated_at_ms BIGINT NOT NULL,
  CHECK (target_minor > threshold_minor),
  CHECK ((paused_at_ms IS NULL) = (paused_reason IS NULL))
);
CREATE INDEX billing_auto_recharge_enabled ON billing_auto_recharge (enabled, org_id);
`,
  },
];
