import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type Stripe from 'stripe';
import { deleteCustomer } from '../../src/acquirer/customers/customers.ts';
import type { Tx } from '../../src/platform/db/database.ts';
import { lostRaces } from '../../src/platform/db/retry.ts';
import type { AcquirerFixture } from '../support/acquirer-fixture.ts';
import { testDatabaseKind } from '../support/databases.ts';
import { after, holdNextAuthorization, lockOrderRaceFixture } from '../support/lock-order-race.ts';

// A SetupIntent with a customer, and a PaymentIntent with a customer and
// setup_future_usage, attach their card to that customer when they succeed —
// after the network answered. A customer deleted while the verification or
// the payment was at the network was not looked at again: the card was
// attached to the deleted customer (and `payment_method.attached` sent after
// `customer.deleted`). Now the finishing transaction locks the customer, live,
// after the intent's row and before the card's (the house's lock order:
// payments/payment-method-locks.ts): a deletion that came first means the
// set-up or payment still finishes as the network answered — the card was
// verified, the money moved — and only the attach is skipped, since a deleted
// customer has no payment methods (a deletion detaches them all).
//
// Each race runs twice: the deletion committed while the attempt is at the
// network, and the deletion holding the customer's lock while the attempt
// finishes (on PostgreSQL the finishing transaction must wait for it; on
// SQLite, whose writers take turns, it simply runs after).

let f: AcquirerFixture;
let stripe: Stripe;
beforeEach(async () => {
  f = await lockOrderRaceFixture();
  stripe = f.stripe;
});
afterEach(async () => {
  await f.assertAudit();
  await f.close();
});

type Deletion = 'while at the network' | 'holding the lock as the attempt finishes';
const DELETIONS: readonly Deletion[] = ['while at the network', 'holding the lock as the attempt finishes'];

/**
 * Runs `attempt` (a confirm) and deletes `customerId` while it is at the network: committed there, or (`holding the
 * lock…`) in a transaction that deletes the customer, lets the attempt go on and commits only once the attempt's
 * finishing transaction waits for it — or the attempt ended without waiting, as it did before the fix.
 */
async function deleteDuring<T>(deletion: Deletion, customerId: string, attempt: () => Promise<T>): Promise<{ result: T; waited: boolean | null }> {
  const held = holdNextAuthorization(f);
  const running = attempt();
  let done = false;
  const settled = running.then(
    () => ((done = true), 'settled' as const),
    () => ((done = true), 'settled' as const),
  );
  await held.arrived;
  if (deletion === 'while at the network') {
    await stripe.customers.del(customerId);
    held.release();
    return { result: await running, waited: null };
  }
  const first = await f.db.transaction(async (tx) => {
    await deleteCustomer(tx, { ids: f.deps.ids, nowMs: f.clock.nowMs() }, { merchantId: f.merchant.merchant.id, id: customerId });
    held.release();
    return Promise.race([settled, untilBlockedBehind(tx, () => done).then(() => 'waited' as const)]);
  });
  return { result: await running, waited: first === 'waited' };
}

/**
 * On PostgreSQL the attempt must have waited for the deleting transaction (for the customer's lock); before the fix it
 * finished beside it, attaching the card to a customer whose deletion then committed.
 */
function assertWaitedForDeletion(waited: boolean | null): void {
  if (waited !== null && testDatabaseKind() === 'postgres') assert.equal(waited, true, "the attempt's finishing transaction waited for the deletion's lock");
}

/**
 * On PostgreSQL, resolves once another session waits for a lock this transaction holds (the attempt's finishing
 * transaction, for the customer's row), and stops looking once the attempt is `over`; on SQLite, whose writers take
 * turns, resolves after a moment for the attempt's transaction to queue.
 */
