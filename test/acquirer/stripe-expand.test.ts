import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import Stripe from 'stripe';
import { acquirerEndpoints } from '../../src/acquirer/acquirer-endpoints.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';
import { testPaymentNetwork } from '../support/payment-network.ts';

// Issue 20, item 3: expand[] wherever Stripe allows it, nested and in lists,
// and a 400 parameter_invalid for a path Stripe would not expand.

let f: AcquirerFixture;
let stripe: Stripe;
beforeEach(async () => {
  f = await acquirerFixture({ endpoints: acquirerEndpoints, network: (base) => testPaymentNetwork(base) });
  stripe = f.stripe;
});
afterEach(async () => {
  await f.close();
});

const isObjectOf = (value: unknown, type: string) => typeof value === 'object' && value !== null && (value as { object?: string }).object === type;

async function paidWithRefund() {
  const customer = await stripe.customers.create({ email: 'x@example.com' });
  const setup = await stripe.setupIntents.create({ customer: customer.id, payment_method: 'pm_card_visa', confirm: true });
  const pi = await stripe.paymentIntents.create({ amount: 2500, currency: 'usd', customer: customer.id, payment_method: setup.payment_method as string, confirm: true, off_session: true });
  const refund = await stripe.refunds.create({ payment_intent: pi.id, amount: 400 });
  return { customer, setup, pi, refund, chargeId: pi.latest_charge as string };
}

test('ids become objects on every object Stripe expands: charge, refund, setup intent, payment method, balance transaction, payment intent (nested)', async () => {
  const { customer, setup, pi, refund, chargeId } = await paidWithRefund();

  const charge = await stripe.charges.retrieve(chargeId, { expand: ['balance_transaction', 'customer', 'payment_intent'] });
  assert.ok(isObjectOf(charge.balance_transaction, 'balance_transaction'));
  assert.equal((charge.customer as Stripe.Customer).id, customer.id);
  assert.equal((charge.payment_intent as Stripe.PaymentIntent).id, pi.id);

  const expandedRefund = await stripe.refunds.retrieve(refund.id, { expand: ['charge', 'charge.balance_transaction', 'balance_transaction', 'payment_intent'] });
  assert.ok(isObjectOf(expandedRefund.charge, 'charge'));
  assert.ok(isObjectOf((expandedRefund.charge as Stripe.Charge).balance_transaction, 'balance_transaction'));
  assert.equal((expandedRefund.balance_transaction as Stripe.BalanceTransaction).amount, -400);

  const si = await stripe.setupIntents.retrieve(setup.id, { expand: ['payment_method', 'payment_method.customer', 'customer'] });
  assert.ok(isObjectOf(si.payment_method, 'payment_method'));
  assert.equal(((si.payment_method as Stripe.PaymentMethod).customer as Stripe.Customer).email, 'x@example.com');

  const pm = await stripe.paymentMethods.retrieve(setup.payment_method as string, { expand: ['customer'] });
  assert.equal((pm.customer as Stripe.Customer).id, customer.id);

  const txn = await stripe.balanceTransactions.retrieve((charge.balance_transaction as Stripe.BalanceTransaction).id, { expand: ['source'] });
  assert.equal((txn.source as Stripe.Charge).id, chargeId);

  const withCharge = await stripe.paymentIntents.retrieve(pi.id, { expand: ['latest_charge', 'latest_charge.balance_transaction'] });
  assert.ok(isObjectOf((withCharge.latest_charge as Stripe.Charge).balance_transaction, 'balance_transaction'));

  // In lists, under data.
  const refunds = await stripe.refunds.list({ expand: ['data.charge'] });
  assert.ok(refunds.data.every((r) => isObjectOf(r.charge, 'charge')));
  const txns = await stripe.balanceTransactions.list({ expand: ['data.source'] });
  assert.deepEqual(txns.data.map((t) => (t.source as { object: string }).object).sort(), ['charge', 'refund']);
});

test('a path Stripe would not expand is 400 parameter_invalid and changes nothing', async () => {
  const { chargeId, pi } = await paidWithRefund();
  const refused = async (promise: Promise<unknown>, path: string) =>
    assert.rejects(promise, (e: any) => e.statusCode === 400 && e.code === 'parameter_invalid' && e.param === 'expand' && e.message.includes(path));
  await refused(stripe.charges.retrieve(chargeId, { expand: ['outcome'] }), 'outcome');
  await refused(stripe.charges.retrieve(chargeId, { expand: ['customer.invoice_settings'] }), 'customer.invoice_settings');
  await refused(stripe.refunds.list({ expand: ['charge'] }), 'charge');
  await refused(stripe.balanceTransactions.list({ expand: ['data.fee'] }), 'data.fee');
  const before = (await stripe.refunds.list()).data.length;
  await refused(stripe.refunds.create({ payment_intent: pi.id, amount: 100, expand: ['nothing'] }), 'nothing');
  assert.equal((await stripe.refunds.list()).data.length, before, 'the refused refund was not made');
});

test('expansion stays within the merchant: another merchant’s id is never fetched', async () => {
  const { chargeId } = await paidWithRefund();
  const other = f.stripeFor((await f.addMerchant({ name: 'Other' })).secretKey);
  await assert.rejects(other.charges.retrieve(chargeId, { expand: ['balance_transaction'] }), (e: any) => e.statusCode === 404);
});
