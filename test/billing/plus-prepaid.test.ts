import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { BILLING_ATTEMPT_RESOLVERS, doctorPorts } from '../../src/app/doctor.ts';
import { listAttempts } from '../../src/billing/payments/payment-attempts.ts';
import { Doctor } from '../../src/doctor/doctor.ts';
import { listCardAuthorizations } from '../../src/issuer/authorization/records.ts';
import { billingPaymentsFixture, type BillingPaymentsFixture } from './payments-fixture.ts';

// Issue 16, item 5: ChatGPT Plus on the seed's prepaid card. The demo
// merchant refuses prepaid cards on customer-initiated purchases except its
// Plus subscription (`except_when[metadata][product]=plus`); billing tags
// every Plus payment `metadata[product]=plus`. So the card starts Plus by
// hand, is still refused for credits by hand, pays Plus for four accounts
// (the issuer's limit per merchant), not a fifth, and renews off-session.

let b: BillingPaymentsFixture;
beforeEach(async () => {
  b = await billingPaymentsFixture({ seedRule: 'demo' });
});
afterEach(async () => {
  await b.cards.assertConsistent();
  await b.close();
});

const DAY = 86_400_000;

test("a prepaid Cardlane card subscribes to Plus past the demo merchant's prepaid rule, is refused credits by hand, pays for four accounts but not a fifth, and renews merchant-initiated", async () => {
  const { card } = await b.cardlaneCard(17_000);
  const tokenize = async () =>
    (
      await b.tokenizer.paymentMethods.create({
        type: 'card',
        card: { number: card.pan, exp_month: card.expMonth, exp_year: card.expYear, cvc: card.cvv2 },
        billing_details: { name: 'Li Lei', address: { line1: '548 Market St', postal_code: '94104', country: 'US' } },
      })
    ).id;

  const accounts: Array<{ orgId: string; apiKey: string; pm: string; subId: string; end: string }> = [];
  for (let n = 1; n <= 4; n++) {
    const { orgId, apiKey } = await b.newOrg(`Account ${n}`);
    const pm = await tokenize();
    assert.equal((await b.api(apiKey, 'POST', '/payment_methods', { payment_method: pm })).status, 201, `account ${n} adds the card`);
    await b.api(apiKey, 'POST', `/payment_methods/${pm}/default`);
    const sub = await b.api(apiKey, 'POST', '/subscriptions', { plan: 'plus' });
    assert.equal(sub.status, 201, `account ${n}: ${JSON.stringify(sub.body)}`);
    assert.equal(sub.body.status, 'active', 'the first, customer-initiated payment passed the scoped rule');
    accounts.push({ orgId, apiKey, pm, subId: sub.body.id, end: sub.body.current_period_end });
  }
  const [first] = await listAttempts(b.f.db, accounts[0]!.orgId, { limit: 1, kind: 'subscription' });
  assert.deepEqual([first?.initiator, first?.status, first?.amountMinor], ['customer', 'succeeded', 2000]);
  const intent = await b.f.stripe.paymentIntents.retrieve(first!.providerIntentId!);
  assert.equal(intent.metadata.product, 'plus', 'billing tags Plus payments for the rule');
  assert.equal(await b.cards.available(card), 17_000 - 4 * 2000);

  // The same card buying credits by hand is still refused by the prepaid rule, before the network.
  const purchase = await b.api(accounts[0]!.apiKey, 'POST', '/credit_purchases', { amount: 1000, payment_method: accounts[0]!.pm });
  assert.equal(purchase.status, 402, JSON.stringify(purchase.body));
  const [refusedPurchase] = await listAttempts(b.f.db, accounts[0]!.orgId, { limit: 1, kind: 'purchase' });
  assert.equal(refusedPurchase?.status, 'failed');
  const doctor = new Doctor({ db: b.f.db, ...doctorPorts(b.f.db), billingResolvers: BILLING_ATTEMPT_RESOLVERS, rechargeMinimumMinor: 1000 });
  const purchaseTrace = await doctor.trace(refusedPurchase!.id, { view: 'operator' }, 'en');
  assert.deepEqual([purchaseTrace.attempts.at(-1)!.reached_issuer, purchaseTrace.attempts.at(-1)!.verdict.decided_by], [false, 'acquirer_rule']);
  assert.equal(await b.cards.available(card), 17_000 - 4 * 2000, 'the refused purchase held nothing');

  // A fifth account: the issuer's 4-accounts-per-merchant rule declines its card verification (ISO 57).
  const fifth = await b.newOrg('Account 5');
  const added = await b.api(fifth.apiKey, 'POST', '/payment_methods', { payment_method: await tokenize() });
  assert.equal(added.status, 402);
  assert.equal(added.body.error.payment.failure.network_decline_code, '57');
  const [issuerSide] = await listCardAuthorizations(b.f.db, card.cardId, { limit: 1 });
  assert.deepEqual([issuerSide?.approved, issuerSide?.reason, issuerSide?.checks.merchant_accounts_known], [false, 'merchant_account_limit', 4]);
  const [verification] = await listAttempts(b.f.db, fifth.orgId, { limit: 1, kind: 'verification' });
  const en = (await doctor.trace(verification!.id, { view: 'operator' }, 'en')).attempts.at(-1)!;
  assert.deepEqual([en.reached_issuer, en.verdict.iso_code], [true, '57']);
  assert.match(JSON.stringify(en.verdict), /Too many accounts at this merchant on one card/);
  const zh = (await doctor.trace(verification!.id, { view: 'merchant', merchantId: b.f.merchant.merchant.id }, 'zh-CN')).attempts.at(-1)!;
  assert.match(JSON.stringify(zh.verdict), /此卡在该商户绑定的账户已达上限/);
  assert.deepEqual((await b.api(fifth.apiKey, 'POST', '/subscriptions', { plan: 'plus' })).body.error.code, 'payment_method_required');

  // A month later the four subscriptions renew: merchant-initiated, so the prepaid rule does not look at them.
  b.f.clock.advanceMs(32 * DAY);
  assert.deepEqual(await b.billing.subscriptions.runDue(), { charged: 4, renewed: 4, failed: 0, skipped: 0, ended: 0, expired: 0 });
  for (const { orgId, apiKey, subId, end } of accounts) {
    const now = (await b.api(apiKey, 'GET', `/subscriptions/${subId}`)).body;
    assert.deepEqual([now.status, now.current_period_start], ['active', end]);
    const [renewal] = await listAttempts(b.f.db, orgId, { limit: 1, kind: 'subscription' });
    assert.deepEqual([renewal?.initiator, renewal?.status], ['merchant', 'succeeded']);
  }
  assert.equal(await b.cards.available(card), 17_000 - 8 * 2000);
});

test('with the seed\'s unscoped rule, the same prepaid card cannot start Plus (the bug the exemption fixes)', async () => {
  await b.close();
  b = await billingPaymentsFixture();
  const { pmId } = await b.cardlaneCard(5_000);
  const { apiKey } = await b.orgWithDefaultCard(pmId);
  const sub = await b.api(apiKey, 'POST', '/subscriptions', { plan: 'plus' });
  assert.notEqual(sub.body.status, 'active', JSON.stringify(sub.body));
});
