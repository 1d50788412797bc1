import type { Tx } from '../../platform/db/database.ts';
import type { IdGenerator } from '../../platform/ids.ts';
import { recordEvent } from '../events/events.ts';
import { WEBHOOK_ENDPOINT_COLUMNS, webhookEndpointObject, type WebhookEndpointRow } from './webhook-endpoints.ts';

/**
 * An endpoint that keeps failing is disabled, as Stripe disables one after
 * days of failures: it stops costing delivery slots and retries (which a
 * merchant could otherwise point at a socket that never answers, for ever),
 * and the merchant is told by an event, `webhook_endpoint.automatically_disabled`
 * (Cardlane's own type; the object is the endpoint, `status: "disabled"`),
 * sent to its other endpoints that subscribe to it. `disabled: false` on
 * an update enables it again, with a fresh count.
 *
 * Both bounds must be passed: many failures in a burst (a receiver down for
 * an hour during a busy day) is not enough, nor a long time with a few. One
 * event's own retries (20 attempts over about 68.5 h, webhook-outbox.ts)
 * never disable an endpoint on their own: it takes failures over three days.
 */
export const WEBHOOK_DISABLE_AFTER_FAILURES = 20;
export const WEBHOOK_DISABLE_AFTER_FAILING_MS = 3 * 24 * 60 * 60 * 1000;

/** A 2xx answer: the run of failures is over. */
export async function noteDeliverySucceeded(tx: Tx, endpointId: string): Promise<void> {
  await tx.run('UPDATE acquirer_webhook_endpoints SET consecutive_failures = 0, failing_since_ms = NULL WHERE id = ? AND consecutive_failures > 0', [
    endpointId,
  ]);
}

/**
 * A delivery that got no 2xx: counts it, and disables the endpoint once both
 * bounds are passed, with its event, in the caller's transaction. Returns
 * whether this failure disabled it.
 */
export async function noteDeliveryFailed(
  tx: Tx,
  deps: { readonly ids: IdGenerator },
  failure: { readonly endpointId: string; readonly attemptedAtMs: number; readonly nowMs: number },
): Promise<boolean> {
  const row = await tx.get<WebhookEndpointRow & { consecutive_failures: number | string; failing_since_ms: number | string | null }>(
    `SELECT ${WEBHOOK_ENDPOINT_COLUMNS}, consecutive_failures, failing_since_ms FROM acquirer_webhook_endpoints WHERE id = ? ${tx.forUpdate}`,
    [failure.endpointId],
  );
  if (row === undefined) return false;
  const failures = Number(row.consecutive_failures) + 1;
  const failingSinceMs = row.failing_since_ms === null ? failure.attemptedAtMs : Number(row.failing_since_ms);
  const disable =
    row.status === 'enabled' &&
    row.deleted_at_ms === null &&
    failures >= WEBHOOK_DISABLE_AFTER_FAILURES &&
    failure.nowMs - failingSinceMs >= WEBHOOK_DISABLE_AFTER_FAILING_MS;
  await tx.run('UPDATE acquirer_webhook_endpoints SET consecutive_failures = ?, failing_since_ms = ?, status = ? WHERE id = ?', [
    failures,
    failingSinceMs,
    disable ? 'disabled' : row.status,
    row.id,
  ]);
  if (disable) {
    // Recorded after the status changed, so the disabled endpoint itself is not sent the news.
    await recordEvent(tx, { ids: deps.ids, nowMs: failure.nowMs }, {
      merchantId: row.merchant_id,
      type: 'webhook_endpoint.automatically_disabled',
      object: webhookEndpointObject({ ...row, status: 'disabled' }) as { id: string } & Record<string, unknown>,
    });
  }
  return disable;
}
