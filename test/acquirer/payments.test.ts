import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import Stripe from 'stripe';
import type { AcquirerNetwork } from '../../src/acquirer/acquirer-deps.ts';
import { acquirerEndpoints } from '../../src/acquirer/acquirer-endpoints.ts';
import type { ClearingRequest, RefundRequest } from '../../src/network/messages.ts';
import { PaymentIntents } from '../../src/acquirer/payments/payment-intents.ts';
import { resendPendingRefunds } from '../../src/acquirer/payments/refunds.ts';
import { merchantBalanceAccount } from '../../src/acquirer/payments/acquirer-ledger.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';
import { testPaymentNetwork } from '../support/payment-network.ts';

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

/** The real network, except that the first `method` call is answered 91 (issuer unavailable), as after a time-out. */
function unavailableOnce(network: AcquirerNetwork, method: 'clear' | 'refund'): AcquirerNetwork {
  let failures = 1;
  const send = network[method].bind(network);
  return {
    lookupCard: (pan) => network.lookupCard(pan),
    authorize: (r) => network.authorize(r),
    incrementAuthorization: (r) => network.incrementAuthorization(r),
    reverse: (r) => network.reverse(r),
    clear: (r) => network.clear(r),
    refund: (r) => network.refund(r),
    [method]: async (r: ClearingRequest | RefundRequest) => {
      if (failures-- > 0) {
        return { type: 'follow_up_response', id: r.id, originalId: r.originalId, responseCode: '91', reason: 'issuer_unavailable', amount: { minor: 0, currency: r.amount.currency }, decidedBy: 'network' };
      }
      return send(r as never);
    },
  };
}

const card = (number: string, extra: Record<string, unknown> = {}) =>
  stripe.paymentMethods.create({
    type: 'card',
    card: { number, exp_month: 12, exp_year: 2030, cvc: '123' },
    billing_details: { name: 'Li Lei', address: { line1: '548 Market St', postal_code: '94104', country: 'US' } },
    ...extra,
  } as Stripe.PaymentMethodCreateParams);

async function balance(): Promise<number> {
  return (await f.ledger.getBalance(f.db, merchantBalanceAccount(f.merchant.merchant.id, 'USD')))?.credits_posted ?? 0;
}

test('customer → payment method → setup intent → default method → off-session payment, with the official SDK', async () => {
  const customer = await stripe.customers.create({ email: 'ada@example.com', name: 'Ada' });
  const pm = await card('4242424242424242');
  assert.equal(pm.card?.brand, 'visa');
  assert.equal(pm.card?.country, 'US');
  assert.equal(pm.card?.funding, 'credit');
  assert.equal(pm.card?.last4, '4242');
  assert.match(pm.card?.fingerprint ?? '', /^[0-9A-Za-z]{16}$/);
  assert.equal(pm.card?.checks?.cvc_check, 'unchecked');

  const setup = await stripe.setupIntents.create({ customer: customer.id, payment_method: pm.id, usage: 'off_session', confirm: true });
  assert.equal(setup.status, 'succeeded');
  const saved = await stripe.paymentMethods.retrieve(pm.id);
  assert.equal(saved.customer, customer.id);
  assert.equal(saved.card?.checks?.cvc_check, 'pass');

  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
  const fresh = await stripe.customers.retrieve(customer.id);
  assert.equal((fresh as Stripe.Customer).invoice_settings.default_payment_method, pm.id);

  const pi = await stripe.paymentIntents.create({
    amount: 1000,
    currency: 'usd',
    customer: customer.id,
    payment_method: pm.id,
    off_session: true,
    confirm: true,
    metadata: { order: '7' },
    expand: ['latest_charge'],
  });
  assert.equal(pi.status, 'succeeded');
  assert.equal(pi.amount_received, 1000);
  const charge = pi.latest_charge as Stripe.Charge;
  assert.equal(charge.outcome?.type, 'authorized');
  assert.equal(charge.outcome?.network_status, 'approved_by_network');
  assert.equal(charge.captured, true);
  assert.equal(charge.payment_method_details?.card?.checks?.address_postal_code_check, 'pass');
  assert.deepEqual(pi.metadata, { order: '7' });
  assert.equal(await balance(), 1000);

  const listed = await stripe.paymentMethods.list({ customer: customer.id, type: 'card' });
  assert.deepEqual(listed.data.map((m) => m.id), [pm.id]);
});

