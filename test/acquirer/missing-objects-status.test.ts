import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import Stripe from 'stripe';
import { acquirerEndpoints } from '../../src/acquirer/acquirer-endpoints.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';
import { testPaymentNetwork } from '../support/payment-network.ts';

// Stripe answers a missing object with `resource_missing` and `param` naming
// it either way, but with two statuses: 404 only when the URL path names the
// object (`GET /v1/customers/cus_nope`), 400 when a body or query parameter
// does (`customer=cus_nope` on a payment intent, a list's `starting_after`):
// the URL is fine, the request is not. The acquirer answered 404 for both.

let f: AcquirerFixture;
let stripe: Stripe;

beforeEach(async () => {
  f = await acquirerFixture({ endpoints: acquirerEndpoints, network: (base) => testPaymentNetwork(base) });
  stripe = f.stripe;
});

afterEach(async () => {
  await f.assertAudit();
  await f.close();
});

// Well-formed ids (they pass each parameter's pattern) that name nothing.
const NO_CUSTOMER = 'cus_NOPE0000000000000000';
const NO_PAYMENT_METHOD = 'pm_NOPE0000000000000000';
const NO_PAYMENT_INTENT = 'pi_NOPE0000000000000000';
const NO_CHARGE = 'ch_NOPE0000000000000000';
const NO_REFUND = 're_NOPE0000000000000000';
const NO_TOKEN = 'tok_NOPE0000000000000000';
const NO_PRICE = 'price_NOPE0000000000000000';
const NO_TEST_CLOCK = 'clock_NOPE0000000000000000';

interface Missing {
  readonly statusCode: 400 | 404;
  readonly param: string;
  readonly message: string;
}

async function assertMissing(call: Promise<unknown>, expected: Missing, what: string): Promise<void> {
  await assert.rejects(call, (error: unknown) => {
    assert.ok(error instanceof Stripe.errors.StripeInvalidRequestError, `${what}: ${String(error)}`);
    assert.deepEqual(
      { statusCode: error.statusCode, type: error.type, code: error.code, param: error.param, message: error.message },
      { statusCode: expected.statusCode, type: 'StripeInvalidRequestError', code: 'resource_missing', param: expected.param, message: expected.message },
      what,
    );
    assert.equal(error.raw && (error.raw as { type?: string }).type, 'invalid_request_error', what);
    return true;
  });
}

async function newCard(): Promise<Stripe.PaymentMethod> {
  return stripe.paymentMethods.create({ type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' } } as Stripe.PaymentMethodCreateParams);
}

test('an object named by a body or query parameter that does not exist is a 400 resource_missing naming the parameter', async () => {
  const customer = await stripe.customers.create({ email: 'here@example.com' });
  const card = await newCard();
  const product = await stripe.products.create({ name: 'Plan' });
  const price = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 1_000, recurring: { interval: 'month' } });
  const cases: ReadonlyArray<readonly [string, () => Promise<unknown>, Missing]> = [
    ['payment intent customer', () => stripe.paymentIntents.create({ amount: 1_000, currency: 'usd', customer: NO_CUSTOMER }), { statusCode: 400, param: 'customer', message: `No such customer: '${NO_CUSTOMER}'` }],
    [
      'payment intent payment_method',
      () => stripe.paymentIntents.create({ amount: 1_000, currency: 'usd', payment_method: NO_PAYMENT_METHOD }),
      { statusCode: 400, param: 'payment_method', message: `No such PaymentMethod: '${NO_PAYMENT_METHOD}'` },
    ],
    ['refund charge', () => stripe.refunds.create({ charge: NO_CHARGE }), { statusCode: 400, param: 'charge', message: `No such charge: '${NO_CHARGE}'` }],
    [
      'refund payment_intent',
      () => stripe.refunds.create({ payment_intent: NO_PAYMENT_INTENT }),
      { statusCode: 400, param: 'payment_intent', message: `No such payment_intent: '${NO_PAYMENT_INTENT}'` },
    ],
    ['attach customer', () => stripe.paymentMethods.attach(card.id, { customer: NO_CUSTOMER }), { statusCode: 400, param: 'customer', message: `No such customer: '${NO_CUSTOMER}'` }],
    [
      'list payment methods customer',
      () => stripe.paymentMethods.list({ customer: NO_CUSTOMER, type: 'card' }),
      { statusCode: 400, param: 'customer', message: `No such customer: '${NO_CUSTOMER}'` },
    ],
    ['list starting_after', () => stripe.customers.list({ starting_after: NO_CUSTOMER }), { statusCode: 400, param: 'starting_after', message: `No such customer: '${NO_CUSTOMER}'` }],
    ['list ending_before', () => stripe.refunds.list({ ending_before: NO_REFUND }), { statusCode: 400, param: 'ending_before', message: `No such refund: '${NO_REFUND}'` }],
    [
      'payment method card[token]',
      () => stripe.paymentMethods.create({ type: 'card', card: { token: NO_TOKEN } }),
      { statusCode: 400, param: 'card[token]', message: `No such token: '${NO_TOKEN}'` },
    ],
    ['customer test_clock', () => stripe.customers.create({ test_clock: NO_TEST_CLOCK }), { statusCode: 400, param: 'test_clock', message: `No such test_clock: '${NO_TEST_CLOCK}'` }],
    [
      'customer default payment method',
      () => stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: NO_PAYMENT_METHOD } }),
      { statusCode: 400, param: 'invoice_settings[default_payment_method]', message: `No such PaymentMethod: '${NO_PAYMENT_METHOD}'` },
    ],
    [
      'subscription item price',
      () => stripe.subscriptions.create({ customer: customer.id, items: [{ price: NO_PRICE }] }),
      { statusCode: 400, param: 'items[0][price]', message: `No such price: '${NO_PRICE}'` },
    ],
    ['product default_price', () => stripe.products.update(product.id, { default_price: NO_PRICE }), { statusCode: 400, param: 'default_price', message: `No such price: '${NO_PRICE}'` }],
    [
      'subscription without a payment method to charge',
      () => stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] }),
      {
        statusCode: 400,
        param: 'default_payment_method',
        message: 'This customer has no attached payment source or default payment method. Please consider adding a default payment method.',
      },
    ],
  ];
  for (const [what, call, expected] of cases) await assertMissing(call(), expected, what);
  assert.equal((await stripe.paymentIntents.list()).data.length, 0, 'the refused creates made nothing');
  assert.equal((await stripe.paymentMethods.retrieve(card.id)).customer, null, 'the refused attach attached nothing');
});

