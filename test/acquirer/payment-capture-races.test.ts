import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import Stripe from 'stripe';
import { acquirerEndpoints } from '../../src/acquirer/acquirer-endpoints.ts';
import { merchantBalanceAccount } from '../../src/acquirer/payments/acquirer-ledger.ts';
import { PaymentIntents } from '../../src/acquirer/payments/payment-intents.ts';
import { DEFAULT_HOLD_TTL_MS } from '../../src/issuer/authorization/engine-deps.ts';
import { closeCard } from '../../src/issuer/cards/card-money.ts';
import { walletAccountId } from '../../src/issuer/money/ledger-accounts.ts';
import type { CardNetwork } from '../../src/network/card-network.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';
import { cardFixture, type CardFixture, type OpenedCard } from '../support/card-fixture.ts';
import { firstClearingAnswerLost, testPaymentNetwork } from '../support/payment-network.ts';

// Captures and incremental authorizations against Cardlane's own issuer, where
// both books can be compared: what the acquirer booked for the merchant must be
// what the issuer cleared from the card, whatever the timing of the requests.

let f: AcquirerFixture & { base: CardFixture };
let stripe: Stripe;
let network: CardNetwork;

async function setUp(wrap: (network: CardNetwork) => void = () => {}): Promise<void> {
  const base = await cardFixture();
  f = await acquirerFixture({
    base,
    endpoints: acquirerEndpoints,
    network: (b) => {
      network = testPaymentNetwork(b, b.issuer);
      wrap(network);
      return network;
    },
  });
  stripe = f.stripe;
}

beforeEach(async () => {
  await setUp();
});
afterEach(async () => {
  await f.base.assertConsistent();
  await f.close();
});

async function restart(wrap: (network: CardNetwork) => void): Promise<void> {
  await f.close();
  await setUp(wrap);
}

/** Each clearing (or increment) waits a little before it goes out, so concurrent requests overlap at the network. */
function slowFollowUps(n: CardNetwork): void {
  const clear = n.clear.bind(n);
  const increment = n.incrementAuthorization.bind(n);
  const pause = () => new Promise((resolve) => setTimeout(resolve, 60));
  n.clear = async (r) => (await pause(), clear(r));
  n.incrementAuthorization = async (r) => (await pause(), increment(r));
}

const PROGRAM_ADDRESS = { line1: '548 Market St', postal_code: '94104', country: 'US' };

async function authorized(card: OpenedCard, amount: number): Promise<Stripe.PaymentIntent> {
  const pm = await stripe.paymentMethods.create({
    type: 'card',
    card: { number: card.pan, exp_month: card.expMonth, exp_year: card.expYear, cvc: card.cvv2 },
    billing_details: { name: 'Li Lei', address: PROGRAM_ADDRESS },
  });
  const pi = await stripe.paymentIntents.create({ amount, currency: 'usd', payment_method: pm.id, capture_method: 'manual', confirm: true });
  assert.equal(pi.status, 'requires_capture');
  return pi;
}

/** What the issuer holds and has cleared for the intent's authorization. */
async function issuerSide(pi: Stripe.PaymentIntent): Promise<{ held: number; cleared: number; status: string }> {
  const row = await f.db.get<{ held_usd_minor: number | string; cleared_usd_minor: number | string; status: string }>(
    'SELECT held_usd_minor, cleared_usd_minor, status FROM issuer_authorizations WHERE request_id = ?',
    [pi.latest_charge as string],
  );
  assert.ok(row);
  return { held: Number(row.held_usd_minor), cleared: Number(row.cleared_usd_minor), status: row.status };
}

async function merchantBooked(): Promise<number> {
  const b = await f.ledger.getBalance(f.db, merchantBalanceAccount(f.merchant.merchant.id, 'USD'));
  return (b?.credits_posted ?? 0) - (b?.debits_posted ?? 0);
}

const wallet = async (card: OpenedCard) => (await f.ledger.getBalance(f.db, walletAccountId(card.cardholderId)))?.available ?? 0;

async function errorOf(promise: Promise<unknown>): Promise<{ status: number; code: string }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof Stripe.errors.StripeError, String(error));
    return { status: error.statusCode!, code: error.code! };
  }
  assert.fail('expected an error');
}

test('a card closed with a payment authorized: the hold stays, the merchant captures it, only the free balance (and then the released rest) reaches the wallet', async () => {
  const card = await f.base.openCard({ loadUsdMinor: 3_000 });
  const pi = await authorized(card, 1_000);
  const before = await wallet(card);
  await f.db.transaction((tx) => closeCard(tx, f.base.cardDeps, { cardholderId: card.cardholderId, cardId: card.cardId }));
  assert.equal(await wallet(card), before + 2_000, 'the authorized $10 is not withdrawable');
  const captured = await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 600 });
  assert.deepEqual([captured.status, captured.amount_received], ['succeeded', 600]);
  assert.equal(await merchantBooked(), 600);
  assert.equal((await issuerSide(pi)).cleared, 600);
  assert.equal(await wallet(card), before + 2_400, 'the $4 not captured follows the rest to the wallet');
  assert.equal(await f.base.available(card), 0);
});

