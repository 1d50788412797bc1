import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type Stripe from 'stripe';
import { requireCustomer, updateCustomer } from '../../src/acquirer/customers/customers.ts';
import { findPaymentMethod } from '../../src/acquirer/payments/payment-method-store.ts';
import type { Tx } from '../../src/platform/db/database.ts';
import { lostRaces } from '../../src/platform/db/retry.ts';
import type { AcquirerFixture } from '../support/acquirer-fixture.ts';
import { testDatabaseKind } from '../support/databases.ts';
import { after, holdNextAuthorization, lockOrderRaceFixture } from '../support/lock-order-race.ts';

// A payment with setup_future_usage saves its new card to its customer when it
// succeeds, locking the customer's row before the card's (the house's order:
// payments/payment-method-locks.ts). Its finishing transaction also writes the
// card's checks (the CVC the issuer checked) — and that write locks the card's
// row. Written first, it put the card's lock before the customer's: beside an
// attach of the card to that customer, or a customer update making it the
// default (each locks the customer, then the card), PostgreSQL deadlocked and
// broke the cycle after a second. The card's checks are now written after it
// is saved. On SQLite, whose writers take turns, this holds trivially.

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

/**
 * On PostgreSQL, true once another session waits for a lock this transaction holds (the payment's finishing
 * transaction, for the customer's row), false if the payment is `over` first; on SQLite, whose writers take turns,
 * false after a moment for the payment's transaction to queue.
 */
async function untilBlockedBehind(tx: Tx, over: () => boolean): Promise<boolean> {
  if (testDatabaseKind() !== 'postgres') {
    await after(50);
    return false;
  }
  const { pid } = (await tx.get<{ pid: number }>('SELECT pg_backend_pid() AS pid'))!;
  while (!over()) {
    const waiting = await f.db.get<{ n: number | string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE ? = ANY(pg_blocking_pids(pid))', [pid]);
    if (Number(waiting!.n) > 0) return true;
    await after(5);
  }
  return false;
}

/** What the other transaction does once it holds the customer's row: lock the card's, as each of these does. */
const THEN_THE_CARD: Record<string, (tx: Tx, customer: string, card: string) => Promise<void>> = {
  'an attach of the card to the customer': async (tx, _customer, card) => {
    await findPaymentMethod(tx, f.merchant.merchant.id, card, { lock: true });
  },
  "a customer update making the card the customer's default": async (tx, customer, card) => {
    try {
      await updateCustomer(tx, { ids: f.deps.ids, nowMs: f.clock.nowMs() }, { merchantId: f.merchant.merchant.id, id: customer, fields: {}, metadata: undefined, defaultPaymentMethodId: card });
    } catch (error) {
      // Not attached yet (the payment waits for this transaction): the update's answer, not the race's.
      if ((error as { code?: string }).code !== 'parameter_invalid') throw error;
    }
  },
};

for (const [other, thenTheCard] of Object.entries(THEN_THE_CARD)) {
  test(`a setup_future_usage payment saves its new card beside ${other}: no deadlock, attached once with its checks`, { timeout: 60_000 }, async () => {
    const customer = await stripe.customers.create({ email: 'payer@example.com' });
    // With a CVC, unchecked until the payment's authorization checks it: the finishing transaction writes the checks.
    const card = await stripe.paymentMethods.create({ type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' } } as Stripe.PaymentMethodCreateParams);
    assert.equal(card.card?.checks?.cvc_check, 'unchecked');
    const deadlocksBefore = lostRaces.deadlock;

    const held = holdNextAuthorization(f);
    let over = false;
    const paying = stripe.paymentIntents.create({ amount: 2000, currency: 'usd', customer: customer.id, payment_method: card.id, setup_future_usage: 'off_session', confirm: true });
    const settled = paying.finally(() => (over = true)).catch(() => undefined);
    await held.arrived;
    // The other transaction takes the customer's row first, lets the payment finish, and once the payment's
    // finishing transaction waits for it (on PostgreSQL), takes the card's.
    let waited: boolean | undefined;
    await f.db.transaction(async (tx) => {
      await requireCustomer(tx, f.merchant.merchant.id, customer.id, 'customer', true);
      held.release();
      waited ??= await untilBlockedBehind(tx, () => over);
      await thenTheCard(tx, customer.id, card.id);
    });
    await settled;
    const pi = await paying;

    assert.equal(pi.status, 'succeeded');
    assert.equal((await stripe.paymentMethods.retrieve(card.id)).customer, customer.id);
    const attached = (await stripe.events.list({ type: 'payment_method.attached', limit: 100 })).data.map((e) => e.data.object as Stripe.PaymentMethod);
    assert.deepEqual(attached.map((pm) => [pm.id, pm.customer, pm.card?.checks?.cvc_check]), [[card.id, customer.id, 'pass']], 'attached once, showing the checks the payment left');
    if (testDatabaseKind() === 'postgres') assert.equal(waited, true, "the payment's finishing transaction waited for the customer's lock");
    assert.equal(lostRaces.deadlock - deadlocksBefore, 0, 'transactions re-run after a deadlock');
  });
}
