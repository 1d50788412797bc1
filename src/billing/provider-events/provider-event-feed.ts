import type Stripe from 'stripe';
import type { Sql } from '../../platform/db/database.ts';
import { keepEvent } from './event-inbox.ts';

/**
 * Reads the provider's events into billing's inbox, as any Stripe merchant
 * can: `GET /v1/events` filtered to the types billing acts on, from a cursor
 * kept in billing's database.
 *
 * Why a sweep and not a webhook endpoint: billing must hear of refunds and
 * disputes even where the provider cannot reach it — the acquirer refuses
 * to deliver webhooks to loopback and private addresses (SSRF protection),
 * which is exactly where billing lives in a default `cardlane up`, and a
 * billing page behind NAT is no different against Stripe. The events list
 * needs only billing's API key, and nothing is lost while billing is down
 * (Stripe keeps events 30 days). The events are only news: every handler
 * reads the object's current state, so order and repeats do not matter.
 *
 * The cursor is a time, not an event id: an event recorded in a long
 * transaction can become visible after younger ones, so each run reads back
 * OVERLAP_S before the cursor; what was read before is skipped by its id.
 * The provider lists newest first, so the time from the cursor to now is
 * read in windows of a day, oldest window first, each paged to its end; the
 * cursor moves to a window's end once it is read whole. However many events
 * a busy day holds, every run ends further on than it began.
 */

export const PROVIDER_EVENT_TYPES = [
  'charge.refunded',
  // A refund's status changing, to `failed` too (after it had succeeded: the money stayed with the merchant, so the
  // credits it took come back); `refund.failed` says only that, and is what Stripe and the acquirer send for it.
  'charge.refund.updated',
  'refund.updated',
  'refund.failed',
  'charge.dispute.created',
  'charge.dispute.updated',
  'charge.dispute.closed',
  'charge.dispute.funds_withdrawn',
  'charge.dispute.funds_reinstated',
] as const;

const CURSOR_ID = 'events';
/** Longer than any transaction that records an event, and than any clock skew between billing and its provider. */
export const OVERLAP_S = 10 * 60;
/** A first run reads back as far as Stripe keeps events. */
export const FIRST_LOOKBACK_S = 30 * 86_400;
/** The span of one list, read whole before the cursor moves past it. */
export const WINDOW_S = 86_400;

export async function readCursor(sql: Sql): Promise<number | null> {
  const row = await sql.get<{ created_from_s: number | string }>('SELECT created_from_s FROM billing_provider_event_cursor WHERE id = ?', [CURSOR_ID]);
  return row === undefined ? null : Number(row.created_from_s);
}

async function moveCursor(sql: Sql, createdFromS: number, nowMs: number): Promise<void> {
  // Never backwards: two runs at once each move it to their own windows' ends.
  await sql.run(
    `INSERT INTO billing_provider_event_cursor (id, created_from_s, updated_at_ms) VALUES (?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET created_from_s = excluded.created_from_s, updated_at_ms = excluded.updated_at_ms
     WHERE billing_provider_event_cursor.created_from_s < excluded.created_from_s`,
    [CURSOR_ID, createdFromS, nowMs],
  );
}

/** Reads the events from the cursor to now into the inbox, a window at a time. Returns how many were read and how many were new. */
export async function readProviderEvents(db: Sql, stripe: Stripe, nowMs: number): Promise<{ read: number; kept: number }> {
  const nowS = Math.floor(nowMs / 1000);
  let fromS = Math.max(0, ((await readCursor(db)) ?? nowS - FIRST_LOOKBACK_S + OVERLAP_S) - OVERLAP_S);
  let read = 0;
  let kept = 0;
  while (fromS <= nowS) {
    const toS = Math.min(fromS + WINDOW_S, nowS + 1);
    for await (const event of stripe.events.list({ types: [...PROVIDER_EVENT_TYPES], created: { gte: fromS, lt: toS }, limit: 100 })) {
      read += 1;
      if (await keepEvent(db, event, nowMs)) kept += 1;
    }
    await moveCursor(db, toS, nowMs);
    fromS = toS;
  }
  return { read, kept };
}
