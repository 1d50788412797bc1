import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import Stripe from 'stripe';
import { acquirerEndpoints } from '../../src/acquirer/acquirer-endpoints.ts';
import { getCard, saveControls, setCardStatus } from '../../src/issuer/cards/cards.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';
import { cardFixture, type CardFixture, type OpenedCard } from '../support/card-fixture.ts';
import { testPaymentNetwork } from '../support/payment-network.ts';

// The whole path with a card of Cardlane's own issuer: the official SDK →
// the acquirer → the card network → Cardlane's authorization engine → a hold
// on the card's ledger account. Declines come back with the issuer's exact reason.

let f: AcquirerFixture & { base: CardFixture };
let stripe: Stripe;
beforeEach(async () => {
  const base = await cardFixture();
  f = await acquirerFixture({ base, endpoints: acquirerEndpoints, network: (b) => testPaymentNetwork(b, b.issuer) });
  stripe = f.stripe;
});
afterEach(async () => {
  await f.base.assertConsistent();
  await f.close();
});

const PROGRAM_ADDRESS = { line1: '548 Market St', postal_code: '94104', country: 'US' };

function paymentMethod(card: OpenedCard, overrides: { cvc?: string; address?: Partial<typeof PROGRAM_ADDRESS> } = {}) {
  return stripe.paymentMethods.create({
    type: 'card',
    card: { number: card.pan, exp_month: card.expMonth, exp_year: card.expYear, cvc: overrides.cvc ?? card.cvv2 },
    billing_details: { name: 'Li Lei', address: { ...PROGRAM_ADDRESS, ...overrides.address } },
  });
}

async function declineOf(promise: Promise<unknown>): Promise<{ code: string; decline_code: string; network: string | undefined }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof Stripe.errors.StripeCardError, `expected a card error, got ${String(error)}`);
    return { code: error.code!, decline_code: error.decline_code!, network: (error.raw as { network_decline_code?: string }).network_decline_code };
  }
  assert.fail('expected a decline');
}

test('a Cardlane card pays while it has funds, then declines with insufficient_funds (51)', async () => {
  const card = await f.base.openCard({ loadUsdMinor: 1000 });
  const pm = await paymentMethod(card);
  assert.equal(pm.card?.funding, 'prepaid');
  assert.equal(pm.card?.country, 'US');
  const paid = await stripe.paymentIntents.create({ amount: 600, currency: 'usd', payment_method: pm.id, confirm: true, expand: ['latest_charge'] });
  assert.equal(paid.status, 'succeeded');
  const charge = paid.latest_charge as Stripe.Charge;
  assert.equal(charge.payment_method_details?.card?.checks?.cvc_check, 'pass');
  assert.equal(charge.payment_method_details?.card?.checks?.address_postal_code_check, 'pass');
  assert.equal(await f.base.available(card), 400);
  const pi = await stripe.paymentIntents.create({ amount: 600, currency: 'usd', payment_method: pm.id });
  assert.deepEqual(await declineOf(stripe.paymentIntents.confirm(pi.id)), { code: 'card_declined', decline_code: 'insufficient_funds', network: '51' });
  assert.equal(await f.base.available(card), 400);
});

test('card checks and controls, each with its decline', async () => {
  const cases: Array<[string, (card: OpenedCard) => Promise<Stripe.PaymentMethod>, { code: string; decline_code: string; network: string }, ((card: OpenedCard) => Promise<void>)?]> = [
    ['wrong CVV2', (card) => paymentMethod(card, { cvc: card.cvv2 === '000' ? '001' : '000' }), { code: 'incorrect_cvc', decline_code: 'incorrect_cvc', network: 'N7' }],
    ['wrong ZIP', (card) => paymentMethod(card, { address: { postal_code: '10001' } }), { code: 'incorrect_zip', decline_code: 'incorrect_zip', network: '05' }],
    ['wrong address line', (card) => paymentMethod(card, { address: { line1: '1 Infinite Loop' } }), { code: 'incorrect_address', decline_code: 'incorrect_address', network: '05' }],
    [
      'frozen card',
      (card) => paymentMethod(card),
      { code: 'card_declined', decline_code: 'restricted_card', network: '62' },
      (card) => f.db.transaction((tx) => setCardStatus(tx, card.cardId, 'frozen', f.clock.nowMs())),
    ],
    [
      'blocked MCC',
      (card) => paymentMethod(card),
      { code: 'card_declined', decline_code: 'transaction_not_allowed', network: '57' },
      async (card) => {
        const current = (await getCard(f.db, card.cardId))!;
        await f.db.transaction((tx) => saveControls(tx, card.cardId, { ...current.controls, mccBlock: ['5734'] }, f.clock.nowMs()));
      },
    ],
  ];
  for (const [name, makePm, expected, prepare] of cases) {
    const card = await f.base.openCard({ loadUsdMinor: 5000 });
    const pm = await makePm(card);
    await prepare?.(card);
    const decline = await declineOf(stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: pm.id, confirm: true }));
    assert.deepEqual(decline, expected, name);
    assert.equal(await f.base.available(card), 5000, `${name}: nothing held`);
  }
});

