import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BLOCK_PREPAID_ON_CUSTOMER_INITIATED } from '../../src/acquirer/risk/presets.ts';
import type { RiskRule } from '../../src/acquirer/risk/rule-types.ts';
import { catalogueEntry } from '../../src/doctor/catalogue.ts';
import { Doctor } from '../../src/doctor/doctor.ts';
import { BILLING_ATTEMPT_RESOLVERS, doctorPorts } from '../../src/app/doctor.ts';
import type { Trace, TraceAttempt } from '../../src/doctor/trace-types.ts';
import type { Principal } from '../../src/doctor/views.ts';
import { getCard, saveControls, setCardStatus } from '../../src/issuer/cards/cards.ts';
import { formatMoney, money } from '../../src/platform/money.ts';
import type { OpenedCard } from '../support/card-fixture.ts';
import { doctorFixture, type DoctorFixture } from './doctor-fixture.ts';

// One real payment per seed cause — official Stripe SDK → acquirer →
// network → Cardlane's issuer or the test bank — then the doctor's verdict
// on the records each party kept, and what each view may see of it.

async function withFixture(run: (f: DoctorFixture) => Promise<void>, options: { issuerTimeoutMs?: number } = {}): Promise<void> {
  const f = await doctorFixture(options);
  try {
    await run(f);
    await f.network.idle();
    await f.base.assertConsistent();
  } finally {
    await f.close();
  }
}

const merchantOf = (f: DoctorFixture): Principal => ({ view: 'merchant', merchantId: f.merchant.merchant.id });
const holderOf = (card: OpenedCard): Principal => ({ view: 'cardholder', cardholderId: card.cardholderId });

/** The last attempt of a trace. */
const last = (trace: Trace): TraceAttempt => trace.attempts.at(-1)!;
const path = (attempt: TraceAttempt) => attempt.hops.map((h) => `${h.party}/${h.status}`);

/** A cardholder never sees a merchant's rule: not its id, its words, its predicate, nor that a rule object exists. */
function assertNoRuleIn(trace: Trace, rule: RiskRule | null): void {
  const json = JSON.stringify(trace);
  assert.doesNotMatch(json, /"rule"/, 'no rule object in the cardholder view');
  assert.doesNotMatch(json, /rr_[0-9A-Z]/, 'no rule id in the cardholder view');
  assert.doesNotMatch(json, /:card_|:is_off_session:|:address_|:cvc_check:/, 'no rule predicate in the cardholder view');
  if (rule?.description) assert.ok(!json.includes(rule.description), 'no rule description in the cardholder view');
  assert.doesNotMatch(json, /"payment_method":|"customer":|"payment_intent":|acct_/, "no merchant's internal ids in the cardholder view");
}

/** A merchant never sees the cardholder's card, wallet or balance, nor the issuer's internal checks. */
function assertNoWalletIn(trace: Trace, card: OpenedCard): void {
  const json = JSON.stringify(trace);
  for (const secret of ['available_usd_minor', 'spent_today', '"figures"', '"failed_checks"', card.cardId, card.cardholderId]) {
    assert.ok(!json.includes(secret), `the merchant view shows ${secret}`);
  }
}

