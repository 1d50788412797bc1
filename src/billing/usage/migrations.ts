import type { Migration } from '../../platform/db/migrations.ts';

/**
 * Projects, named API keys and who made each usage event — what the usage
 * and costs API (usage-report.ts) groups by.
 *
 * Every organization has a default project whose id is derived from the
 * organization's (`proj_` + the organization id's suffix, defaultProjectId()),
 * so this migration can backfill it in plain SQL for organizations, keys and
 * usage that existed before: their keys and usage land in it. Usage recorded
 * before this migration has no API key (`api_key_id` NULL).
 */
export const usageMigrations: readonly Migration[] = [
  {
    id: 'billing/015_usage_projects_and_keys',
    sql: `
CREATE TABLE billing_projects (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES billing_organizations (id),
  name TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  archived_at_ms BIGINT
);
CREATE INDEX billing_projects_org ON billing_projects (org_id, id);
INSERT INTO billing_projects (id, org_id, name, created_at_ms)
  SELECT 'proj_' || substr(id, 5), id, 'Default project', created_at_ms FROM billing_organizations;
ALTER TABLE billing_api_keys ADD COLUMN name TEXT;
ALTER TABLE billing_api_keys ADD COLUMN project_id TEXT;
ALTER TABLE billing_api_keys ADD COLUMN last_used_at_ms BIGINT;
UPDATE billing_api_keys SET project_id = 'proj_' || substr(org_id, 5), name = 'Secret key';
ALTER TABLE billing_usage_events ADD COLUMN api_key_id TEXT;
ALTER TABLE billing_usage_events ADD COLUMN project_id TEXT;
UPDATE billing_usage_events SET project_id = 'proj_' || substr(org_id, 5);
CREATE INDEX IF NOT EXISTS billing_usage_events_time ON billing_usage_events (org_id, created_at_ms);
`,
  },
];
