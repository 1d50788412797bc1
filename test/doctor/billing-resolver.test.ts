import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BLOCK_PREPAID_ON_CUSTOMER_INITIATED } from '../../src/acquirer/risk/presets.ts';
import type { BillingAttemptResolution, BillingAttemptResolver } from '../../src/doctor/billing-resolver.ts';
import { BILLING_ATTEMPT_RESOLVERS, doctorPorts } from '../../src/app/doctor.ts';
import { Doctor } from '../../src/doctor/doctor.ts';
import { doctorFixture } from './doctor-fixture.ts';

// The extension point merchant billing plugs into: a billing attempt id is
// followed into the acquirer object it led to, with billing's own context.
// Billing's real resolver is passed in by whoever builds the doctor; this test
// states the contract with a resolver over a table of its own.

test('a billing attempt id is traced through the acquirer object it led to, with billing context scoped per view', async () => {
  const f = await doctorFixture();
  try {
    await f.addRule(BLOCK_PREPAID_ON_CUSTOMER_INITIATED);
    const card = await f.base.openCard({ loadUsdMinor: 5000 });
    const customer = await f.stripe.customers.create({ email: 'li.lei@example.com' });
    const pm = await f.paymentMethod(card);
    await f.stripe.setupIntents.create({ customer: customer.id, payment_method: pm.id, confirm: true });
    const pi = await f.stripe.paymentIntents.create({ amount: 2000, currency: 'usd', customer: customer.id, payment_method: pm.id });
    await f.declineOf(f.stripe.paymentIntents.confirm(pi.id));

    const attempts = new Map<string, BillingAttemptResolution>([
      [
        'cpur_TEST000001',
        {
          attemptId: 'cpur_TEST000001',
          kind: 'credit_purchase',
          // No merchant id: the doctor takes the payment intent's.
          acquirerObjectId: pi.id,
          createdAtMs: f.clock.nowMs(),
          rechargeMinimum: { minor: 1000, currency: 'usd' },
          context: [
            { code: 'purchase_minimum', text: { en: 'Credit purchases are $5 to $1,000.', 'zh-CN': '单次购买额度为 5 至 1000 美元。' }, customerVisible: true },
            { code: 'organization', text: { en: 'Organization org_TEST', 'zh-CN': '组织 org_TEST' }, customerVisible: false },
          ],
        },
      ],
      [
        'rch_TEST000001',
        {
          attemptId: 'rch_TEST000001',
          kind: 'auto_recharge',
          merchantId: f.merchant.merchant.id,
          acquirerObjectId: null,
          createdAtMs: f.clock.nowMs(),
          context: [{ code: 'monthly_limit_reached', text: { en: 'The monthly recharge limit is reached.', 'zh-CN': '已达到每月充值上限。' }, customerVisible: true }],
        },
      ],
    ]);
    attempts.set('bpa_OUTSIDE0001', {
      attemptId: 'bpa_OUTSIDE0001',
      kind: 'purchase',
      merchantId: null,
      acquirerObjectId: 'pi_ATREALSTRIPE0001',
      createdAtMs: f.clock.nowMs(),
      context: [],
    });
    const resolver: BillingAttemptResolver = {
      name: 'test-billing',
      handles: (id) => id.startsWith('cpur_') || id.startsWith('rch_') || id.startsWith('bpa_'),
      resolve: async (_sql, id) => attempts.get(id),
    };
    const doctor = new Doctor({ db: f.db, ...doctorPorts(f.db), billingResolvers: [resolver] });

    const merchant = await doctor.trace('cpur_TEST000001', { view: 'merchant', merchantId: f.merchant.merchant.id }, 'en');
    assert.deepEqual(merchant.subject, { kind: 'billing_attempt', id: 'cpur_TEST000001' });
    assert.deepEqual(merchant.billing?.lines.map((l) => l.code), ['purchase_minimum', 'organization']);
    const attempt = merchant.attempts.at(-1)!;
    assert.deepEqual(attempt.hops.map((h) => `${h.party}/${h.status}`), ['billing/requested', 'acquirer/blocked', 'network/not_reached', 'issuer/not_reached']);
    assert.equal(attempt.verdict.reason, 'rule_card_funding');
    assert.equal(attempt.seed_remedy.keep_on_card?.amount, 1000 + ('cardVerificationAmountMinor' in f.merchant.merchant ? f.merchant.merchant.cardVerificationAmountMinor as number : 0), "billing's recharge minimum");

    const holder = await doctor.trace('cpur_TEST000001', { view: 'cardholder', cardholderId: card.cardholderId }, 'zh-CN');
    assert.deepEqual(holder.billing?.lines.map((l) => l.text), ['单次购买额度为 5 至 1000 美元。'], "only lines the paying customer may read");

    const refused = await doctor.trace('rch_TEST000001', { view: 'operator' }, 'en');
    assert.deepEqual([refused.attempts.length, refused.summary], [0, 'Billing did not send this attempt to the payment processor.']);
    const other = await f.addMerchant({ name: 'Other' });
    await assert.rejects(doctor.trace('rch_TEST000001', { view: 'merchant', merchantId: other.merchant.id }, 'en'), (e: any) => e.code === 'resource_missing');
    await assert.rejects(doctor.trace('rch_TEST000001', { view: 'cardholder', cardholderId: card.cardholderId }, 'en'), (e: any) => e.code === 'resource_missing');
    const outside = await doctor.trace('bpa_OUTSIDE0001', { view: 'operator' }, 'en');
    assert.match(outside.summary, /as pi_ATREALSTRIPE0001, whose records are not in this Cardlane/);
    assert.ok(Array.isArray(BILLING_ATTEMPT_RESOLVERS), 'the list billing adds its resolver to');
  } finally {
    await f.close();
  }
});
