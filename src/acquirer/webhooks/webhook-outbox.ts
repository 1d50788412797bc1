import type { Sql } from '../../platform/db/database.ts';
import { enqueue } from '../../platform/jobs/index.ts';
import { subscribesTo } from '../events/event-types.ts';

/**
 * The transactional outbox between events and webhook deliveries: the
 * delivery jobs are inserted in the transaction that records the event, so
 * an event is never lost on the way to its endpoints and a rolled-back
 * change never sends one.
 */

export const WEBHOOK_QUEUE = 'acquirer.webhook';

/**
 * Every attempt, over about three days (Stripe retries for up to three):
 * the back-off doubles from one minute to a six-hour cap — 1, 2, 4, …, 256
 * minutes, then every 6 h — so 20 attempts span 2 days 20.5 hours.
 */
export const WEBHOOK_MAX_ATTEMPTS = 20;
export const WEBHOOK_BACKOFF = { baseMs: 60_000, capMs: 6 * 60 * 60 * 1000 } as const;

export interface WebhookJob {
  readonly eventId: string;
  readonly endpointId: string;
}

/** An enabled endpoint of a merchant, as deliveries are enqueued for it. */
export interface EnabledEndpoint {
  readonly id: string;
  readonly enabled_events: string;
}

/** The merchant's enabled endpoints, read in `sql` (the caller's transaction). */
export function enabledWebhookEndpoints(sql: Sql, merchantId: string): Promise<EnabledEndpoint[]> {
  return sql.all<EnabledEndpoint>(
    `SELECT id, enabled_events FROM acquirer_webhook_endpoints
     WHERE merchant_id = ? AND status = 'enabled' AND deleted_at_ms IS NULL ORDER BY id`,
    [merchantId],
  );
}

/**
 * Enqueues one delivery job per enabled endpoint of the merchant that
 * subscribes to `type`, in `sql` (the caller's transaction), and returns how
 * many: the event's `pending_webhooks`. `endpoints`: the merchant's enabled
 * endpoints read earlier in the same transaction, when it records several
 * events at once (read here otherwise).
 */
export async function enqueueWebhookDeliveries(
  sql: Sql,
  request: { merchantId: string; eventId: string; type: string; nowMs: number },
  endpoints?: readonly EnabledEndpoint[],
): Promise<number> {
  endpoints ??= await enabledWebhookEndpoints(sql, request.merchantId);
  let count = 0;
  for (const endpoint of endpoints) {
    if (!subscribesTo(JSON.parse(endpoint.enabled_events) as string[], request.type)) continue;
    const payload: WebhookJob = { eventId: request.eventId, endpointId: endpoint.id };
    // Grouped by merchant so the worker shares its slots fairly between merchants (webhook-task.ts).
    await enqueue(sql, { queue: WEBHOOK_QUEUE, payload, nowMs: request.nowMs, maxAttempts: WEBHOOK_MAX_ATTEMPTS, groupKey: request.merchantId });
    count += 1;
  }
  return count;
}
