import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { afterEach, beforeEach, test } from 'node:test';
import { utcMonth } from '../../src/billing/auto-recharge/recharge-amount.ts';
import { createBillingServices } from '../../src/billing/billing-services.ts';
import { recordUsage } from '../../src/billing/metering.ts';
import { listAttempts, type PaymentAttempt } from '../../src/billing/payments/payment-attempts.ts';
import { BillingProvider } from '../../src/billing/payments/provider.ts';
import { setFrozen } from '../../src/issuer/cards/card-controls-service.ts';
import type { CardNetwork } from '../../src/network/card-network.ts';
import { BILLING_TEST_CONFIG, billingPaymentsFixture, type BillingPaymentsFixture } from './payments-fixture.ts';

// Auto-recharge on the whole payment path: billing charges the default card
// off-session through the acquirer with the official stripe SDK, on
// Cardlane's issuer and the test bank. Time moves only by jumps of the
// injected clock; the job is run by calling runDue, as the background task does.

let b: BillingPaymentsFixture;
beforeEach(async () => {
  b = await billingPaymentsFixture();
});
afterEach(async () => {
  await (b.f.deps.network as CardNetwork).idle();
  await b.cards.assertConsistent();
  await b.close();
});

const VISA = '4242424242424242';
const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
let usageEvents = 0;


async function configure(apiKey: string, body: Record<string, unknown>) {
  const answer = await b.api(apiKey, 'POST', '/auto_recharge', { enabled: true, ...body });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body;
}

const status = async (apiKey: string) => (await b.api(apiKey, 'GET', '/auto_recharge')).body;
const recharges = async (orgId: string): Promise<PaymentAttempt[]> => (await listAttempts(b.f.db, orgId, { limit: 100, kind: 'auto_recharge' })).reverse();
const inbox = async (apiKey: string) => (await b.api(apiKey, 'GET', '/notifications')).body.data as { kind: string; subject: string; body: string; to: string }[];

/** Uses `cents` of credits through the metering API ($2 per 1M input tokens: 5,000 tokens a cent). */
async function spend(orgId: string, cents: number): Promise<void> {
  const outcome = await recordUsage(b.f.db, { clock: b.f.clock, ledger: b.f.ledger }, { orgId, usageEventId: `use-${++usageEvents}`, model: 'cardlane-echo-1', inputTokens: cents * 5_000, outputTokens: 0 });
  assert.equal(outcome.result, 'recorded');
}

test('fires once per crossing of the threshold, brings the balance to the target off-session, and credits with a receipt', async () => {
  const { orgId, apiKey } = await b.orgWithDefaultCard();
  const set = await configure(apiKey, { threshold: 500, target: 2_000 });
  assert.deepEqual([set.status, set.enabled, set.threshold.amount_minor, set.target.amount_minor, set.monthly_limit], ['active', true, 500, 2_000, null]);

  assert.equal((await b.billing.autoRecharge.runDue()).charged, 1);
  assert.equal(await b.balance(orgId), 2_000);
  const [first] = await recharges(orgId);
  assert.deepEqual([first?.status, first?.amountMinor, first?.initiator], ['succeeded', 2_000, 'merchant']);
  const pi = await b.f.stripe.paymentIntents.retrieve(first!.providerIntentId!);
  assert.equal(pi.metadata.kind, 'auto_recharge');
  const shown = await status(apiKey);
  assert.equal(shown.last_payment.id, first!.id);
  assert.equal(shown.last_payment.receipt.amount.amount_minor, 2_000);
  assert.equal(shown.in_flight_payment, null);

  // Above the threshold nothing happens, however often the job runs.
  for (let i = 0; i < 3; i++) assert.equal((await b.billing.autoRecharge.runDue()).charged, 0);
  await spend(orgId, 1_500); // 500 left: at the threshold, not below it
  assert.equal((await b.billing.autoRecharge.runDue()).charged, 0);
  await spend(orgId, 100); // 400: below
  await b.billing.autoRecharge.runDue();
  await b.billing.autoRecharge.runDue();
  assert.deepEqual((await recharges(orgId)).map((r) => r.amountMinor), [2_000, 1_600]);
  assert.equal(await b.balance(orgId), 2_000);
  assert.equal((await b.api(apiKey, 'GET', '/receipts')).body.data.length, 2);

  // Usage nudges the job (the merchant API does, without waiting): above the threshold it only reads; below it recharges at once.
  await b.billing.autoRecharge.nudge(orgId);
  await spend(orgId, 1_800);
  await Promise.all([b.billing.autoRecharge.nudge(orgId), b.billing.autoRecharge.nudge(orgId)]);
  assert.deepEqual((await recharges(orgId)).map((r) => r.amountMinor), [2_000, 1_600, 1_800]);
  assert.equal(await b.balance(orgId), 2_000);
});