test('a clearing the issuer refuses is a 400 with a stable code, and the intent ends canceled', async () => {
  const card = await f.base.openCard({ loadUsdMinor: 3_000 });
  const pi = await authorized(card, 1_000);
  f.clock.advanceMs(DEFAULT_HOLD_TTL_MS + 1);
  assert.deepEqual(await errorOf(stripe.paymentIntents.capture(pi.id)), { status: 400, code: 'charge_expired_for_capture' });
  const after = await stripe.paymentIntents.retrieve(pi.id);
  assert.deepEqual([after.status, after.cancellation_reason, after.amount_capturable, after.amount_received], ['canceled', 'automatic', 0, 0]);
  assert.equal(await merchantBooked(), 0);
  assert.equal((await issuerSide(pi)).cleared, 0);
  await f.ledger.expireDue(f.db);
});

test('concurrent captures of different amounts: exactly one succeeds, the other is a 400, and the books agree', async () => {
  await restart(slowFollowUps);
  const card = await f.base.openCard({ loadUsdMinor: 5_000 });
  const pi = await authorized(card, 2_000);
  const results = await Promise.allSettled([
    stripe.paymentIntents.capture(pi.id, { amount_to_capture: 1_500 }),
    stripe.paymentIntents.capture(pi.id, { amount_to_capture: 2_000 }),
  ]);
  const won = results.filter((r) => r.status === 'fulfilled');
  const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  assert.equal(won.length, 1, JSON.stringify(results.map((r) => r.status)));
  assert.equal(lost.length, 1);
  assert.equal((lost[0]!.reason as Stripe.errors.StripeError).statusCode, 400);
  assert.equal((lost[0]!.reason as Stripe.errors.StripeError).code, 'payment_intent_unexpected_state');
  const final = await stripe.paymentIntents.retrieve(pi.id);
  assert.equal(final.status, 'succeeded');
  const cleared = (await issuerSide(pi)).cleared;
  assert.equal(await merchantBooked(), cleared);
  assert.equal(final.amount_received, cleared);
});

test('a retry with another amount after a lost answer is refused; the same capture again books what the issuer cleared', async () => {
  await restart(firstClearingAnswerLost);
  const card = await f.base.openCard({ loadUsdMinor: 5_000 });
  const pi = await authorized(card, 2_000);
  assert.deepEqual(await errorOf(stripe.paymentIntents.capture(pi.id, { amount_to_capture: 1_500 })), { status: 402, code: 'processing_error' });
  assert.equal((await stripe.paymentIntents.retrieve(pi.id)).status, 'processing');
  assert.equal((await issuerSide(pi)).cleared, 1_500, 'the issuer did clear it');
  assert.deepEqual(await errorOf(stripe.paymentIntents.capture(pi.id, { amount_to_capture: 1_000 })), { status: 400, code: 'payment_intent_unexpected_state' });
  assert.equal(await merchantBooked(), 0);
  const captured = await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 1_500 });
  assert.deepEqual([captured.status, captured.amount_received], ['succeeded', 1_500]);
  assert.equal(await merchantBooked(), 1_500);
  assert.equal((await issuerSide(pi)).cleared, 1_500);
});

test('a capture whose answer was lost is finished by the resume sweep, booking what the issuer cleared', async () => {
  await restart(firstClearingAnswerLost);
  const card = await f.base.openCard({ loadUsdMinor: 5_000 });
  const pi = await authorized(card, 2_000);
  await errorOf(stripe.paymentIntents.capture(pi.id, { amount_to_capture: 1_200 }));
  const service = new PaymentIntents(f.deps, f.deps.cvcCache);
  assert.equal(await service.resumeStuck(f.clock.nowMs(), 60_000), 0, 'not stuck yet');
  f.clock.advanceMs(61_000);
  assert.equal(await service.resumeStuck(f.clock.nowMs(), 60_000), 1);
  const after = await stripe.paymentIntents.retrieve(pi.id);
  assert.deepEqual([after.status, after.amount_received], ['succeeded', 1_200]);
  assert.equal(await merchantBooked(), 1_200);
  assert.equal(await service.resumeStuck(f.clock.nowMs(), 60_000), 0);
});

test('concurrent increments to different totals: exactly one succeeds, and the issuer holds what the acquirer says is capturable', async () => {
  await restart(slowFollowUps);
  const card = await f.base.openCard({ loadUsdMinor: 10_000 });
  const pi = await authorized(card, 2_000);
  const results = await Promise.allSettled([
    stripe.paymentIntents.incrementAuthorization(pi.id, { amount: 3_000 }),
    stripe.paymentIntents.incrementAuthorization(pi.id, { amount: 4_000 }),
  ]);
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, JSON.stringify(results.map((r) => r.status)));
  const lost = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!;
  assert.equal((lost.reason as Stripe.errors.StripeError).statusCode, 400);
  const final = await stripe.paymentIntents.retrieve(pi.id);
  assert.equal(final.status, 'requires_capture');
  assert.equal((await issuerSide(pi)).held, final.amount_capturable);
  assert.equal(final.amount, final.amount_capturable);
  // And a capture of all of it books exactly what the issuer clears.
  const captured = await stripe.paymentIntents.capture(pi.id);
  assert.equal(captured.amount_received, (await issuerSide(pi)).cleared);
  assert.equal(await merchantBooked(), captured.amount_received);
});
