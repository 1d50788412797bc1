import type { Sql, Tx } from '../../platform/db/database.ts';
import { AcquirerError } from '../errors.ts';
import type { IdGenerator } from '../../platform/ids.ts';
import { enabledWebhookEndpoints, enqueueWebhookDeliveries, type EnabledEndpoint } from '../webhooks/webhook-outbox.ts';

export { enabledWebhookEndpoints, type EnabledEndpoint };
import { isEventType } from './event-types.ts';
import { CURRENT_API_VERSION } from '../stripe/api-version.ts';

/**
 * Events: what changed, recorded in the same transaction as the change
 * (`recordEvent`), and sent to the merchant's webhook endpoints by jobs
 * enqueued in that transaction too. The object snapshot is taken when the
 * event is recorded, as at Stripe: a later change makes a new event, it
 * never rewrites an old one.
 */

/**
 * The API version events are rendered in: the one of the official SDK
 * the compatibility tests drive (stripe-node 23). Cardlane has one version.
 */
export const EVENT_API_VERSION = CURRENT_API_VERSION;

export interface NewEvent {
  readonly merchantId: string;
  /** One of EVENT_TYPES (event-types.ts). */
  readonly type: string;
  /** The API object as the API returns it now. */
  readonly object: { id: string } & Record<string, unknown>;
  /** For `*.updated`: the changed attributes' old values (see previous-attributes.ts). */
  readonly previousAttributes?: Record<string, unknown>;
  /** The API request that caused the change (Stripe's `request`); null/absent for automatic changes. */
  readonly request?: { readonly id: string | null; readonly idempotencyKey: string | null };
}

export interface EventRow {
  id: string;
  merchant_id: string;
  type: string;
  api_version: string;
  data: string;
  request_id: string | null;
  idempotency_key: string | null;
  pending_webhooks: number | string;
  created_at_ms: number | string;
}

export const EVENT_COLUMNS = 'id, merchant_id, type, api_version, data, request_id, idempotency_key, pending_webhooks, created_at_ms';

/** Records the event and, in the same transaction, its webhook deliveries. Returns the event id. */
export async function recordEvent(tx: Tx, deps: { ids: IdGenerator; nowMs: number }, event: NewEvent, endpoints?: readonly EnabledEndpoint[]): Promise<string> {
  return (await recordEvents(tx, deps, [event], endpoints))[0]!;
}

/**
 * Records several events of one merchant, in order, in the caller's
 * transaction (one change announced twice, as a payment's charge and its
 * intent): the merchant's webhook endpoints are read once for all of them,
 * and the events are inserted by one statement.
 *
 * `endpoints`: the merchant's enabled endpoints as the caller already read
 * them — in this transaction, or earlier in the same API request (a payment
 * reads them once for the events of its creation and of its outcome, a few
 * milliseconds apart; an endpoint created in between gets the request's
 * events from the next request on, as if it had been created a moment
 * later, and one disabled or deleted meanwhile is skipped at delivery,
 * webhook-delivery.ts).
 */
export async function recordEvents(tx: Tx, deps: { ids: IdGenerator; nowMs: number }, events: readonly NewEvent[], endpoints?: readonly EnabledEndpoint[]): Promise<string[]> {
  const merchantId = events[0]?.merchantId;
  if (merchantId === undefined) return [];
  if (events.some((event) => event.merchantId !== merchantId)) throw new Error('recordEvents: the events belong to different merchants');
  const subscribers = endpoints ?? (await enabledWebhookEndpoints(tx, merchantId));
  const rows: unknown[][] = [];
  for (const event of events) rows.push(await eventRow(tx, deps, event, subscribers));
  tx.write(`INSERT INTO acquirer_events (${EVENT_COLUMNS}) VALUES ${rows.map(() => EVENT_VALUES).join(', ')}`, rows.flat());
  return rows.map((row) => row[0] as string);
}

const EVENT_VALUES = '(?, ?, ?, ?, ?, ?, ?, ?, ?)';

/** An event's row (its columns in EVENT_COLUMNS order), its webhook deliveries enqueued. */
async function eventRow(tx: Tx, deps: { ids: IdGenerator; nowMs: number }, event: NewEvent, endpoints: readonly EnabledEndpoint[]): Promise<unknown[]> {
  if (!isEventType(event.type)) throw new Error(`recordEvent: unknown event type ${event.type}; add it to EVENT_TYPES`);
  if (typeof event.object?.id !== 'string') throw new Error('recordEvent: the object needs an id');
  const id = deps.ids.next('evt');
  const data =
    event.previousAttributes === undefined ? { object: event.object } : { object: event.object, previous_attributes: event.previousAttributes };
  // The deliveries are enqueued first so the row is inserted once, with its final count.
  const pending = await enqueueWebhookDeliveries(tx, { merchantId: event.merchantId, eventId: id, type: event.type, nowMs: deps.nowMs }, endpoints);
  return [id, event.merchantId, event.type, EVENT_API_VERSION, JSON.stringify(data), event.request?.id ?? null, event.request?.idempotencyKey ?? null, pending, deps.nowMs];
}

export async function getEvent(sql: Sql, merchantId: string, id: string): Promise<EventRow | undefined> {
  return sql.get<EventRow>(`SELECT ${EVENT_COLUMNS} FROM acquirer_events WHERE id = ? AND merchant_id = ?`, [id, merchantId]);
}

export async function requireEvent(sql: Sql, merchantId: string, id: string): Promise<EventRow> {
  const row = await getEvent(sql, merchantId, id);
  if (row === undefined) throw new AcquirerError('resource_missing', `No such event: '${id}'`, { param: 'id' });
  return row;
}

/** Stripe's event object; its JSON is also the webhook payload. */
export function eventObject(row: EventRow): Record<string, unknown> {
  return {
    id: row.id,
    object: 'event',
    api_version: row.api_version,
    created: Math.floor(Number(row.created_at_ms) / 1000),
    data: JSON.parse(row.data) as unknown,
    livemode: false,
    pending_webhooks: Number(row.pending_webhooks),
    request: { id: row.request_id, idempotency_key: row.idempotency_key },
    type: row.type,
  };
}
