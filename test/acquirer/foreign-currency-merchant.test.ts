import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import Stripe from 'stripe';
import { acquirerEndpoints } from '../../src/acquirer/acquirer-endpoints.ts';
import { BILLING_ATTEMPT_RESOLVERS, doctorPorts } from '../../src/app/doctor.ts';
import { entryForDecision } from '../../src/doctor/catalogue.ts';
import { Doctor } from '../../src/doctor/doctor.ts';
import { renderTrace } from '../../src/doctor/render-text.ts';
import { listNetworkMessagesFor } from '../../src/network/network-records.ts';
import type { IssuerFx } from '../../src/issuer/authorization/foreign-exchange.ts';
import { cardStatement } from '../../src/issuer/cards/statement.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';
import { cardFixture, type CardFixture, type OpenedCard } from '../support/card-fixture.ts';
import { testPaymentNetwork } from '../support/payment-network.ts';

// Issue 16: a USD Cardlane card pays a "Claude"-like merchant in GBP through the official SDK → the
// acquirer → the card network → the issuer, which converts at its configured rate plus the
// cross-border fee; captures and refunds go back at the authorization's rate.

const FX: IssuerFx = { ratesToUsd: { GBP: '1.27', EUR: '1.08', JPY: '0.0067' }, crossBorderFeeBps: 100 };

let f: AcquirerFixture & { base: CardFixture };
beforeEach(async () => {
  const base = await cardFixture({ fx: FX });
  f = await acquirerFixture({ base, endpoints: acquirerEndpoints, network: (b) => testPaymentNetwork(b, b.issuer) });
});
afterEach(async () => {
  await f.base.assertConsistent();
  await f.close();
});

const PROGRAM_ADDRESS = { line1: '548 Market St', postal_code: '94104', country: 'US' };

async function newMerchantStripe(input: { name: string; country: string; mcc: string; defaultCurrency: string }): Promise<Stripe> {
  const created = await f.addMerchant(input);
  assert.equal(created.merchant.defaultCurrency, input.defaultCurrency);
  return f.stripeFor(created.secretKey);
}

function paymentMethod(stripe: Stripe, card: OpenedCard) {
  return stripe.paymentMethods.create({
    type: 'card',
    card: { number: card.pan, exp_month: card.expMonth, exp_year: card.expYear, cvc: card.cvv2 },
    billing_details: { name: 'Li Lei', address: PROGRAM_ADDRESS },
  });
}