test('manual capture with a partial amount, then partial and full refunds; over-refunds are refused', async () => {
  const pm = await card('4242424242424242');
  const pi = await stripe.paymentIntents.create({ amount: 5000, currency: 'usd', payment_method: pm.id, capture_method: 'manual', confirm: true });
  assert.equal(pi.status, 'requires_capture');
  assert.equal(pi.amount_capturable, 5000);
  assert.equal(await balance(), 0);
  const captured = await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 3000 });
  assert.equal(captured.status, 'succeeded');
  assert.equal(captured.amount_received, 3000);
  assert.equal(await balance(), 3000);
  const first = await stripe.refunds.create({ payment_intent: pi.id, amount: 1000 });
  assert.equal(first.status, 'succeeded');
  await assert.rejects(stripe.refunds.create({ payment_intent: pi.id, amount: 2500 }), (e: any) => e.code === 'amount_too_large');
  const rest = await stripe.refunds.create({ payment_intent: pi.id });
  assert.equal(rest.amount, 2000);
  await assert.rejects(stripe.refunds.create({ payment_intent: pi.id }), (e: any) => e.code === 'charge_already_refunded');
  const charge = await stripe.charges.retrieve(captured.latest_charge as string);
  assert.equal(charge.amount_refunded, 3000);
  assert.equal(charge.refunded, true);
  const merchant = await f.ledger.getBalance(f.db, merchantBalanceAccount(f.merchant.merchant.id, 'USD'));
  assert.equal(merchant!.credits_posted - merchant!.debits_posted, 0);
});

test('cancel releases an authorization; capture after cancel is refused', async () => {
  const pm = await card('4242424242424242');
  const pi = await stripe.paymentIntents.create({ amount: 700, currency: 'usd', payment_method: pm.id, capture_method: 'manual', confirm: true });
  const canceled = await stripe.paymentIntents.cancel(pi.id);
  assert.equal(canceled.status, 'canceled');
  await assert.rejects(stripe.paymentIntents.capture(pi.id), (e: any) => e.code === 'payment_intent_unexpected_state');
});

// One row per Stripe test card: what the SDK raises and what the charge records.
const DECLINES: Array<[number: string, code: string, declineCode: string, networkCode: string | null]> = [
  ['4000000000000002', 'card_declined', 'generic_decline', '05'],
  ['4000000000009995', 'card_declined', 'insufficient_funds', '51'],
  ['4000000000009987', 'card_declined', 'lost_card', '41'],
  ['4000000000009979', 'card_declined', 'stolen_card', '43'],
  ['4000000000000069', 'expired_card', 'expired_card', '54'],
  ['4000000000000127', 'incorrect_cvc', 'incorrect_cvc', 'N7'],
  ['4000000000000119', 'processing_error', 'processing_error', '96'],
  ['4000000000006975', 'card_declined', 'card_velocity_exceeded', '65'],
  ['4000000000000341', 'card_declined', 'generic_decline', '05'],
  ['4100000000000019', 'card_declined', 'fraudulent', null],
];

for (const [number, code, declineCode, networkCode] of DECLINES) {
  test(`test card ${number} declines with ${code}/${declineCode}`, async () => {
    const pm = await card(number);
    const pi = await stripe.paymentIntents.create({ amount: 1500, currency: 'usd', payment_method: pm.id });
    await assert.rejects(stripe.paymentIntents.confirm(pi.id), (e: any) => {
      assert.ok(e instanceof Stripe.errors.StripeCardError, `expected a card error, got ${e?.constructor?.name}: ${e?.message}`);
      assert.equal(e.code, code);
      assert.equal(e.decline_code, declineCode);
      assert.equal(e.payment_intent?.status, 'requires_payment_method');
      return true;
    });
    const after = await stripe.paymentIntents.retrieve(pi.id, { expand: ['latest_charge'] });
    assert.equal(after.status, 'requires_payment_method');
    assert.equal(after.last_payment_error?.decline_code, declineCode);
    const charge = after.latest_charge as Stripe.Charge;
    assert.equal(charge.status, 'failed');
    assert.equal((charge.outcome as any).network_decline_code, networkCode);
    assert.equal(charge.outcome?.network_status, networkCode === null ? 'not_sent_to_network' : 'declined_by_network');
  });
}

