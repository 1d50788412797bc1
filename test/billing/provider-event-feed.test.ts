import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type Stripe from 'stripe';
import { OVERLAP_S, readCursor, readProviderEvents, WINDOW_S } from '../../src/billing/provider-events/provider-event-feed.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';

// The provider lists events newest first, however many there are. Billing reads the time from its cursor to now in
// windows, oldest first, each to its end: a first run over 30 days with more events than fit in any cap, and a day
// far busier than the rest, still reads every event, and the cursor only moves forward past what was read.

let t: TestDatabase;
before(async () => {
  t = await createTestDatabase();
});
after(() => t.cleanup());

/** A provider holding `events` that answers `events.list` as Stripe does: created filters, newest first, paged. */
function providerWith(events: ReadonlyArray<{ id: string; created: number }>) {
  const lists: Array<{ gte: number; lt: number }> = [];
  const stripe = {
    events: {
      list(params: { created: { gte: number; lt: number } }) {
        lists.push(params.created);
        const chosen = events.filter((e) => e.created >= params.created.gte && e.created < params.created.lt).sort((a, b) => b.created - a.created);
        return (async function* () {
          for (const e of chosen) yield { id: e.id, type: 'charge.refunded', created: e.created, data: { object: { id: `ch_${e.id}` } } };
        })();
      },
    },
  } as unknown as Stripe;
  return { stripe, lists };
}

test('a first run reads 30 days of events, a busy day whole, in windows oldest first; the next run starts just before where it ended', async () => {
  const nowS = 1_780_000_000;
  const events: Array<{ id: string; created: number }> = [];
  // A quiet month, one event a day, and one day with 5,000 (more than any single list should be trusted to page).
  for (let day = 1; day <= 29; day++) events.push({ id: `evt_q${day}`, created: nowS - day * 86_400 });
  for (let i = 0; i < 5_000; i++) events.push({ id: `evt_b${i}`, created: nowS - 3 * 86_400 - i });
  const { stripe, lists } = providerWith(events);

  const first = await readProviderEvents(t.db, stripe, nowS * 1000);
  assert.equal(first.read, events.length);
  assert.equal(first.kept, events.length);
  const kept = await t.db.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM billing_provider_events');
  assert.equal(Number(kept?.n), events.length);
  // Oldest window first, each no wider than a window, covering up to now without a gap.
  for (let i = 1; i < lists.length; i++) assert.equal(lists[i]!.gte, lists[i - 1]!.lt);
  assert.ok(lists.every((w) => w.lt - w.gte <= WINDOW_S));
  assert.ok(lists[lists.length - 1]!.lt > nowS);
  assert.equal(await readCursor(t.db), nowS + 1);

  // The next run reads from a little before the cursor (late-visible events), keeps only what is new.
  events.push({ id: 'evt_late', created: nowS - 60 }, { id: 'evt_next', created: nowS + 30 });
  lists.length = 0;
  const second = await readProviderEvents(t.db, stripe, (nowS + 60) * 1000);
  assert.equal(lists[0]!.gte, nowS + 1 - OVERLAP_S);
  assert.equal(second.kept, 2);
  assert.equal(await readCursor(t.db), nowS + 61);
});
