import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, test } from 'node:test';
import Stripe from 'stripe';
import { acquirerEndpoints } from '../../src/acquirer/acquirer-endpoints.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';
import { testPaymentNetwork } from '../support/payment-network.ts';

// Issue 20, item 4: against Stripe's own fixtures (stripe/openapi
// fixtures3.json, copied to test/fixtures/stripe/ with its licence note), every field of every object Cardlane
// implements is in Cardlane's live answer — top-level and nested: for each
// fixture field holding an object, the live field (when it holds one) has
// that object's fields too.

const FIXTURES = JSON.parse(readFileSync(new URL('../fixtures/stripe/fixtures3.json', import.meta.url), 'utf8')).resources as Record<string, Record<string, unknown>>;

let f: AcquirerFixture;
beforeEach(async () => {
  f = await acquirerFixture({ endpoints: acquirerEndpoints, network: (base) => testPaymentNetwork(base) });
});
afterEach(async () => {
  await f.close();
});

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The fixture's field paths missing from the live object. */
function missingFields(fixture: Record<string, unknown>, live: Record<string, unknown>, prefix = ''): string[] {
  const missing: string[] = [];
  for (const [key, value] of Object.entries(fixture)) {
    const path = `${prefix}${key}`;
    if (!(key in live)) {
      missing.push(path);
      continue;
    }
    if (isObject(value) && isObject(live[key]) && descends(path)) missing.push(...missingFields(value, live[key] as Record<string, unknown>, `${path}.`));
  }
  return missing;
}

test('every field of Stripe’s fixture is in Cardlane’s answer, for every object Cardlane implements', async () => {
  const stripe = f.stripe;
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: Math.floor(f.clock.nowMs() / 1000) });
  const customer = await stripe.customers.create({ email: 'fixture@example.com', test_clock: clock.id });
  const setup = await stripe.setupIntents.create({ customer: customer.id, payment_method: 'pm_card_visa', confirm: true, usage: 'off_session' });
  const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', customer: customer.id, payment_method: setup.payment_method as string, confirm: true, off_session: true });
  const charge = await stripe.charges.retrieve(pi.latest_charge as string);
  const refund = await stripe.refunds.create({ payment_intent: pi.id, amount: 500 });
  const pm = await stripe.paymentMethods.retrieve(setup.payment_method as string);
  const token = await f.stripeFor(f.merchant.publishableKey).tokens.create({ card: { number: '4242424242424242', exp_month: '12', exp_year: '2031', cvc: '123' } } as Stripe.TokenCreateParams);
  const endpoint = await stripe.webhookEndpoints.create({ url: 'https://example.com/hook', enabled_events: ['*'] });
  const event = (await stripe.events.list({ limit: 1 })).data[0]!;
  const balance = await stripe.balance.retrieve();
  const txn = (await stripe.balanceTransactions.list({ limit: 1 })).data[0]!;
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: setup.payment_method as string } });
  const price = await stripe.prices.create({ product_data: { name: 'Pro plan' }, unit_amount: 2000, currency: 'usd', recurring: { interval: 'month' } });
  const subscription = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });

  const live: Record<string, unknown> = {
    customer,
    setup_intent: await stripe.setupIntents.retrieve(setup.id),
    payment_intent: await stripe.paymentIntents.retrieve(pi.id),
    charge: await stripe.charges.retrieve(charge.id),
    refund: await stripe.refunds.retrieve(refund.id),
    payment_method: pm,
    token,
    webhook_endpoint: endpoint,
    event,
    balance,
    balance_transaction: txn,
    'test_helpers.test_clock': await stripe.testHelpers.testClocks.retrieve(clock.id),
    product: await stripe.products.retrieve(price.product as string),
    price: await stripe.prices.retrieve(price.id),
    subscription: await stripe.subscriptions.retrieve(subscription.id),
    subscription_item: subscription.items.data[0],
    invoice: await stripe.invoices.retrieve(subscription.latest_invoice as string),
    line_item: (await stripe.invoices.retrieve(subscription.latest_invoice as string)).lines.data[0],
  };
  const report: Record<string, string[]> = {};
  let fields = 0;
  let present = 0;
  for (const [type, object] of Object.entries(live)) {
    const fixture = FIXTURES[type]!;
    assert.ok(fixture, `the fixture file has ${type}`);
    const missing = missingFields(fixture, object as Record<string, unknown>);
    const count = countFields(fixture);
    fields += count;
    present += count - missing.length;
    if (missing.length > 0) report[type] = missing;
  }
  assert.deepEqual(report, {}, `Cardlane returns ${present} of ${fields} fixture fields; missing:\n${JSON.stringify(report, null, 1)}`);
});

