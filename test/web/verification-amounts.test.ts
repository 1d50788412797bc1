import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describePayment } from '../../src/cli/commands/billing/credits.ts';

// The billing page's modules are type-checked by its own tsconfig (with the DOM), so they are loaded here at run time only.
const page = (path: string) => import(new URL(`../../src/web/billing/${path}`, import.meta.url).href);
const { paymentAmount } = (await page('panels/payment-amount.ts')) as { paymentAmount: (payment: object, t: unknown) => string };
const { translator } = (await page('strings.ts')) as { translator: (lang: string) => unknown };

// Issue 20: a card verification is an amount-less check (Cardlane's is a
// zero-amount check or a small, released hold); a declined one must not read
// "$0.00" as if a payment of nothing had been refused — on the billing page's
// history and in `cardlane billing payments`. (The doctor's line: test/doctor/doctor-cli.test.ts.)

const amount = (minor: number) => ({ amount_minor: minor, currency: 'usd', formatted: `$${(minor / 100).toFixed(2)}` });
const declinedCheck = { kind: 'verification', status: 'failed', amount: amount(0) };

test('the billing page’s history says “Card check declined” / “验卡被拒” for a declined verification, never $0.00', () => {
  assert.equal(paymentAmount(declinedCheck, translator('en')), 'Card check declined');
  assert.equal(paymentAmount(declinedCheck, translator('zh-CN')), '验卡被拒');
  assert.equal(paymentAmount({ ...declinedCheck, amount: amount(500) }, translator('en')), 'Card check declined', 'a refused hold held nothing either');
  assert.equal(paymentAmount({ ...declinedCheck, status: 'succeeded' }, translator('zh-CN')), '验卡通过');
  assert.equal(paymentAmount({ kind: 'verification', status: 'succeeded', amount: amount(500) }, translator('en')), '$5.00', 'a passed check with a hold shows the hold (its details say it was released)');
  assert.equal(paymentAmount({ kind: 'purchase', status: 'failed', amount: amount(2000) }, translator('en')), '$20.00');
});

test('cardlane billing payments says “card check declined” for a declined verification, never $0.00', () => {
  const base = { id: 'pay_1', initiator: 'customer', payment_method: 'pm_1', receipt: null, created_at: '2026-12-01T10:00:00.000Z' };
  const line = describePayment({ ...base, ...declinedCheck, failure: { code: 'card_declined', decline_code: 'incorrect_cvc', network_decline_code: 'N7', message: 'Your card’s security code is incorrect.' } });
  assert.match(line, /verification\s+card check declined\s+failed — Your card’s security code is incorrect\./);
  assert.doesNotMatch(line, /\$0\.00/);
  assert.match(describePayment({ ...base, kind: 'verification', status: 'succeeded', amount: amount(0), failure: null }), /verification\s+card check\s+succeeded/);
  assert.match(describePayment({ ...base, kind: 'verification', status: 'succeeded', amount: amount(500), failure: null }), /\$5\.00 hold\s+succeeded/);
  assert.match(describePayment({ ...base, kind: 'purchase', status: 'succeeded', amount: amount(2000), failure: null }), /purchase\s+\$20\.00\s+succeeded/);
});

test('cardlane billing payments shows each time in the reader’s time zone, named, never raw UTC', () => {
  const line = describePayment({ id: 'pay_1', kind: 'purchase', status: 'succeeded', amount: amount(2000), initiator: 'customer', payment_method: 'pm_1', failure: null, receipt: null, created_at: '2026-12-01T20:30:00.000Z' }, 'Asia/Shanghai');
  assert.match(line, /^2026-12-02 04:30 GMT\+8 {2}pay_1/);
});