test('the minimum recharge applies when the target needs less; the monthly limit adds only a remainder that meets the minimum, then stops until next month; manual purchases do not count', async () => {
  const { orgId, apiKey } = await b.orgWithDefaultCard();
  await configure(apiKey, { threshold: 500, target: 1_200, monthly_limit: 3_500 });
  await b.billing.autoRecharge.runDue();
  assert.equal(await b.balance(orgId), 1_200, 'from 0: up to the target');

  await spend(orgId, 800); // 400 left: the target needs 800, the minimum is 1,000
  await b.billing.autoRecharge.runDue();
  assert.equal(await b.balance(orgId), 1_400);
  assert.equal((await status(apiKey)).used_this_month.amount_minor, 2_200);

  await configure(apiKey, { threshold: 500, target: 2_000, monthly_limit: 3_500 });
  await spend(orgId, 1_400); // 0 left: the target needs 2,000, the limit has 1,300 left
  await b.billing.autoRecharge.runDue();
  assert.deepEqual((await recharges(orgId)).map((r) => r.amountMinor), [1_200, 1_000, 1_300]);
  assert.equal(await b.balance(orgId), 1_300);

  // A purchase by hand is not a recharge: the limit stays used up.
  const bought = await b.api(apiKey, 'POST', '/credit_purchases', { amount: 5_000 });
  assert.equal(bought.status, 200, JSON.stringify(bought.body));
  const limited = await status(apiKey);
  assert.deepEqual([limited.used_this_month.amount_minor, limited.status, limited.paused_reason], [3_500, 'paused', 'monthly_limit_reached']);
  const nextMonthMs = utcMonth(b.f.clock.nowMs()).endMs;
  assert.equal(limited.next_attempt_at, new Date(nextMonthMs).toISOString());
  assert.match(limited.paused_message, /next month/);
  await spend(orgId, 6_300);
  assert.equal(await b.balance(orgId), 0);
  await b.billing.autoRecharge.runDue();
  assert.equal((await recharges(orgId)).length, 3, 'no recharge once the limit is used up');

  b.f.clock.setMs(nextMonthMs);
  assert.equal((await status(apiKey)).status, 'active');
  await b.billing.autoRecharge.runDue();
  assert.equal(await b.balance(orgId), 2_000, 'a new month, a new limit');
  assert.equal((await status(apiKey)).used_this_month.amount_minor, 2_000);
});

