import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type Stripe from 'stripe';
import type { OpenedCard } from '../support/card-fixture.ts';
import { doctorFixture, PROGRAM_ADDRESS, type DoctorFixture } from './doctor-fixture.ts';

// Issue 16, item 6: a merchant rule acts on the issuer's name check. The issuer answers match / partial_match /
// no_match / unavailable; a `name_check` rule runs after the approval (like Radar's rules on cvc_check), reverses
// the authorization and declines with Stripe's shape; the doctor explains it. Each result, on a payment and on
// a set-up intent, through the official stripe SDK.

let f: DoctorFixture;
beforeEach(async () => {
  f = await doctorFixture();
});
afterEach(async () => {
  await f.network.idle();
  await f.base.assertConsistent();
  await f.close();
});

type Attempt = { id: string; error: Stripe.errors.StripeCardError | null; checks: Record<string, unknown> | undefined };

async function paymentMethod(card: OpenedCard, name: string): Promise<Stripe.PaymentMethod> {
  return f.stripe.paymentMethods.create({
    type: 'card',
    card: { number: card.pan, exp_month: card.expMonth, exp_year: card.expYear, cvc: card.cvv2 },
    billing_details: { name, address: PROGRAM_ADDRESS },
  });
}

async function pay(card: OpenedCard, name: string): Promise<Attempt> {
  const pi = await f.stripe.paymentIntents.create({ amount: 700, currency: 'usd', payment_method: (await paymentMethod(card, name)).id });
  const error = await f.stripe.paymentIntents.confirm(pi.id).then(
    () => null,
    (e: unknown) => e as Stripe.errors.StripeCardError,
  );
  const after = await f.stripe.paymentIntents.retrieve(pi.id, { expand: ['latest_charge'] });
  return { id: pi.id, error, checks: (after.latest_charge as Stripe.Charge).payment_method_details?.card?.checks as Record<string, unknown> | undefined };
}

async function setUp(card: OpenedCard, name: string): Promise<Attempt> {
  const customer = await f.stripe.customers.create({ name });
  const si = await f.stripe.setupIntents.create({ customer: customer.id, payment_method: (await paymentMethod(card, name)).id });
  const error = await f.stripe.setupIntents.confirm(si.id).then(
    () => null,
    (e: unknown) => e as Stripe.errors.StripeCardError,
  );
  const charges = await f.db.all<{ checks: string | null }>('SELECT checks FROM acquirer_charges WHERE setup_intent_id = ? ORDER BY created_at_ms', [si.id]);
  const last = charges.at(-1)?.checks;
  return { id: si.id, error, checks: last ? (JSON.parse(last) as Record<string, unknown>) : undefined };
}

async function names(card: OpenedCard): Promise<{ right: string; partial: string; wrong: string }> {
  const onCard = card.card.cardholderName;
  return { right: onCard.toUpperCase(), partial: `${onCard.split(/\s+/)[0]} Someone`, wrong: 'Zhang San' };
}