test('a new GBP merchant takes £20.00 from a USD card at once: $25.40 + $0.25 fee held, captured, refunded to the cent', async () => {
  const claudeMerchant = await f.addMerchant({ name: 'Claude.ai', country: 'GB', mcc: '5734', defaultCurrency: 'gbp' });
  const claude = f.stripeFor(claudeMerchant.secretKey);
  const card = await f.base.openCard({ loadUsdMinor: 5_000 });
  const pm = await paymentMethod(claude, card);
  const pi = await claude.paymentIntents.create({ amount: 2_000, currency: 'gbp', payment_method: pm.id, confirm: true, capture_method: 'manual' });
  assert.equal(pi.status, 'requires_capture');
  assert.equal(pi.currency, 'gbp');
  assert.equal(await f.base.available(card), 5_000 - 2_565, 'held in USD: £20 × 1.27 + 1 % fee');

  // The network's authorization message: fields 4/49 the transaction (£20.00), fields 6/51 what the USD card is billed ($25.65).
  const chargeId = pi.latest_charge as string;
  const [message] = await listNetworkMessagesFor(f.base.db, chargeId);
  assert.deepEqual([message?.type, message?.amount, message?.cardholderBilling], ['authorization', { minor: 2_000, currency: 'GBP' }, { minor: 2_565, currency: 'USD' }]);
  // The operator's trace shows them on the network hop; the merchant's view does not (the conversion is the issuer's business).
  const doctor = new Doctor({ db: f.base.db, ...doctorPorts(f.base.db), billingResolvers: BILLING_ATTEMPT_RESOLVERS, rechargeMinimumMinor: 1000 });
  const operator = await doctor.trace(pi.id, { view: 'operator' }, 'en');
  const networkHop = operator.attempts.at(-1)!.hops.find((h) => h.party === 'network')!;
  assert.deepEqual(networkHop.iso_fields, { '4': 2_000, '49': 'GBP', '6': 2_565, '51': 'USD' });
  assert.match(renderTrace(operator), /ISO fields 4\/49 GBP 20\.00 · 6\/51 USD 25\.65 \(billed to the card\)/);
  assert.match(renderTrace(await doctor.trace(pi.id, { view: 'operator' }, 'zh-CN')), /ISO 字段 4\/49 GBP 20\.00 · 6\/51 USD 25\.65（按卡片币种扣款）/);
  const merchantView = await doctor.trace(pi.id, { view: 'merchant', merchantId: claudeMerchant.merchant.id }, 'en');
  assert.equal(merchantView.attempts.at(-1)!.hops.find((h) => h.party === 'network')!.iso_fields, undefined);

  // A partial capture in GBP: the rest is released at the same rate.
  const captured = await claude.paymentIntents.capture(pi.id, { amount_to_capture: 1_500, expand: ['latest_charge'] });
  assert.equal(captured.status, 'succeeded');
  assert.equal((captured.latest_charge as Stripe.Charge).amount_captured, 1_500);
  // £15.00 = $19.05 + $0.19 fee.
  assert.equal(await f.base.available(card), 5_000 - 1_924);

  const page = await cardStatement(f.base.ledger, f.base.db, { cardholderId: card.cardholderId, cardId: card.cardId, limit: 50, after: null });
  const line = page.lines.find((l) => l.type === 'authorization')!;
  assert.deepEqual(line.requested, { minor: 2_000, currency: 'GBP' });
  assert.deepEqual(line.exchange, { rate: '1.27', feeBps: 100, convertedUsdMinor: 2_540, feeUsdMinor: 25 });

  const refund = await claude.refunds.create({ payment_intent: pi.id });
  assert.equal(refund.status, 'succeeded');
  assert.equal(refund.currency, 'gbp');
  assert.equal(await f.base.available(card), 5_000, 'the round trip neither made nor lost a cent');
});

test('an app-store-like merchant in JPY (no decimals) and a EUR merchant are paid by the same USD card', async () => {
  const card = await f.base.openCard({ loadUsdMinor: 5_000 });
  const store = await newMerchantStripe({ name: 'App Store JP', country: 'JP', mcc: '5818', defaultCurrency: 'jpy' });
  const yen = await store.paymentIntents.create({ amount: 1_500, currency: 'jpy', payment_method: (await paymentMethod(store, card)).id, confirm: true });
  assert.equal(yen.status, 'succeeded');
  assert.equal(await f.base.available(card), 5_000 - 1_015, '¥1,500 × 0.0067 = $10.05 + $0.10 fee');
  const poe = await newMerchantStripe({ name: 'Poe EU', country: 'IE', mcc: '5734', defaultCurrency: 'eur' });
  const euro = await poe.paymentIntents.create({ amount: 1_000, currency: 'eur', payment_method: (await paymentMethod(poe, card)).id, confirm: true });
  assert.equal(euro.status, 'succeeded');
  assert.equal(await f.base.available(card), 5_000 - 1_015 - 1_091, '€10 × 1.08 = $10.80 + $0.11 fee');
});

test('a currency without a rate is declined 57 currency_not_supported; the doctor explains it in English and Chinese', async () => {
  const swiss = await newMerchantStripe({ name: 'Swiss Tools', country: 'CH', mcc: '5734', defaultCurrency: 'chf' });
  const card = await f.base.openCard({ loadUsdMinor: 5_000 });
  const pm = await paymentMethod(swiss, card);
  await assert.rejects(swiss.paymentIntents.create({ amount: 1_000, currency: 'chf', payment_method: pm.id, confirm: true }), (error: any) => {
    assert.ok(error instanceof Stripe.errors.StripeCardError);
    assert.equal(error.decline_code, 'currency_not_supported');
    assert.equal((error.raw as { network_decline_code?: string }).network_decline_code, '57');
    return true;
  });
  assert.equal(await f.base.available(card), 5_000, 'nothing held');
  const verdict = entryForDecision('issuer', 'currency_not_supported');
  assert.equal(verdict.isoCode, '57');
  assert.match(verdict.text.en.explanation, /no exchange rate/);
  assert.match(verdict.text['zh-CN'].explanation, /汇率/);
});
