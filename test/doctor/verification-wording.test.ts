import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Trace, TraceAttempt } from '../../src/doctor/trace-types.ts';
import type { Principal } from '../../src/doctor/views.ts';
import type { OpenedCard } from '../support/card-fixture.ts';
import { doctorFixture, type DoctorFixture } from './doctor-fixture.ts';

// The doctor's steps said "the payment" / "这笔付款" also for a card
// verification (a SetupIntent's account verification): "The card issuer
// approved the payment." for a card check that charged nothing. A
// verification's steps say "the card verification" / "这次验卡"; a purchase's
// keep "the payment" / "这笔付款".

async function withFixture(run: (f: DoctorFixture) => Promise<void>): Promise<void> {
  const f = await doctorFixture();
  try {
    await run(f);
    await f.network.idle();
    await f.base.assertConsistent();
  } finally {
    await f.close();
  }
}

const holderOf = (card: OpenedCard): Principal => ({ view: 'cardholder', cardholderId: card.cardholderId });
const operator: Principal = { view: 'operator' };
const only = (trace: Trace): TraceAttempt => {
  assert.equal(trace.attempts.length, 1);
  return trace.attempts[0]!;
};
/**
 * Every sentence the steps say about the attempt, and the verdict's when the doctor writes it (approved or
 * pending; a decline's explanation is its catalogue entry's, about the kind of refusal).
 */
const sentences = (a: TraceAttempt): string[] => [
  ...a.hops.map((h) => h.summary),
  ...(a.verdict.outcome === 'declined' || a.verdict.explanation === null ? [] : [a.verdict.explanation]),
];
/** A sentence the text starts with (a step may add a note after it, such as the name check's). */
const starts = (text: readonly string[], sentence: string) => text.some((s) => s.startsWith(sentence));

/** English: names the card verification, never "the/a/this payment" ("payment processor" is the acquirer's name, not the attempt's). */
function assertVerificationEn(a: TraceAttempt, expected: readonly string[]): void {
  const text = sentences(a);
  for (const s of text) assert.doesNotMatch(s, /\b(the|a|this) payment\b(?! processor)/i, s);
  for (const e of expected) assert.ok(starts(text, e), `${JSON.stringify(e)} in\n${text.join('\n')}`);
}

function assertVerificationZh(a: TraceAttempt, expected: readonly string[]): void {
  const text = sentences(a);
  for (const s of text) assert.doesNotMatch(s, /付款/, s);
  for (const e of expected) assert.ok(starts(text, e), `${JSON.stringify(e)} in\n${text.join('\n')}`);
}

test('an approved card verification: each step and the verdict say "the card verification" / "这次验卡"; a purchase still says "the payment"', () =>
  withFixture(async (f) => {
    const card = await f.base.openCard({ loadUsdMinor: 5000 });
    const pm = await f.paymentMethod(card);
    const customer = await f.stripe.customers.create({ email: 'li.lei@example.com' });
    const setup = await f.stripe.setupIntents.create({ customer: customer.id, payment_method: pm.id, confirm: true });
    assert.equal(setup.status, 'succeeded');

    for (const principal of [holderOf(card), operator]) {
      const en = only(await f.trace(setup.id, principal, 'en'));
      assert.equal(en.purpose, 'account_verification');
      assert.deepEqual(en.hops.map((h) => `${h.party}/${h.status}`), ['acquirer/sent', 'network/routed', 'issuer/approved']);
      assertVerificationEn(en, ['The card issuer approved it.', 'The card issuer approved the card verification.']);
      const zh = only(await f.trace(setup.id, principal, 'zh-CN'));
      assertVerificationZh(zh, ['发卡行批准了这次验卡。']);
      assert.equal(zh.verdict.explanation, '发卡行批准了这次验卡。');
    }
    const holderEn = only(await f.trace(setup.id, holderOf(card), 'en'));
    assert.equal(holderEn.hops[0]!.summary, "The merchant's payment processor sent the card verification to the card network.");
    const holderZh = only(await f.trace(setup.id, holderOf(card), 'zh-CN'));
    assert.equal(holderZh.hops[0]!.summary, '商户的支付机构把这次验卡发往卡组织网络。');

    // A purchase with the same card keeps its words.
    const paid = await f.stripe.paymentIntents.create({ amount: 1200, currency: 'usd', customer: customer.id, payment_method: pm.id, confirm: true });
    assert.equal(paid.status, 'succeeded');
    const purchase = only(await f.trace(paid.id, holderOf(card), 'en'));
    assert.equal(purchase.purpose, 'purchase');
    assert.equal(purchase.verdict.explanation, 'The card issuer approved the payment.');
    assert.equal(purchase.hops[0]!.summary, "The merchant's payment processor sent the payment to the card network.");
    const purchaseZh = only(await f.trace(paid.id, holderOf(card), 'zh-CN'));
    assert.equal(purchaseZh.verdict.explanation, '发卡行批准了这笔付款。');
    assert.ok(purchaseZh.hops.at(-1)!.summary.startsWith('发卡行批准了这笔付款。'));
  }));

test('a card verification a merchant rule refused before the network: the steps name the card verification, in both languages', () =>
  withFixture(async (f) => {
    const rule = await f.addRule({ condition: { kind: 'card_funding', in: ['prepaid'] }, appliesTo: 'all', purpose: 'all', description: 'No prepaid cards' });
    assert.ok(rule.id);
    const card = await f.base.openCard({ loadUsdMinor: 5000 });
    const pm = await f.paymentMethod(card);
    const customer = await f.stripe.customers.create({ email: 'han.meimei@example.com' });
    await f.declineOf(f.stripe.setupIntents.create({ customer: customer.id, payment_method: pm.id, confirm: true }));
    const setup = (await f.stripe.setupIntents.list({ customer: customer.id })).data[0]!;

    const holder = only(await f.trace(setup.id, holderOf(card), 'en'));
    assert.equal(holder.purpose, 'account_verification');
    assert.deepEqual(holder.hops.map((h) => `${h.party}/${h.status}`), ['acquirer/blocked', 'network/not_reached', 'issuer/not_reached']);
    assertVerificationEn(holder, [
      "The merchant's payment processor refused the card verification under the merchant's own checks, before it reached the card network.",
      'The card network never received the card verification.',
    ]);
    assert.match(holder.hops[2]!.summary, /^No authorization reached the card issuer: the merchant refused the card verification before the card network\. .* explain, a card verification it never received\.$/);
    const holderZh = only(await f.trace(setup.id, holderOf(card), 'zh-CN'));
    assertVerificationZh(holderZh, ['商户的支付机构依据商户自己的检查拒绝了这次验卡，交易没有进入卡组织网络。', '卡组织网络没有收到这次验卡。']);
    assert.match(holderZh.hops[2]!.summary, /^没有任何授权请求到达发卡行：商户在卡组织网络之前就拒绝了这次验卡。/);

    const op = only(await f.trace(setup.id, operator, 'en'));
    assertVerificationEn(op, []);
    assert.match(op.hops[0]!.summary, /^The merchant's risk rule .* blocked the card verification before the card network\.$/);
    const opZh = only(await f.trace(setup.id, operator, 'zh-CN'));
    assertVerificationZh(opZh, []);
    assert.match(opZh.hops[0]!.summary, /在卡组织网络之前拦截了这次验卡。$/);
  }));
