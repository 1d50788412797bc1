import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { Ajv } from 'ajv';
import Stripe from 'stripe';
import { acquirerEndpoints } from '../../src/acquirer/acquirer-endpoints.ts';
import { PaymentIntents } from '../../src/acquirer/payments/payment-intents.ts';
import { renewDueSubscriptions, renewSubscription } from '../../src/acquirer/subscriptions/renewals.ts';
import { findSubscription } from '../../src/acquirer/subscriptions/subscription-store.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';
import { testPaymentNetwork } from '../support/payment-network.ts';

// Issue 20, "test clocks advance a subscription to its renewal": Stripe
// Billing's core in the acquirer — products, recurring prices,
// subscriptions and their invoices, paid off-session through the ordinary
// payment path, renewed by a test clock's advance or by the server's clock,
// exactly once.

let f: AcquirerFixture;
let stripe: Stripe;
beforeEach(async () => {
  f = await acquirerFixture({ endpoints: acquirerEndpoints, network: (base) => testPaymentNetwork(base) });
  stripe = f.stripe;
});
afterEach(async () => {
  await f.close();
});

const HOUR_S = 60 * 60;
const DAY_S = 24 * HOUR_S;
const nowS = () => Math.floor(f.clock.nowMs() / 1000);
/** A month after `s` in UTC, as Stripe bills monthly (the anchor's day, clamped to the month's end). */
function monthAfter(s: number): number {
  const d = new Date(s * 1000);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 2, 0)).getUTCDate();
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, Math.min(d.getUTCDate(), last), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()) / 1000;
}

async function customerWithCard(options: { testClock?: string; card?: string } = {}): Promise<{ customer: Stripe.Customer; pm: string }> {
  const customer = await stripe.customers.create({ email: 'subscriber@example.com', ...(options.testClock ? { test_clock: options.testClock } : {}) });
  const pm = await stripe.paymentMethods.attach(options.card ?? 'pm_card_visa', { customer: customer.id });
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
  return { customer, pm: pm.id };
}

async function monthlyPrice(amount = 2000): Promise<Stripe.Price> {
  const product = await stripe.products.create({ name: 'Pro plan' });
  return stripe.prices.create({ product: product.id, unit_amount: amount, currency: 'usd', recurring: { interval: 'month' } });
}