async function untilBlockedBehind(tx: Tx, over: () => boolean): Promise<void> {
  if (testDatabaseKind() !== 'postgres') return void (await after(50));
  const { pid } = (await tx.get<{ pid: number }>('SELECT pg_backend_pid() AS pid'))!;
  while (!over()) {
    const waiting = await f.db.get<{ n: number | string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE ? = ANY(pg_blocking_pids(pid))', [pid]);
    if (Number(waiting!.n) > 0) return;
    await after(5);
  }
}

async function newCard(): Promise<Stripe.PaymentMethod> {
  return stripe.paymentMethods.create({ type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' } } as Stripe.PaymentMethodCreateParams);
}

/** The card is detached, and no card at all is attached to a deleted customer. */
async function assertNotAttached(card: string): Promise<void> {
  assert.equal((await stripe.paymentMethods.retrieve(card)).customer, null, `${card} stays unattached`);
  const strays = await f.db.all<{ id: string }>(
    'SELECT p.id FROM acquirer_payment_methods p JOIN acquirer_customers c ON c.id = p.customer_id WHERE c.deleted_at_ms IS NOT NULL',
  );
  assert.deepEqual(strays, [], 'cards attached to a deleted customer');
}

/** Every event of this merchant, oldest first (event ids sort by creation). */
async function allEvents(): Promise<Stripe.Event[]> {
  const events: Stripe.Event[] = [];
  for await (const event of stripe.events.list({ limit: 100 })) events.push(event);
  return events.sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** No `payment_method.attached` names a customer whose `customer.deleted` came before it; the card never announced as attached. */
async function assertEventsConsistent(customerId: string, card: string): Promise<Stripe.Event[]> {
  const events = await allEvents();
  const deletedAt = events.findIndex((e) => e.type === 'customer.deleted' && (e.data.object as { id: string }).id === customerId);
  assert.ok(deletedAt >= 0, 'customer.deleted sent');
  const lateAttach = events.slice(deletedAt).filter((e) => e.type === 'payment_method.attached' && (e.data.object as { customer: string | null }).customer === customerId);
  assert.deepEqual(lateAttach.map((e) => (e.data.object as { id: string }).id), [], 'payment_method.attached after customer.deleted');
  const attached = events.filter((e) => e.type === 'payment_method.attached' && (e.data.object as { id: string }).id === card);
  assert.equal(attached.length, 0, `${card} announced as attached`);
  return events;
}

function countOf(events: readonly Stripe.Event[], type: string, objectId: string): number {
  return events.filter((e) => e.type === type && (e.data.object as { id: string }).id === objectId).length;
}

for (const deletion of DELETIONS) {
  test(`a SetupIntent's customer deleted ${deletion}: the set-up succeeds, the card stays unattached`, { timeout: 60_000 }, async () => {
    const customer = await stripe.customers.create({ email: 'saver@example.com' });
    const card = await newCard();
    const si = await stripe.setupIntents.create({ customer: customer.id, payment_method: card.id, usage: 'off_session' });
    const deadlocksBefore = lostRaces.deadlock;

    const { result: done, waited } = await deleteDuring(deletion, customer.id, () => stripe.setupIntents.confirm(si.id));

    // The card was verified: the set-up says so, with its one verification as the latest attempt.
    assert.equal(done.status, 'succeeded');
    assert.equal(done.payment_method, card.id);
    const verifications = await f.db.all<{ id: string; status: string }>(
      "SELECT id, status FROM acquirer_charges WHERE setup_intent_id = ? AND purpose = 'account_verification'",
      [si.id],
    );
    assert.deepEqual(verifications.map((v) => v.status), ['succeeded'], 'one verification, approved');
    assert.equal(done.latest_attempt, verifications[0]!.id);
    await assertNotAttached(card.id);
    const events = await assertEventsConsistent(customer.id, card.id);
    assert.equal(countOf(events, 'setup_intent.succeeded', si.id), 1);
    assert.equal(countOf(events, 'setup_intent.setup_failed', si.id), 0);
    assertWaitedForDeletion(waited);
    assert.equal(lostRaces.deadlock - deadlocksBefore, 0, 'transactions re-run after a deadlock');
  });

  test(`a PaymentIntent's customer deleted ${deletion} (setup_future_usage): the payment succeeds once, the card stays unattached`, { timeout: 60_000 }, async () => {
    const customer = await stripe.customers.create({ email: 'payer@example.com' });
    const card = await newCard();
    const deadlocksBefore = lostRaces.deadlock;

    const { result: pi, waited } = await deleteDuring(deletion, customer.id, () =>
      stripe.paymentIntents.create({ amount: 2000, currency: 'usd', customer: customer.id, payment_method: card.id, setup_future_usage: 'off_session', confirm: true }),
    );

    // The money moved: the payment succeeded, captured once, for its amount.
    assert.equal(pi.status, 'succeeded');
    assert.equal(pi.amount_received, 2000);
    const charges = await stripe.charges.list({ payment_intent: pi.id });
    assert.equal(charges.data.length, 1, 'one charge');
    assert.equal(charges.data[0]!.captured, true);
    assert.equal(charges.data[0]!.amount_captured, 2000);
    assert.equal((await stripe.paymentIntents.retrieve(pi.id)).status, 'succeeded');
    await assertNotAttached(card.id);
    const events = await assertEventsConsistent(customer.id, card.id);
    assert.equal(countOf(events, 'payment_intent.succeeded', pi.id), 1);
    assert.equal(countOf(events, 'payment_intent.payment_failed', pi.id), 0);
    assertWaitedForDeletion(waited);
    assert.equal(lostRaces.deadlock - deadlocksBefore, 0, 'transactions re-run after a deadlock');
  });
}
