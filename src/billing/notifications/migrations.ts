import type { Migration } from '../../platform/db/migrations.ts';

/**
 * The notification outbox (written in the transaction of what it tells
 * about, one row per dedup key, so "tell once" survives retries) and the
 * sandbox mailbox its deliveries land in (one letter per notification).
 */
export const notificationMigrations: readonly Migration[] = [
  {
    id: 'billing/004_notifications',
    sql: `
CREATE TABLE billing_notifications (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES billing_organizations (id),
  kind TEXT NOT NULL,
  dedup_key TEXT NOT NULL UNIQUE,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  sent_at_ms BIGINT,
  message_id TEXT
);
CREATE INDEX billing_notifications_unsent ON billing_notifications (sent_at_ms, created_at_ms);
CREATE INDEX billing_notifications_org ON billing_notifications (org_id, created_at_ms);
CREATE TABLE billing_sandbox_mail (
  id TEXT PRIMARY KEY,
  notification_id TEXT NOT NULL UNIQUE REFERENCES billing_notifications (id),
  org_id TEXT NOT NULL REFERENCES billing_organizations (id),
  to_address TEXT NOT NULL,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  received_at_ms BIGINT NOT NULL
);
CREATE INDEX billing_sandbox_mail_org ON billing_sandbox_mail (org_id, received_at_ms);
`,
  },
];