test('never two recharges in flight: concurrent runs make one; a recharge whose answer is lost stays in flight until the sweep finishes it through the same handler', async () => {
  const { orgId, apiKey } = await b.orgWithDefaultCard();
  await configure(apiKey, { threshold: 500, target: 2_000 });
  const runs = await Promise.all([b.billing.autoRecharge.runFor(orgId), b.billing.autoRecharge.runFor(orgId), b.billing.autoRecharge.runDue(), b.billing.autoRecharge.runFor(orgId)]);
  assert.equal((await recharges(orgId)).length, 1, JSON.stringify(runs));
  assert.equal(await b.balance(orgId), 2_000);

  // The same billing with its provider unreachable: the charge's answer never comes.
  b.f.clock.advanceMs(60 * 1000);
  const offline = createBillingServices({ db: b.f.db, clock: b.f.clock, settings: BILLING_TEST_CONFIG, provider: await unreachableProvider(), ledger: b.f.ledger });
  await spend(orgId, 1_900);
  const lost = await offline.autoRecharge.runFor(orgId);
  assert.equal(lost.result, 'charged');
  assert.equal(lost.result === 'charged' && lost.attempt.status, 'processing');
  const pending = await status(apiKey);
  assert.equal(pending.in_flight_payment, lost.result === 'charged' ? lost.attempt.id : null);
  assert.equal(pending.status, 'active');

  // Balance 100 + 1,900 in flight: nothing more is charged, by either billing, however often it runs.
  await spend(orgId, 100);
  b.f.clock.advanceMs(10 * 60 * 1000);
  assert.deepEqual(await offline.autoRecharge.runFor(orgId), { result: 'skipped', reason: 'in_flight' });
  await b.billing.autoRecharge.runDue();
  assert.equal((await recharges(orgId)).length, 2);

  // The sweep sends it again with the same idempotency key; the handler credits it and clears the mark.
  assert.deepEqual(await b.billing.resumeStuckPayments(), { attempts: 1, refunds: 0 });
  const [, second] = await recharges(orgId);
  assert.equal(second?.status, 'succeeded');
  assert.equal(await b.balance(orgId), 1_900);
  const after = await status(apiKey);
  assert.equal(after.in_flight_payment, null);
  assert.equal(after.last_payment.id, second!.id);
  // 1,900 is above the threshold again: nothing more to do, and the job is free to act next time.
  await b.billing.autoRecharge.runDue();
  assert.equal((await recharges(orgId)).length, 2);
  await spend(orgId, 1_500);
  await b.billing.autoRecharge.runDue();
  assert.equal((await recharges(orgId)).length, 3);
});

test("the seed's story: a prepaid card refused for a purchase by hand pays the merchant-initiated recharge", async () => {
  // $15 on the card: the $10 minimum recharge plus the $5 verification hold, as the seed says.
  const { card, pmId } = await b.cardlaneCard(1_500);
  const { orgId, apiKey } = await b.orgWithDefaultCard(pmId);
  assert.equal(await b.cards.available(card), 1_500, 'the verification hold was released');
  const manual = await b.api(apiKey, 'POST', '/credit_purchases', { amount: 1_000 });
  assert.equal(manual.status, 402, 'the merchant blocks prepaid cards on customer-initiated purchases');
  assert.equal(manual.body.error.payment.failure.retry, 'hard');

  await configure(apiKey, { threshold: 500, target: 1_000 });
  await b.billing.autoRecharge.runDue();
  const [recharge] = await recharges(orgId);
  assert.deepEqual([recharge?.status, recharge?.initiator, recharge?.amountMinor], ['succeeded', 'merchant', 1_000]);
  assert.equal(await b.balance(orgId), 1_000);
  assert.equal(await b.cards.available(card), 500);
  assert.equal((await status(apiKey)).status, 'active');
});