test('one card pays for four customer accounts at a merchant; the fifth is declined by the issuer', async () => {
  const card = await f.base.openCard({ loadUsdMinor: 10_000 });
  const outcomes: string[] = [];
  for (let i = 1; i <= 5; i++) {
    const customer = await stripe.customers.create({ email: `user${i}@example.com` });
    const pm = await paymentMethod(card);
    try {
      await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', customer: customer.id, payment_method: pm.id, confirm: true });
      outcomes.push('succeeded');
    } catch (error) {
      outcomes.push((error as Stripe.errors.StripeCardError).decline_code ?? 'error');
    }
  }
  assert.deepEqual(outcomes, ['succeeded', 'succeeded', 'succeeded', 'succeeded', 'transaction_not_allowed']);
  const [issuerSide] = await f.db.all<{ reason: string }>("SELECT reason FROM issuer_authorizations WHERE reason = 'merchant_account_limit'");
  assert.equal(issuerSide?.reason, 'merchant_account_limit');
});

test('many simultaneous payment intents on one card that affords exactly 7: exactly 7 succeed', async () => {
  const card = await f.base.openCard({ loadUsdMinor: 700 });
  const pm = await paymentMethod(card);
  // Saved first with its CVC checked (a zero-amount verification): the payments below have no CVC and go as its stored credential.
  await stripe.setupIntents.create({ payment_method: pm.id, confirm: true });
  const results = await Promise.allSettled(
    Array.from({ length: 25 }, () => stripe.paymentIntents.create({ amount: 100, currency: 'usd', payment_method: pm.id, confirm: true })),
  );
  const succeeded = results.filter((r) => r.status === 'fulfilled').length;
  const declines = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => (r.reason as Stripe.errors.StripeCardError).decline_code);
  assert.equal(succeeded, 7);
  assert.deepEqual([...new Set(declines)], ['insufficient_funds']);
  assert.equal(await f.base.available(card), 0);
});

test('manual capture holds on the card, partial capture releases the rest, a refund credits the card back', async () => {
  const card = await f.base.openCard({ loadUsdMinor: 3000 });
  const pm = await paymentMethod(card);
  const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method: pm.id, capture_method: 'manual', confirm: true });
  assert.equal(pi.status, 'requires_capture');
  assert.equal(await f.base.available(card), 1000);
  await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 1500 });
  assert.equal(await f.base.available(card), 1500);
  await stripe.refunds.create({ payment_intent: pi.id, amount: 500 });
  assert.equal(await f.base.available(card), 2000);
});

test('an incremental authorization raises the hold on the card; one the card cannot afford is declined and changes nothing', async () => {
  const card = await f.base.openCard({ loadUsdMinor: 3000 });
  const pm = await paymentMethod(card);
  const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method: pm.id, capture_method: 'manual', confirm: true });
  const raised = await stripe.paymentIntents.incrementAuthorization(pi.id, { amount: 2500 });
  assert.equal(raised.amount, 2500);
  assert.equal(raised.amount_capturable, 2500);
  assert.equal(await f.base.available(card), 500);
  assert.deepEqual(await declineOf(stripe.paymentIntents.incrementAuthorization(pi.id, { amount: 4000 })), {
    code: 'card_declined',
    decline_code: 'insufficient_funds',
    network: '51',
  });
  assert.equal((await stripe.paymentIntents.retrieve(pi.id)).amount_capturable, 2500);
  assert.equal(await f.base.available(card), 500);
  const captured = await stripe.paymentIntents.capture(pi.id);
  assert.equal(captured.amount_received, 2500);
  assert.equal(await f.base.available(card), 500);
});