/**
 * Not descended into: metadata (its keys are the merchant's own), an event's
 * `data` (the fixture's event is about a plan; the objects inside events are
 * the objects compared here), and lists (`charge.refunds`: its items are
 * refunds, compared as such).
 */
function descends(path: string): boolean {
  return !/(^|\.)metadata$/.test(path) && path !== 'data' && path !== 'refunds';
}

function countFields(fixture: Record<string, unknown>, prefix = ''): number {
  let n = 0;
  for (const [key, value] of Object.entries(fixture)) {
    n += 1;
    if (isObject(value) && descends(`${prefix}${key}`)) n += countFields(value, `${prefix}${key}.`);
  }
  return n;
}

test('the issue’s list: charge.refunds and balance_transaction, events naming the request and its Idempotency-Key, payment_method.attached on set-up, no charge for a verification', async () => {
  const stripe = f.stripe;
  const customer = await stripe.customers.create({ email: 'a@example.com' }, { idempotencyKey: 'make-a' });
  const created = (await stripe.events.list({ type: 'customer.created', limit: 1 })).data[0]!;
  assert.equal(created.request?.idempotency_key, 'make-a');
  assert.match(created.request?.id ?? '', /^req_/);
  await stripe.customers.update(customer.id, { name: 'Ada' });
  const updated = (await stripe.events.list({ type: 'customer.updated', limit: 1 })).data[0]!;
  assert.deepEqual(updated.data.previous_attributes, { name: null });

  const setup = await stripe.setupIntents.create({ customer: customer.id, payment_method: 'pm_card_visa', confirm: true });
  const attached = (await stripe.events.list({ type: 'payment_method.attached', limit: 1 })).data[0];
  assert.ok(attached, 'payment_method.attached is sent when a set-up attaches the card');
  assert.deepEqual([(attached.data.object as Stripe.PaymentMethod).id, (attached.data.object as Stripe.PaymentMethod).customer], [setup.payment_method, customer.id]);
  assert.deepEqual((await stripe.charges.list()).data, [], 'a card verification is no charge');

  const pi = await stripe.paymentIntents.create({ amount: 3000, currency: 'usd', customer: customer.id, payment_method: setup.payment_method as string, confirm: true, off_session: true });
  const first = await stripe.refunds.create({ payment_intent: pi.id, amount: 1000 });
  const second = await stripe.refunds.create({ payment_intent: pi.id, amount: 500 });
  const charge = await stripe.charges.retrieve(pi.latest_charge as string);
  assert.deepEqual((await stripe.charges.list()).data.map((c) => c.id), [charge.id]);
  assert.deepEqual(charge.refunds?.data.map((r) => r.id), [second.id, first.id]);
  assert.equal(charge.refunds?.url, `/v1/charges/${charge.id}/refunds`);
  assert.equal((await stripe.balanceTransactions.retrieve(charge.balance_transaction as string)).amount, 3000);
  const refund = await stripe.refunds.retrieve(first.id);
  assert.equal((await stripe.balanceTransactions.retrieve(refund.balance_transaction as string)).amount, -1000);
  assert.deepEqual([refund.customer, refund.payment_method], [customer.id, setup.payment_method]);
});

test('payment_method.attached is sent once when a payment with setup_future_usage attaches the card to its customer', async () => {
  const stripe = f.stripe;
  const customer = await stripe.customers.create({ email: 'saver@example.com' });
  const pm = await stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_mastercard' } } as Stripe.PaymentMethodCreateParams);
  const first = await stripe.paymentIntents.create({ amount: 1200, currency: 'usd', customer: customer.id, payment_method: pm.id, setup_future_usage: 'off_session', confirm: true });
  assert.equal(first.status, 'succeeded');
  assert.equal((await stripe.paymentMethods.retrieve(pm.id)).customer, customer.id);
  const attached = (await stripe.events.list({ type: 'payment_method.attached' })).data;
  assert.deepEqual(attached.map((e) => [(e.data.object as Stripe.PaymentMethod).id, (e.data.object as Stripe.PaymentMethod).customer]), [[pm.id, customer.id]]);
  // Paid again with the card already attached: nothing more is attached, so nothing more is sent.
  await stripe.paymentIntents.create({ amount: 800, currency: 'usd', customer: customer.id, payment_method: pm.id, setup_future_usage: 'off_session', confirm: true });
  assert.equal((await stripe.events.list({ type: 'payment_method.attached' })).data.length, 1);
});