async function assertBlockedWithVerdict(card: OpenedCard, attempt: Attempt, fullBalance: number): Promise<void> {
  assert.ok(attempt.error, 'declined');
  assert.equal(attempt.error.code, 'card_declined');
  assert.equal(attempt.error.decline_code, 'generic_decline');
  // The approval was reversed at once: nothing stays held on the card.
  assert.equal(await f.base.available(card), fullBalance);
  const en = await f.trace(attempt.id, { view: 'cardholder', cardholderId: card.cardholderId }, 'en');
  const zh = await f.trace(attempt.id, { view: 'cardholder', cardholderId: card.cardholderId }, 'zh-CN');
  const verdictEn = en.attempts.at(-1)!.verdict;
  const verdictZh = zh.attempts.at(-1)!.verdict;
  assert.equal(verdictEn.outcome, 'declined');
  assert.equal(verdictEn.reason, 'rule_name_check');
  assert.equal(verdictEn.decided_by, 'acquirer_rule');
  assert.match(verdictEn.title, /name doesn't match the card/);
  assert.match(verdictEn.remedy ?? '', /exactly as it is on the card/);
  assert.match(verdictZh.title, /持卡人姓名与卡片不符/);
  assert.match(verdictZh.remedy ?? '', /持卡人姓名原样填写/);
  assert.deepEqual(en.attempts.at(-1)!.hops.map((h) => `${h.party}/${h.status}`), ['acquirer/sent', 'network/routed', 'issuer/approved', 'acquirer/reversed']);
  assert.match(en.attempts.at(-1)!.hops.at(-1)!.summary, /cardholder name check/);
  assert.match(zh.attempts.at(-1)!.hops.at(-1)!.summary, /持卡人姓名核验/);
  // The merchant sees its own rule named on the trace.
  const merchant = await f.trace(attempt.id, { view: 'merchant', merchantId: f.merchant.merchant.id }, 'en');
  assert.match(merchant.attempts.at(-1)!.verdict.rule?.predicate ?? '', /:name_check:/);
}

for (const on of ['payment', 'set-up intent'] as const) {
  const attempt = on === 'payment' ? pay : setUp;

  test(`${on}: a rule blocking no_match passes match, partial_match and unavailable, and blocks no_match with the doctor's verdict`, async () => {
    await f.addRule({ condition: { kind: 'name_check', in: ['no_match'] } });
    const card = await f.base.openCard({ loadUsdMinor: 5_000 });
    const full = await f.base.available(card);
    const n = await names(card);

    const match = await attempt(card, n.right);
    assert.equal(match.error, null);
    assert.equal(match.checks?.name_check, 'match');
    const partial = await attempt(card, n.partial);
    assert.equal(partial.error, null);
    assert.equal(partial.checks?.name_check, 'partial_match');
    const before = await f.base.available(card);

    const wrong = await attempt(card, n.wrong);
    assert.equal(wrong.checks?.name_check, 'no_match');
    await assertBlockedWithVerdict(card, wrong, before);
    assert.ok(before <= full);

    // A card with no name on file: the issuer cannot compare (unavailable), which never blocks.
    const nameless = await f.base.openCard({ loadUsdMinor: 5_000 });
    await f.db.run("UPDATE issuer_cards SET cardholder_name = '' WHERE id = ?", [nameless.cardId]);
    const unavailable = await attempt(nameless, 'Zhang San');
    assert.equal(unavailable.error, null);
    assert.equal(unavailable.checks?.name_check, 'unavailable');
  });

  test(`${on}: a rule blocking partial_match too declines a partial match with the doctor's verdict`, async () => {
    await f.addRule({ condition: { kind: 'name_check', in: ['no_match', 'partial_match'] } });
    const card = await f.base.openCard({ loadUsdMinor: 5_000 });
    const n = await names(card);
    const match = await attempt(card, n.right);
    assert.equal(match.error, null);
    const before = await f.base.available(card);
    const partial = await attempt(card, n.partial);
    assert.equal(partial.checks?.name_check, 'partial_match');
    await assertBlockedWithVerdict(card, partial, before);
  });
}

test('the rule API validates a name_check condition and shows its Radar predicate', async () => {
  const rule = (await f.stripe.rawRequest('POST', '/v1/risk_rules', { condition: { kind: 'name_check', in: ['no_match'] } })) as unknown as Record<string, unknown>;
  assert.deepEqual(rule.condition, { kind: 'name_check', in: ['no_match'] });
  assert.match(String(rule.predicate ?? JSON.stringify(rule)), /:name_check: = 'no_match'/);
  await assert.rejects(f.stripe.rawRequest('POST', '/v1/risk_rules', { condition: { kind: 'name_check', in: ['match'] } }), (e: Stripe.errors.StripeError) => {
    assert.equal(e.statusCode, 400);
    assert.equal(e.param, 'condition[in][0]');
    return true;
  });
  await assert.rejects(f.stripe.rawRequest('POST', '/v1/risk_rules', { action: 'allow', condition: { kind: 'name_check', in: ['no_match'] } }), (e: Stripe.errors.StripeError) => e.statusCode === 400);
});
