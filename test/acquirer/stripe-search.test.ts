import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import Stripe from 'stripe';
import { acquirerEndpoints } from '../../src/acquirer/acquirer-endpoints.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';
import { testPaymentNetwork } from '../support/payment-network.ts';

// Issue 20: the Search API, expand[] validation and unknown list cursors, as the official SDK meets them.

let f: AcquirerFixture;
let stripe: Stripe;
beforeEach(async () => {
  f = await acquirerFixture({ endpoints: acquirerEndpoints, network: (base) => testPaymentNetwork(base) });
  stripe = f.stripe;
});
afterEach(async () => {
  await f.close();
});

async function refused(promise: Promise<unknown>): Promise<{ status: number; code: string; param: string | undefined; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as Stripe.errors.StripeError;
    return { status: e.statusCode!, code: e.code!, param: e.param, message: e.message };
  }
  assert.fail('the request succeeded');
}

test('customers.search finds customers by metadata, email and name; AND, OR and negation; search_result pages with page/next_page', async () => {
  const made: Stripe.Customer[] = [];
  for (let i = 0; i < 5; i++) {
    made.push(await stripe.customers.create({ email: `c${i}@example.com`, name: i < 3 ? 'Jenny Rosen' : 'Sam Lee', metadata: { tier: i % 2 === 0 ? 'gold' : 'silver', n: String(i) } }));
    f.clock.advanceMs(1_000);
  }
  const other = await f.addMerchant();
  await f.stripeFor(other.secretKey).customers.create({ email: 'c0@example.com', metadata: { tier: 'gold' } });

  const byMetadata = await stripe.customers.search({ query: "metadata['tier']:'gold'" });
  assert.equal(byMetadata.object, 'search_result');
  assert.equal(byMetadata.url, '/v1/customers/search');
  assert.equal(byMetadata.has_more, false);
  assert.equal(byMetadata.next_page, null);
  assert.deepEqual(byMetadata.data.map((c) => c.id), [made[4]!.id, made[2]!.id, made[0]!.id], 'newest first, only this merchant’s');

  assert.deepEqual((await stripe.customers.search({ query: 'email:"C3@example.com"' })).data.map((c) => c.id), [made[3]!.id], 'exact, case-insensitive');
  assert.deepEqual((await stripe.customers.search({ query: "email:'c3@example'" })).data, [], 'exact match, not a prefix');
  assert.deepEqual(
    (await stripe.customers.search({ query: "name:'Jenny Rosen' AND metadata[\"tier\"]:'gold'" })).data.map((c) => c.id),
    [made[2]!.id, made[0]!.id],
  );
  assert.deepEqual((await stripe.customers.search({ query: "metadata['n']:'1' OR metadata['n']:'3'" })).data.map((c) => c.id), [made[3]!.id, made[1]!.id]);
  assert.deepEqual((await stripe.customers.search({ query: "-name:'Jenny Rosen'" })).data.map((c) => c.id), [made[4]!.id, made[3]!.id]);
  assert.deepEqual((await stripe.customers.search({ query: `created>${made[3]!.created - 1}` })).data.map((c) => c.id), [made[4]!.id, made[3]!.id]);

  const first = await stripe.customers.search({ query: "name~'Jen'", limit: 2 });
  assert.deepEqual(first.data.map((c) => c.id), [made[2]!.id, made[1]!.id]);
  assert.equal(first.has_more, true);
  assert.equal(typeof first.next_page, 'string');
  const second = await stripe.customers.search({ query: "name~'Jen'", limit: 2, page: first.next_page! });
  assert.deepEqual([second.data.map((c) => c.id), second.has_more, second.next_page], [[made[0]!.id], false, null]);
  const all = await stripe.customers.search({ query: "email~'example.com'", limit: 2 }).autoPagingToArray({ limit: 100 });
  assert.deepEqual(all.map((c) => c.id), [...made].reverse().map((c) => c.id), 'the SDK’s auto-pagination walks next_page');

  await stripe.customers.del(made[4]!.id);
  assert.deepEqual((await stripe.customers.search({ query: "metadata['n']:'4'" })).data, [], 'a deleted customer is not found');
});

