import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type Stripe from 'stripe';
import { invoicePrefix } from '../../src/acquirer/customers/customers.ts';
import { PaymentIntents } from '../../src/acquirer/payments/payment-intents.ts';
import { renewDueSubscriptions } from '../../src/acquirer/subscriptions/renewals.ts';
import { lostRaces } from '../../src/platform/db/retry.ts';
import type { AcquirerFixture } from '../support/acquirer-fixture.ts';
import { after, customerWithDefaultCard, lockOrderRaceFixture } from '../support/lock-order-race.ts';

// Invoicing a subscription and deleting its customer both lock the customer's
// row and the subscription's. Invoicing locked the subscription, then took
// the customer's next invoice number (its row); deleting locked the customer,
// then canceled its subscriptions. Run at once on PostgreSQL they deadlocked:
// PostgreSQL found it after its deadlock_timeout (a second) and failed one,
// which the retry re-ran. Both now lock the customer first. The outcome must
// stay what it was: no invoice for a customer once it is deleted, invoice
// numbers unique and gapless per customer, each period billed exactly once.
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

const DAY_S = 24 * 60 * 60;
const CUSTOMERS = 12;
const nowS = () => Math.floor(f.clock.nowMs() / 1000);

async function dailyPrice(): Promise<Stripe.Price> {
  return stripe.prices.create({ product_data: { name: 'Daily' }, unit_amount: 700, currency: 'usd', recurring: { interval: 'day' } });
}

/** A customer with a default card and `subscriptions` daily subscriptions, on its own test clock if given. */
async function subscriber(price: Stripe.Price, subscriptions: number, testClock?: string): Promise<Stripe.Customer> {
  const { customer } = await customerWithDefaultCard(stripe, testClock ? { test_clock: testClock } : {});
  for (let i = 0; i < subscriptions; i++) await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
  return customer;
}

/** A subscription started during the deletion either wins (and is then canceled by it) or finds the customer gone. */
async function subscribeOrFindGone(customer: string, price: string): Promise<void> {
  try {
    await stripe.subscriptions.create({ customer, items: [{ price }] });
  } catch (error) {
    assert.equal((error as { code?: string }).code, 'resource_missing', `subscribing ${customer}: ${String(error)}`);
  }
}

/**
 * What the race must leave: every customer deleted with its subscriptions canceled; its invoices numbered 0001 to
 * its last with no number missing or taken twice; no number taken after its deletion (the `customer.deleted` event's
 * snapshot names the next number, which stays the next); and each subscription billed once per period it entered.
 */
async function assertConsistent(customers: readonly Stripe.Customer[]): Promise<void> {
  const deletions = new Map<string, number>();
  for await (const event of stripe.events.list({ type: 'customer.deleted', limit: 100 })) {
    const object = event.data.object as { id: string; next_invoice_sequence: number };
    deletions.set(object.id, object.next_invoice_sequence);
  }
  for (const customer of customers) {
    const row = await f.db.get<{ deleted_at_ms: number | string | null; next_invoice_sequence: number | string }>(
      'SELECT deleted_at_ms, next_invoice_sequence FROM acquirer_customers WHERE id = ?',
      [customer.id],
    );
    assert.notEqual(row?.deleted_at_ms ?? null, null, `${customer.id} is deleted`);
    const invoices = await f.db.all<{ number: string; subscription_id: string }>('SELECT number, subscription_id FROM acquirer_invoices WHERE customer_id = ?', [customer.id]);
    const numbers = invoices.map((invoice) => invoice.number).sort();
    const expected = invoices.map((_, i) => `${invoicePrefix(customer.id)}-${String(i + 1).padStart(4, '0')}`);
    assert.deepEqual(numbers, expected, `${customer.id}: numbers unique and gapless`);
    assert.equal(Number(row!.next_invoice_sequence), invoices.length + 1, `${customer.id}: the next number follows its last invoice`);
    assert.equal(deletions.get(customer.id), invoices.length + 1, `${customer.id}: no invoice was numbered after its deletion`);

    const subs = await f.db.all<{ id: string; status: string; cycle: number | string }>('SELECT id, status, cycle FROM acquirer_subscriptions WHERE customer_id = ?', [customer.id]);
    for (const sub of subs) {
      assert.equal(sub.status, 'canceled', `${sub.id} of deleted ${customer.id} is canceled`);
      const billed = invoices.filter((invoice) => invoice.subscription_id === sub.id).length;
      assert.equal(billed, Number(sub.cycle) + 1, `${sub.id}: one invoice for its first period and one per renewal`);
    }
  }
}

test('customers deleted while their test clock renews their subscriptions and new ones start: no deadlock, no invoice after a deletion', { timeout: 120_000 }, async () => {
  const price = await dailyPrice();
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: nowS() });
  const customers: Stripe.Customer[] = [];
  for (let i = 0; i < CUSTOMERS; i++) customers.push(await subscriber(price, 2, clock.id));

  const deadlocksBefore = lostRaces.deadlock;
  const startedMs = Date.now();
  await Promise.all([
    // Invoicing: the advance renews every subscription on the clock (one invoice each), one after another.
    stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: nowS() + DAY_S + 60 }),
    // Each customer starts one more subscription (its first invoice) and is deleted, the deletions spread over the
    // advance's time so that some come before their customer's renewal and some after.
    ...customers.flatMap((customer, i) => [
      after(i * 5).then(() => subscribeOrFindGone(customer.id, price.id)),
      after(i * 40).then(() => stripe.customers.del(customer.id)),
    ]),
  ]);
  const tookMs = Date.now() - startedMs;

  await assertConsistent(customers);
  assert.equal(lostRaces.deadlock - deadlocksBefore, 0, `transactions re-run after a deadlock (the race took ${tookMs} ms)`);
});

test('customers deleted while the renewal task invoices their subscriptions: no deadlock, no invoice after a deletion', { timeout: 120_000 }, async () => {
  const price = await dailyPrice();
  const customers: Stripe.Customer[] = [];
  for (let i = 0; i < CUSTOMERS; i++) customers.push(await subscriber(price, 2));
  f.clock.advanceMs((DAY_S + 60) * 1000);
  const renewing = { ...f.deps, payments: new PaymentIntents(f.deps, f.deps.cvcCache) };

  const deadlocksBefore = lostRaces.deadlock;
  const startedMs = Date.now();
  await Promise.all([
    // Three processes' runs of the task at once, each renewing what is due (and finding what another renewed done).
    ...[0, 1, 2].map((n) => after(n).then(() => renewDueSubscriptions(renewing, f.clock.nowMs()))),
    // The deletions spread over the time the renewals take, so that some meet a renewal of their own customer.
    ...customers.map((customer, i) => after(i * 20).then(() => stripe.customers.del(customer.id))),
  ]);
  const tookMs = Date.now() - startedMs;

  await assertConsistent(customers);
  assert.equal(lostRaces.deadlock - deadlocksBefore, 0, `transactions re-run after a deadlock (the race took ${tookMs} ms)`);
});
