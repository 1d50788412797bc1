import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type Stripe from 'stripe';
import { CrashableDatabase } from '../../sim/crashable-db.ts';
import { acquirerEndpoints } from '../../src/acquirer/acquirer-endpoints.ts';
import { PaymentIntents } from '../../src/acquirer/payments/payment-intents.ts';
import { renewDueSubscriptions } from '../../src/acquirer/subscriptions/renewals.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';
import { testPaymentNetwork } from '../support/payment-network.ts';

// A renewal killed at every point of its way (the simulator's crashable
// database: after the Nth database operation the "process" is gone, its open
// transaction rolled back), then the next process's sweep: each period is
// billed by exactly one invoice, paid by exactly one charge, and the ledger
// still balances. The issuer is another party: it keeps what it decided.

let f: AcquirerFixture;
let stripe: Stripe;
beforeEach(async () => {
  f = await acquirerFixture({ endpoints: acquirerEndpoints, network: (base) => testPaymentNetwork(base) });
  stripe = f.stripe;
});
afterEach(async () => {
  await f.close();
});

const DAY_MS = 24 * 60 * 60 * 1000;
const HANDOVER_MS = 2 * 60 * 1000;

test('a renewal crashed after any database operation is finished by the next sweep: one invoice, one charge, a balanced ledger', { timeout: 600_000 }, async () => {
  const customer = await stripe.customers.create({ email: 'crash@example.com' });
  const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
  const price = await stripe.prices.create({ product_data: { name: 'Daily' }, unit_amount: 700, currency: 'usd', recurring: { interval: 'day' } });
  const process = (db: CrashableDatabase | typeof f.db) => {
    const deps = { ...f.deps, db };
    return { ...deps, payments: new PaymentIntents(deps, deps.cvcCache) };
  };

  // How many database operations one renewal takes, uncrashed.
  const probe = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
  f.clock.advanceMs(DAY_MS + 1000);
  const counting = new CrashableDatabase(f.db);
  await renewDueSubscriptions(process(counting), f.clock.nowMs());
  const total = counting.operations;
  assert.equal((await stripe.invoices.list({ subscription: probe.id })).data.filter((i) => i.status === 'paid').length, 2);
  await stripe.subscriptions.cancel(probe.id);

  const step = Math.max(1, Math.floor(total / 15));
  let crashes = 0;
  for (let op = 1; op < total; op += step) {
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    f.clock.advanceMs(DAY_MS + 1000);
    const dying = new CrashableDatabase(f.db);
    dying.armCrashAt(op);
    await Promise.race([renewDueSubscriptions(process(dying), f.clock.nowMs()).catch(() => undefined), dying.whenCrashed()]);
    if (dying.crashed) crashes += 1;
    // The next process, past the hand-over: its sweep finishes what the dead one left.
    f.clock.advanceMs(HANDOVER_MS);
    await renewDueSubscriptions(process(f.db), f.clock.nowMs());
    const invoices = (await stripe.invoices.list({ subscription: sub.id })).data;
    assert.deepEqual(invoices.map((i) => [i.billing_reason, i.status]), [['subscription_cycle', 'paid'], ['subscription_create', 'paid']], `crash after operation ${op} of ${total}`);
    const pis = invoices.map((i) => i.payments!.data[0]!.payment.payment_intent as string);
    for (const pi of pis) assert.equal((await stripe.charges.list({ payment_intent: pi })).data.length, 1, `one charge for ${pi} (crash after operation ${op})`);
    assert.equal((await stripe.subscriptions.retrieve(sub.id)).status, 'active');
    await stripe.subscriptions.cancel(sub.id);
  }
  assert.ok(crashes >= 10, `crashes happened at ${crashes} of the renewal's ${total} database operations`);
  await f.assertAudit();
});
