import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import Stripe from 'stripe';
import { acquirerEndpoints } from '../../src/acquirer/acquirer-endpoints.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';
import { testPaymentNetwork } from '../support/payment-network.ts';

// A PaymentIntent or SetupIntent names a customer; the customer is deleted
// (which detaches its cards, as at Stripe); then the intent is confirmed. The
// confirm went ahead: the card was charged or verified at the issuer, and
// only the attach afterwards was skipped. Stripe refuses an operation on a
// deleted customer ("No such customer", resource_missing, param customer), as
// this acquirer already did when creating an intent for one. Now the confirm
// is refused the same way, before anything reaches the network or is written.

let f: AcquirerFixture;
let stripe: Stripe;
let authorizations: number;

beforeEach(async () => {
  f = await acquirerFixture({ endpoints: acquirerEndpoints, network: (base) => testPaymentNetwork(base) });
  stripe = f.stripe;
  authorizations = 0;
  const network = f.deps.network;
  const real = network.authorize.bind(network);
  network.authorize = (request) => {
    authorizations++;
    return real(request);
  };
});

afterEach(async () => {
  await f.assertAudit();
  await f.close();
});

/** What a refused confirm must leave as it was: intents, charges, cards, events, risk attempts, network messages, ledger. */
const WATCHED = [
  'acquirer_payment_intents', 'acquirer_setup_intents', 'acquirer_charges', 'acquirer_payment_methods', 'acquirer_customers', 'acquirer_events',
  'acquirer_webhook_deliveries', 'acquirer_risk_attempts', 'network_messages', 'ledger_transfers',
];
async function snapshot(): Promise<string> {
  const tables: Record<string, unknown> = {};
  for (const table of WATCHED) tables[table] = await f.db.all(`SELECT * FROM ${table} ORDER BY 1`);
  return JSON.stringify(tables);
}

async function newCard(): Promise<Stripe.PaymentMethod> {
  return stripe.paymentMethods.create({ type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' } } as Stripe.PaymentMethodCreateParams);
}

/** The confirm is refused as Stripe refuses a deleted customer, and changes nothing. */
async function assertRefused(customerId: string, confirm: () => Promise<unknown>): Promise<void> {
  const before = await snapshot();
  const sent = authorizations;
  await assert.rejects(confirm, (error: unknown) => {
    assert.ok(error instanceof Stripe.errors.StripeInvalidRequestError, String(error));
    assert.equal(error.code, 'resource_missing');
    assert.equal(error.param, 'customer');
    assert.equal(error.message, `No such customer: '${customerId}'`);
    assert.ok(error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500, `status ${error.statusCode}`);
    return true;
  });
  assert.equal(authorizations, sent, 'nothing was sent to the card network');
  assert.equal(await snapshot(), before, 'the refused confirm changed nothing');
}

test('a PaymentIntent whose customer was deleted before the confirm is refused, with nothing sent, charged or recorded', async () => {
  const customer = await stripe.customers.create({ email: 'gone@example.com' });
  const saved = await stripe.paymentMethods.attach((await newCard()).id, { customer: customer.id });
  const pi = await stripe.paymentIntents.create({ amount: 2_000, currency: 'usd', customer: customer.id, payment_method: saved.id, setup_future_usage: 'off_session' });
  await stripe.customers.del(customer.id);
  assert.equal((await stripe.paymentMethods.retrieve(saved.id)).customer, null, 'deleting the customer detached its card');

  // On session, off session, with another card, and with a test card name (which would be vaulted first).
  await assertRefused(customer.id, () => stripe.paymentIntents.confirm(pi.id));
  await assertRefused(customer.id, () => stripe.paymentIntents.confirm(pi.id, { off_session: true }));
  const other = await newCard();
  await assertRefused(customer.id, () => stripe.paymentIntents.confirm(pi.id, { payment_method: other.id }));
  await assertRefused(customer.id, () => stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa' }));

  const after = await stripe.paymentIntents.retrieve(pi.id);
  assert.equal(after.status, 'requires_confirmation');
  assert.equal(after.latest_charge, null);
  assert.equal((await stripe.charges.list({ payment_intent: pi.id })).data.length, 0);

  // An intent whose customer is alive still confirms (the check refuses only the deleted one).
  const live = await stripe.customers.create({ email: 'here@example.com' });
  const ok = await stripe.paymentIntents.create({ amount: 2_000, currency: 'usd', customer: live.id, payment_method: (await newCard()).id });
  const sent = authorizations;
  assert.equal((await stripe.paymentIntents.confirm(ok.id)).status, 'succeeded');
  assert.equal(authorizations, sent + 1);
});

test('a SetupIntent whose customer was deleted before the confirm is refused, with no verification sent or recorded', async () => {
  const customer = await stripe.customers.create({ email: 'gone@example.com' });
  const card = await newCard();
  const si = await stripe.setupIntents.create({ customer: customer.id, payment_method: card.id, usage: 'off_session' });
  await stripe.customers.del(customer.id);

  await assertRefused(customer.id, () => stripe.setupIntents.confirm(si.id));
  await assertRefused(customer.id, () => stripe.setupIntents.confirm(si.id, { payment_method: 'pm_card_visa' }));
  // With the publishable key and the client_secret, as Stripe.js confirms, typing the card in.
  const browser = f.stripeFor(f.merchant.publishableKey);
  await assertRefused(customer.id, () =>
    browser.setupIntents.confirm(si.id, {
      client_secret: si.client_secret!,
      payment_method_data: { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' } },
    } as Stripe.SetupIntentConfirmParams),
  );

  const after = await stripe.setupIntents.retrieve(si.id);
  assert.equal(after.status, 'requires_confirmation');
  assert.equal(after.latest_attempt, null);
  assert.equal((await stripe.paymentMethods.retrieve(card.id)).customer, null);

  const live = await stripe.customers.create({ email: 'here@example.com' });
  const ok = await stripe.setupIntents.create({ customer: live.id, payment_method: (await newCard()).id, usage: 'off_session' });
  const sent = authorizations;
  assert.equal((await stripe.setupIntents.confirm(ok.id)).status, 'succeeded');
  assert.equal(authorizations, sent + 1);
});
