import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import Stripe from 'stripe';
import { acquirerEndpoints } from '../../src/acquirer/acquirer-endpoints.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';
import { cardFixture, type CardFixture, type OpenedCard } from '../support/card-fixture.ts';
import { testPaymentNetwork } from '../support/payment-network.ts';

// Issue 16, name checks: the acquirer sends billing_details.name in the network message, Cardlane's issuer
// compares it with the name on the card and answers match / partial_match / no_match (Visa ANI), and the
// charge carries it in payment_method_details.card.checks.name_check. The issuer never declines on it.

let f: AcquirerFixture & { base: CardFixture };
beforeEach(async () => {
  const base = await cardFixture();
  f = await acquirerFixture({ base, endpoints: acquirerEndpoints, network: (b) => testPaymentNetwork(b, b.issuer) });
});
afterEach(async () => {
  await f.base.assertConsistent();
  await f.close();
});

const PROGRAM_ADDRESS = { line1: '548 Market St', postal_code: '94104', country: 'US' };

async function pay(card: OpenedCard, name: string | null): Promise<Stripe.Charge> {
  const pm = await f.stripe.paymentMethods.create({
    type: 'card',
    card: { number: card.pan, exp_month: card.expMonth, exp_year: card.expYear, cvc: card.cvv2 },
    billing_details: { ...(name === null ? {} : { name }), address: PROGRAM_ADDRESS },
  });
  const pi = await f.stripe.paymentIntents.create({ amount: 100, currency: 'usd', payment_method: pm.id, confirm: true, expand: ['latest_charge'] });
  assert.equal(pi.status, 'succeeded', 'the issuer answers the name check; it does not decline on it');
  return pi.latest_charge as Stripe.Charge;
}

const nameCheckOf = (charge: Stripe.Charge) => (charge.payment_method_details?.card?.checks as Record<string, unknown> | undefined)?.name_check;

test('match, partial_match and no_match from the name on the card; no name sent, no check', async () => {
  const card = await f.base.openCard({ loadUsdMinor: 5_000 });
  const onCard = card.card.cardholderName;
  const words = onCard.split(/\s+/);
  assert.ok(words.length >= 2, `the fixture's card has a full name: ${onCard}`);
  // Case, spacing and word order do not matter.
  assert.equal(nameCheckOf(await pay(card, `  ${[...words].reverse().join('   ').toLowerCase()} `)), 'match');
  assert.equal(nameCheckOf(await pay(card, `${words[0]} Someone`)), 'partial_match');
  assert.equal(nameCheckOf(await pay(card, 'Zhang San')), 'no_match');
  assert.equal(nameCheckOf(await pay(card, null)), undefined);
});

test('a billing address in "UK" is refused, naming GB, on a payment method and on a token; GB and no country pass', async () => {
  const card = await f.base.openCard({ loadUsdMinor: 5_000 });
  const details = { number: card.pan, exp_month: card.expMonth, exp_year: card.expYear, cvc: card.cvv2 };
  const refusedAs = (param: string) => (error: any) => {
    assert.equal(error.statusCode, 400);
    assert.deepEqual([error.code, error.param], ['parameter_invalid', param]);
    assert.match(error.message, /"UK" is not an ISO 3166-1 alpha-2 country code: use GB \(United Kingdom\)/);
    return true;
  };
  await assert.rejects(
    f.stripe.paymentMethods.create({ type: 'card', card: details, billing_details: { address: { ...PROGRAM_ADDRESS, country: 'UK' } } }),
    refusedAs('billing_details[address][country]'),
  );
  await assert.rejects(f.stripe.tokens.create({ card: { ...details, exp_month: String(card.expMonth), exp_year: String(card.expYear), address_country: 'UK' } }), refusedAs('card[address_country]'));
  const gb = await f.stripe.paymentMethods.create({ type: 'card', card: details, billing_details: { address: { line1: '1 Dorset St', country: 'gb' } } });
  assert.equal(gb.billing_details.address?.country, 'GB');
  const none = await f.stripe.paymentMethods.create({ type: 'card', card: details, billing_details: { name: 'Ada' } });
  assert.equal(none.billing_details.address?.country, null);
});