test('the official SDK: a monthly subscription on a test clock, advanced past its period end, renews with invoice #2 paid, its charge in /v1/charges, and the events', async () => {
  const start = nowS() - 3 * DAY_S;
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: start });
  const { customer, pm } = await customerWithCard({ testClock: clock.id });
  const price = await monthlyPrice();
  assert.deepEqual([price.type, price.recurring?.interval, price.recurring?.interval_count, price.unit_amount, String(price.unit_amount_decimal)], ['recurring', 'month', 1, 2000, '2000']);

  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] }, { idempotencyKey: 'subscribe-1' });
  assert.equal(sub.status, 'active');
  assert.equal(sub.test_clock, clock.id, 'a subscription lives on its customer’s test clock');
  assert.equal(sub.default_payment_method, null, 'the customer’s default payment method is charged');
  const item = sub.items.data[0]!;
  assert.deepEqual([item.current_period_start, item.current_period_end, sub.start_date, sub.created], [start, monthAfter(start), start, start]);
  const first = await stripe.invoices.retrieve(sub.latest_invoice as string);
  assert.deepEqual([first.status, first.amount_due, first.amount_paid, first.billing_reason, first.customer, first.parent?.subscription_details?.subscription], ['paid', 2000, 2000, 'subscription_create', customer.id, sub.id]);
  assert.deepEqual(first.lines.data.map((line) => [line.amount, line.period.start, line.period.end]), [[2000, start, monthAfter(start)]]);

  // Past the period end: the advance renews and pays before it answers.
  const advanced = await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: monthAfter(start) + HOUR_S });
  assert.equal(advanced.status, 'advancing');
  assert.equal((await stripe.testHelpers.testClocks.retrieve(clock.id)).status, 'ready');
  const renewed = await stripe.subscriptions.retrieve(sub.id, { expand: ['latest_invoice.payments'] });
  assert.equal(renewed.status, 'active');
  assert.deepEqual([renewed.items.data[0]!.current_period_start, renewed.items.data[0]!.current_period_end], [monthAfter(start), monthAfter(monthAfter(start))]);
  const second = renewed.latest_invoice as Stripe.Invoice;
  assert.notEqual(second.id, first.id);
  assert.deepEqual([second.status, second.billing_reason, second.amount_paid, second.created, second.period_start, second.period_end], ['paid', 'subscription_cycle', 2000, monthAfter(start), start, monthAfter(start)]);
  const payment = second.payments!.data[0]!;
  const pi = await stripe.paymentIntents.retrieve(payment.payment.payment_intent as string);
  assert.deepEqual([pi.status, pi.amount, pi.customer, pi.payment_method, pi.description], ['succeeded', 2000, customer.id, pm, 'Subscription update']);

  const invoices = await stripe.invoices.list({ subscription: sub.id });
  assert.deepEqual(invoices.data.map((i) => [i.id, i.status]), [[second.id, 'paid'], [first.id, 'paid']]);
  const charges = (await stripe.charges.list({ customer: customer.id })).data;
  assert.deepEqual(charges.map((c) => [c.amount, c.status, c.payment_intent]).slice(0, 1), [[2000, 'succeeded', pi.id]]);
  assert.equal(charges.length, 2, 'one charge per invoice');
  assert.equal(charges[0]!.created, monthAfter(start) + HOUR_S, 'the renewal is charged at the clock’s time');

  const types = (await stripe.events.list({ limit: 100 })).data.map((e) => e.type).reverse();
  const billing = types.filter((t) => t.startsWith('invoice.') || t.startsWith('customer.subscription.'));
  assert.deepEqual(billing, [
    'customer.subscription.created', 'invoice.created', 'invoice.finalized', 'invoice.paid', 'invoice.payment_succeeded', 'customer.subscription.updated',
    'invoice.created', 'invoice.finalized', 'customer.subscription.updated', 'invoice.paid', 'invoice.payment_succeeded',
  ]);
  const activated = (await stripe.events.list({ type: 'customer.subscription.updated', limit: 2 })).data;
  assert.deepEqual(activated[1]!.data.previous_attributes, { status: 'incomplete' });
  assert.equal((activated[0]!.data.previous_attributes as any).latest_invoice, first.id, 'the renewal’s update names what changed');
  const created = (await stripe.events.list({ type: 'customer.subscription.created' })).data[0]!;
  assert.equal(created.request?.idempotency_key, 'subscribe-1');

  // Advancing within the new period bills nothing more.
  await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: monthAfter(start) + 5 * DAY_S });
  assert.equal((await stripe.invoices.list({ customer: customer.id })).data.length, 2);
  // Two periods in one advance: one invoice each.
  await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: monthAfter(monthAfter(monthAfter(start))) + HOUR_S });
  const all = (await stripe.invoices.list({ customer: customer.id })).data;
  assert.deepEqual(all.map((i) => i.status), ['paid', 'paid', 'paid', 'paid']);
  assert.equal(new Set(all.map((i) => i.lines.data[0]!.period.start)).size, 4, 'each invoice bills its own period');
  assert.equal((await stripe.charges.list({ customer: customer.id })).data.length, 4);
});

test('a failed renewal: past_due and invoice.payment_failed; paying it with another card makes the subscription active again', async () => {
  const start = nowS();
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: start });
  const { customer, pm: good } = await customerWithCard({ testClock: clock.id });
  const failing = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: customer.id });
  const price = await monthlyPrice(1500);
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
  const updated = await stripe.subscriptions.update(sub.id, { default_payment_method: failing.id });
  assert.equal(updated.default_payment_method, failing.id);
  const change = (await stripe.events.list({ type: 'customer.subscription.updated', limit: 1 })).data[0]!;
  assert.deepEqual(change.data.previous_attributes, { default_payment_method: null });

  await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: monthAfter(start) + HOUR_S });
  const pastDue = await stripe.subscriptions.retrieve(sub.id);
  assert.equal(pastDue.status, 'past_due');
  const open = await stripe.invoices.retrieve(pastDue.latest_invoice as string);
  assert.deepEqual([open.status, open.amount_paid, open.amount_remaining, open.attempt_count, open.attempted], ['open', 0, 1500, 1, true]);
  const failed = (await stripe.events.list({ type: 'invoice.payment_failed' })).data;
  assert.deepEqual(failed.map((e) => (e.data.object as Stripe.Invoice).id), [open.id]);
  const declined = (await stripe.charges.list({ customer: customer.id })).data[0]!;
  assert.deepEqual([declined.status, declined.amount], ['failed', 1500]);

  await assert.rejects(stripe.invoices.pay(open.id), (e: any) => e.statusCode === 402 && e.type === 'StripeCardError', 'the same card declines again');
  assert.equal((await stripe.invoices.retrieve(open.id)).attempt_count, 2);
  const paid = await stripe.invoices.pay(open.id, { payment_method: good });
  assert.deepEqual([paid.status, paid.amount_paid], ['paid', 1500]);
  assert.equal((await stripe.subscriptions.retrieve(sub.id)).status, 'active');
  await assert.rejects(stripe.invoices.pay(open.id), (e: any) => e.statusCode === 400 && e.code === 'invoice_unexpected_state');
});