test('cause 1 — card country: the merchant\'s country rule refuses a Cardlane card before the network; the issuer never sees it', () =>
  withFixture(async (f) => {
    const rule = await f.addRule({ condition: { kind: 'card_country', not_in: ['GB', 'CA'] }, description: 'We serve the UK and Canada only' });
    const card = await f.base.openCard({ loadUsdMinor: 5000 });
    const pm = await f.paymentMethod(card);
    const pi = await f.stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method: pm.id });
    const error = await f.declineOf(f.stripe.paymentIntents.confirm(pi.id));
    const entry = catalogueEntry('rule_card_country')!;
    assert.deepEqual([error.code, error.decline_code], [entry.stripeCode, entry.stripeDeclineCode], "the catalogue says what the merchant's client got");

    const operator = await f.trace(pi.id);
    assert.deepEqual(operator.subject, { kind: 'payment_intent', id: pi.id });
    const attempt = last(operator);
    assert.deepEqual(path(attempt), ['acquirer/blocked', 'network/not_reached', 'issuer/not_reached']);
    assert.deepEqual(
      [attempt.verdict.decided_by, attempt.verdict.reason, attempt.verdict.seed_cause, attempt.verdict.iso_code, attempt.verdict.stripe_decline_code, attempt.verdict.retryable],
      ['acquirer_rule', 'rule_card_country', 'card_country', null, 'card_not_supported', false],
    );
    assert.equal(attempt.verdict.rule?.id, rule.id);
    assert.equal(attempt.verdict.rule?.predicate, ":card_country: not in ('GB', 'CA')");
    assert.deepEqual([attempt.reached_network, attempt.reached_issuer], [false, false]);
    assert.deepEqual([attempt.seed_remedy.recommended, attempt.seed_remedy.because], [false, 'rule_covers_merchant_initiated']);
    assert.equal((await f.db.all('SELECT id FROM issuer_authorizations WHERE card_id = ?', [card.cardId])).length, 0, 'nothing at the issuer');

    const merchant = await f.trace(pi.id, merchantOf(f));
    assert.equal(last(merchant).verdict.rule?.description, 'We serve the UK and Canada only');
    assert.match(last(merchant).hops[0]!.summary, /^Your risk rule rr_\w+ “We serve the UK and Canada only”/);
    assertNoWalletIn(merchant, card);

    const holder = await f.trace(pi.id, holderOf(card), 'zh-CN');
    assertNoRuleIn(holder, rule);
    assert.equal(last(holder).verdict.title, '商户不接受该国家/地区发行的卡');
    assert.match(last(holder).hops[2]!.summary, /^没有任何授权请求到达发卡行/);
    assert.match(holder.notes.join('\n'), /卡片账单不会有这次尝试的记录/);
    assert.match(holder.summary, /^被商户拒绝：/);

    // Another cardholder, or another merchant, finds nothing.
    const stranger = await f.base.openCard();
    await assert.rejects(f.trace(pi.id, holderOf(stranger)), (e: any) => e.code === 'resource_missing');
    const other = await f.addMerchant({ name: 'Other' });
    await assert.rejects(f.trace(pi.id, { view: 'merchant', merchantId: other.merchant.id }), (e: any) => e.code === 'resource_missing');
  }));

