import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { listAttempts } from '../../src/billing/payments/payment-attempts.ts';
import { Doctor } from '../../src/doctor/doctor.ts';
import { BILLING_ATTEMPT_RESOLVERS, doctorPorts } from '../../src/app/doctor.ts';
import { billingPaymentsFixture, type BillingPaymentsFixture } from './payments-fixture.ts';

// The doctor follows a billing payment id (bpa_…) across billing → acquirer →
// network → issuer, with billing's own context on top.

let b: BillingPaymentsFixture;
beforeEach(async () => {
  b = await billingPaymentsFixture();
});
afterEach(async () => {
  await b.cards.assertConsistent();
  await b.close();
});

test("a credit purchase blocked by the seed's rule: the doctor names the rule, says no authorization reached the issuer, and recommends the seed's remedy", async () => {
  const { orgId, apiKey } = await b.newOrg();
  const { pmId } = await b.cardlaneCard(1500);
  await b.api(apiKey, 'POST', '/payment_methods', { payment_method: pmId });
  await b.api(apiKey, 'POST', '/credit_purchases', { amount: 1000, payment_method: pmId });
  const [purchase] = await listAttempts(b.f.db, orgId, { limit: 1, kind: 'purchase' });
  assert.ok(purchase);

  const doctor = new Doctor({ db: b.f.db, ...doctorPorts(b.f.db), billingResolvers: BILLING_ATTEMPT_RESOLVERS, rechargeMinimumMinor: 1000 });
  const trace = await doctor.trace(purchase.id, { view: 'operator' }, 'en');
  assert.equal(trace.billing?.kind, 'credit_purchase');
  assert.match(trace.billing!.lines[0]!.text, /A payment of \$10\.00 for buying credits, started by the customer/);
  const attempt = trace.attempts.at(-1)!;
  assert.equal(attempt.reached_issuer, false);
  assert.equal(attempt.verdict.decided_by, 'acquirer_rule');
  assert.equal(attempt.verdict.seed_cause, 'card_type');
  assert.equal(attempt.seed_remedy.recommended, true);
  assert.equal(attempt.seed_remedy.keep_on_card?.amount, 1500, 'the recharge minimum plus the $5 verification hold');

  const zh = await doctor.trace(purchase.id, { view: 'merchant', merchantId: b.f.merchant.merchant.id }, 'zh-CN');
  assert.match(zh.billing!.lines[0]!.text, /购买额度/);
  assert.ok(zh.attempts.at(-1)!.verdict.rule, 'the merchant sees its own rule');
});

test('a card that cannot cover the verification hold: the doctor traces the add-card attempt to insufficient funds at the issuer', async () => {
  const { orgId, apiKey } = await b.newOrg();
  const { pmId } = await b.cardlaneCard(300);
  await b.api(apiKey, 'POST', '/payment_methods', { payment_method: pmId });
  const [verification] = await listAttempts(b.f.db, orgId, { limit: 1, kind: 'verification' });
  const trace = await new Doctor({ db: b.f.db, ...doctorPorts(b.f.db), billingResolvers: BILLING_ATTEMPT_RESOLVERS }).trace(verification!.id, { view: 'operator' }, 'en');
  assert.equal(trace.billing?.kind, 'add_payment_method');
  const attempt = trace.attempts.at(-1)!;
  assert.equal(attempt.reached_issuer, true);
  assert.equal(attempt.verdict.iso_code, '51');
  assert.equal(attempt.verdict.seed_cause, 'insufficient_funds_or_limit');
  assert.equal(attempt.seed_remedy.recommended, false);
});
