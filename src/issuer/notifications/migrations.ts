import type { Migration } from '../../platform/db/migrations.ts';

/**
 * The cardholder's notifications (`issuer_notifications`): one row per event
 * a person should hear about — an approved authorization, a decline, a hold
 * released, a refund, a top-up credited, a withdrawal paid or failed —
 * written in the transaction of the event itself. The id is derived from the
 * event (`ntf_<kind>_<source id>`), so an event is reported at most once.
 * `sms_message_id` is set when the notification was also sent as a text.
 * Amounts are integer minor units of `currency`; times are epoch ms.
 */
export const notificationMigrations: readonly Migration[] = [
  {
    id: 'issuer/050_notifications',
    sql: `
CREATE TABLE issuer_notifications (
  id TEXT PRIMARY KEY,
  cardholder_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('authorization', 'decline', 'hold_release', 'refund', 'top_up', 'withdrawal_paid', 'withdrawal_failed')),
  subject_id TEXT NOT NULL,
  card_id TEXT,
  card_last4 TEXT,
  merchant_name TEXT,
  amount_minor BIGINT NOT NULL,
  currency TEXT NOT NULL,
  reason TEXT,
  important INTEGER NOT NULL CHECK (important IN (0, 1)),
  sms_message_id TEXT,
  created_at_ms BIGINT NOT NULL,
  read_at_ms BIGINT
);
CREATE INDEX issuer_notifications_feed ON issuer_notifications (cardholder_id, created_at_ms, id);
`,
  },
  {
    // Each step of a cardholder's dispute becomes a notification (kind
    // 'dispute', the step's name in reason). SQLite cannot change a CHECK in
    // place, so the table is rebuilt the portable way on both databases.
    id: 'issuer/051_dispute_notifications',
    sql: `
CREATE TABLE issuer_notifications_051 (
  id TEXT PRIMARY KEY,
  cardholder_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('authorization', 'decline', 'hold_release', 'refund', 'top_up', 'withdrawal_paid', 'withdrawal_failed', 'dispute')),
  subject_id TEXT NOT NULL,
  card_id TEXT,
  card_last4 TEXT,
  merchant_name TEXT,
  amount_minor BIGINT NOT NULL,
  currency TEXT NOT NULL,
  reason TEXT,
  important INTEGER NOT NULL CHECK (important IN (0, 1)),
  sms_message_id TEXT,
  created_at_ms BIGINT NOT NULL,
  read_at_ms BIGINT
);
INSERT INTO issuer_notifications_051 (id, cardholder_id, kind, subject_id, card_id, card_last4, merchant_name, amount_minor, currency, reason,
  important, sms_message_id, created_at_ms, read_at_ms)
  SELECT id, cardholder_id, kind, subject_id, card_id, card_last4, merchant_name, amount_minor, currency, reason,
    important, sms_message_id, created_at_ms, read_at_ms FROM issuer_notifications;
DROP TABLE issuer_notifications;
ALTER TABLE issuer_notifications_051 RENAME TO issuer_notifications;
CREATE INDEX issuer_notifications_feed ON issuer_notifications (cardholder_id, created_at_ms, id);
`,
  },
];
