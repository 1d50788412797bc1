import type { Sql, Tx } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { AcquirerError } from '../errors.ts';
import type { IdGenerator, RandomSource } from '../../platform/ids.ts';
import { updateMetadata, type Metadata, type Params } from '../stripe/params.ts';
import { newWebhookSecret, sealWebhookSecret } from './webhook-secret.ts';

/**
 * Webhook endpoints: where a merchant's events are sent. Storage and
 * Stripe's `webhook_endpoint` object; the secret appears in the object
 * only in the answer to create, as at Stripe.
 */

/** Stripe's limit of endpoints per account in test mode. */
export const WEBHOOK_ENDPOINTS_MAX = 16;

export interface WebhookEndpointRow {
  id: string;
  merchant_id: string;
  url: string;
  description: string | null;
  metadata: string;
  enabled_events: string;
  status: 'enabled' | 'disabled';
  secret_sealed: string;
  created_at_ms: number | string;
  deleted_at_ms: number | string | null;
}

export const WEBHOOK_ENDPOINT_COLUMNS =
  'id, merchant_id, url, description, metadata, enabled_events, status, secret_sealed, created_at_ms, deleted_at_ms';

export function webhookEndpointObject(row: WebhookEndpointRow, secret?: string): Record<string, unknown> {
  return {
    id: row.id,
    object: 'webhook_endpoint',
    api_version: null,
    application: null,
    created: Math.floor(Number(row.created_at_ms) / 1000),
    description: row.description,
    enabled_events: JSON.parse(row.enabled_events) as string[],
    livemode: false,
    metadata: JSON.parse(row.metadata) as Metadata,
    ...(secret === undefined ? {} : { secret }),
    status: row.status,
    url: row.url,
  };
}

export function noSuchWebhookEndpoint(id: string): AppError {
  return new AcquirerError('resource_missing', `No such webhook endpoint: '${id}'`, { param: 'id' });
}

/** A live (not deleted) endpoint of this merchant. */
export async function getWebhookEndpoint(sql: Sql, merchantId: string, id: string, lock = ''): Promise<WebhookEndpointRow | undefined> {
  return sql.get<WebhookEndpointRow>(
    `SELECT ${WEBHOOK_ENDPOINT_COLUMNS} FROM acquirer_webhook_endpoints WHERE id = ? AND merchant_id = ? AND deleted_at_ms IS NULL ${lock}`,
    [id, merchantId],
  );
}

export async function createWebhookEndpoint(
  tx: Tx,
  deps: { ids: IdGenerator; random: RandomSource; vaultKey: Buffer; nowMs: number },
  input: {
    readonly merchantId: string;
    readonly url: string;
    readonly enabledEvents: readonly string[];
    readonly description: string | null;
    readonly metadata: ReturnType<Params['metadata']>;
  },
): Promise<{ row: WebhookEndpointRow; secret: string }> {
  // Locking the merchant serializes its creates, so two at once cannot both pass the limit.
  await tx.get(`SELECT id FROM acquirer_merchants WHERE id = ? ${tx.forUpdate}`, [input.merchantId]);
  const live = await tx.get<{ n: number | string }>(
    'SELECT COUNT(*) AS n FROM acquirer_webhook_endpoints WHERE merchant_id = ? AND deleted_at_ms IS NULL',
    [input.merchantId],
  );
  if (Number(live?.n ?? 0) >= WEBHOOK_ENDPOINTS_MAX) {
    throw new AcquirerError('request_invalid', `You have reached the maximum of ${WEBHOOK_ENDPOINTS_MAX} test webhook endpoints.`);
  }
  const id = deps.ids.next('we');
  const secret = newWebhookSecret(deps.random);
  const row: WebhookEndpointRow = {
    id,
    merchant_id: input.merchantId,
    url: input.url,
    description: input.description,
    metadata: JSON.stringify(updateMetadata({}, input.metadata)),
    enabled_events: JSON.stringify(input.enabledEvents),
    status: 'enabled',
    secret_sealed: sealWebhookSecret(deps.vaultKey, id, secret, deps.random),
    created_at_ms: deps.nowMs,
    deleted_at_ms: null,
  };
  await tx.run(`INSERT INTO acquirer_webhook_endpoints (${WEBHOOK_ENDPOINT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`, [
    row.id,
    row.merchant_id,
    row.url,
    row.description,
    row.metadata,
    row.enabled_events,
    row.status,
    row.secret_sealed,
    row.created_at_ms,
  ]);
  return { row, secret };
}

export async function updateWebhookEndpoint(
  tx: Tx,
  input: {
    readonly merchantId: string;
    readonly id: string;
    readonly url: string | undefined;
    readonly enabledEvents: readonly string[] | undefined;
    /** undefined: unchanged; null: cleared. */
    readonly description: string | null | undefined;
    readonly disabled: boolean | undefined;
    readonly metadata: ReturnType<Params['metadata']>;
  },
): Promise<WebhookEndpointRow> {
  const before = await getWebhookEndpoint(tx, input.merchantId, input.id, tx.forUpdate);
  if (before === undefined) throw noSuchWebhookEndpoint(input.id);
  const after: WebhookEndpointRow = {
    ...before,
    url: input.url ?? before.url,
    enabled_events: input.enabledEvents === undefined ? before.enabled_events : JSON.stringify(input.enabledEvents),
    description: input.description === undefined ? before.description : input.description,
    status: input.disabled === undefined ? before.status : input.disabled ? 'disabled' : 'enabled',
    metadata: JSON.stringify(updateMetadata(JSON.parse(before.metadata) as Metadata, input.metadata)),
  };
  await tx.run(
    'UPDATE acquirer_webhook_endpoints SET url = ?, enabled_events = ?, description = ?, status = ?, metadata = ? WHERE id = ? AND merchant_id = ?',
    [after.url, after.enabled_events, after.description, after.status, after.metadata, after.id, after.merchant_id],
  );
  // Enabled again, or pointed somewhere new: earlier failures no longer say anything about it (webhook-endpoint-health.ts).
  if ((before.status === 'disabled' && after.status === 'enabled') || after.url !== before.url) {
    await tx.run('UPDATE acquirer_webhook_endpoints SET consecutive_failures = 0, failing_since_ms = NULL WHERE id = ?', [after.id]);
  }
  return after;
}

/** Deletes the endpoint; deliveries still queued for it are dropped when they come up (see webhook-delivery.ts). */
export async function deleteWebhookEndpoint(tx: Tx, input: { readonly merchantId: string; readonly id: string; readonly nowMs: number }): Promise<void> {
  const changed = await tx.run(
    'UPDATE acquirer_webhook_endpoints SET deleted_at_ms = ? WHERE id = ? AND merchant_id = ? AND deleted_at_ms IS NULL',
    [input.nowMs, input.id, input.merchantId],
  );
  if (changed !== 1) throw noSuchWebhookEndpoint(input.id);
}
