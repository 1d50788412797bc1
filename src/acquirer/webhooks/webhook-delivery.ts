import type { Sql } from '../../platform/db/database.ts';
import { complete, type Job, type JobHandler } from '../../platform/jobs/index.ts';
import { loggableUrl } from '../../platform/log-redaction.ts';
import type { AcquirerDeps } from '../acquirer-deps.ts';
import { EVENT_COLUMNS, eventObject, type EventRow } from '../events/events.ts';
import { PUBLIC_ADDRESSES_ONLY, type WebhookNetworkPolicy } from './webhook-address-policy.ts';
import { noteDeliveryFailed, noteDeliverySucceeded } from './webhook-endpoint-health.ts';
import { WEBHOOK_ENDPOINT_COLUMNS, type WebhookEndpointRow } from './webhook-endpoints.ts';
import { postWebhook, WebhookTransportError } from './webhook-http.ts';
import type { WebhookJob } from './webhook-outbox.ts';
import { openWebhookSecret } from './webhook-secret.ts';
import { webhookSignatureHeader } from './webhook-signature.ts';

/**
 * Sends one event to one endpoint: the job handler behind the outbox.
 *
 * The POST happens outside any transaction (it may take up to the time-out);
 * its outcome is recorded afterwards. A 2xx answer is a delivery: the attempt
 * is recorded, the event's `pending_webhooks` goes down by one (once per
 * endpoint, however often a lost lease makes the job run again) and the job
 * is completed, all in one transaction. Anything else — another status, a
 * redirect (never followed: a redirect could point the signed payload
 * anywhere), a network error, the time-out, an address the network policy
 * refuses (webhook-address-policy.ts) — is recorded and thrown, and the
 * jobs worker retries with back-off (webhook-outbox.ts has the schedule).
 * Every failure also counts towards disabling an endpoint that keeps failing
 * (webhook-endpoint-health.ts), and a 2xx resets that count.
 *
 * Deliveries are at least once, as Stripe's are: receivers dedupe on the
 * event id.
 */

export const WEBHOOK_TIMEOUT_MS = 10_000;
/**
 * Until the TCP connection is up: a receiver on the internet answers a
 * connect in well under a second, so an address that swallows the SYN
 * (firewalled, black-holed) costs a delivery slot 3 s, not the whole 10 s.
 */
export const WEBHOOK_CONNECT_TIMEOUT_MS = 3_000;
/** Only the start of an answer is read: enough to show why an endpoint refused, never a whole page. */
export const WEBHOOK_RESPONSE_READ_MAX_BYTES = 4_096;
export const WEBHOOK_RESPONSE_EXCERPT_MAX_CHARS = 1_000;
const USER_AGENT = 'Cardlane/1.0 (+Stripe-compatible webhooks)';

export interface WebhookDeliveryOptions {
  /** How long one POST may take, headers and the read of the answer included. */
  readonly timeoutMs?: number;
  /** How long the connection may take to come up (at most timeoutMs). */
  readonly connectTimeoutMs?: number;
}

export class WebhookDeliveryFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookDeliveryFailed';
  }
}

interface Attempt {
  readonly delivered: boolean;
  readonly statusCode: number | null;
  readonly error: string | null;
  readonly excerpt: string | null;
  readonly durationMs: number;
}