test('soft declines back off (1 h, 2 h) and pause after the third; one notification, in words; the owner turning it on again resumes it', async () => {
  // $6 on the card: enough for the $5 verification, not for a $20 recharge (51 insufficient funds at the issuer).
  const { card, pmId } = await b.cardlaneCard(600);
  const { orgId, apiKey } = await b.orgWithDefaultCard(pmId);
  await configure(apiKey, { threshold: 500, target: 2_000 });
  const start = b.f.clock.nowMs();

  await b.billing.autoRecharge.runDue();
  const [first] = await recharges(orgId);
  assert.deepEqual([first?.status, first?.failureClass, first?.failure?.network_decline_code], ['failed', 'soft', '51']);
  let shown = await status(apiKey);
  assert.deepEqual([shown.status, shown.declines_in_a_row, shown.next_attempt_at], ['active', 1, new Date(start + HOUR).toISOString()]);
  assert.match(shown.last_payment.explanation, /enough money/);

  // Lago #6176: the job running again (or a balance refresh) does not re-fire the declined recharge.
  for (let i = 0; i < 5; i++) await b.billing.autoRecharge.runDue();
  b.f.clock.advanceMs(HOUR - 1);
  await b.billing.autoRecharge.runDue();
  assert.equal((await recharges(orgId)).length, 1);

  b.f.clock.advanceMs(1);
  await b.billing.autoRecharge.runDue();
  assert.equal((await recharges(orgId)).length, 2);
  assert.equal((await status(apiKey)).next_attempt_at, new Date(start + 3 * HOUR).toISOString(), 'then 2 h');
  b.f.clock.advanceMs(HOUR);
  await b.billing.autoRecharge.runDue();
  assert.equal((await recharges(orgId)).length, 2);
  b.f.clock.advanceMs(HOUR);
  await b.billing.autoRecharge.runDue();
  assert.deepEqual((await recharges(orgId)).map((r) => r.status), ['failed', 'failed', 'failed']);

  shown = await status(apiKey);
  assert.deepEqual([shown.enabled, shown.status, shown.paused_reason, shown.next_attempt_at], [true, 'paused', 'repeated_declines', null]);
  assert.match(shown.paused_message, /declined several times/);
  b.f.clock.advanceMs(30 * DAY);
  for (let i = 0; i < 3; i++) await b.billing.autoRecharge.runDue();
  assert.equal((await recharges(orgId)).length, 3, 'paused: no time brings it back');

  const letters = await inbox(apiKey);
  assert.equal(letters.length, 1);
  assert.equal(letters[0]!.kind, 'auto_recharge.paused');
  assert.match(letters[0]!.body, /did not have enough money/);
  assert.match(letters[0]!.body, /卡内余额不足/);
  assert.doesNotMatch(letters[0]!.body, /insufficient_funds|\b51\b/);
  assert.match(letters[0]!.to, new RegExp(orgId));
  await b.billing.autoRecharge.deliverNotifications();
  assert.equal((await inbox(apiKey)).length, 1, 'delivered once');

  // The cardholder adds money; the owner turns auto-recharge on again.
  await b.cards.load(card, 5_000);
  const resumed = await configure(apiKey, {});
  assert.deepEqual([resumed.status, resumed.declines_in_a_row, resumed.next_attempt_at], ['active', 0, null]);
  await b.billing.autoRecharge.runDue();
  assert.equal(await b.balance(orgId), 2_000);
  assert.equal((await recharges(orgId)).at(-1)?.status, 'succeeded');
});

test('a hard decline pauses at once and notifies once per pause; a new default card resumes it', async () => {
  const { card, pmId } = await b.cardlaneCard(5_000);
  const { orgId, apiKey } = await b.orgWithDefaultCard(pmId);
  await configure(apiKey, { threshold: 500, target: 2_000 });
  // The cardholder freezes the card: the issuer declines 62 (restricted), which retrying will not change.
  await b.f.db.transaction((tx) => setFrozen(tx, b.cards.cardDeps, { cardholderId: card.cardholderId, cardId: card.cardId, frozen: true }));

  await b.billing.autoRecharge.runDue();
  const [first] = await recharges(orgId);
  assert.deepEqual([first?.status, first?.failureClass, first?.failure?.decline_code], ['failed', 'hard', 'restricted_card']);
  const paused = await status(apiKey);
  assert.deepEqual([paused.status, paused.paused_reason], ['paused', 'hard_decline']);
  // Finishing the same attempt again (the sweep, a retry) changes nothing and tells nobody twice.
  await b.billing.runner.run(first!.id);
  await b.billing.autoRecharge.runDue();
  assert.equal((await inbox(apiKey)).length, 1);

  const visa = await b.testCard(VISA);
  await b.api(apiKey, 'POST', '/payment_methods', { payment_method: visa });
  assert.equal((await status(apiKey)).status, 'paused', 'adding a card is not enough: it must become the default');
  await b.api(apiKey, 'POST', `/payment_methods/${visa}/default`);
  assert.equal((await status(apiKey)).status, 'active');
  await b.billing.autoRecharge.runDue();
  assert.equal(await b.balance(orgId), 2_000);
  assert.equal((await recharges(orgId)).at(-1)?.paymentMethodId, visa);

  // Back to the frozen card: the change resumes nothing bad — it is tried once more and pauses again: a new pause, a new letter.
  await spend(orgId, 1_600);
  await b.api(apiKey, 'POST', `/payment_methods/${pmId}/default`);
  await b.billing.autoRecharge.runDue();
  assert.equal((await status(apiKey)).status, 'paused');
  assert.equal((await inbox(apiKey)).length, 2);

  // Removing the default card leaves nothing to charge: shown as paused, never "on".
  await b.api(apiKey, 'POST', `/payment_methods/${visa}/default`);
  await b.api(apiKey, 'DELETE', `/payment_methods/${visa}`);
  const noCard = await status(apiKey);
  assert.deepEqual([noCard.enabled, noCard.status, noCard.paused_reason], [true, 'paused', 'no_default_card']);
  await b.billing.autoRecharge.runDue();
  assert.equal((await recharges(orgId)).length, 3);
});