test("cause 2 — card type, the seed: prepaid refused on customer-initiated purchases only; the seed's remedy is recommended, and works", () =>
  withFixture(async (f) => {
    const stripe = f.stripe;
    const rule = await f.addRule(BLOCK_PREPAID_ON_CUSTOMER_INITIATED);
    // The seed's $5 verification hold when the acquirer lets a merchant set one (its merchants carry the setting).
    const hold = 'cardVerificationAmountMinor' in f.merchant.merchant ? 500 : 0;
    if (hold > 0) await f.db.run('UPDATE acquirer_merchants SET card_verification_amount_minor = ? WHERE id = ?', [hold, f.merchant.merchant.id]);
    const card = await f.base.openCard({ loadUsdMinor: 5000 });
    const customer = await stripe.customers.create({ email: 'li.lei@example.com' });
    const pm = await f.paymentMethod(card);
    const setup = await stripe.setupIntents.create({ customer: customer.id, payment_method: pm.id, usage: 'off_session', confirm: true });
    assert.equal(setup.status, 'succeeded', 'adding the card works: its verification is not a purchase');
    const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', customer: customer.id, payment_method: pm.id });
    const error = await f.declineOf(stripe.paymentIntents.confirm(pi.id));
    assert.equal(error.decline_code, catalogueEntry('rule_card_funding')!.stripeDeclineCode);

    const operator = last(await f.trace(pi.id));
    assert.deepEqual([operator.verdict.decided_by, operator.verdict.reason, operator.verdict.seed_cause], ['acquirer_rule', 'rule_card_funding', 'card_type']);
    assert.deepEqual([operator.verdict.rule?.applies_to, operator.verdict.rule?.purpose], ['customer_initiated', 'purchase']);
    assert.equal(operator.seed_remedy.recommended, true);
    const keep = formatMoney(money(2000 + hold, 'USD'));
    assert.deepEqual(operator.seed_remedy.keep_on_card, { amount: 2000 + hold, currency: 'usd', display: keep });
    assert.equal(operator.seed_remedy.steps.length, 4);

    // With billing's recharge minimum known, the amount to keep is that (plus any verification hold), not the manual purchase.
    const withMinimum = new Doctor({ db: f.db, ...doctorPorts(f.db), billingResolvers: BILLING_ATTEMPT_RESOLVERS, rechargeMinimumMinor: 1000 });
    assert.equal(last(await withMinimum.trace(pi.id, { view: 'operator' }, 'en')).seed_remedy.keep_on_card?.amount, 1000 + hold, "the seed's $10 + $5");

    const merchant = await f.trace(pi.id, merchantOf(f));
    assert.equal(last(merchant).seed_remedy.recommended, true);
    assert.equal(last(merchant).verdict.rule?.id, rule.id);
    assertNoWalletIn(merchant, card);

    const holder = await f.trace(pi.id, holderOf(card));
    assertNoRuleIn(holder, rule);
    assert.equal(last(holder).seed_remedy.recommended, true);
    assert.match(last(holder).seed_remedy.steps.join(' '), new RegExp(`default payment method.*auto-recharge.*at least \\${keep}`));
    assert.match(last(holder).hops[2]!.summary, /^No authorization reached the card issuer: the merchant refused the payment before the card network/);
    const zh = last(await f.trace(pi.id, holderOf(card), 'zh-CN'));
    assert.match(zh.seed_remedy.steps.join(' '), new RegExp(`设为默认付款方式.*开启自动充值.*至少保留 \\${keep}`));

    // The remedy does what the doctor said: the merchant's own off-session charge of the same card goes through.
    const recharge = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', customer: customer.id, payment_method: pm.id, off_session: true, confirm: true });
    assert.equal(recharge.status, 'succeeded');
    const approved = last(await f.trace(recharge.id, holderOf(card)));
    assert.deepEqual([approved.verdict.outcome, approved.initiated_by, path(approved).at(-1)], ['approved', 'merchant', 'issuer/approved']);

    // The card's window: the issuer saw the verification and the recharge; only the operator connects the refused attempt.
    const window = { fromMs: f.clock.nowMs() - 60_000, toMs: f.clock.nowMs() + 60_000 };
    const holderWindow = await f.doctor.traceCard(card.cardId, window, holderOf(card), 'en');
    assert.deepEqual(holderWindow.attempts.map((a) => [a.purpose, a.initiated_by, a.verdict.outcome]), [
      ['account_verification', 'customer', 'approved'],
      ['purchase', 'merchant', 'approved'],
    ]);
    assert.match(holderWindow.notes.join('\n'), /refused before the card network never reaches the issuer/);
    assertNoRuleIn(holderWindow, rule);
    const operatorWindow = await f.doctor.traceCard(card.cardId, window, { view: 'operator' }, 'en');
    assert.deepEqual(operatorWindow.attempts.map((a) => [a.purpose, a.initiated_by, a.verdict.outcome, a.reached_issuer]), [
      ['account_verification', 'customer', 'approved', true],
      ['purchase', 'customer', 'declined', false],
      ['purchase', 'merchant', 'approved', true],
    ]);
    assert.match(operatorWindow.notes.join('\n'), /^1 merchant-side attempt with this card never reached the issuer .*; it is listed/);
    await assert.rejects(f.doctor.traceCard(card.cardId, window, merchantOf(f), 'en'), (e: any) => e.code === 'permission_denied');
  }));

test('cause 2 — card type on every payment: the seed\'s remedy is not recommended, because the merchant\'s own charges are refused too', () =>
  withFixture(async (f) => {
    const stripe = f.stripe;
    await f.addRule({ condition: { kind: 'card_funding', in: ['prepaid'] }, appliesTo: 'all', purpose: 'purchase' });
    const card = await f.base.openCard({ loadUsdMinor: 5000 });
    const customer = await stripe.customers.create({ email: 'han.meimei@example.com' });
    const pm = await f.paymentMethod(card);
    await stripe.setupIntents.create({ customer: customer.id, payment_method: pm.id, confirm: true });
    const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', customer: customer.id, payment_method: pm.id });
    await f.declineOf(stripe.paymentIntents.confirm(pi.id));

    const attempt = last(await f.trace(pi.id, holderOf(card)));
    assert.equal(attempt.verdict.reason, 'rule_card_funding');
    assert.deepEqual([attempt.seed_remedy.recommended, attempt.seed_remedy.because, attempt.seed_remedy.steps], [false, 'rule_covers_merchant_initiated', []]);
    assert.match(attempt.seed_remedy.summary, /refuses its own automatic \(merchant-initiated\) charges too/);
    // And indeed: the off-session charge is refused the same way.
    const refused = await f.declineOf(stripe.paymentIntents.create({ amount: 2000, currency: 'usd', customer: customer.id, payment_method: pm.id, off_session: true, confirm: true }));
    assert.equal(refused.decline_code, 'card_not_supported');
  }));

