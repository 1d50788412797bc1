import type { Sql, Tx } from '../../platform/db/database.ts';

/**
 * Billing's inbox of its payment provider's events: each event is kept once
 * by its id (however often it is listed or delivered), `pending` until its
 * handler has run, and marked `handled` or `ignored` in the same transaction
 * as the handler's effects — so a crash before the commit leaves it pending
 * for the next run, and one after it never runs the handler again.
 */

export type InboxStatus = 'pending' | 'handled' | 'ignored';

export interface InboxEvent {
  readonly eventId: string;
  readonly type: string;
  readonly objectId: string;
  /** The event's `data.object` as the provider sent it (a snapshot: handlers read the object's current state too). */
  readonly object: Record<string, unknown>;
  readonly createdS: number;
  readonly status: InboxStatus;
  readonly tries: number;
}

/** The provider's event, as much of it as the inbox keeps. */
export interface ProviderEvent {
  readonly id: string;
  readonly type: string;
  readonly created: number;
  readonly data: { readonly object: object };
}

const COLUMNS = 'event_id, type, object_id, object_json, created_s, status, tries';

function fromRow(row: any): InboxEvent {
  return {
    eventId: row.event_id,
    type: row.type,
    objectId: row.object_id,
    object: JSON.parse(row.object_json),
    createdS: Number(row.created_s),
    status: row.status,
    tries: Number(row.tries),
  };
}

/** Keeps the event if it is new; true when it was (a repeat changes nothing). */
export async function keepEvent(sql: Sql, event: ProviderEvent, nowMs: number): Promise<boolean> {
  const id = (event.data.object as { id?: unknown }).id;
  const objectId = typeof id === 'string' ? id : '';
  const changed = await sql.run(
    `INSERT INTO billing_provider_events (event_id, type, object_id, object_json, created_s, status, received_at_ms) VALUES (?, ?, ?, ?, ?, 'pending', ?)
     ON CONFLICT (event_id) DO NOTHING`,
    [event.id, event.type, objectId, JSON.stringify(event.data.object), event.created, nowMs],
  );
  return changed === 1;
}

/** Pending events, oldest first (by the provider's time, then id): a dispute's opening is handled before its close when both wait. */
export async function pendingEvents(sql: Sql, limit: number): Promise<InboxEvent[]> {
  return (await sql.all(`SELECT ${COLUMNS} FROM billing_provider_events WHERE status = 'pending' ORDER BY created_s, event_id LIMIT ?`, [limit])).map(fromRow);
}

/** The event, locked for the transaction; null once another run has handled it. */
export async function lockPendingEvent(tx: Tx, eventId: string): Promise<InboxEvent | null> {
  const row = await tx.get(`SELECT ${COLUMNS} FROM billing_provider_events WHERE event_id = ? ${tx.forUpdate}`, [eventId]);
  return row === undefined || row.status !== 'pending' ? null : fromRow(row);
}

export async function finishEvent(tx: Tx, eventId: string, status: Exclude<InboxStatus, 'pending'>, note: string | null, nowMs: number): Promise<void> {
  await tx.run(`UPDATE billing_provider_events SET status = ?, note = ?, tries = tries + 1, handled_at_ms = ? WHERE event_id = ? AND status = 'pending'`, [
    status,
    note?.slice(0, 500) ?? null,
    nowMs,
    eventId,
  ]);
}

/** An event whose handler must wait (its payment is not finished in billing yet): tried again on the next run. */
export async function deferEvent(sql: Sql, eventId: string, note: string): Promise<void> {
  await sql.run(`UPDATE billing_provider_events SET note = ?, tries = tries + 1 WHERE event_id = ? AND status = 'pending'`, [note.slice(0, 500), eventId]);
}

export async function findInboxEvent(sql: Sql, eventId: string): Promise<(InboxEvent & { note: string | null }) | null> {
  const row = await sql.get(`SELECT ${COLUMNS}, note FROM billing_provider_events WHERE event_id = ?`, [eventId]);
  return row === undefined ? null : { ...fromRow(row), note: (row as { note: string | null }).note };
}