test('a malformed search query, an unsupported field, a bad page token are 400 parameter_invalid; query is required', async () => {
  for (const query of ["metadata['tier']", "email:'unterminated", 'email:bare', "email:'a' AND name:'b' OR phone:'c'", "created>'x'", "email>'a'", "name~'ab'", '']) {
    const e = await refused(stripe.customers.search({ query }));
    assert.deepEqual([e.status, e.code, e.param], [400, 'parameter_invalid', 'query'], query);
  }
  const unsupported = await refused(stripe.customers.search({ query: "status:'active'" }));
  assert.match(unsupported.message, /Field `status` is an unsupported search field for resource `customers`/);
  const page = await refused(stripe.customers.search({ query: "email:'a@example.com'", page: 'not-a-token' }));
  assert.deepEqual([page.status, page.code, page.param], [400, 'parameter_invalid', 'page']);
  const extra = await refused(stripe.customers.search({ query: "email:'a@example.com'", starting_after: 'cus_x' } as any));
  assert.deepEqual([extra.code, extra.param], ['parameter_unknown', 'starting_after']);
});

test('paymentIntents.search by status, customer, amount and metadata; expand[]=data.customer inside results', async () => {
  const customer = await stripe.customers.create({ email: 'payer@example.com' });
  const paid = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', customer: customer.id, payment_method: 'pm_card_visa', confirm: true, metadata: { order: '7' } });
  assert.equal(paid.status, 'succeeded');
  f.clock.advanceMs(1_000);
  const open = await stripe.paymentIntents.create({ amount: 500, currency: 'usd', metadata: { order: '8' } });
  f.clock.advanceMs(1_000);
  const canceled = await stripe.paymentIntents.cancel((await stripe.paymentIntents.create({ amount: 700, currency: 'usd', customer: customer.id })).id);

  const succeeded = await stripe.paymentIntents.search({ query: "status:'succeeded'" });
  assert.equal(succeeded.object, 'search_result');
  assert.equal(succeeded.url, '/v1/payment_intents/search');
  assert.deepEqual(succeeded.data.map((pi) => pi.id), [paid.id]);
  assert.deepEqual((await stripe.paymentIntents.search({ query: "metadata['order']:'8'" })).data.map((pi) => pi.id), [open.id]);
  assert.deepEqual((await stripe.paymentIntents.search({ query: `customer:'${customer.id}' AND -status:'canceled'` })).data.map((pi) => pi.id), [paid.id]);
  assert.deepEqual((await stripe.paymentIntents.search({ query: 'amount>=700' })).data.map((pi) => pi.id), [canceled.id, paid.id]);
  assert.deepEqual((await stripe.paymentIntents.search({ query: "status:'canceled' OR status:'requires_payment_method'" })).data.map((pi) => pi.id), [canceled.id, open.id]);

  const expanded = await stripe.paymentIntents.search({ query: `customer:'${customer.id}'`, expand: ['data.customer'] });
  assert.deepEqual(expanded.data.map((pi) => (pi.customer as Stripe.Customer).email), ['payer@example.com', 'payer@example.com']);
  const wrong = await refused(stripe.paymentIntents.search({ query: "status:'succeeded'", expand: ['customer'] }));
  assert.deepEqual([wrong.status, wrong.code, wrong.param], [400, 'parameter_invalid', 'expand']);
  const field = await refused(stripe.paymentIntents.search({ query: "email:'payer@example.com'" }));
  assert.match(field.message, /unsupported search field for resource `payment_intents`/);
});