test('an object named by the URL path that does not exist is a 404 resource_missing', async () => {
  const customer = await stripe.customers.create({ email: 'here@example.com' });
  const cases: ReadonlyArray<readonly [string, () => Promise<unknown>, Missing]> = [
    ['retrieve customer', () => stripe.customers.retrieve(NO_CUSTOMER), { statusCode: 404, param: 'id', message: `No such customer: '${NO_CUSTOMER}'` }],
    ['retrieve payment intent', () => stripe.paymentIntents.retrieve(NO_PAYMENT_INTENT), { statusCode: 404, param: 'intent', message: `No such payment_intent: '${NO_PAYMENT_INTENT}'` }],
    ['confirm payment intent', () => stripe.paymentIntents.confirm(NO_PAYMENT_INTENT), { statusCode: 404, param: 'intent', message: `No such payment_intent: '${NO_PAYMENT_INTENT}'` }],
    ['retrieve refund', () => stripe.refunds.retrieve(NO_REFUND), { statusCode: 404, param: 'id', message: `No such refund: '${NO_REFUND}'` }],
    ['retrieve charge', () => stripe.charges.retrieve(NO_CHARGE), { statusCode: 404, param: 'id', message: `No such charge: '${NO_CHARGE}'` }],
    // Paths whose object Stripe's `param` names otherwise are still the path's: 404.
    ['retrieve payment method', () => stripe.paymentMethods.retrieve(NO_PAYMENT_METHOD), { statusCode: 404, param: 'payment_method', message: `No such PaymentMethod: '${NO_PAYMENT_METHOD}'` }],
    [
      'attach a missing payment method',
      () => stripe.paymentMethods.attach(NO_PAYMENT_METHOD, { customer: customer.id }),
      { statusCode: 404, param: 'payment_method', message: `No such PaymentMethod: '${NO_PAYMENT_METHOD}'` },
    ],
    ['detach a missing payment method', () => stripe.paymentMethods.detach(NO_PAYMENT_METHOD), { statusCode: 404, param: 'payment_method', message: `No such PaymentMethod: '${NO_PAYMENT_METHOD}'` }],
    ["a missing customer's payment methods", () => stripe.customers.listPaymentMethods(NO_CUSTOMER), { statusCode: 404, param: 'customer', message: `No such customer: '${NO_CUSTOMER}'` }],
    ['retrieve token', () => stripe.tokens.retrieve(NO_TOKEN), { statusCode: 404, param: 'token', message: `No such token: '${NO_TOKEN}'` }],
    ['retrieve test clock', () => stripe.testHelpers.testClocks.retrieve(NO_TEST_CLOCK), { statusCode: 404, param: 'id', message: `No such test_clock: '${NO_TEST_CLOCK}'` }],
    ['retrieve price', () => stripe.prices.retrieve(NO_PRICE), { statusCode: 404, param: 'id', message: `No such price: '${NO_PRICE}'` }],
  ];
  for (const [what, call, expected] of cases) await assertMissing(call(), expected, what);
});

