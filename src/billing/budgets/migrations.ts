import type { Migration } from '../../platform/db/migrations.ts';

/**
 * Monthly budgets (one per organization), the alerts sent for them (one row
 * per organization, month and threshold: the primary key is what makes
 * "once per threshold per month" hold under any concurrency), and an index
 * that makes "spent this month" one range scan of the usage events.
 */
export const budgetMigrations: readonly Migration[] = [
  {
    id: 'billing/011_budgets',
    sql: `
CREATE TABLE billing_budgets (
  org_id TEXT PRIMARY KEY REFERENCES billing_organizations (id),
  monthly_budget_minor BIGINT NOT NULL CHECK (monthly_budget_minor > 0),
  currency TEXT NOT NULL,
  alert_thresholds TEXT NOT NULL,
  hard_limit INTEGER NOT NULL DEFAULT 0,
  updated_at_ms BIGINT NOT NULL
);
CREATE TABLE billing_budget_alerts (
  org_id TEXT NOT NULL REFERENCES billing_organizations (id),
  month TEXT NOT NULL,
  threshold_percent INTEGER NOT NULL,
  budget_minor BIGINT NOT NULL,
  spent_minor BIGINT NOT NULL,
  notification_id TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  PRIMARY KEY (org_id, month, threshold_percent)
);
-- The same index as usage/migrations.ts (billing/015) makes; whichever runs first creates it.
CREATE INDEX IF NOT EXISTS billing_usage_events_time ON billing_usage_events (org_id, created_at_ms);
`,
  },
];
