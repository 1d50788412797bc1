import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type Stripe from 'stripe';
import type { Tx } from '../../src/platform/db/database.ts';
import { lostRaces } from '../../src/platform/db/retry.ts';
import type { AcquirerFixture } from '../support/acquirer-fixture.ts';
import { testDatabaseKind } from '../support/databases.ts';
import { after, customerWithDefaultCard, lockOrderRaceFixture } from '../support/lock-order-race.ts';

// Detaching a payment method and deleting its customer both lock the
// customer's row and the payment method's. Detaching locked the payment
// method, then (clearing the default) the customer whose default it was;
// deleting locked the customer, then detached its payment methods. Run at
// once on PostgreSQL they deadlocked: PostgreSQL found it after its
// deadlock_timeout (a second) and failed one, which the retry re-ran. Both
// now lock the customer first, as invoicing does. The outcome must stay what
// it was: each customer deleted, each card detached (by its detach, or by the
// deletion that came first, when the detach answers that it is not attached),
// and no default payment method that is not attached to its customer.
// Attaching a card to a customer being deleted takes the same order, so the
// card is attached before the deletion (which detaches it) or the attach
// answers that the customer is gone — never attached to a deleted customer.
// On SQLite, whose writers take turns, this holds trivially.

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

const CUSTOMERS = 16;
const CARDS_PER_CUSTOMER = 2;

/** A detach either wins (the card comes back detached) or finds the deletion detached the card first. */
async function detachOrFindDetached(paymentMethod: string): Promise<'detached' | 'already'> {
  try {
    const detached = await stripe.paymentMethods.detach(paymentMethod);
    assert.equal(detached.customer, null, `${paymentMethod} answered detached`);
    return 'detached';
  } catch (error) {
    assert.equal((error as { code?: string }).code, 'payment_method_unexpected_state', `detaching ${paymentMethod}: ${String(error)}`);
    return 'already';
  }
}

/** No customer keeps a default payment method that is not attached to it (a deleted one keeps none). */
async function assertNoStrayDefault(): Promise<void> {
  const stray = await f.db.all<{ id: string; default_payment_method_id: string }>(
    `SELECT c.id, c.default_payment_method_id FROM acquirer_customers c
     LEFT JOIN acquirer_payment_methods p ON p.id = c.default_payment_method_id
     WHERE c.default_payment_method_id IS NOT NULL AND (c.deleted_at_ms IS NOT NULL OR p.customer_id IS NULL OR p.customer_id <> c.id)`,
  );
  assert.deepEqual(stray, [], 'defaults pointing at a payment method not attached to their customer');
}

async function assertDeleted(customers: readonly Stripe.Customer[]): Promise<void> {
  for (const customer of customers) {
    const row = await f.db.get<{ deleted_at_ms: number | string | null }>('SELECT deleted_at_ms FROM acquirer_customers WHERE id = ?', [customer.id]);
    assert.notEqual(row?.deleted_at_ms ?? null, null, `${customer.id} is deleted`);
  }
}

async function assertDetached(cards: readonly Stripe.PaymentMethod[]): Promise<void> {
  for (const card of cards) {
    const row = await f.db.get<{ customer_id: string | null; detached_at_ms: number | string | null }>(
      'SELECT customer_id, detached_at_ms FROM acquirer_payment_methods WHERE id = ?',
      [card.id],
    );
    assert.equal(row?.customer_id, null, `${card.id} is detached`);
    assert.notEqual(row?.detached_at_ms ?? null, null, `${card.id} has its detach time`);
  }
}

async function detachedEvents(): Promise<number> {
  let count = 0;
  for await (const _event of stripe.events.list({ type: 'payment_method.detached', limit: 100 })) count += 1;
  return count;
}

test('cards detached while their customers are deleted: no deadlock, every card detached, no stray default', { timeout: 120_000 }, async () => {
  const owners: { customer: Stripe.Customer; cards: Stripe.PaymentMethod[] }[] = [];
  for (let i = 0; i < CUSTOMERS; i++) owners.push(await customerWithDefaultCard(stripe, {}, CARDS_PER_CUSTOMER));

  const deadlocksBefore = lostRaces.deadlock;
  const startedMs = Date.now();
  const outcomes = await Promise.all(
    // Each customer's cards (its default first) detached and the customer deleted at nearly the same moment, the
    // deletion a little before, with or after them, so that some meet in each other's transactions.
    owners.flatMap(({ customer, cards }, i) => [
      ...cards.map((card) => after(i * 4).then(() => detachOrFindDetached(card.id))),
      after(i * 4 + (i % 4) * 2 - 1).then(async () => {
        await stripe.customers.del(customer.id);
        return 'deleted' as const;
      }),
    ]),
  );
  const tookMs = Date.now() - startedMs;

  await assertDeleted(owners.map((owner) => owner.customer));
  await assertDetached(owners.flatMap((owner) => owner.cards));
  await assertNoStrayDefault();
  // One event per detach that answered success; a deletion detaches without one, as at Stripe.
  assert.equal(await detachedEvents(), outcomes.filter((outcome) => outcome === 'detached').length, 'payment_method.detached once per successful detach');
  assert.equal(lostRaces.deadlock - deadlocksBefore, 0, `transactions re-run after a deadlock (the race took ${tookMs} ms)`);
});

