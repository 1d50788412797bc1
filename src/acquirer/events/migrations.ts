import type { Migration } from '../../platform/db/migrations.ts';

/**
 * Events, as Stripe keeps them: one row per state change of an API object,
 * with a JSON snapshot of the object (and of the attributes an update
 * changed) taken in the transaction that made the change. The ids sort by
 * creation, so `(merchant_id, id)` serves the newest-first lists and
 * `(merchant_id, type, id)` the lists filtered by type.
 *
 * `pending_webhooks` counts the endpoints the event was sent to that have
 * not yet answered 2xx; the delivery job decrements it once per endpoint.
 */
export const eventMigrations: readonly Migration[] = [
  {
    id: 'acquirer/021_events',
    sql: `
CREATE TABLE acquirer_events (
  id TEXT PRIMARY KEY,
  merchant_id TEXT NOT NULL REFERENCES acquirer_merchants (id),
  type TEXT NOT NULL,
  api_version TEXT NOT NULL,
  data TEXT NOT NULL,
  request_id TEXT,
  idempotency_key TEXT,
  pending_webhooks INTEGER NOT NULL CHECK (pending_webhooks >= 0),
  created_at_ms BIGINT NOT NULL
);
CREATE INDEX acquirer_events_merchant ON acquirer_events (merchant_id, id);
CREATE INDEX acquirer_events_type ON acquirer_events (merchant_id, type, id);
`,
  },
];