test('expand[]=customer returns the customer object on a payment intent; an unknown expand path is 400 "This property cannot be expanded"', async () => {
  const customer = await stripe.customers.create({ email: 'payer@example.com' });
  const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', customer: customer.id, payment_method: 'pm_card_visa', confirm: true, expand: ['customer'] });
  assert.equal((pi.customer as Stripe.Customer).object, 'customer');
  assert.equal((pi.customer as Stripe.Customer).email, 'payer@example.com');
  const retrieved = await stripe.paymentIntents.retrieve(pi.id, { expand: ['customer', 'payment_method', 'latest_charge'] });
  assert.equal((retrieved.customer as Stripe.Customer).id, customer.id);
  assert.equal((retrieved.payment_method as Stripe.PaymentMethod).object, 'payment_method');
  assert.equal((retrieved.latest_charge as Stripe.Charge).object, 'charge');
  assert.equal((await stripe.paymentIntents.retrieve(pi.id)).customer, customer.id, 'an id unless expanded');
  const listed = await stripe.paymentIntents.list({ expand: ['data.customer'] });
  assert.equal((listed.data[0]!.customer as Stripe.Customer).email, 'payer@example.com');

  for (const [call, path] of [
    [() => stripe.paymentIntents.retrieve(pi.id, { expand: ['invoice'] }), 'invoice'],
    [() => stripe.paymentIntents.retrieve(pi.id, { expand: ['customer.default_source'] }), 'customer.default_source'],
    [() => stripe.paymentIntents.list({ expand: ['customer'] }), 'customer'],
    [() => stripe.paymentIntents.create({ amount: 2000, currency: 'usd', expand: ['review'] }), 'review'],
    [() => stripe.customers.retrieve(customer.id, { expand: ['default_source'] }), 'default_source'],
  ] as const) {
    const e = await refused(call());
    assert.deepEqual([e.status, e.code, e.param, e.message], [400, 'parameter_invalid', 'expand', `This property cannot be expanded (${path}).`]);
  }
  assert.equal((await stripe.paymentIntents.list()).data.length, 1, 'the refused create made nothing');
});

test('an unknown starting_after or ending_before is 400 resource_missing (a query parameter names it, not the path), not the first page', async () => {
  const customer = await stripe.customers.create({ email: 'a@example.com' });
  const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd' });
  const ghost = 'cus_01M95S6EY6AJ1PPF7JBDS1ABFJ';
  const after = await refused(stripe.customers.list({ starting_after: ghost }));
  assert.deepEqual([after.status, after.code, after.param, after.message], [400, 'resource_missing', 'starting_after', `No such customer: '${ghost}'`]);
  const before = await refused(stripe.paymentIntents.list({ ending_before: 'pi_01M95S6EY6AJ1PPF7JBDS1ABFJ' }));
  assert.deepEqual([before.status, before.code, before.param], [400, 'resource_missing', 'ending_before']);
  // Another kind's id, or another merchant's object, is not a cursor of this list either.
  const wrongKind = await refused(stripe.customers.list({ starting_after: pi.id }));
  assert.deepEqual([wrongKind.status, wrongKind.code], [400, 'resource_missing']);
  const other = await f.addMerchant();
  const theirs = await refused(f.stripeFor(other.secretKey).customers.list({ starting_after: customer.id }));
  assert.deepEqual([theirs.status, theirs.code], [400, 'resource_missing']);
  for (const list of [() => stripe.refunds.list({ starting_after: 're_01M95S6EY6AJ1PPF7JBDS1ABFJ' }), () => stripe.events.list({ starting_after: 'evt_01M95S6EY6AJ1PPF7JBDS1ABFJ' })]) {
    assert.equal((await refused(list())).code, 'resource_missing');
  }

  // A known cursor still pages, and a customer deleted while a client pages still serves as one.
  f.clock.advanceMs(1_000);
  const newer = await stripe.customers.create({ email: 'b@example.com' });
  assert.deepEqual((await stripe.customers.list({ starting_after: newer.id })).data.map((c) => c.id), [customer.id]);
  await stripe.customers.del(newer.id);
  assert.deepEqual((await stripe.customers.list({ starting_after: newer.id })).data.map((c) => c.id), [customer.id]);
});