test('a declined first payment leaves the subscription incomplete with its invoice open; nothing renews it', async () => {
  const { customer } = await customerWithCard({ card: 'pm_card_chargeCustomerFail' });
  const price = await monthlyPrice();
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
  assert.equal(sub.status, 'incomplete');
  const invoice = await stripe.invoices.retrieve(sub.latest_invoice as string);
  assert.deepEqual([invoice.status, invoice.attempt_count], ['open', 1]);
  f.clock.advanceMs(40 * DAY_S * 1000);
  await renewDueSubscriptions({ ...f.deps, payments: new PaymentIntents(f.deps, f.deps.cvcCache) }, f.clock.nowMs());
  assert.equal((await stripe.invoices.list({ customer: customer.id })).data.length, 1);
});

test('cancel at period end ends it at the period’s end with customer.subscription.deleted and no new invoice; DELETE cancels at once', async () => {
  const start = nowS();
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: start });
  const { customer } = await customerWithCard({ testClock: clock.id });
  const price = await monthlyPrice();
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
  const ending = await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true, cancellation_details: { feedback: 'too_expensive' } });
  assert.deepEqual([ending.cancel_at_period_end, ending.cancel_at, ending.status, ending.cancellation_details?.feedback], [true, monthAfter(start), 'active', 'too_expensive']);
  await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: monthAfter(start) + HOUR_S });
  const ended = await stripe.subscriptions.retrieve(sub.id);
  assert.deepEqual([ended.status, ended.ended_at], ['canceled', monthAfter(start)]);
  assert.equal((await stripe.invoices.list({ customer: customer.id })).data.length, 1);
  assert.equal(((await stripe.events.list({ type: 'customer.subscription.deleted' })).data[0]!.data.object as Stripe.Subscription).id, sub.id);
  assert.deepEqual((await stripe.subscriptions.list({ customer: customer.id })).data, [], 'canceled subscriptions are listed only when asked for');
  assert.equal((await stripe.subscriptions.list({ customer: customer.id, status: 'canceled' })).data.length, 1);

  const other = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id, quantity: 2 }] });
  assert.equal((await stripe.invoices.retrieve(other.latest_invoice as string)).amount_paid, 4000, 'quantity × unit amount');
  const canceled = await stripe.subscriptions.cancel(other.id);
  assert.deepEqual([canceled.status, canceled.canceled_at, canceled.ended_at], ['canceled', monthAfter(start) + HOUR_S, monthAfter(start) + HOUR_S]);
  await assert.rejects(stripe.subscriptions.cancel(other.id), (e: any) => e.statusCode === 400 && e.code === 'subscription_unexpected_state');
  await assert.rejects(stripe.subscriptions.update(other.id, { cancel_at_period_end: false }), (e: any) => e.statusCode === 400);
});