test('a new default card set while a recharge on the old one is in flight: the old card\'s decline pauses nothing, the new card is charged next', async () => {
  const { card, pmId } = await b.cardlaneCard(5_000);
  const { orgId, apiKey } = await b.orgWithDefaultCard(pmId);
  await configure(apiKey, { threshold: 500, target: 2_000 });
  await b.f.db.transaction((tx) => setFrozen(tx, b.cards.cardDeps, { cardholderId: card.cardholderId, cardId: card.cardId, frozen: true }));
  const offline = createBillingServices({ db: b.f.db, clock: b.f.clock, settings: BILLING_TEST_CONFIG, provider: await unreachableProvider(), ledger: b.f.ledger });
  assert.equal((await offline.autoRecharge.runFor(orgId)).result, 'charged');

  const visa = await b.testCard(VISA);
  await b.api(apiKey, 'POST', '/payment_methods', { payment_method: visa });
  await b.api(apiKey, 'POST', `/payment_methods/${visa}/default`);
  b.f.clock.advanceMs(60 * 1000);
  await b.billing.resumeStuckPayments();
  const [old] = await recharges(orgId);
  assert.deepEqual([old?.status, old?.failureClass, old?.paymentMethodId], ['failed', 'hard', pmId]);
  const shown = await status(apiKey);
  assert.deepEqual([shown.status, shown.in_flight_payment, shown.declines_in_a_row, shown.next_attempt_at], ['active', null, 0, null]);

  await b.billing.autoRecharge.runDue();
  assert.deepEqual((await recharges(orgId)).map((r) => [r.status, r.paymentMethodId]), [['failed', pmId], ['succeeded', visa]]);
  assert.equal(await b.balance(orgId), 2_000);
  assert.deepEqual(await inbox(apiKey), []);
});

test('processor failures (the issuer down: 96) back off and retry without counting toward the pause', async () => {
  const { pmId } = await b.cardlaneCard(5_000);
  const { orgId, apiKey } = await b.orgWithDefaultCard(pmId);
  await configure(apiKey, { threshold: 500, target: 2_000 });
  const start = b.f.clock.nowMs();
  const issuer = b.cards.issuer;
  const authorize = issuer.authorize;
  // The issuer fails every authorization (as a crashed system would); the network answers 96 in its stead.
  issuer.authorize = async () => {
    throw new Error('issuer system down (test)');
  };
  try {
    let waited = 0;
    for (const hours of [1, 2, 4, 8]) {
      await b.billing.autoRecharge.runDue();
      const shown = await status(apiKey);
      assert.deepEqual([shown.status, shown.declines_in_a_row], ['active', 0]);
      waited += hours;
      assert.equal(shown.next_attempt_at, new Date(b.f.clock.nowMs() + hours * HOUR).toISOString());
      b.f.clock.advanceMs(hours * HOUR);
    }
    assert.equal(waited, 15);
    const failed = await recharges(orgId);
    assert.deepEqual(failed.map((r) => [r.status, r.failureClass, r.failure?.decline_code]), Array(4).fill(['failed', 'processor', 'processing_error']));
    assert.match((await status(apiKey)).last_payment.explanation, /could not be reached/);
  } finally {
    issuer.authorize = authorize;
  }
  await (b.f.deps.network as CardNetwork).idle();
  await b.billing.autoRecharge.runDue();
  assert.equal((await recharges(orgId)).at(-1)?.status, 'succeeded');
  assert.equal(await b.balance(orgId), 2_000);
  assert.deepEqual(await inbox(apiKey), [], 'nothing to tell: it never paused');
  assert.ok(b.f.clock.nowMs() - start === 15 * HOUR);
});