test('cause 3 — issuer security policy: a frozen card and a blocked merchant category are the issuer\'s own checks', () =>
  withFixture(async (f) => {
    const frozen = await f.base.openCard({ loadUsdMinor: 5000 });
    const pm = await f.paymentMethod(frozen);
    await f.db.transaction((tx) => setCardStatus(tx, frozen.cardId, 'frozen', f.clock.nowMs()));
    const pi = await f.stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: pm.id });
    const error = await f.declineOf(f.stripe.paymentIntents.confirm(pi.id));
    assert.equal(error.decline_code, catalogueEntry('card_frozen')!.stripeDeclineCode);

    const holder = last(await f.trace(pi.id, holderOf(frozen)));
    assert.deepEqual(path(holder), ['acquirer/sent', 'network/routed', 'issuer/declined']);
    assert.deepEqual(
      [holder.verdict.decided_by, holder.verdict.reason, holder.verdict.iso_code, holder.verdict.seed_cause, holder.verdict.stripe_decline_code],
      ['issuer', 'card_frozen', '62', 'issuer_security_policy', 'restricted_card'],
    );
    assert.deepEqual(holder.hops[2]!.failed_checks, ['status']);
    assert.equal(holder.verdict.remedy, 'This card is frozen. Unfreeze it on the card page to use it.', "the issuer's own statement text");
    assert.deepEqual([holder.seed_remedy.recommended, holder.seed_remedy.because], [false, 'not_a_merchant_rule']);
    // The issuer's own id leads to the same diagnosis.
    assert.match(holder.issuer_authorization ?? '', /^iauth_/);
    assert.equal(last(await f.trace(holder.issuer_authorization!, holderOf(frozen))).verdict.reason, 'card_frozen');
    const merchant = await f.trace(pi.id, merchantOf(f));
    assert.equal(last(merchant).verdict.reason, 'card_frozen');
    assertNoWalletIn(merchant, frozen);

    const picky = await f.base.openCard({ loadUsdMinor: 5000 });
    const current = (await getCard(f.db, picky.cardId))!;
    await f.db.transaction((tx) => saveControls(tx, picky.cardId, { ...current.controls, mccBlock: ['5734'] }, f.clock.nowMs()));
    const pm2 = await f.paymentMethod(picky);
    const pi2 = await f.stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: pm2.id });
    await f.declineOf(f.stripe.paymentIntents.confirm(pi2.id));
    const mcc = last(await f.trace(pi2.id, holderOf(picky), 'zh-CN'));
    assert.deepEqual([mcc.verdict.reason, mcc.verdict.iso_code, mcc.verdict.seed_cause], ['mcc_blocked', '57', 'issuer_security_policy']);
    assert.equal(mcc.verdict.title, '商户类别被卡片设置禁止');
  }));

test('cause 4 — insufficient balance: the issuer declines 51; the cardholder sees the balance it used, the merchant does not', () =>
  withFixture(async (f) => {
    const card = await f.base.openCard({ loadUsdMinor: 500 });
    const pm = await f.paymentMethod(card);
    const pi = await f.stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: pm.id });
    const error = await f.declineOf(f.stripe.paymentIntents.confirm(pi.id));
    assert.deepEqual([error.decline_code, (error.raw as { network_decline_code?: string }).network_decline_code], ['insufficient_funds', '51']);

    const holder = last(await f.trace(pi.id, holderOf(card)));
    assert.deepEqual(
      [holder.verdict.decided_by, holder.verdict.reason, holder.verdict.iso_code, holder.verdict.retryable, holder.verdict.seed_cause],
      ['issuer', 'insufficient_funds', '51', true, 'insufficient_funds_or_limit'],
    );
    assert.equal(holder.hops[2]!.figures?.available_usd_minor, 500);
    assert.deepEqual(holder.hops[2]!.failed_checks, ['balance']);
    assert.match(holder.hops[2]!.summary, /51 \(not sufficient funds\)\. Failed checks: available balance\./);

    const merchant = await f.trace(pi.id, merchantOf(f));
    assert.equal(last(merchant).verdict.reason, 'insufficient_funds');
    assert.match(last(merchant).hops[2]!.summary, /declined it: 51 \(not sufficient funds\), reason insufficient_funds\.$/);
    assertNoWalletIn(merchant, card);
  }));