test('bad input is refused with Stripe’s errors and changes nothing; another merchant’s objects are not found', async () => {
  const bare = await stripe.customers.create({ email: 'nocard@example.com' });
  const price = await monthlyPrice();
  await assert.rejects(stripe.subscriptions.create({ customer: bare.id, items: [{ price: price.id }] }), (e: any) => e.code === 'resource_missing' && /no attached payment source or default payment method/.test(e.message));
  await assert.rejects(stripe.subscriptions.create({ customer: bare.id } as Stripe.SubscriptionCreateParams), (e: any) => e.code === 'parameter_missing' && e.param === 'items');
  await assert.rejects(stripe.subscriptions.create({ customer: bare.id, items: [{ price: price.id, pricee: 'x' } as any] }), (e: any) => e.code === 'parameter_unknown' && e.param === 'items[0][pricee]');
  const { customer } = await customerWithCard();
  const once = await stripe.prices.create({ product_data: { name: 'Setup fee' }, unit_amount: 500, currency: 'usd' });
  assert.equal(once.type, 'one_time');
  await assert.rejects(stripe.subscriptions.create({ customer: customer.id, items: [{ price: once.id }] }), (e: any) => e.code === 'parameter_invalid' && e.param === 'items[0][price]');
  await assert.rejects(stripe.prices.create({ product: price.product as string, unit_amount: 100, currency: 'usd', recurring: { interval: 'month', interval_count: 37 } }), (e: any) => e.param === 'recurring[interval_count]');
  await assert.rejects(stripe.prices.create({ product: price.product as string, unit_amount: 100, currency: 'usd', recurring: { interval: 'fortnight' as any } }), (e: any) => e.param === 'recurring[interval]');
  const small = await stripe.prices.create({ product: price.product as string, unit_amount: 10, currency: 'usd', recurring: { interval: 'week' } });
  await assert.rejects(stripe.subscriptions.create({ customer: customer.id, items: [{ price: small.id }] }), (e: any) => e.code === 'amount_too_small');
  assert.equal((await stripe.subscriptions.list({ status: 'all' })).data.length, 0);
  assert.equal((await stripe.invoices.list()).data.length, 0);
  assert.ok((await stripe.events.list({ limit: 100 })).data.every((e) => !e.type.startsWith('customer.subscription') && !e.type.startsWith('invoice.')));

  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
  const other = f.stripeFor((await f.addMerchant({ name: 'Other' })).secretKey);
  await assert.rejects(other.subscriptions.retrieve(sub.id), (e: any) => e.statusCode === 404);
  await assert.rejects(other.invoices.retrieve(sub.latest_invoice as string), (e: any) => e.statusCode === 404);
  await assert.rejects(other.prices.retrieve(price.id), (e: any) => e.statusCode === 404);
  await assert.rejects(other.subscriptions.cancel(sub.id), (e: any) => e.statusCode === 404);
  await assert.rejects(f.stripeFor(f.merchant.publishableKey).subscriptions.list(), (e: any) => e.statusCode === 403);
  await assert.rejects(stripe.subscriptions.retrieve(sub.id, { expand: ['latest_invoice.nonsense'] }), (e: any) => e.statusCode === 400 && e.param === 'expand');
});

test('on the server’s clock, renewals happen once: two sweeps at once, and a renewal whose payment a crash cut short', async () => {
  const { customer } = await customerWithCard();
  const price = await stripe.prices.create({ product_data: { name: 'Daily' }, unit_amount: 700, currency: 'usd', recurring: { interval: 'day' } });
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
  const billing = { ...f.deps, payments: new PaymentIntents(f.deps, f.deps.cvcCache) };

  f.clock.advanceMs(DAY_S * 1000 + 1000);
  // Two processes' tasks at the same moment.
  await Promise.all([renewDueSubscriptions(billing, f.clock.nowMs()), renewDueSubscriptions(billing, f.clock.nowMs())]);
  let invoices = (await stripe.invoices.list({ subscription: sub.id })).data;
  assert.deepEqual(invoices.map((i) => i.status), ['paid', 'paid']);
  assert.equal((await stripe.charges.list({ customer: customer.id })).data.length, 2);

  // The next renewal is made, then the process dies before paying it.
  f.clock.advanceMs(DAY_S * 1000);
  await f.db.transaction(async (tx) => renewSubscription(tx, billing, (await findSubscription(tx, f.merchant.merchant.id, sub.id, true))!, f.clock.nowMs(), f.clock.nowMs()));
  invoices = (await stripe.invoices.list({ subscription: sub.id })).data;
  assert.deepEqual(invoices.map((i) => i.status), ['open', 'paid', 'paid']);
  // Within the hand-over time the sweep leaves it to the request that made it; after it, the sweep pays it, once.
  await renewDueSubscriptions(billing, f.clock.nowMs());
  assert.equal((await stripe.invoices.retrieve(invoices[0]!.id)).status, 'open');
  f.clock.advanceMs(2 * 60 * 1000);
  await Promise.all([renewDueSubscriptions(billing, f.clock.nowMs()), renewDueSubscriptions(billing, f.clock.nowMs())]);
  invoices = (await stripe.invoices.list({ subscription: sub.id })).data;
  assert.deepEqual(invoices.map((i) => i.status), ['paid', 'paid', 'paid']);
  assert.equal((await stripe.charges.list({ customer: customer.id })).data.length, 3);
  const paidEvents = (await stripe.events.list({ type: 'invoice.paid', limit: 100 })).data;
  assert.equal(paidEvents.length, 3, 'invoice.paid once per invoice');
});