test('cards attached while their customers are deleted: none is left attached to a deleted customer', { timeout: 120_000 }, async () => {
  const owners: { customer: Stripe.Customer; cards: Stripe.PaymentMethod[] }[] = [];
  for (let i = 0; i < CUSTOMERS; i++) owners.push(await customerWithDefaultCard(stripe));

  const deadlocksBefore = lostRaces.deadlock;
  const attached = await Promise.all(
    owners.flatMap(({ customer }, i) => [
      // An attach wins (and the deletion then detaches its card) or finds the customer gone.
      after(i * 4).then(async () => {
        try {
          return await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
        } catch (error) {
          assert.equal((error as { code?: string }).code, 'resource_missing', `attaching to ${customer.id}: ${String(error)}`);
          return null;
        }
      }),
      after(i * 4 + (i % 4)).then(async () => {
        await stripe.customers.del(customer.id);
        return null;
      }),
    ]),
  );

  await assertDeleted(owners.map((owner) => owner.customer));
  await assertDetached([...owners.flatMap((owner) => owner.cards), ...attached.filter((card) => card !== null)]);
  const strays = await f.db.all<{ id: string }>(
    `SELECT p.id FROM acquirer_payment_methods p JOIN acquirer_customers c ON c.id = p.customer_id WHERE c.deleted_at_ms IS NOT NULL`,
  );
  assert.deepEqual(strays, [], 'cards attached to a deleted customer');
  await assertNoStrayDefault();
  assert.equal(lostRaces.deadlock - deadlocksBefore, 0, 'transactions re-run after a deadlock');
});

test('a card moved to another customer while its detach waits for the first customer: detached from where it is now', { timeout: 60_000 }, async () => {
  // The detach reads the card's customer, then waits for that customer's lock, held by a transaction that moves the
  // card to a second customer (as a detach and an attach committed in between would) and makes it that one's default.
  // The detach must then find the card moved, start again under the second customer's lock, and detach it from there.
  const first = await customerWithDefaultCard(stripe);
  const second = await customerWithDefaultCard(stripe);
  const card = first.cards[0]!;
  const deadlocksBefore = lostRaces.deadlock;
  const conflictsBefore = lostRaces.conflict;

  let detaching: Promise<Stripe.PaymentMethod> | undefined;
  await f.db.transaction(async (tx) => {
    await tx.get(`SELECT id FROM acquirer_customers WHERE id = ? ${tx.forUpdate}`, [first.customer.id]);
    detaching ??= stripe.paymentMethods.detach(card.id);
    await untilBlockedBehind(tx);
    await tx.run('UPDATE acquirer_customers SET default_payment_method_id = NULL WHERE id = ?', [first.customer.id]);
    await tx.run('UPDATE acquirer_payment_methods SET customer_id = ? WHERE id = ?', [second.customer.id, card.id]);
    await tx.run('UPDATE acquirer_customers SET default_payment_method_id = ? WHERE id = ?', [card.id, second.customer.id]);
  });
  const detached = await detaching!;

  assert.equal(detached.customer, null);
  await assertDetached([card]);
  const secondNow = await stripe.customers.retrieve(second.customer.id);
  assert.equal((secondNow as Stripe.Customer).invoice_settings.default_payment_method, null, "the second customer's default cleared with the detach");
  await assertNoStrayDefault();
  assert.equal(lostRaces.deadlock - deadlocksBefore, 0, 'transactions re-run after a deadlock');
  if (testDatabaseKind() === 'postgres') assert.equal(lostRaces.conflict - conflictsBefore, 1, 'the detach started again once, under the right lock');
});

/**
 * On PostgreSQL, waits until another session waits for a lock this transaction holds (the detach, for the first
 * customer's row); on SQLite, whose writers take turns, the detach simply runs after this transaction, so a moment
 * for its request to arrive is enough.
 */
async function untilBlockedBehind(tx: Tx): Promise<void> {
  if (testDatabaseKind() !== 'postgres') return void (await after(50));
  const { pid } = (await tx.get<{ pid: number }>('SELECT pg_backend_pid() AS pid'))!;
  for (const startedMs = Date.now(); Date.now() - startedMs < 10_000; await after(5)) {
    const waiting = await f.db.get<{ n: number | string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE ? = ANY(pg_blocking_pids(pid))', [pid]);
    if (Number(waiting!.n) > 0) return;
  }
  assert.fail('the detach never waited for the customer lock');
}

test('one card attached to one customer by several requests at once is attached and announced once', { timeout: 60_000 }, async () => {
  const customer = await stripe.customers.create({ email: 'twice@example.com' });
  const card = await stripe.paymentMethods.create({ type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2034, cvc: '123' } });
  // Each request checks the card unattached, verifies it, then attaches it in its transaction: only the first may.
  const answers = await Promise.all(Array.from({ length: 4 }, () => stripe.paymentMethods.attach(card.id, { customer: customer.id })));
  assert.deepEqual(new Set(answers.map((pm) => pm.customer)), new Set([customer.id]));
  const events = await stripe.events.list({ type: 'payment_method.attached', limit: 100 });
  assert.equal(events.data.filter((event) => (event.data.object as Stripe.PaymentMethod).id === card.id).length, 1, 'payment_method.attached sent once');
});