test('cause 5 — billing details: a wrong ZIP and a wrong CVV2 at the issuer, and a merchant AVS rule acting on the issuer\'s check', () =>
  withFixture(async (f) => {
    const card = await f.base.openCard({ loadUsdMinor: 5000 });
    const wrongZip = await f.paymentMethod(card, { postal_code: '10001' });
    const pi = await f.stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: wrongZip.id });
    assert.equal((await f.declineOf(f.stripe.paymentIntents.confirm(pi.id))).decline_code, 'incorrect_zip');
    const zip = last(await f.trace(pi.id, holderOf(card)));
    assert.deepEqual(
      [zip.verdict.decided_by, zip.verdict.reason, zip.verdict.iso_code, zip.verdict.seed_cause, zip.verdict.stripe_decline_code],
      ['issuer', 'avs_postal_code_mismatch', '05', 'billing_details_mismatch', 'incorrect_zip'],
    );
    assert.deepEqual(zip.hops[2]!.failed_checks, ['avs']);

    const wrongCvc = await f.paymentMethod(card, { cvc: card.cvv2 === '000' ? '001' : '000' });
    const pi2 = await f.stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: wrongCvc.id });
    assert.equal((await f.declineOf(f.stripe.paymentIntents.confirm(pi2.id))).decline_code, 'incorrect_cvc');
    const cvc = last(await f.trace(pi2.id));
    assert.deepEqual([cvc.verdict.reason, cvc.verdict.iso_code, cvc.verdict.seed_cause], ['cvv2_mismatch', 'N7', 'billing_details_mismatch']);

    // The test bank approves a card whose postal code check fails; the merchant's AVS rule reverses it.
    const rule = await f.addRule({ condition: { kind: 'avs', block_if_line1_fails: false, block_if_postal_code_fails: true } });
    const bankCard = await f.testCard('4000000000000036');
    const pi3 = await f.stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: bankCard.id });
    assert.equal((await f.declineOf(f.stripe.paymentIntents.confirm(pi3.id))).decline_code, catalogueEntry('rule_avs_postal_code')!.stripeDeclineCode);
    const avs = last(await f.trace(pi3.id, merchantOf(f)));
    assert.deepEqual(path(avs), ['acquirer/sent', 'network/routed', 'issuer/approved', 'acquirer/reversed']);
    assert.deepEqual([avs.verdict.decided_by, avs.verdict.reason, avs.verdict.seed_cause, avs.verdict.rule?.id], ['acquirer_rule', 'rule_avs_postal_code', 'billing_details_mismatch', rule.id]);
    assert.match(avs.hops[3]!.summary, /^The issuer approved, but your rule rr_\w+ .* acts on the issuer's address check result/);
    assert.equal(avs.seed_remedy.because, 'rule_covers_merchant_initiated');
  }));

test('cause 6 — system failure: the issuer answers too late and the network stands in (91); a test bank processing error (96)', () =>
  withFixture(
    async (f) => {
      const card = await f.base.openCard({ loadUsdMinor: 5000 });
      const pm = await f.paymentMethod(card);
      const pi = await f.stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: pm.id });
      f.slowIssuer.hold();
      const error = await f.declineOf(f.stripe.paymentIntents.confirm(pi.id));
      f.slowIssuer.open();
      await f.network.idle();
      assert.equal(error.decline_code, catalogueEntry('issuer_unavailable')!.stripeDeclineCode);
      assert.equal(await f.base.available(card), 5000, 'the late approval was released');

      const holder = last(await f.trace(pi.id, holderOf(card)));
      assert.deepEqual(path(holder), ['acquirer/sent', 'network/stand_in', 'issuer/late_approval_released']);
      assert.deepEqual(
        [holder.verdict.decided_by, holder.verdict.reason, holder.verdict.iso_code, holder.verdict.retryable, holder.verdict.seed_cause],
        ['network', 'issuer_unavailable', '91', true, 'system_failure'],
      );
      assert.match(holder.hops[1]!.summary, /did not answer in time, so the card network declined in its stead: 91/);
      assert.equal(holder.reached_issuer, true);

      const bankCard = await f.testCard('4000000000000119');
      const pi2 = await f.stripe.paymentIntents.create({ amount: 1000, currency: 'usd', payment_method: bankCard.id });
      assert.equal((await f.declineOf(f.stripe.paymentIntents.confirm(pi2.id))).decline_code, 'processing_error');
      const bank = last(await f.trace(pi2.id, merchantOf(f), 'zh-CN'));
      assert.deepEqual(
        [bank.verdict.decided_by, bank.verdict.reason, bank.verdict.iso_code, bank.verdict.retryable, bank.verdict.seed_cause],
        ['issuer', 'processing_error', '96', true, 'system_failure'],
      );
      assert.match(bank.hops[1]!.summary, /^卡组织网络把它转给发卡行（test-bank），发卡行答复 96（系统故障）/);
    },
    { issuerTimeoutMs: 200 },
  ));