test('a card that declines cannot be attached, except 0341 which attaches and then declines every charge', async () => {
  const customer = await stripe.customers.create({ email: 'x@example.com' });
  const bad = await card('4000000000000002');
  await assert.rejects(stripe.paymentMethods.attach(bad.id, { customer: customer.id }), (e: any) => e.decline_code === 'generic_decline');
  assert.equal((await stripe.paymentMethods.retrieve(bad.id)).customer, null);
  const tricky = await card('4000000000000341');
  const attached = await stripe.paymentMethods.attach(tricky.id, { customer: customer.id });
  assert.equal(attached.customer, customer.id);
  await assert.rejects(
    stripe.paymentIntents.create({ amount: 900, currency: 'usd', customer: customer.id, payment_method: tricky.id, off_session: true, confirm: true }),
    (e: any) => e.decline_code === 'generic_decline',
  );
});

test('the seed rule: prepaid cards blocked on customer-initiated payments but not on merchant-initiated ones; blocks never reach the network', async () => {
  await stripe.rawRequest('POST', '/v1/risk_rules', {
    action: 'block',
    condition: { kind: 'card_funding', in: ['prepaid'] },
    applies_to: 'customer_initiated',
    purpose: 'purchase',
  });
  const customer = await stripe.customers.create({ email: 'seed@example.com' });
  const pm = await card('5105105105105100');
  assert.equal(pm.card?.funding, 'prepaid');
  await stripe.paymentMethods.attach(pm.id, { customer: customer.id });
  await assert.rejects(
    stripe.paymentIntents.create({ amount: 1000, currency: 'usd', customer: customer.id, payment_method: pm.id, confirm: true }),
    (e: any) => {
      assert.equal(e.decline_code, 'card_not_supported');
      return true;
    },
  );
  const blocked = (await stripe.charges.list({ limit: 1 })).data[0]!;
  assert.equal(blocked.outcome?.type, 'blocked');
  assert.equal(blocked.outcome?.network_status, 'not_sent_to_network');
  const sent = await f.db.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM network_messages WHERE id = ?', [blocked.id]);
  assert.equal(Number(sent!.n), 0, 'a blocked payment never reaches the network');
  const mit = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', customer: customer.id, payment_method: pm.id, off_session: true, confirm: true });
  assert.equal(mit.status, 'succeeded');
});

test('idempotent replays: the same key returns the same intent and charges once', async () => {
  const pm = await card('4242424242424242');
  const params = { amount: 1200, currency: 'usd', payment_method: pm.id, confirm: true };
  const a = await stripe.paymentIntents.create(params, { idempotencyKey: 'order-1' });
  const b = await stripe.paymentIntents.create(params, { idempotencyKey: 'order-1' });
  assert.equal(a.id, b.id);
  assert.equal(await balance(), 1200);
  await assert.rejects(stripe.paymentIntents.create({ ...params, amount: 1300 }, { idempotencyKey: 'order-1' }), (e: any) => e.type === 'StripeIdempotencyError');
});

test('auto-pagination walks every payment intent newest first', async () => {
  const created: string[] = [];
  for (let i = 0; i < 7; i++) {
    created.push((await stripe.paymentIntents.create({ amount: 100 + i, currency: 'usd' })).id);
    f.clock.advanceMs(1000);
  }
  const all = await stripe.paymentIntents.list({ limit: 3 }).autoPagingToArray({ limit: 100 });
  assert.deepEqual(all.map((pi) => pi.id), created.reverse());
});

