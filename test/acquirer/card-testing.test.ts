import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import Stripe from 'stripe';
import { acquirerEndpoints } from '../../src/acquirer/acquirer-endpoints.ts';
import { luhnCheckDigit } from '../../src/platform/pan-scrub.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';
import { cardFixture, type CardFixture, type OpenedCard } from '../support/card-fixture.ts';
import { testPaymentNetwork } from '../support/payment-network.ts';

// Card testing through the whole path (the official SDK → the acquirer →
// the card network → Cardlane's issuer): a merchant that walks Cardlane's
// BIN or guesses a card's details learns nothing and gets blocked; a card
// number alone never pays without its CVC; a card saved with its CVC checked
// keeps paying off-session (the seed's auto-recharge).

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

const ADDRESS = { line1: '548 Market St', postal_code: '94104', country: 'US' };
const MERCHANT_LIMIT = 20;
const CARD_LIMIT = 5;

interface CardGuess {
  readonly number: string;
  readonly expMonth: number;
  readonly expYear: number;
  readonly cvc?: string;
}

/** What the merchant learns from one zero-amount set-up of a card it typed in: `succeeded`, or the decline it got. */
async function probe(client: Stripe, guess: CardGuess): Promise<string> {
  const pm = await client.paymentMethods.create({
    type: 'card',
    card: { number: guess.number, exp_month: guess.expMonth, exp_year: guess.expYear, ...(guess.cvc === undefined ? {} : { cvc: guess.cvc }) },
    billing_details: { address: ADDRESS },
  });
  try {
    await client.setupIntents.create({ payment_method: pm.id, confirm: true });
    return 'succeeded';
  } catch (error) {
    assert.ok(error instanceof Stripe.errors.StripeCardError, `expected a card error, got ${String(error)}`);
    return `${error.code}/${error.decline_code}/${(error.raw as { network_decline_code?: string }).network_decline_code}`;
  }
}

function guessOf(card: OpenedCard, change: Partial<CardGuess> = {}): CardGuess {
  return { number: card.pan, expMonth: card.expMonth, expYear: card.expYear, ...change };
}

/** Luhn-valid numbers next to `pan` in its BIN (what a script walking the BIN tries), skipping `real`. */
function neighbours(pan: string, count: number, real: ReadonlySet<string>): string[] {
  const found: string[] = [];
  let body = BigInt(pan.slice(0, -1));
  while (found.length < count) {
    body += 1n;
    const digits = body.toString().padStart(pan.length - 1, '0');
    const candidate = digits + luhnCheckDigit(digits);
    if (!real.has(candidate)) found.push(candidate);
  }
  return found;
}

function otherMonth(month: number): number {
  return (month % 12) + 1;
}

test('a CVV-less customer-initiated payment on a Cardlane card is declined, a set-up without the CVC too', async () => {
  const card = await f.base.openCard({ loadUsdMinor: 5_000 });
  const customer = await stripe.customers.create({ email: 'victim@example.com' });
  // The merchant typed in the number and expiry only (the attack the review reproduced: set-up `succeeded`, then $10 `requires_capture`).
  const pm = await stripe.paymentMethods.create({ type: 'card', card: { number: card.pan, exp_month: card.expMonth, exp_year: card.expYear } });
  const setup = await stripe.setupIntents.create({ customer: customer.id, payment_method: pm.id, confirm: true }).catch((error: unknown) => error);
  assert.ok(setup instanceof Stripe.errors.StripeCardError);
  assert.equal(setup.code, 'incorrect_cvc');
  const payment = await stripe.paymentIntents
    .create({ amount: 1_000, currency: 'usd', customer: customer.id, payment_method: pm.id, capture_method: 'manual', confirm: true })
    .catch((error: unknown) => error);
  assert.ok(payment instanceof Stripe.errors.StripeCardError);
  assert.equal(payment.code, 'incorrect_cvc');
  // Nor merchant-initiated: there is no earlier CVC-checked approval to point to.
  await stripe.paymentMethods.attach(pm.id, { customer: customer.id }).catch(() => undefined);
  const offSession = await stripe.paymentIntents
    .create({ amount: 1_000, currency: 'usd', customer: customer.id, payment_method: pm.id, off_session: true, confirm: true })
    .catch((error: unknown) => error);
  assert.ok(offSession instanceof Stripe.errors.StripeCardError);
  assert.equal(await f.base.available(card), 5_000, 'nothing held');
});

