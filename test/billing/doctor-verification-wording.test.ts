import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { listAttempts } from '../../src/billing/payments/payment-attempts.ts';
import { Doctor } from '../../src/doctor/doctor.ts';
import { BILLING_ATTEMPT_RESOLVERS, doctorPorts } from '../../src/app/doctor.ts';
import { billingPaymentsFixture, type BillingPaymentsFixture } from './payments-fixture.ts';

// Adding a card is a card verification (no amount, or a small hold that is
// released), not a payment. The doctor's billing line said so, then named
// who started it with the glossary's payment term: "…, started by the
// customer (a customer-initiated payment)" / "（客户发起的付款）". It is worded
// as a card verification in both languages now.

let b: BillingPaymentsFixture;
beforeEach(async () => {
  b = await billingPaymentsFixture();
});
afterEach(async () => {
  await b.cards.assertConsistent();
  await b.close();
});

async function verificationLines(loadUsdMinor: number): Promise<{ en: string; zh: string }> {
  const { orgId, apiKey } = await b.newOrg();
  const { pmId } = await b.cardlaneCard(loadUsdMinor);
  await b.api(apiKey, 'POST', '/payment_methods', { payment_method: pmId });
  const [verification] = await listAttempts(b.f.db, orgId, { limit: 1, kind: 'verification' });
  assert.ok(verification);
  const doctor = new Doctor({ db: b.f.db, ...doctorPorts(b.f.db), billingResolvers: BILLING_ATTEMPT_RESOLVERS });
  const en = await doctor.trace(verification.id, { view: 'operator' }, 'en');
  const zh = await doctor.trace(verification.id, { view: 'operator' }, 'zh-CN');
  assert.equal(en.billing?.kind, 'add_payment_method');
  return { en: en.billing!.lines[0]!.text, zh: zh.billing!.lines[0]!.text };
}

function assertWordedAsVerification(lines: { en: string; zh: string }): void {
  assert.match(lines.en, /started by the customer \(a customer-initiated card verification: not a payment, nothing is charged\)\.$/);
  assert.doesNotMatch(lines.en, /customer-initiated payment|A payment of/);
  assert.match(lines.zh, /由客户本人发起（客户发起的验卡：不是付款，不扣款）。$/);
  assert.doesNotMatch(lines.zh, /客户发起的付款|一笔/);
}

test('an approved card verification with its hold is worded as a card verification in English and Chinese, never as a customer-initiated payment', async () => {
  const lines = await verificationLines(1_500);
  assert.match(lines.en, /^A card verification with a \$5\.00 hold for adding a card, /);
  assert.match(lines.zh, /^一次添加银行卡时的验卡，验证预授权 \$5\.00，/);
  assertWordedAsVerification(lines);
});

test('a declined card verification (no amount recorded) is worded as a card verification too', async () => {
  const lines = await verificationLines(300);
  assert.match(lines.en, /^A card verification for adding a card, /);
  assert.match(lines.zh, /^一次添加银行卡时的验卡，由客户本人发起/);
  assertWordedAsVerification(lines);
});
