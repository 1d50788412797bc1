import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import Stripe from 'stripe';
import { acquirerEndpoints } from '../../src/acquirer/acquirer-endpoints.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';
import { cardFixture, type CardFixture, type OpenedCard } from '../support/card-fixture.ts';
import { testPaymentNetwork } from '../support/payment-network.ts';

// Risk rules scoped by the payment's own metadata or description, as Radar
// rules can be (`::product:: = 'plus'`): the seed's merchant refuses prepaid
// cards on customer-initiated purchases — except its Plus subscription.

let f: AcquirerFixture & { base: CardFixture };
beforeEach(async () => {
  const base = await cardFixture();
  f = await acquirerFixture({ base, endpoints: acquirerEndpoints, network: (b) => testPaymentNetwork(b, b.issuer) });
});
afterEach(async () => {
  await f.base.assertConsistent();
  await f.close();
});

async function api(method: 'GET' | 'POST', path: string, form?: Record<string, string>): Promise<{ status: number; body: any }> {
  const response = await fetch(`${f.url}/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${f.merchant.secretKey}`, ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    ...(form ? { body: new URLSearchParams(form).toString() } : {}),
  });
  return { status: response.status, body: await response.json() };
}

const BLOCK_PREPAID_CIT = { action: 'block', 'condition[kind]': 'card_funding', 'condition[in][0]': 'prepaid', applies_to: 'customer_initiated', purpose: 'purchase' };

async function pay(card: OpenedCard, extra: Stripe.PaymentIntentCreateParams extends infer P ? Partial<P> : never): Promise<Stripe.PaymentIntent | Stripe.errors.StripeCardError> {
  const pm = await f.stripe.paymentMethods.create({
    type: 'card',
    card: { number: card.pan, exp_month: card.expMonth, exp_year: card.expYear, cvc: card.cvv2 },
    billing_details: { name: 'Li Lei', address: { line1: '548 Market St', postal_code: '94104', country: 'US' } },
  });
  try {
    return await f.stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method: pm.id, confirm: true, ...extra });
  } catch (error) {
    if (error instanceof Stripe.errors.StripeCardError) return error;
    throw error;
  }
}

test('except_when[metadata][product]=plus: a prepaid card pays for Plus by hand, and is still refused for anything else', async () => {
  const created = await api('POST', '/risk_rules', { ...BLOCK_PREPAID_CIT, 'except_when[metadata][product]': 'plus' });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  assert.deepEqual(created.body.except_when, { metadata: { product: 'plus' } });
  assert.equal(created.body.only_when, null);
  assert.equal(created.body.predicate, ":card_funding: = 'prepaid' and :is_off_session: = false and :purpose: = 'purchase' and not (::product:: = 'plus')");
  assert.equal(created.body.summary, 'Block prepaid cards on customer-initiated purchases (except payments with metadata product = “plus”)');
  assert.deepEqual(created.body.scope_summary, { en: 'except payments with metadata product = “plus”', 'zh-CN': '元数据中 product 为“plus”的付款除外' });

  const card = await f.base.openCard({ loadUsdMinor: 10_000 });
  const plus = await pay(card, { metadata: { product: 'plus' }, description: 'ChatGPT Plus' });
  assert.ok(!(plus instanceof Error), `Plus was refused: ${String(plus)}`);
  assert.equal(plus.status, 'succeeded');

  const credits = await pay(card, { metadata: { product: 'credits' } });
  assert.ok(credits instanceof Stripe.errors.StripeCardError);
  assert.equal(credits.decline_code, 'card_not_supported');
  const none = await pay(card, {});
  assert.ok(none instanceof Stripe.errors.StripeCardError, 'no metadata: the rule applies');
  assert.equal(await f.base.available(card), 8_000, 'only Plus was charged');
});

test('only_when[description_contains]: the rule looks only at payments whose description says so, in any case', async () => {
  const created = await api('POST', '/risk_rules', { ...BLOCK_PREPAID_CIT, 'only_when[description_contains]': 'gift card' });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  assert.match(created.body.predicate, /and :description: contains 'gift card'$/);
  assert.equal(created.body.scope_summary['zh-CN'], '只看描述包含“gift card”的付款');

  const card = await f.base.openCard({ loadUsdMinor: 10_000 });
  const gift = await pay(card, { description: 'A GIFT CARD for a friend' });
  assert.ok(gift instanceof Stripe.errors.StripeCardError);
  assert.equal(gift.decline_code, 'card_not_supported');
  const ordinary = await pay(card, { description: 'API credits' });
  assert.ok(!(ordinary instanceof Error));
  assert.equal(ordinary.status, 'succeeded');
});

test('a bad payment scope is refused with 400 and the parameter at fault, and no rule is stored', async () => {
  const before = (await api('GET', '/risk_rules')).body.data.length;
  for (const [form, param] of [
    [{ 'except_when[metadata]': '' }, 'except_when[metadata]'],
    [{ 'except_when[metadata][product]': '' }, 'except_when[metadata][product]'],
    [{ 'only_when[description_contains]': ' ' }, 'only_when[description_contains]'],
    [{ 'only_when[description_contains]': 'x'.repeat(201) }, 'only_when[description_contains]'],
    [{ 'except_when[customer]': 'cus_1' }, 'except_when[customer]'],
    [{ 'except_when[metadata][k]': 'v'.repeat(501) }, 'except_when[metadata][k]'],
  ] as const) {
    const refused = await api('POST', '/risk_rules', { ...BLOCK_PREPAID_CIT, ...form });
    assert.equal(refused.status, 400, JSON.stringify(form));
    assert.equal(refused.body.error.param, param, JSON.stringify(refused.body.error));
  }
  assert.equal((await api('GET', '/risk_rules')).body.data.length, before);
});