test("another merchant's object is missing the same way: 400 in a parameter, 404 in the path", async () => {
  const theirs = f.stripeFor((await f.addMerchant({ name: 'Other Shop' })).secretKey);
  const customer = await stripe.customers.create({ email: 'mine@example.com' });
  await assertMissing(theirs.paymentIntents.create({ amount: 1_000, currency: 'usd', customer: customer.id }), { statusCode: 400, param: 'customer', message: `No such customer: '${customer.id}'` }, 'their intent for my customer');
  await assertMissing(theirs.customers.retrieve(customer.id), { statusCode: 404, param: 'id', message: `No such customer: '${customer.id}'` }, 'their retrieve of my customer');
});

// Listing payment methods answered an empty list for a customer it does not know, as if that customer had no
// cards. A deleted customer lists as a missing one (as every other operation on it does; only retrieve answers
// `deleted: true`), and another merchant's customer, cards and all, is exactly a missing one.
test("a deleted customer's or another merchant's payment methods are listed as a missing customer's: 400 in the query, 404 in the path", async () => {
  const theirs = f.stripeFor((await f.addMerchant({ name: 'Other Shop' })).secretKey);
  const mine = await stripe.customers.create({ email: 'mine@example.com' });
  await stripe.paymentMethods.attach((await newCard()).id, { customer: mine.id });
  const gone = await stripe.customers.create({ email: 'gone@example.com' });
  await stripe.paymentMethods.attach((await newCard()).id, { customer: gone.id });
  await stripe.customers.del(gone.id);

  const cases: ReadonlyArray<readonly [string, Stripe, string]> = [
    ["another merchant's customer", theirs, mine.id],
    ['a deleted customer', stripe, gone.id],
  ];
  for (const [what, client, customer] of cases) {
    const message = `No such customer: '${customer}'`;
    await assertMissing(client.paymentMethods.list({ customer, type: 'card' }), { statusCode: 400, param: 'customer', message }, `${what}, query`);
    await assertMissing(client.customers.listPaymentMethods(customer, { type: 'card' }), { statusCode: 404, param: 'customer', message }, `${what}, path`);
  }
  // The merchant's own live customer still lists its card both ways.
  assert.equal((await stripe.paymentMethods.list({ customer: mine.id, type: 'card' })).data.length, 1);
  assert.equal((await stripe.customers.listPaymentMethods(mine.id, { type: 'card' })).data.length, 1);
});

// Listing charges by customer and refunds by charge answered an empty list for a customer or charge the merchant does not
// have, as if it were never charged or refunded. Stripe documents an error for both ("If you provide a non-existent
// customer ID" / "charge ID, this call throws an error"); another merchant's customer or charge is exactly a missing one,
// and a deleted customer lists as a missing one, as listing its payment methods does.
test("listing charges by a missing, deleted or another merchant's customer, or refunds by such a charge, is a 400 resource_missing", async () => {
  const theirs = f.stripeFor((await f.addMerchant({ name: 'Other Shop' })).secretKey);
  const paid = async (client: Stripe, email: string) => {
    const customer = await client.customers.create({ email });
    const pi = await client.paymentIntents.create({ amount: 1_500, currency: 'usd', customer: customer.id, payment_method: 'pm_card_visa', confirm: true });
    assert.equal(pi.status, 'succeeded');
    return { customer, chargeId: pi.latest_charge as string, pi };
  };
  const mine = await paid(stripe, 'mine@example.com');
  await stripe.refunds.create({ payment_intent: mine.pi.id, amount: 500 });
  const other = await paid(theirs, 'theirs@example.com');
  await theirs.refunds.create({ payment_intent: other.pi.id, amount: 500 });
  const gone = await paid(stripe, 'gone@example.com');
  await stripe.customers.del(gone.customer.id);

  for (const [what, customer] of [
    ['a missing customer', NO_CUSTOMER],
    ["another merchant's customer", other.customer.id],
    ['a deleted customer', gone.customer.id],
  ] as const) {
    await assertMissing(stripe.charges.list({ customer }), { statusCode: 400, param: 'customer', message: `No such customer: '${customer}'` }, `charges of ${what}`);
  }
  for (const [what, charge] of [
    ['a missing charge', NO_CHARGE],
    ["another merchant's charge", other.chargeId],
  ] as const) {
    await assertMissing(stripe.refunds.list({ charge }), { statusCode: 400, param: 'charge', message: `No such charge: '${charge}'` }, `refunds of ${what}`);
  }

  // The merchant's own still list, each only its own.
  assert.deepEqual((await stripe.charges.list({ customer: mine.customer.id })).data.map((c) => c.id), [mine.chargeId]);
  assert.deepEqual((await theirs.charges.list({ customer: other.customer.id })).data.map((c) => c.id), [other.chargeId]);
  const refunds = (await stripe.refunds.list({ charge: mine.chargeId })).data;
  assert.deepEqual(refunds.map((r) => [r.charge, r.amount]), [[mine.chargeId, 500]]);
  assert.deepEqual((await stripe.refunds.list({ charge: gone.chargeId })).data, [], 'a charge never refunded lists no refunds');
  assert.deepEqual((await stripe.refunds.list({ charge: mine.chargeId, payment_intent: gone.pi.id })).data, [], 'the filters narrow together');
});