export function webhookDeliveryHandler(deps: AcquirerDeps, options: WebhookDeliveryOptions = {}): JobHandler {
  const timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  const connectTimeoutMs = Math.min(options.connectTimeoutMs ?? WEBHOOK_CONNECT_TIMEOUT_MS, timeoutMs);
  const policy = deps.webhookNetwork ?? PUBLIC_ADDRESSES_ONLY;
  return async (job: Job) => {
    const { eventId, endpointId } = jobPayload(job.payload);
    const endpoint = await deps.db.get<WebhookEndpointRow>(`SELECT ${WEBHOOK_ENDPOINT_COLUMNS} FROM acquirer_webhook_endpoints WHERE id = ?`, [
      endpointId,
    ]);
    const event = await deps.db.get<EventRow>(`SELECT ${EVENT_COLUMNS} FROM acquirer_events WHERE id = ?`, [eventId]);
    if (endpoint === undefined || event === undefined || endpoint.merchant_id !== event.merchant_id) {
      throw new Error(`webhook job ${job.id} names event ${eventId} and endpoint ${endpointId}, which do not exist together`);
    }
    const attemptedAtMs = deps.clock.nowMs();
    const base = { merchantId: event.merchant_id, eventId, endpointId, attempt: job.attempts, attemptedAtMs };

    // An endpoint deleted or disabled since the event was recorded gets no more deliveries (as at Stripe).
    const skip = endpoint.deleted_at_ms !== null ? 'endpoint deleted' : endpoint.status === 'disabled' ? 'endpoint disabled' : null;
    if (skip !== null) {
      await recordAttempt(deps.db, base, { delivered: false, statusCode: null, error: `${skip}; not sent`, excerpt: null, durationMs: 0 });
      return;
    }

    const payload = JSON.stringify(eventObject(event), null, 2);
    const secret = openWebhookSecret(deps.vaultKey, endpoint.id, endpoint.secret_sealed);
    const signature = webhookSignatureHeader(secret, payload, Math.floor(attemptedAtMs / 1000));
    const attempt = await post(endpoint.url, payload, signature, { timeoutMs, connectTimeoutMs, policy });

    if (!attempt.delivered) {
      await deps.db.transaction(async (tx) => {
        await recordAttempt(tx, base, attempt);
        await noteDeliveryFailed(tx, deps, { endpointId, attemptedAtMs, nowMs: deps.clock.nowMs() });
      });
      // The worker logs this and keeps it on the job: a receiver's secret in the URL's query (`?token=…`) is left out, as the request log does.
      throw new WebhookDeliveryFailed(`${loggableUrl(endpoint.url)}: ${attempt.error}`);
    }
    await deps.db.transaction(async (tx) => {
      // The event's lock orders concurrent runs of this job (a lost lease), so only the first delivery counts.
      await tx.get(`SELECT id FROM acquirer_events WHERE id = ? ${tx.forUpdate}`, [eventId]);
      const earlier = await tx.get('SELECT id FROM acquirer_webhook_deliveries WHERE event_id = ? AND endpoint_id = ? AND delivered = 1', [eventId, endpointId]);
      await recordAttempt(tx, base, attempt);
      await noteDeliverySucceeded(tx, endpointId);
      if (earlier === undefined) {
        await tx.run('UPDATE acquirer_events SET pending_webhooks = pending_webhooks - 1 WHERE id = ? AND pending_webhooks > 0', [eventId]);
      }
      await complete(tx, job, deps.clock.nowMs());
    });
  };
}

function jobPayload(payload: unknown): WebhookJob {
  const value = payload as Partial<WebhookJob> | null;
  if (typeof value?.eventId !== 'string' || typeof value.endpointId !== 'string') throw new Error('webhook job payload needs eventId and endpointId');
  return { eventId: value.eventId, endpointId: value.endpointId };
}

async function recordAttempt(
  sql: Sql,
  base: { merchantId: string; eventId: string; endpointId: string; attempt: number; attemptedAtMs: number },
  attempt: Attempt,
): Promise<void> {
  await sql.run(
    `INSERT INTO acquirer_webhook_deliveries
       (merchant_id, event_id, endpoint_id, attempt, delivered, status_code, error, response_excerpt, duration_ms, attempted_at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      base.merchantId,
      base.eventId,
      base.endpointId,
      base.attempt,
      attempt.delivered ? 1 : 0,
      attempt.statusCode,
      attempt.error,
      attempt.excerpt,
      attempt.durationMs,
      base.attemptedAtMs,
    ],
  );
}

/**
 * One POST. Times are real (a slow endpoint is slow in the world, whatever
 * the injected Clock says), so the duration is measured with performance.now().
 */
async function post(
  url: string,
  payload: string,
  signature: string,
  limits: { timeoutMs: number; connectTimeoutMs: number; policy: WebhookNetworkPolicy },
): Promise<Attempt> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const answer = await postWebhook(
      url,
      { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': signature, 'user-agent': USER_AGENT },
      payload,
      { ...limits, readMaxBytes: WEBHOOK_RESPONSE_READ_MAX_BYTES },
    );
    const excerpt = answer.text.slice(0, WEBHOOK_RESPONSE_EXCERPT_MAX_CHARS);
    const delivered = answer.status >= 200 && answer.status < 300;
    const error = delivered
      ? null
      : answer.status >= 300 && answer.status < 400
        ? `HTTP ${answer.status}: redirects are not followed`
        : `HTTP ${answer.status}`;
    return { delivered, statusCode: answer.status, error, excerpt: excerpt === '' ? null : excerpt, durationMs: elapsed() };
  } catch (error) {
    const message = error instanceof WebhookTransportError ? error.message : String(error).slice(0, 500);
    return { delivered: false, statusCode: null, error: message, excerpt: null, durationMs: elapsed() };
  }
}