test('after a CVC-checked set-up, merchant-initiated and on-file customer payments without the CVC work (auto-recharge)', async () => {
  const card = await f.base.openCard({ loadUsdMinor: 5_000 });
  const customer = await stripe.customers.create({ email: 'payer@example.com' });
  const pm = await stripe.paymentMethods.create({
    type: 'card',
    card: { number: card.pan, exp_month: card.expMonth, exp_year: card.expYear, cvc: card.cvv2 },
    billing_details: { address: ADDRESS },
  });
  const setup = await stripe.setupIntents.create({ customer: customer.id, payment_method: pm.id, confirm: true });
  assert.equal(setup.status, 'succeeded');
  const recharge = await stripe.paymentIntents.create({ amount: 1_000, currency: 'usd', customer: customer.id, payment_method: pm.id, off_session: true, confirm: true });
  assert.equal(recharge.status, 'succeeded');
  const onFile = await stripe.paymentIntents.create({ amount: 500, currency: 'usd', customer: customer.id, payment_method: pm.id, confirm: true });
  assert.equal(onFile.status, 'succeeded');
  assert.equal(await f.base.available(card), 3_500);
  // The stored credential is the set-up's authorization, at the issuer approved with the CVV2 matched.
  const [origin] = await f.db.all<{ reason: string; cvv2: string }>(
    `SELECT i.reason, i.cvv2 FROM issuer_authorizations i JOIN acquirer_payment_methods p ON p.stored_credential_network_id = i.request_id WHERE p.id = ?`,
    [pm.id],
  );
  assert.deepEqual({ ...origin }, { reason: 'approved', cvv2: 'pass' });
  // Another merchant's payment method for the same card cannot borrow it.
  const other = await f.addMerchant({ name: 'Other' });
  const otherStripe = f.stripeFor(other.secretKey);
  const borrowed = await otherStripe.paymentMethods.create({ type: 'card', card: { number: card.pan, exp_month: card.expMonth, exp_year: card.expYear } });
  await f.db.run('UPDATE acquirer_payment_methods SET stored_credential_network_id = (SELECT stored_credential_network_id FROM acquirer_payment_methods WHERE id = ?) WHERE id = ?', [pm.id, borrowed.id]);
  const refused = await otherStripe.paymentIntents.create({ amount: 100, currency: 'usd', payment_method: borrowed.id, confirm: true }).catch((error: unknown) => error);
  assert.ok(refused instanceof Stripe.errors.StripeCardError);
  assert.equal(refused.decline_code, 'do_not_honor');
  assert.equal(await f.base.available(card), 3_500);
});