test('bad input changes nothing: a wrong card number, a past expiry, an amount under the minimum', async () => {
  await assert.rejects(card('4242424242424241'), (e: any) => e.code === 'incorrect_number' && e.param === 'card[number]');
  await assert.rejects(
    stripe.paymentMethods.create({ type: 'card', card: { number: '4242424242424242', exp_month: 1, exp_year: 2020 } } as any),
    (e: any) => e.code === 'invalid_expiry_year',
  );
  await assert.rejects(stripe.paymentIntents.create({ amount: 10, currency: 'usd' }), (e: any) => e.code === 'amount_too_small');
  const count = await f.db.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM acquirer_payment_methods');
  assert.equal(Number(count!.n), 0);
});

test('update before confirmation; detaching the default card clears the customer\'s default', async () => {
  const customer = await stripe.customers.create({ email: 'u@example.com' });
  const pm = await card('4242424242424242');
  await stripe.paymentMethods.attach(pm.id, { customer: customer.id });
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
  const pi = await stripe.paymentIntents.create({ amount: 900, currency: 'usd', customer: customer.id });
  const updated = await stripe.paymentIntents.update(pi.id, { amount: 1100, payment_method: pm.id, metadata: { plan: 'plus' } });
  assert.equal(updated.amount, 1100);
  assert.equal(updated.status, 'requires_confirmation');
  assert.deepEqual(updated.metadata, { plan: 'plus' });
  await stripe.paymentMethods.detach(pm.id);
  const after = (await stripe.customers.retrieve(customer.id)) as Stripe.Customer;
  assert.equal(after.invoice_settings.default_payment_method, null);
});

test('a capture the network could not take leaves the intent processing; the resume sweep finishes it exactly once', async () => {
  await f.close();
  f = await acquirerFixture({ endpoints: acquirerEndpoints, network: (base) => unavailableOnce(testPaymentNetwork(base), 'clear') });
  stripe = f.stripe;
  const pm = await card('4242424242424242');
  const pi = await stripe.paymentIntents.create({ amount: 2500, currency: 'usd', payment_method: pm.id, confirm: true });
  assert.equal(pi.status, 'processing');
  assert.equal(await balance(), 0);
  const service = new PaymentIntents(f.deps, f.deps.cvcCache);
  assert.equal(await service.resumeStuck(f.clock.nowMs(), 60_000), 0, 'not stuck yet');
  f.clock.advanceMs(61_000);
  assert.equal(await service.resumeStuck(f.clock.nowMs(), 60_000), 1);
  assert.equal((await stripe.paymentIntents.retrieve(pi.id)).status, 'succeeded');
  assert.equal(await service.resumeStuck(f.clock.nowMs(), 60_000), 0);
  assert.equal(await balance(), 2500);
});

test('a refund the network could not take stays pending and the sweep settles it exactly once', async () => {
  await f.close();
  f = await acquirerFixture({ endpoints: acquirerEndpoints, network: (base) => unavailableOnce(testPaymentNetwork(base), 'refund') });
  stripe = f.stripe;
  const pm = await card('4242424242424242');
  const pi = await stripe.paymentIntents.create({ amount: 3000, currency: 'usd', payment_method: pm.id, confirm: true });
  const refund = await stripe.refunds.create({ payment_intent: pi.id, amount: 1000 });
  assert.equal(refund.status, 'pending');
  assert.equal(await balance(), 3000, 'nothing moved yet');
  await assert.rejects(stripe.refunds.create({ payment_intent: pi.id, amount: 2500 }), (e: any) => e.code === 'amount_too_large', 'the pending amount stays reserved');
  f.clock.advanceMs(61_000);
  assert.equal(await resendPendingRefunds(f.deps, f.clock.nowMs(), 60_000), 1);
  assert.equal(await resendPendingRefunds(f.deps, f.clock.nowMs(), 60_000), 0);
  assert.equal((await stripe.refunds.retrieve(refund.id)).status, 'succeeded');
  const merchant = await f.ledger.getBalance(f.db, merchantBalanceAccount(f.merchant.merchant.id, 'USD'));
  assert.equal(merchant!.credits_posted - merchant!.debits_posted, 2000);
});
