import type { Migration } from '../../platform/db/migrations.ts';

/**
 * Webhook endpoints and the log of every delivery attempt.
 *
 * An endpoint's signing secret is kept sealed (AES-256-GCM under a key
 * derived from the acquirer's vault key, see webhook-secret.ts): it must be
 * readable to sign each delivery, so it cannot be hashed like an API key,
 * but a copy of the database alone does not let anyone forge deliveries.
 * A deleted endpoint keeps its row (`deleted_at_ms`) so the attempts that
 * point at it stay readable; it receives nothing more.
 *
 * Deliveries are append-only: one row per attempt, the last one with
 * `delivered = 1` when the endpoint answered 2xx.
 */
export const webhookMigrations: readonly Migration[] = [
  {
    id: 'acquirer/022_webhooks',
    sql: `
CREATE TABLE acquirer_webhook_endpoints (
  id TEXT PRIMARY KEY,
  merchant_id TEXT NOT NULL REFERENCES acquirer_merchants (id),
  url TEXT NOT NULL,
  description TEXT,
  metadata TEXT NOT NULL,
  enabled_events TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('enabled', 'disabled')),
  secret_sealed TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  deleted_at_ms BIGINT
);
CREATE INDEX acquirer_webhook_endpoints_merchant ON acquirer_webhook_endpoints (merchant_id, id);
CREATE TABLE acquirer_webhook_deliveries (
  id {{rowid}},
  merchant_id TEXT NOT NULL,
  event_id TEXT NOT NULL REFERENCES acquirer_events (id),
  endpoint_id TEXT NOT NULL REFERENCES acquirer_webhook_endpoints (id),
  attempt INTEGER NOT NULL,
  delivered INTEGER NOT NULL CHECK (delivered IN (0, 1)),
  status_code INTEGER,
  error TEXT,
  response_excerpt TEXT,
  duration_ms BIGINT NOT NULL,
  attempted_at_ms BIGINT NOT NULL
);
CREATE INDEX acquirer_webhook_deliveries_event ON acquirer_webhook_deliveries (event_id, endpoint_id);
CREATE INDEX acquirer_webhook_deliveries_endpoint ON acquirer_webhook_deliveries (endpoint_id, id);
`,
  },
  {
    // The current run of failed deliveries to an endpoint, so one that keeps failing can be disabled (webhook-endpoint-health.ts).
    id: 'acquirer/023_webhook_endpoint_failures',
    sql: `
ALTER TABLE acquirer_webhook_endpoints ADD COLUMN consecutive_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE acquirer_webhook_endpoints ADD COLUMN failing_since_ms BIGINT;
`,
  },
];