test('a scripted enumeration over the BIN from a merchant key finds nothing and gets blocked; the merchant’s saved cards still pay off-session', async () => {
  const cards = [await f.base.openCard({ loadUsdMinor: 5_000 }), await f.base.openCard({ loadUsdMinor: 5_000 }), await f.base.openCard({ loadUsdMinor: 5_000 })];
  const real = new Set(cards.map((c) => c.pan));
  // A customer who saved a card with its CVC before the attack: the merchant's auto-recharge.
  const saved = cards[2]!;
  const customer = await stripe.customers.create({ email: 'subscriber@example.com' });
  const savedPm = await stripe.paymentMethods.create({
    type: 'card',
    card: { number: saved.pan, exp_month: saved.expMonth, exp_year: saved.expYear, cvc: saved.cvv2 },
    billing_details: { address: ADDRESS },
  });
  await stripe.setupIntents.create({ customer: customer.id, payment_method: savedPm.id, confirm: true });

  // The script walks the numbers next to a card it knows, guessing the expiry and sending no CVC.
  const now = new Date(f.clock.nowMs());
  const guessedExpiry = { expMonth: now.getUTCMonth() + 1, expYear: now.getUTCFullYear() + 3 };
  const walk = neighbours(cards[0]!.pan, MERCHANT_LIMIT + 5, real);
  const answers: string[] = [];
  for (const number of walk) answers.push(await probe(stripe, { number, ...guessedExpiry }));
  assert.deepEqual(answers.slice(0, MERCHANT_LIMIT), Array(MERCHANT_LIMIT).fill('incorrect_number/incorrect_number/14'), 'unknown numbers, until the limit');
  const blocked = 'card_declined/do_not_honor/05';
  assert.deepEqual(answers.slice(MERCHANT_LIMIT), Array(5).fill(blocked), 'then blocked: one generic answer');

  // Blocked, every guess about a live card answers exactly like a number that does not exist — even the right number, expiry and CVC.
  const live: string[] = [];
  for (const card of cards) {
    live.push(await probe(stripe, guessOf(card, guessedExpiry)));
    live.push(await probe(stripe, guessOf(card)));
    live.push(await probe(stripe, guessOf(card, { expMonth: otherMonth(card.expMonth) })));
    live.push(await probe(stripe, guessOf(card, { cvc: card.cvv2 === '000' ? '001' : '000' })));
    live.push(await probe(stripe, guessOf(card, { cvc: card.cvv2 })));
  }
  assert.deepEqual(new Set(live), new Set([blocked]), 'no answer tells a live card from a dead number');
  assert.equal(await probe(stripe, { number: walk[0]!, ...guessedExpiry }), blocked);

  // A card the merchant saved with its CVC checked before still pays off-session on its stored credential.
  const recharge = await stripe.paymentIntents.create({ amount: 1_000, currency: 'usd', customer: customer.id, payment_method: savedPm.id, off_session: true, confirm: true });
  assert.equal(recharge.status, 'succeeded');
  for (const card of cards) assert.equal(await f.base.available(card), card === saved ? 4_000 : 5_000);

  // Another merchant is not blocked; after the cool-down this one is not either.
  const other = await f.addMerchant({ name: 'Honest shop' });
  assert.equal(await probe(f.stripeFor(other.secretKey), { number: walk[0]!, ...guessedExpiry }), 'incorrect_number/incorrect_number/14');
  f.clock.advanceMs(60 * 60 * 1000 + 1);
  assert.equal(await probe(stripe, { number: walk[0]!, ...guessedExpiry }), 'incorrect_number/incorrect_number/14');
});

test('guessing one card’s expiry and CVC from several merchants protects the card: then the right details get the generic answer too', async () => {
  const card = await f.base.openCard({ loadUsdMinor: 5_000 });
  const merchants = [f.stripe, f.stripeFor((await f.addMerchant({ name: 'Second' })).secretKey), f.stripeFor((await f.addMerchant({ name: 'Third' })).secretKey)];
  const wrong: CardGuess[] = [
    guessOf(card, { expMonth: otherMonth(card.expMonth), cvc: card.cvv2 }),
    guessOf(card, { expYear: card.expYear + 1, cvc: card.cvv2 }),
    guessOf(card, { cvc: card.cvv2 === '000' ? '001' : '000' }),
    guessOf(card, { cvc: card.cvv2 === '999' ? '998' : '999' }),
    guessOf(card, { expMonth: otherMonth(otherMonth(card.expMonth)), cvc: card.cvv2 }),
  ];
  assert.equal(wrong.length, CARD_LIMIT);
  const answers: string[] = [];
  for (const [i, guess] of wrong.entries()) answers.push(await probe(merchants[i % merchants.length]!, guess));
  assert.ok(answers.every((a) => a !== 'succeeded' && a !== 'card_declined/do_not_honor/05'), answers.join(', '));
  // The card is protected now: the right details, from any merchant, answer like a wrong guess.
  for (const client of merchants) assert.equal(await probe(client, guessOf(card, { cvc: card.cvv2 })), 'card_declined/do_not_honor/05');
  const fresh = f.stripeFor((await f.addMerchant({ name: 'Fourth' })).secretKey);
  assert.equal(await probe(fresh, guessOf(card, { cvc: card.cvv2 })), 'card_declined/do_not_honor/05');
  // A day later the cardholder can use it again.
  f.clock.advanceMs(24 * 60 * 60 * 1000 + 1);
  assert.equal(await probe(fresh, guessOf(card, { cvc: card.cvv2 })), 'succeeded');
});