test('deleting a customer, or the test clock it lives on, cancels its subscriptions as at Stripe', async () => {
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: nowS() });
  const onClock = await customerWithCard({ testClock: clock.id });
  const plain = await customerWithCard();
  const price = await monthlyPrice();
  const clocked = await stripe.subscriptions.create({ customer: onClock.customer.id, items: [{ price: price.id }] });
  const direct = await stripe.subscriptions.create({ customer: plain.customer.id, items: [{ price: price.id }] });
  await stripe.testHelpers.testClocks.del(clock.id);
  await stripe.customers.del(plain.customer.id);
  for (const sub of [clocked, direct]) assert.equal((await stripe.subscriptions.retrieve(sub.id)).status, 'canceled');
  const ended = (await stripe.events.list({ type: 'customer.subscription.deleted' })).data.map((e) => (e.data.object as Stripe.Subscription).id);
  assert.deepEqual(ended.sort(), [clocked.id, direct.id].sort());
});

test('/openapi.json describes products, prices, subscriptions and invoices; live answers satisfy it', async () => {
  const doc = (await (await fetch(`${f.url}/openapi.json`)).json()) as any;
  assert.deepEqual(doc.paths['/v1/subscriptions'].post.requestBody.content['application/x-www-form-urlencoded'].schema.required, ['items', 'customer']);
  const ajv = new Ajv({ strict: false });
  const check = (path: string, method: string, value: unknown) => {
    const validate = ajv.compile(toJsonSchema(doc.paths[path][method].responses['200'].content['application/json'].schema));
    // As on the wire: the SDK turns Stripe's `*_decimal` strings into Decimal objects.
    const wire = JSON.parse(JSON.stringify(value, function (this: any, key, v) { return /_decimal$/.test(key) && this[key] !== null ? String(this[key]) : v; }));
    assert.ok(validate(wire), `${method} ${path}: ${JSON.stringify(validate.errors)}`);
  };
  const product = await stripe.products.create({ name: 'Pro plan' });
  check('/v1/products', 'post', product);
  check('/v1/products/{id}', 'get', await stripe.products.retrieve(product.id));
  check('/v1/products/{id}', 'post', await stripe.products.update(product.id, { description: 'Everything' }));
  check('/v1/products', 'get', await stripe.products.list());
  const price = await stripe.prices.create({ product: product.id, unit_amount: 900, currency: 'usd', recurring: { interval: 'week', interval_count: 2 } });
  check('/v1/prices', 'post', price);
  check('/v1/prices/{id}', 'get', await stripe.prices.retrieve(price.id, { expand: ['product'] }));
  check('/v1/prices/{id}', 'post', await stripe.prices.update(price.id, { nickname: 'Fortnightly' }));
  check('/v1/prices', 'get', await stripe.prices.list({ product: product.id }));
  const { customer } = await customerWithCard();
  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], expand: ['latest_invoice'] });
  check('/v1/subscriptions', 'post', sub);
  check('/v1/subscriptions/{id}', 'get', await stripe.subscriptions.retrieve(sub.id, { expand: ['customer', 'latest_invoice.payments'] }));
  check('/v1/subscriptions/{id}', 'post', await stripe.subscriptions.update(sub.id, { metadata: { plan: 'pro' } }));
  check('/v1/subscriptions', 'get', await stripe.subscriptions.list());
  const invoice = sub.latest_invoice as Stripe.Invoice;
  check('/v1/invoices/{id}', 'get', await stripe.invoices.retrieve(invoice.id!, { expand: ['subscription', 'payments.data.payment.payment_intent'] }));
  check('/v1/invoices', 'get', await stripe.invoices.list({ customer: customer.id }));
  check('/v1/subscriptions/{id}', 'delete', await stripe.subscriptions.cancel(sub.id));
  const expanded = await stripe.invoices.retrieve(invoice.id!, { expand: ['payments.data.payment.payment_intent'] });
  assert.equal((expanded.payments!.data[0]!.payment.payment_intent as Stripe.PaymentIntent).status, 'succeeded', 'the invoice’s payment intent expands');
});

/** OpenAPI 3.0's `nullable` as JSON Schema. */
function toJsonSchema(schema: any): any {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: any = {};
  for (const [key, value] of Object.entries(schema)) if (key !== 'nullable' && key !== 'description') out[key] = toJsonSchema(value);
  if (schema.nullable === true) return { anyOf: [out, { type: 'null' }] };
  return out;
}
