import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { BILLING_ATTEMPT_RESOLVERS, doctorPorts } from '../../src/app/doctor.ts';
import { Doctor } from '../../src/doctor/doctor.ts';
import type { Lang } from '../../src/doctor/catalogue.ts';
import type { Trace } from '../../src/doctor/trace-types.ts';
import { cardlaneThreeDSecureFixture, wrongCode, type CardlaneThreeDSecureFixture } from '../support/cardlane-three-d-secure.ts';
import { browse, pressChallengeButton } from '../support/three-d-secure-fixture.ts';

// The doctor on 3-D Secure: a payment the issuer asked to authenticate,
// whose check failed (wrong codes; refused), was abandoned, or is still
// waiting — with Cardlane's own card and with Stripe's test card — and why
// the merchant's automatic charge still works after an authenticated set-up.

let f: CardlaneThreeDSecureFixture | undefined;
afterEach(async () => {
  if (f === undefined) return;
  await f.base.assertConsistent();
  await f.close();
  f = undefined;
});

const RETURN_URL = 'https://shop.example/done';

async function setUp() {
  f = await cardlaneThreeDSecureFixture({ mode: 'always', aboveUsdMinor: 3_000 });
  const doctor = new Doctor({ db: f.db, ...doctorPorts(f.db), billingResolvers: BILLING_ATTEMPT_RESOLVERS });
  const card = await f.base.openCard({ loadUsdMinor: 10_000 });
  const trace = (id: string, lang: Lang = 'en'): Promise<Trace> => doctor.trace(id, { view: 'operator' }, lang);
  return { fx: f, card, trace };
}

async function challenged(fx: CardlaneThreeDSecureFixture, pmId: string) {
  const pi = await fx.stripe.paymentIntents.create({ amount: 2_000, currency: 'usd', payment_method: pmId, confirm: true, return_url: RETURN_URL });
  assert.equal(pi.status, 'requires_action');
  return { pi, url: pi.next_action!.redirect_to_url!.url! };
}

test('authentication failed — three wrong codes: the verdict says so, in English and Chinese, and that automatic charges are not affected', async () => {
  const { fx, card, trace } = await setUp();
  const { pi, url } = await challenged(fx, (await fx.paymentMethod(card)).id);
  const [code] = await fx.smsCodes(card);
  await fx.post(url, { action: 'code', code: wrongCode(code!) });
  await fx.post(url, { action: 'code', code: wrongCode(code!) });
  const third = await fx.post(url, { action: 'code', code: wrongCode(code!) });
  await browse(new URL(third.headers.get('location')!, url).toString());

  const en = (await trace(pi.id)).attempts.at(-1)!.verdict;
  assert.equal(en.reason, 'authentication_failed');
  assert.equal(en.iso_code, '1A');
  assert.equal(en.stripe_code, 'payment_intent_authentication_failure');
  assert.equal(en.authentication?.reason, 'too_many_wrong_codes');
  assert.match(en.authentication!.summary, /wrong code from the SMS was entered three times/);
  assert.match(en.remedy!, /automatic charges are not affected/);
  const zh = (await trace(pi.id, 'zh-CN')).attempts.at(-1)!.verdict;
  assert.equal(zh.title, '身份验证失败');
  assert.match(zh.authentication!.summary, /验证码输错 3 次/);
  assert.match(zh.remedy!, /自动扣款不受影响/);
});

test('authentication failed — refused by the cardholder ("this was not me")', async () => {
  const { fx, card, trace } = await setUp();
  const { pi, url } = await challenged(fx, (await fx.paymentMethod(card)).id);
  const refused = await fx.post(url, { action: 'decline' });
  assert.equal(refused.status, 303);
  await browse(new URL(refused.headers.get('location')!, url).toString());
  const verdict = (await trace(pi.id)).attempts.at(-1)!.verdict;
  assert.equal(verdict.reason, 'authentication_failed');
  assert.equal(verdict.authentication?.reason, 'declined_by_cardholder');
  assert.match((await trace(pi.id, 'zh-CN')).attempts.at(-1)!.verdict.authentication!.summary, /不是我本人/);
});

