import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type Stripe from 'stripe';
import { acquirerEndpoints } from '../../src/acquirer/acquirer-endpoints.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';
import { testPaymentNetwork } from '../support/payment-network.ts';
import { threeDSecureFixture } from '../support/three-d-secure-fixture.ts';

/**
 * Stripe's `automatic_payment_methods` on payment and setup intents, driven by
 * the official SDK: the object sent at creation is kept and shown in every
 * answer and event (`null` when none was sent), is validated as Stripe
 * validates it, and — unless `allow_redirects` is `never` — makes a confirm
 * without a `return_url` fail as Stripe's does (changelog 2023-08-16,
 * "automatic payment methods"), with nothing stored.
 */

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

const RETURN_URL = 'https://shop.example/checkout/done';
const RETURN_URL_MESSAGE =
  /^A `return_url` must be specified because this Payment Intent is configured to automatically accept the payment methods enabled in the Dashboard, some of which may require a full page redirect to succeed\. If you do not want to accept redirect-based payment methods, set `automatic_payment_methods\[enabled\]` to `true` and `automatic_payment_methods\[allow_redirects\]` to `never` when creating Setup Intents and Payment Intents\.$/;

async function count(table: string): Promise<number> {
  return Number((await f.db.get<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${table}`))!.n);
}

/** What a refused request must leave as it was: intents, payment methods, charges and events. */
async function stored(): Promise<number[]> {
  return Promise.all(['acquirer_payment_intents', 'acquirer_setup_intents', 'acquirer_payment_methods', 'acquirer_charges', 'acquirer_events'].map(count));
}

function invalidRequest(code: string, param: string, message?: RegExp | string) {
  return (e: any) => {
    assert.equal(e.type, 'StripeInvalidRequestError');
    assert.equal(e.statusCode, 400);
    assert.equal(e.code, code);
    assert.equal(e.param, param);
    if (typeof message === 'string') assert.equal(e.message, message);
    else if (message !== undefined) assert.match(e.message, message);
    return true;
  };
}

test('a payment intent created with automatic_payment_methods shows it in create, retrieve, update, confirm, list, search and events', async () => {
  const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', automatic_payment_methods: { enabled: true } });
  // allow_redirects defaults to `always`, as Stripe shows it; the intent takes cards, the only type Cardlane has.
  assert.deepEqual(pi.automatic_payment_methods, { enabled: true, allow_redirects: 'always' });
  assert.deepEqual(pi.payment_method_types, ['card']);
  assert.deepEqual((await stripe.paymentIntents.retrieve(pi.id)).automatic_payment_methods, { enabled: true, allow_redirects: 'always' });

  const updated = await stripe.paymentIntents.update(pi.id, { metadata: { order: '42' } });
  assert.deepEqual(updated.automatic_payment_methods, { enabled: true, allow_redirects: 'always' });

  const paid = await stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa', return_url: RETURN_URL });
  assert.equal(paid.status, 'succeeded');
  assert.deepEqual(paid.automatic_payment_methods, { enabled: true, allow_redirects: 'always' });

  const listed = (await stripe.paymentIntents.list({ limit: 10 })).data.find((item) => item.id === pi.id)!;
  assert.deepEqual(listed.automatic_payment_methods, { enabled: true, allow_redirects: 'always' });
  const found = (await stripe.paymentIntents.search({ query: "status:'succeeded'" })).data.find((item) => item.id === pi.id)!;
  assert.deepEqual(found.automatic_payment_methods, { enabled: true, allow_redirects: 'always' });

  const events = (await stripe.events.list({ limit: 20 })).data.filter((event) => event.type.startsWith('payment_intent.'));
  assert.deepEqual(events.map((event) => event.type).sort(), ['payment_intent.created', 'payment_intent.succeeded']);
  for (const event of events) {
    assert.deepEqual((event.data.object as Stripe.PaymentIntent).automatic_payment_methods, { enabled: true, allow_redirects: 'always' }, event.type);
  }

  // Stripe's update takes no automatic_payment_methods: it is fixed when the intent is created.
  await assert.rejects(
    stripe.paymentIntents.update(pi.id, { automatic_payment_methods: { enabled: false } } as Stripe.PaymentIntentUpdateParams),
    invalidRequest('parameter_unknown', 'automatic_payment_methods'),
  );
});

test('a payment intent created without automatic_payment_methods shows null, as it always did', async () => {
  const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
  assert.equal(pi.status, 'succeeded');
  assert.equal(pi.automatic_payment_methods, null);
  assert.equal((await stripe.paymentIntents.retrieve(pi.id)).automatic_payment_methods, null);
  const typed = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method_types: ['card'] } as Stripe.PaymentIntentCreateParams);
  assert.equal(typed.automatic_payment_methods, null);
  assert.deepEqual(typed.payment_method_types, ['card']);
});

test('allow_redirects=never is kept, and a confirm needs no return_url', async () => {
  const pi = await stripe.paymentIntents.create({
    amount: 2000,
    currency: 'usd',
    automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
    payment_method: 'pm_card_visa',
    confirm: true,
  });
  assert.equal(pi.status, 'succeeded');
  assert.deepEqual(pi.automatic_payment_methods, { enabled: true, allow_redirects: 'never' });
  assert.deepEqual((await stripe.paymentIntents.retrieve(pi.id)).automatic_payment_methods, { enabled: true, allow_redirects: 'never' });
});

test('enabled=false is kept as sent, and payment_method_types may go with it', async () => {
  const pi = await stripe.paymentIntents.create({
    amount: 2000,
    currency: 'usd',
    automatic_payment_methods: { enabled: false },
    payment_method_types: ['card'],
    payment_method: 'pm_card_visa',
    confirm: true,
  } as Stripe.PaymentIntentCreateParams);
  assert.equal(pi.status, 'succeeded');
  assert.deepEqual(pi.automatic_payment_methods, { enabled: false });
  assert.deepEqual(pi.payment_method_types, ['card']);
});

test('a confirm of an intent that allows redirects needs a return_url (unless off_session): refused, nothing stored', async () => {
  const before = await stored();
  await assert.rejects(
    stripe.paymentIntents.create({ amount: 2000, currency: 'usd', automatic_payment_methods: { enabled: true }, payment_method: 'pm_card_visa', confirm: true }),
    invalidRequest('parameter_missing', 'return_url', RETURN_URL_MESSAGE),
  );
  assert.deepEqual(await stored(), before, 'a refused create-and-confirm creates nothing');

  const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', automatic_payment_methods: { enabled: true, allow_redirects: 'always' } });
  const afterCreate = await stored();
  await assert.rejects(stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa' }), invalidRequest('parameter_missing', 'return_url', RETURN_URL_MESSAGE));
  await assert.rejects(
    stripe.paymentIntents.confirm(pi.id, { payment_method_data: { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' } } } as any),
    invalidRequest('parameter_missing', 'return_url', RETURN_URL_MESSAGE),
  );
  assert.deepEqual(await stored(), afterCreate, 'a refused confirm vaults no card and opens no attempt');
  assert.equal((await stripe.paymentIntents.retrieve(pi.id)).status, 'requires_payment_method');

  // With the publishable key and the client_secret, as a browser confirms: the same rule.
  const browser = f.stripeFor(f.merchant.publishableKey);
  await assert.rejects(
    browser.paymentIntents.confirm(pi.id, { client_secret: pi.client_secret!, payment_method: 'pm_card_visa' } as Stripe.PaymentIntentConfirmParams),
    invalidRequest('parameter_missing', 'return_url', RETURN_URL_MESSAGE),
  );

  const paid = await stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa', return_url: RETURN_URL });
  assert.equal(paid.status, 'succeeded');

  // An off-session payment has no customer to send anywhere: no return_url needed, as at Stripe.
  const customer = await stripe.customers.create({ email: 'ada@example.com' });
  const saved = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
  const offSession = await stripe.paymentIntents.create({
    amount: 1500,
    currency: 'usd',
    customer: customer.id,
    payment_method: saved.id,
    automatic_payment_methods: { enabled: true },
    confirm: true,
    off_session: true,
  });
  assert.equal(offSession.status, 'succeeded');
  assert.deepEqual(offSession.automatic_payment_methods, { enabled: true, allow_redirects: 'always' });
});

test('automatic_payment_methods is validated as Stripe validates it; a refused create stores nothing', async () => {
  const before = await stored();
  await assert.rejects(
    stripe.paymentIntents.create({ amount: 2000, currency: 'usd', automatic_payment_methods: { allow_redirects: 'never' } as any }),
    invalidRequest('parameter_missing', 'automatic_payment_methods[enabled]', 'Missing required param: automatic_payment_methods[enabled].'),
  );
  await assert.rejects(
    stripe.paymentIntents.create({ amount: 2000, currency: 'usd', automatic_payment_methods: { enabled: true, allow_redirects: 'sometimes' as any } }),
    invalidRequest('parameter_invalid', 'automatic_payment_methods[allow_redirects]'),
  );
  await assert.rejects(
    stripe.paymentIntents.create({ amount: 2000, currency: 'usd', automatic_payment_methods: { enabled: 'yes' as any } }),
    invalidRequest('parameter_invalid', 'automatic_payment_methods[enabled]'),
  );
  await assert.rejects(
    stripe.paymentIntents.create({ amount: 2000, currency: 'usd', automatic_payment_methods: { enabled: true }, payment_method_types: ['card'] } as Stripe.PaymentIntentCreateParams),
    invalidRequest('parameter_invalid', 'payment_method_types', 'You may only specify one of these parameters: automatic_payment_methods, payment_method_types.'),
  );
  await assert.rejects(
    stripe.setupIntents.create({ automatic_payment_methods: { enabled: true }, payment_method_types: ['card'] } as Stripe.SetupIntentCreateParams),
    invalidRequest('parameter_invalid', 'payment_method_types', 'You may only specify one of these parameters: automatic_payment_methods, payment_method_types.'),
  );
  await assert.rejects(
    stripe.setupIntents.create({ automatic_payment_methods: { allow_redirects: 'always' } as any }),
    invalidRequest('parameter_missing', 'automatic_payment_methods[enabled]'),
  );
  await assert.rejects(
    stripe.setupIntents.create({ automatic_payment_methods: { enabled: true, allow_redirects: 'sometimes' as any } }),
    invalidRequest('parameter_invalid', 'automatic_payment_methods[allow_redirects]'),
  );
  assert.deepEqual(await stored(), before);
});

test('a setup intent keeps automatic_payment_methods in every answer and event, and needs a return_url to confirm unless redirects are off', async () => {
  const customer = await stripe.customers.create({ email: 'ada@example.com' });
  const plain = await stripe.setupIntents.create({ customer: customer.id });
  assert.equal(plain.automatic_payment_methods, null);

  const before = await stored();
  await assert.rejects(
    stripe.setupIntents.create({ customer: customer.id, automatic_payment_methods: { enabled: true }, payment_method: 'pm_card_visa', confirm: true }),
    invalidRequest('parameter_missing', 'return_url', /^A `return_url` must be specified because this Setup Intent is configured to automatically accept the payment methods enabled in the Dashboard/),
  );
  assert.deepEqual(await stored(), before, 'a refused create-and-confirm creates nothing');

  const si = await stripe.setupIntents.create({ customer: customer.id, automatic_payment_methods: { enabled: true } });
  assert.deepEqual(si.automatic_payment_methods, { enabled: true, allow_redirects: 'always' });
  assert.deepEqual(si.payment_method_types, ['card']);
  const afterCreate = await stored();
  await assert.rejects(stripe.setupIntents.confirm(si.id, { payment_method: 'pm_card_visa' }), invalidRequest('parameter_missing', 'return_url'));
  assert.deepEqual(await stored(), afterCreate, 'a refused confirm vaults no card');
  const done = await stripe.setupIntents.confirm(si.id, { payment_method: 'pm_card_visa', return_url: RETURN_URL });
  assert.equal(done.status, 'succeeded');
  assert.deepEqual(done.automatic_payment_methods, { enabled: true, allow_redirects: 'always' });
  assert.deepEqual((await stripe.setupIntents.retrieve(si.id)).automatic_payment_methods, { enabled: true, allow_redirects: 'always' });
  const listed = (await stripe.setupIntents.list({ customer: customer.id })).data.find((item) => item.id === si.id)!;
  assert.deepEqual(listed.automatic_payment_methods, { enabled: true, allow_redirects: 'always' });

  const never = await stripe.setupIntents.create({ customer: customer.id, automatic_payment_methods: { enabled: true, allow_redirects: 'never' }, payment_method: 'pm_card_visa', confirm: true });
  assert.equal(never.status, 'succeeded');
  assert.deepEqual(never.automatic_payment_methods, { enabled: true, allow_redirects: 'never' });

  const events = (await stripe.events.list({ limit: 50 })).data.filter((event) => event.type.startsWith('setup_intent.') && (event.data.object as Stripe.SetupIntent).id !== plain.id);
  assert.ok(events.length >= 3, events.map((event) => event.type).join());
  for (const event of events) assert.notEqual((event.data.object as Stripe.SetupIntent).automatic_payment_methods, null, event.type);
});

test('allow_redirects=never does not turn off 3-D Secure: a card is no redirect-based payment method, its challenge still comes', async () => {
  const tds = await threeDSecureFixture();
  try {
    const pi = await tds.stripe.paymentIntents.create({
      amount: 2000,
      currency: 'usd',
      automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
      payment_method: 'pm_card_authenticationRequired',
      confirm: true,
    });
    assert.equal(pi.status, 'requires_action');
    assert.equal(pi.next_action?.type, 'redirect_to_url');
    assert.equal(pi.next_action?.redirect_to_url?.return_url, null);
    assert.deepEqual(pi.automatic_payment_methods, { enabled: true, allow_redirects: 'never' });
  } finally {
    await tds.assertAudit();
    await tds.close();
  }
});
