import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { listAttempts } from '../../src/billing/payments/payment-attempts.ts';
import { findProviderCustomerId } from '../../src/billing/payments/provider-customers.ts';
import { listCardAuthorizations } from '../../src/issuer/authorization/records.ts';
import { billingPaymentsFixture, type BillingPaymentsFixture } from './payments-fixture.ts';

// The seed: "each card can pay for 4 ChatGPT accounts". Cardlane's issuer
// allows at most 4 distinct customer accounts of one merchant per card; each
// billing organization is its own customer at the acquirer. This merchant
// has no rule against prepaid cards, so a subscription's first,
// customer-initiated payment reaches the issuer.

let b: BillingPaymentsFixture;
beforeEach(async () => {
  b = await billingPaymentsFixture({ seedRule: false });
});
afterEach(async () => {
  await b.cards.assertConsistent();
  await b.close();
});

const DAY = 86_400_000;

test("one Cardlane card pays Plus for four organizations, renewals included; the fifth is declined by the issuer's per-merchant account limit (57) already when it adds the card", async () => {
  const { card } = await b.cardlaneCard(17_000);
  // Each organization's billing page tokenizes the same card number for itself.
  const tokenize = async () =>
    (
      await b.tokenizer.paymentMethods.create({
        type: 'card',
        card: { number: card.pan, exp_month: card.expMonth, exp_year: card.expYear, cvc: card.cvv2 },
        billing_details: { name: 'Li Lei', address: { line1: '548 Market St', postal_code: '94104', country: 'US' } },
      })
    ).id;

  const subscribed: Array<{ apiKey: string; subId: string; end: string }> = [];
  for (let n = 1; n <= 4; n++) {
    const { apiKey } = await b.newOrg(`Account ${n}`);
    const pm = await tokenize();
    assert.equal((await b.api(apiKey, 'POST', '/payment_methods', { payment_method: pm })).status, 201, `account ${n} adds the card`);
    await b.api(apiKey, 'POST', `/payment_methods/${pm}/default`);
    const sub = await b.api(apiKey, 'POST', '/subscriptions', { plan: 'plus' });
    assert.equal(sub.status, 201, `account ${n}: ${JSON.stringify(sub.body)}`);
    assert.equal(sub.body.status, 'active');
    subscribed.push({ apiKey, subId: sub.body.id, end: sub.body.current_period_end });
  }
  assert.equal(await b.cards.available(card), 17_000 - 4 * 2000);

  const fifth = await b.newOrg('Account 5');
  const pm = await tokenize();
  const added = await b.api(fifth.apiKey, 'POST', '/payment_methods', { payment_method: pm });
  assert.equal(added.status, 402, 'the verification authorization carries the fifth customer reference');
  assert.equal(added.body.error.code, 'card_declined');
  // The merchant sees ISO 57 as Stripe shows it ("transaction not allowed"); the issuer's own record names the rule.
  assert.equal(added.body.error.decline_code, 'transaction_not_allowed');
  assert.equal(added.body.error.payment.failure.network_decline_code, '57');
  const [verification] = await listAttempts(b.f.db, fifth.orgId, { limit: 5 });
  assert.deepEqual([verification?.kind, verification?.status, verification?.failureClass], ['verification', 'failed', 'hard'], 'the decline is recorded');
  assert.deepEqual([verification?.failure?.decline_code, verification?.failure?.network_decline_code], ['transaction_not_allowed', '57']);
  const [issuerSide] = await listCardAuthorizations(b.f.db, card.cardId, { limit: 1 });
  assert.deepEqual([issuerSide?.approved, issuerSide?.responseCode, issuerSide?.reason], [false, '57', 'merchant_account_limit']);
  assert.equal(issuerSide?.merchantCustomerRef, await findProviderCustomerId(b.f.db, fifth.orgId), "the fifth organization's customer at the acquirer");
  assert.equal(issuerSide?.checks.merchant_accounts_known, 4);
  const refused = await b.api(fifth.apiKey, 'POST', '/subscriptions', { plan: 'plus' });
  assert.deepEqual([refused.status, refused.body.error.code], [400, 'payment_method_required'], 'no card, no subscription');
  assert.deepEqual((await b.api(fifth.apiKey, 'GET', '/subscriptions')).body.data, []);
  assert.equal(await b.cards.available(card), 17_000 - 4 * 2000, 'the declined verification held nothing');

  // The four known accounts keep renewing on the card, merchant-initiated.
  b.f.clock.advanceMs(32 * DAY);
  assert.deepEqual(await b.billing.subscriptions.runDue(), { charged: 4, renewed: 4, failed: 0, skipped: 0, ended: 0, expired: 0 });
  for (const { apiKey, subId, end } of subscribed) {
    const now = (await b.api(apiKey, 'GET', `/subscriptions/${subId}`)).body;
    assert.deepEqual([now.status, now.current_period_start], ['active', end]);
  }
  assert.equal(await b.cards.available(card), 17_000 - 8 * 2000);
});