test('authentication abandoned: the check lapsed after 10 minutes', async () => {
  const { fx, card, trace } = await setUp();
  const { pi } = await challenged(fx, (await fx.paymentMethod(card)).id);
  fx.clock.advanceMs(10 * 60_000);
  assert.equal(await fx.payments.expireAuthentications(fx.clock.nowMs()), 1);
  const verdict = (await trace(pi.id)).attempts.at(-1)!.verdict;
  assert.equal(verdict.reason, 'authentication_abandoned');
  assert.equal(verdict.authentication?.reason, 'abandoned');
  assert.match(verdict.explanation, /not finished in time/);
  assert.equal((await trace(pi.id, 'zh-CN')).attempts.at(-1)!.verdict.title, '身份验证未完成');
});

test('authentication required: while the check waits, and for a merchant-initiated charge with no authenticated set-up — with why the automatic charge works after one', async () => {
  const { fx, card, trace } = await setUp();
  const { pi } = await challenged(fx, (await fx.paymentMethod(card)).id);
  const waiting = (await trace(pi.id)).attempts.at(-1)!.verdict;
  assert.equal(waiting.reason, 'authentication_required');
  assert.equal(waiting.authentication?.reason, 'challenge_required');
  assert.match(waiting.remedy!, /exempt from strong customer authentication/);
  assert.match((await trace(pi.id, 'zh-CN')).attempts.at(-1)!.verdict.remedy!, /商户的自动扣款仍可成功/);

  // Stripe's 4000002760003184 asks even off-session: the doctor names the 1A and says why it cannot be exempt.
  const customer = await fx.stripe.customers.create({ email: 'wei@example.com' });
  const pm = await fx.stripe.paymentMethods.create({ type: 'card', card: { number: '4000002760003184', exp_month: 12, exp_year: 2030, cvc: '123' } } as never);
  const setUp3184 = await fx.stripe.setupIntents.create({ customer: customer.id, payment_method: pm.id, confirm: true, return_url: RETURN_URL });
  await browse(await pressChallengeButton(setUp3184.next_action!.redirect_to_url!.url!, 'complete'));
  const mit = await fx.stripe.paymentIntents
    .create({ amount: 1_500, currency: 'usd', customer: customer.id, payment_method: pm.id, off_session: true, confirm: true })
    .catch((error: { payment_intent: { id: string } }) => error.payment_intent);
  const verdict = (await trace(mit.id)).attempts.at(-1)!.verdict;
  assert.equal(verdict.reason, 'authentication_required');
  assert.equal(verdict.authentication, undefined, 'no check was opened: a merchant-initiated payment cannot be sent to one');
  assert.match(verdict.explanation, /a payment the merchant makes on its own cannot be, so it is declined/);
  assert.match(verdict.remedy!, /unless your bank asks every time/);
});

test('after an authenticated set-up, the merchant-initiated charge is approved and the doctor says why (the SCA exemption on the issuer\'s record)', async () => {
  const { fx, card, trace } = await setUp();
  const customer = await fx.stripe.customers.create({ email: 'li@example.com' });
  const pm = await fx.paymentMethod(card);
  const si = await fx.stripe.setupIntents.create({ customer: customer.id, payment_method: pm.id, confirm: true, return_url: RETURN_URL });
  const url = si.next_action!.redirect_to_url!.url!;
  const [code] = await fx.smsCodes(card);
  const passed = await fx.post(url, { action: 'code', code: code! });
  await browse(new URL(passed.headers.get('location')!, url).toString());
  const mit = await fx.stripe.paymentIntents.create({ amount: 1_500, currency: 'usd', customer: customer.id, payment_method: pm.id, off_session: true, confirm: true });
  assert.equal(mit.status, 'succeeded');
  const attempt = (await trace(mit.id)).attempts.at(-1)!;
  assert.equal(attempt.verdict.outcome, 'approved');
  assert.equal(attempt.initiated_by, 'merchant');
  assert.match(attempt.verdict.explanation, /exempt from strong customer authentication \(SCA\)/);
  assert.match((await trace(mit.id, 'zh-CN')).attempts.at(-1)!.verdict.explanation, /免于强客户认证（SCA）/);
  const record = await fx.db.get<{ checks: string }>("SELECT checks FROM issuer_authorizations WHERE initiator = 'merchant' ORDER BY created_at_ms DESC LIMIT 1");
  assert.equal(JSON.parse(record!.checks).authentication_exemption, 'merchant_initiated');
});
