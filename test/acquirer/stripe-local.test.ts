import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import Stripe from 'stripe';
import { Ajv } from 'ajv';
import { acquirerEndpoints } from '../../src/acquirer/acquirer-endpoints.ts';
import { CURRENT_API_VERSION } from '../../src/acquirer/stripe/api-version.ts';
import { TEST_PAYMENT_METHOD_NAMES } from '../../src/acquirer/payments/test-shortcuts.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';
import { testPaymentNetwork } from '../support/payment-network.ts';

// Issue 20: what integrators reach for in a local Stripe — the browser's
// confirm with the publishable key and client_secret, Stripe's test payment
// methods and tokens, Stripe-Version, and /v1 in the OpenAPI document.

let f: AcquirerFixture;
let stripe: Stripe;
let browser: Stripe;
beforeEach(async () => {
  f = await acquirerFixture({ endpoints: acquirerEndpoints, network: (base) => testPaymentNetwork(base) });
  stripe = f.stripe;
  browser = f.stripeFor(f.merchant.publishableKey);
});
afterEach(async () => {
  await f.close();
});

/** A request as Stripe.js makes it: form-encoded, publishable key in the header, from a page's origin. */
async function fromPage(method: string, path: string, key: string, form: Record<string, string> = {}, headers: Record<string, string> = {}) {
  const body = new URLSearchParams(form).toString();
  const url = method === 'GET' ? `${f.url}/v1${path}?${body}` : `${f.url}/v1${path}`;
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${key}`, origin: 'https://shop.example', ...(method === 'GET' ? {} : { 'content-type': 'application/x-www-form-urlencoded' }), ...headers },
    ...(method === 'GET' ? {} : { body }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

test('the browser confirms a payment intent with the publishable key and its client_secret; a card made with the publishable key pays', async () => {
  const customer = await stripe.customers.create({ email: 'a@example.com', metadata: { internal: 'secret-note' } });
  const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', customer: customer.id, metadata: { order: '7' } });
  const pm = await browser.paymentMethods.create({ type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' } });

  const confirmed = await browser.paymentIntents.confirm(pi.id, { payment_method: pm.id, client_secret: pi.client_secret! } as Stripe.PaymentIntentConfirmParams);
  assert.equal(confirmed.status, 'succeeded');
  assert.equal(confirmed.payment_method, pm.id);
  assert.equal((confirmed as any).customer, undefined, 'a publishable key is not shown the customer');
  assert.equal((confirmed as any).metadata, undefined, 'nor the metadata');
  assert.equal((await stripe.paymentIntents.retrieve(pi.id)).status, 'succeeded');

  const retrieved = await browser.paymentIntents.retrieve(pi.id, { client_secret: pi.client_secret! });
  assert.equal(retrieved.status, 'succeeded');
  assert.equal((retrieved as any).latest_charge, undefined);
});

test('the client_secret must be the intent’s own; without one, or with another intent’s, the publishable key is refused and nothing changes', async () => {
  const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method: 'pm_card_visa' });
  const other = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd' });
  const pk = f.merchant.publishableKey;

  const missing = await fromPage('POST', `/payment_intents/${pi.id}/confirm`, pk);
  assert.deepEqual([missing.status, missing.body.error.code, missing.body.error.param], [400, 'parameter_missing', 'client_secret']);
  const wrong = await fromPage('POST', `/payment_intents/${pi.id}/confirm`, pk, { client_secret: other.client_secret! });
  assert.deepEqual([wrong.status, wrong.body.error.code, wrong.body.error.param], [400, 'payment_intent_invalid_parameter', 'client_secret']);
  assert.match(wrong.body.error.message, /does not match the client_secret associated with the PaymentIntent/);
  const almost = await fromPage('GET', `/payment_intents/${pi.id}`, pk, { client_secret: pi.client_secret!.slice(0, -1) + 'x' });
  assert.equal(almost.status, 400);
  assert.equal((await stripe.paymentIntents.retrieve(pi.id)).status, 'requires_confirmation', 'nothing was confirmed');

  // What only the server may do stays refused to the publishable key, secret or not.
  const offSession = await fromPage('POST', `/payment_intents/${pi.id}/confirm`, pk, { client_secret: pi.client_secret!, off_session: 'true' });
  assert.deepEqual([offSession.status, offSession.body.error.code], [400, 'parameter_unknown']);
  const capture = await fromPage('POST', `/payment_intents/${pi.id}/capture`, pk, { client_secret: pi.client_secret! });
  assert.equal(capture.status, 403);
  const update = await fromPage('POST', `/payment_intents/${pi.id}`, pk, { client_secret: pi.client_secret!, amount: '1' });
  assert.equal(update.status, 403);
  const list = await fromPage('GET', '/payment_intents', pk);
  assert.equal(list.status, 403);

  // Another merchant's publishable key does not reach this merchant's intent, even with its secret.
  const stranger = await f.addMerchant({ name: 'Other' });
  const foreign = await fromPage('POST', `/payment_intents/${pi.id}/confirm`, stranger.publishableKey, { client_secret: pi.client_secret! });
  assert.deepEqual([foreign.status, foreign.body.error.code], [404, 'resource_missing']);
});

test('a decline confirmed from the browser is a card error whose payment_intent shows only public fields', async () => {
  const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', metadata: { order: '8' } });
  const declined = await fromPage('POST', `/payment_intents/${pi.id}/confirm`, f.merchant.publishableKey, {
    client_secret: pi.client_secret!,
    'payment_method_data[type]': 'card',
    'payment_method_data[card][number]': '4000000000009995',
    'payment_method_data[card][exp_month]': '12',
    'payment_method_data[card][exp_year]': '2031',
  });
  assert.equal(declined.status, 402);
  assert.equal(declined.body.error.decline_code, 'insufficient_funds');
  assert.equal(declined.body.error.payment_intent.status, 'requires_payment_method');
  assert.equal(declined.body.error.payment_intent.metadata, undefined);
});

test('the browser confirms a setup intent with the client_secret (confirmCardSetup), and the card is saved to the customer', async () => {
  const customer = await stripe.customers.create({ email: 'b@example.com' });
  const si = await stripe.setupIntents.create({ customer: customer.id });
  const wrong = await fromPage('POST', `/setup_intents/${si.id}/confirm`, f.merchant.publishableKey, { client_secret: `${si.id}_secret_nope`, payment_method: 'pm_card_visa' });
  assert.deepEqual([wrong.status, wrong.body.error.code], [400, 'setup_intent_invalid_parameter']);

  const done = await browser.setupIntents.confirm(si.id, {
    client_secret: si.client_secret!,
    payment_method_data: { type: 'card', card: { number: '5555555555554444', exp_month: 12, exp_year: 2031, cvc: '123' } },
  } as unknown as Stripe.SetupIntentConfirmParams);
  assert.equal(done.status, 'succeeded');
  assert.equal((done as any).customer, undefined);
  const cards = await stripe.customers.listPaymentMethods(customer.id);
  assert.equal(cards.data.length, 1);
  assert.equal(cards.data[0]!.card!.brand, 'mastercard');
  assert.equal((await browser.setupIntents.retrieve(si.id, { client_secret: si.client_secret! })).status, 'succeeded');
});

test("Stripe's test payment methods and tokens: pm_card_*, tok_*, /v1/tokens, payment_method_data", async () => {
  const ok = await stripe.paymentIntents.create({ amount: 1500, currency: 'usd', payment_method: 'pm_card_mastercard', confirm: true });
  assert.equal(ok.status, 'succeeded');
  assert.match(String(ok.payment_method), /^pm_[0-9A-Z]{10,}/, 'a real payment method was made from the test card');
  assert.equal((await stripe.paymentMethods.retrieve(String(ok.payment_method))).card!.brand, 'mastercard');

  await assert.rejects(stripe.paymentIntents.create({ amount: 1500, currency: 'usd', payment_method: 'pm_card_chargeDeclined', confirm: true }), (error: any) => {
    assert.equal(error.code, 'card_declined');
    assert.equal(error.decline_code, 'generic_decline');
    return true;
  });
  await assert.rejects(stripe.paymentIntents.create({ amount: 1500, currency: 'usd', payment_method: 'pm_card_chargeDeclinedInsufficientFunds', confirm: true }), { decline_code: 'insufficient_funds' });
  await assert.rejects(stripe.paymentIntents.create({ amount: 1500, currency: 'usd', payment_method: 'pm_card_nosuchcard', confirm: true }), { statusCode: 400, code: 'resource_missing', param: 'payment_method' });

  const customer = await stripe.customers.create({});
  const attached = await stripe.paymentMethods.attach('pm_card_amex', { customer: customer.id });
  assert.equal(attached.card!.brand, 'amex');
  assert.equal(attached.customer, customer.id);

  const fromTestToken = await stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_visa' } });
  assert.equal(fromTestToken.card!.brand, 'visa');
  assert.equal(fromTestToken.card!.last4, '4242');

  const token = await browser.tokens.create({ card: { number: '3566002020360505', exp_month: '12', exp_year: '2031', cvc: '123', name: 'Li Lei' } } as Stripe.TokenCreateParams);
  assert.match(token.id, /^tok_/);
  assert.equal(token.card!.brand, 'JCB');
  assert.equal(token.used, false);
  const fromToken = await stripe.paymentMethods.create({ type: 'card', card: { token: token.id } });
  assert.equal(fromToken.card!.brand, 'jcb');
  assert.equal((await stripe.tokens.retrieve(token.id)).used, true);
  await assert.rejects(stripe.paymentMethods.create({ type: 'card', card: { token: token.id } }), { statusCode: 400 }, 'a token is used once');
  const paid = await stripe.paymentIntents.create({ amount: 1500, currency: 'usd', payment_method: fromToken.id, confirm: true });
  assert.equal(paid.status, 'succeeded');

  const inline = await stripe.paymentIntents.create({
    amount: 1500,
    currency: 'usd',
    confirm: true,
    payment_method_data: { type: 'card', card: { token: 'tok_discover' } },
  } as unknown as Stripe.PaymentIntentCreateParams);
  assert.equal(inline.status, 'succeeded');

  for (const name of TEST_PAYMENT_METHOD_NAMES) assert.match(name, /^pm_card_[A-Za-z0-9_]+$/);
});

test('cards of Stripe’s testing page outside the old table have their brand, and a number no issuer has gets its brand from its BIN', async () => {
  const brand = async (number: string) => (await stripe.paymentMethods.create({ type: 'card', card: { number, exp_month: 12, exp_year: 2031 } })).card!.brand;
  assert.equal(await brand('3056930009020004'), 'diners');
  assert.equal(await brand('6200000000000005'), 'unionpay');
  assert.equal(await brand('2223003122003222'), 'mastercard');
  assert.equal(await brand('5454545454545454'), 'mastercard', 'not a test card: the brand comes from the BIN');
  assert.equal(await brand('349999999999991'), 'amex');
  const pm = await stripe.paymentMethods.create({ type: 'card', card: { number: '4000000000009235', exp_month: 12, exp_year: 2031 } });
  assert.equal((await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: pm.id, confirm: true })).status, 'succeeded');
  await assert.rejects(stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: 'pm_card_riskLevelHighest', confirm: true }), { decline_code: 'fraudulent' });
});

test('Stripe-Version: the SDK’s pinned version is the current one, echoed, used by events; an invalid one is a 400', async () => {
  assert.equal(CURRENT_API_VERSION, (Stripe as any).API_VERSION ?? CURRENT_API_VERSION);
  const ok = await fromPage('GET', '/customers', f.merchant.secretKey, {}, { 'stripe-version': CURRENT_API_VERSION });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('stripe-version'), CURRENT_API_VERSION);
  const none = await fromPage('GET', '/customers', f.merchant.secretKey);
  assert.equal(none.headers.get('stripe-version'), CURRENT_API_VERSION);
  const older = await fromPage('GET', '/customers', f.merchant.secretKey, {}, { 'stripe-version': '2020-08-27' });
  assert.equal(older.headers.get('stripe-version'), '2020-08-27');
  for (const bad of ['2019-2-19', '2022-02-30', '2099-01-01', 'latest', '2025-01-27']) {
    const refused = await fromPage('GET', '/customers', f.merchant.secretKey, {}, { 'stripe-version': bad });
    assert.equal(refused.status, 400, bad);
    assert.match(refused.body.error.message, /Invalid Stripe API version/);
  }
  await stripe.customers.create({ email: 'v@example.com' });
  const events = await stripe.events.list({ limit: 1 });
  assert.equal(events.data[0]!.api_version, CURRENT_API_VERSION);
});

test('/openapi.json describes /v1: form parameters, query parameters, both key schemes, and answers that live responses satisfy', async () => {
  const doc = (await (await fetch(`${f.url}/openapi.json`)).json()) as any;
  assert.deepEqual(Object.keys(doc.components.securitySchemes).filter((name) => name.startsWith('stripe')).sort(), ['stripePublishableKey', 'stripeSecretKey']);
  const create = doc.paths['/v1/payment_intents'].post;
  const form = create.requestBody.content['application/x-www-form-urlencoded'].schema;
  assert.deepEqual(form.required.sort(), ['amount', 'currency']);
  assert.equal(form.properties.amount.type, 'integer');
  assert.equal(form.properties.payment_method_data.properties.card.properties.number.type, 'string');
  assert.deepEqual(create.security, [{ stripeSecretKey: [] }]);
  const confirm = doc.paths['/v1/payment_intents/{id}/confirm'].post;
  assert.deepEqual(confirm.security, [{ stripeSecretKey: [] }, { stripePublishableKey: [] }]);
  const list = doc.paths['/v1/customers'].get;
  assert.ok(list.parameters.some((p: any) => p.in === 'query' && p.name === 'limit' && p.schema.type === 'integer'));

  // Live answers validate against the documented 200 schemas.
  const ajv = new Ajv({ strict: false });
  const check = (path: string, method: string, value: unknown) => {
    const schema = doc.paths[path][method].responses['200'].content['application/json'].schema;
    const validate = ajv.compile(toJsonSchema(schema));
    assert.ok(validate(value), `${method} ${path}: ${JSON.stringify(validate.errors)}`);
  };
  const customer = await stripe.customers.create({ email: 'c@example.com' });
  check('/v1/customers', 'post', customer);
  const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', customer: customer.id, payment_method: 'pm_card_visa', confirm: true });
  check('/v1/payment_intents', 'post', pi);
  check('/v1/payment_intents', 'get', await stripe.paymentIntents.list());
  check('/v1/charges/{id}', 'get', await stripe.charges.retrieve(String(pi.latest_charge)));
  check('/v1/refunds', 'post', await stripe.refunds.create({ payment_intent: pi.id, amount: 100 }));
  check('/v1/setup_intents', 'post', await stripe.setupIntents.create({ customer: customer.id, payment_method: 'pm_card_visa', confirm: true }));
  check('/v1/payment_methods', 'post', await stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_visa' } }));
  check('/v1/events', 'get', await stripe.events.list());
  check('/v1/tokens', 'post', await browser.tokens.create({ card: { number: '4242424242424242', exp_month: '12', exp_year: '2031' } } as Stripe.TokenCreateParams));
  check('/v1/customers/{id}', 'delete', await stripe.customers.del(customer.id));
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