test('the settings API: clear 400s, enabling needs a default card, turning off is always possible', async () => {
  const { orgId, apiKey } = await b.newOrg();
  const off = await status(apiKey);
  assert.deepEqual([off.object, off.enabled, off.status, off.threshold, off.in_flight_payment, off.last_payment], ['billing.auto_recharge', false, 'off', null, null, null]);
  assert.equal(off.recharge_minimum.amount_minor, 1_000);

  const noCard = await b.api(apiKey, 'POST', '/auto_recharge', { enabled: true, threshold: 500, target: 2_000 });
  assert.deepEqual([noCard.status, noCard.body.error.code], [400, 'payment_method_required']);
  const visa = await b.testCard(VISA);
  await b.api(apiKey, 'POST', '/payment_methods', { payment_method: visa });
  await b.api(apiKey, 'POST', `/payment_methods/${visa}/default`);

  const bad: [Record<string, unknown>, number, string][] = [
    [{ threshold: 500 }, 400, 'parameter_missing'],
    [{ threshold: -1, target: 2_000 }, 400, 'parameter_invalid'],
    [{ threshold: 500.5, target: 2_000 }, 400, 'parameter_invalid'],
    [{ threshold: 'five', target: 2_000 }, 400, 'parameter_invalid'],
    [{ threshold: 100_000, target: 100_000 }, 400, 'auto_recharge_threshold_invalid'],
    [{ threshold: 2_000, target: 2_000 }, 400, 'auto_recharge_target_invalid'],
    [{ threshold: 0, target: 999 }, 400, 'auto_recharge_target_invalid'],
    [{ threshold: 500, target: 100_001 }, 400, 'auto_recharge_target_invalid'],
    [{ threshold: 500, target: 2_000, monthly_limit: 999 }, 400, 'auto_recharge_monthly_limit_invalid'],
    [{ threshold: 500, target: 2_000, monthly_limit: 0 }, 400, 'auto_recharge_monthly_limit_invalid'],
  ];
  for (const [body, code, error] of bad) {
    const answer = await b.api(apiKey, 'POST', '/auto_recharge', { enabled: true, ...body });
    assert.deepEqual([answer.status, answer.body.error?.code], [code, error], JSON.stringify(body));
  }
  assert.equal((await status(apiKey)).status, 'off', 'bad input changed nothing');

  const on = await configure(apiKey, { threshold: 0, target: 1_000, monthly_limit: 1_000 });
  assert.deepEqual([on.status, on.monthly_limit.amount_minor, on.monthly_limit.formatted], ['active', 1_000, '$10.00']);
  const unlimited = await configure(apiKey, { monthly_limit: null });
  assert.deepEqual([unlimited.monthly_limit, unlimited.threshold.amount_minor], [null, 0], 'omitted fields keep their values');
  const turnedOff = await b.api(apiKey, 'POST', '/auto_recharge', { enabled: false, threshold: 500 });
  assert.deepEqual([turnedOff.status, turnedOff.body.status, turnedOff.body.threshold.amount_minor, turnedOff.body.target.amount_minor], [200, 'off', 500, 1_000]);
  await b.billing.autoRecharge.runDue();
  assert.equal((await recharges(orgId)).length, 0, 'off: no recharge below the threshold');

  assert.equal((await b.api('sk-cl-wrong', 'GET', '/auto_recharge')).status, 401);
  assert.equal((await b.api('sk-cl-wrong', 'GET', '/notifications')).status, 401);
  const other = await b.newOrg('Someone else');
  assert.equal((await status(other.apiKey)).status, 'off', "one organization's settings are its own");
});

/** A provider on a port where nothing listens: every call fails to connect, as when the provider is down. */
async function unreachableProvider(): Promise<BillingProvider> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return new BillingProvider({ stripeBaseUrl: `http://127.0.0.1:${port}`, stripeSecretKey: b.f.merchant.secretKey, stripePublishableKey: b.f.merchant.publishableKey }, '/nonexistent');
}
