import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { listAttempts } from '../../src/billing/payments/payment-attempts.ts';
import { STUCK_AFTER_MS } from '../../src/billing/payments/payment-sweep.ts';
import { INCOMPLETE_EXPIRES_AFTER_MS } from '../../src/billing/subscriptions/subscription-states.ts';
import { listCardAuthorizations } from '../../src/issuer/authorization/records.ts';
import { setFrozen } from '../../src/issuer/cards/card-controls-service.ts';
import { billingPaymentsFixture, type BillingPaymentsFixture } from './payments-fixture.ts';

// Subscriptions (ChatGPT Plus style) on the whole payment path: the first
// payment customer-initiated, renewals merchant-initiated off-session, driven
// by jumps of the injected clock and the renewal job — no sleeping. The
// merchant has the seed's rule (prepaid cards refused on customer-initiated
// payments).

let b: BillingPaymentsFixture;
beforeEach(async () => {
  b = await billingPaymentsFixture();
});
afterEach(async () => {
  await b.cards.assertConsistent();
  await b.close();
});

const VISA = '4242424242424242';
const DECLINES_CHARGES = '4000000000000341';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const utc = (y: number, m: number, d: number, h = 0) => Date.UTC(y, m - 1, d, h);
const iso = (ms: number) => new Date(ms).toISOString();


async function setDefault(apiKey: string, pm: string) {
  const made = await b.api(apiKey, 'POST', `/payment_methods/${pm}/default`);
  assert.equal(made.status, 200, JSON.stringify(made.body));
}

async function subscribePlus(apiKey: string) {
  const answer = await b.api(apiKey, 'POST', '/subscriptions', { plan: 'plus' });
  assert.equal(answer.status, 201, JSON.stringify(answer.body));
  return answer.body;
}

const subscription = async (apiKey: string, id: string) => (await b.api(apiKey, 'GET', `/subscriptions/${id}`)).body;
const subscriptionPayments = async (orgId: string) => (await listAttempts(b.f.db, orgId, { limit: 50, kind: 'subscription' })).reverse();

test('Plus at $20/month: subscribed with the default card, renewed with the clock on the anchor day (Jan 31 → Feb 28 → Mar 31), a receipt for each period', async () => {
  b.f.clock.setMs(utc(2027, 1, 31, 12));
  const plans = await b.api((await b.newOrg()).apiKey, 'GET', '/plans');
  assert.deepEqual(
    plans.body.data.map((plan: any) => [plan.id, plan.name, plan.amount.amount_minor, plan.amount.currency, plan.interval, plan.interval_count]),
    [['plus', 'Plus', 2000, 'USD', 'month', 1]],
  );

  const { orgId, apiKey } = await b.orgWithDefaultCard(await b.testCard(VISA));
  const sub = await subscribePlus(apiKey);
  assert.equal(sub.status, 'active');
  assert.equal(sub.price.amount_minor, 2000);
  assert.equal(sub.current_period_start, iso(utc(2027, 1, 31, 12)));
  assert.equal(sub.current_period_end, iso(utc(2027, 2, 28, 12)));
  assert.equal(sub.next_payment_at, iso(utc(2027, 2, 28, 12)));
  assert.equal(sub.latest_payment.initiator, 'customer');
  assert.equal(sub.latest_payment.receipt.description, 'Plus subscription, 2027-01-31 to 2027-02-28');

  b.f.clock.setMs(utc(2027, 2, 28, 12) - 1);
  assert.equal((await b.billing.subscriptions.runDue()).charged, 0, 'nothing is due a millisecond before the period ends');
  b.f.clock.setMs(utc(2027, 2, 28, 12));
  assert.deepEqual(await b.billing.subscriptions.runDue(), { charged: 1, renewed: 1, failed: 0, skipped: 0, ended: 0, expired: 0 });
  assert.equal((await b.billing.subscriptions.runDue()).charged, 0, 'a period is charged once');

  const renewed = await subscription(apiKey, sub.id);
  assert.equal(renewed.status, 'active');
  assert.equal(renewed.current_period_start, iso(utc(2027, 2, 28, 12)));
  assert.equal(renewed.current_period_end, iso(utc(2027, 3, 31, 12)), 'the anchor day comes back after February');
  assert.equal(renewed.latest_payment.initiator, 'merchant', 'renewals are merchant-initiated (off-session)');

  b.f.clock.setMs(utc(2027, 3, 31, 12) + 5 * HOUR);
  await b.billing.subscriptions.runDue();
  assert.equal((await subscription(apiKey, sub.id)).current_period_end, iso(utc(2027, 4, 30, 12)), 'a late run pays the next period from where the last ended');

  const payments = await subscriptionPayments(orgId);
  assert.deepEqual(payments.map((p) => [p.initiator, p.status, p.amountMinor, p.subscriptionId]), [
    ['customer', 'succeeded', 2000, sub.id],
    ['merchant', 'succeeded', 2000, sub.id],
    ['merchant', 'succeeded', 2000, sub.id],
  ]);
  const receipts = (await b.api(apiKey, 'GET', '/receipts')).body.data.map((r: any) => r.description).reverse();
  assert.deepEqual(receipts, ['Plus subscription, 2027-01-31 to 2027-02-28', 'Plus subscription, 2027-02-28 to 2027-03-31', 'Plus subscription, 2027-03-31 to 2027-04-30']);
  // Renewals are invoices too: one per period, numbered in order, issued when the renewal was paid.
  const invoices = (await b.api(apiKey, 'GET', '/invoices')).body.data.reverse();
  const suffix = orgId.slice(-6).toUpperCase();
  assert.deepEqual(
    invoices.map((i: any) => [i.number, i.description, i.total.amount_minor, i.payment, i.status, i.issued_at]),
    payments.map((p, n) => [`INV-${suffix}-00000${n + 1}`, receipts[n], 2000, p.id, 'paid', iso(p.finishedAtMs!)]),
  );
  // The same line as data, for a page to word in its reader's language (the billing page's invoices in Chinese).
  assert.deepEqual(invoices[1].line, { kind: 'subscription', plan: 'Plus', period: { start: '2027-02-28T12:00:00.000Z', end: '2027-03-31T12:00:00.000Z' } });
});

test("a prepaid Cardlane card: the seed's rule blocks the first, customer-initiated payment — nothing starts, the block is kept; the same subscription is paid with another card and then renews on the prepaid one, merchant-initiated", async () => {
  const { card, pmId } = await b.cardlaneCard(4500);
  const { orgId, apiKey } = await b.orgWithDefaultCard(pmId);
  const refused = await b.api(apiKey, 'POST', '/subscriptions', { plan: 'plus' });
  assert.equal(refused.status, 402);
  assert.equal(refused.body.error.code, 'card_declined');
  const subId = refused.body.error.payment.subscription;
  assert.match(subId, /^sub_/);

  const incomplete = await subscription(apiKey, subId);
  assert.equal(incomplete.status, 'incomplete');
  assert.equal(incomplete.current_period_end, null);
  assert.equal(incomplete.latest_payment.status, 'failed');
  const [blocked] = await subscriptionPayments(orgId);
  assert.equal(blocked?.failure?.outcome?.type, 'blocked', 'the acquirer blocked it with the merchant rule');
  assert.equal(blocked?.failure?.network_decline_code, null, 'no authorization reached the issuer');
  assert.equal(await b.cards.available(card), 4500, 'nothing was taken');
  assert.equal((await b.api(apiKey, 'GET', '/receipts')).body.data.length, 0);
  b.f.clock.advanceMs(22 * HOUR);
  assert.equal((await b.billing.subscriptions.runDue()).charged, 0, 'an incomplete subscription is never charged by the merchant');

  // Pay the first period with a credit card (within the 23 hours): the incomplete subscription is completed, not duplicated.
  const visa = await b.testCard(VISA);
  await b.api(apiKey, 'POST', '/payment_methods', { payment_method: visa });
  await setDefault(apiKey, visa);
  const paid = await subscribePlus(apiKey);
  assert.equal(paid.id, subId);
  assert.equal(paid.status, 'active');

  // The seed's fix: the prepaid card as the default pays the merchant-initiated renewals the rule does not block.
  await setDefault(apiKey, pmId);
  b.f.clock.setMs(Date.parse(paid.current_period_end));
  assert.equal((await b.billing.subscriptions.runDue()).renewed, 1);
  assert.equal(await b.cards.available(card), 2500);
  const renewal = (await subscriptionPayments(orgId)).at(-1);
  assert.deepEqual([renewal?.initiator, renewal?.status, renewal?.paymentMethodId], ['merchant', 'succeeded', pmId]);
  const [atIssuer] = await listCardAuthorizations(b.f.db, card.cardId, { limit: 1 });
  assert.deepEqual([atIssuer?.initiator, atIssuer?.entryMode, atIssuer?.approved, atIssuer?.amount.minor], ['merchant', 'credential_on_file', true, 2000], 'the issuer saw a merchant-initiated charge of a stored card');
});

test('a renewal declined for insufficient funds goes past due, is retried on the schedule, and recovers when the card is topped up', async () => {
  b.f.clock.setMs(utc(2027, 1, 1));
  const { card, pmId } = await b.cardlaneCard(2500);
  const visa = await b.testCard(VISA);
  const { orgId, apiKey } = await b.orgWithDefaultCard(visa);
  const sub = await subscribePlus(apiKey);
  await b.api(apiKey, 'POST', '/payment_methods', { payment_method: pmId });
  await setDefault(apiKey, pmId);

  const feb1 = Date.parse(sub.current_period_end);
  b.f.clock.setMs(feb1);
  assert.equal((await b.billing.subscriptions.runDue()).renewed, 1, 'the first renewal leaves $5 on the card');
  const mar1 = Date.parse((await subscription(apiKey, sub.id)).current_period_end);

  b.f.clock.setMs(mar1);
  assert.equal((await b.billing.subscriptions.runDue()).failed, 1);
  let now = await subscription(apiKey, sub.id);
  assert.equal(now.status, 'past_due');
  assert.equal(now.failed_payments, 1);
  assert.equal(now.last_failure_code, 'insufficient_funds');
  assert.equal(now.past_due_since, iso(mar1));
  assert.equal(now.next_payment_at, iso(mar1 + DAY));
  assert.equal(now.latest_payment.failure.network_decline_code, '51');
  assert.equal(now.latest_payment.failure.retry, 'soft');
  assert.equal(now.current_period_end, iso(mar1), 'the unpaid period is not started');

  b.f.clock.setMs(mar1 + DAY - 1);
  assert.equal((await b.billing.subscriptions.runDue()).charged, 0, 'no retry before its time');
  b.f.clock.setMs(mar1 + DAY);
  assert.equal((await b.billing.subscriptions.runDue()).failed, 1);
  now = await subscription(apiKey, sub.id);
  assert.deepEqual([now.status, now.failed_payments, now.next_payment_at], ['past_due', 2, iso(mar1 + 4 * DAY)]);

  await b.cards.load(card, 2000);
  b.f.clock.setMs(mar1 + 4 * DAY);
  assert.equal((await b.billing.subscriptions.runDue()).renewed, 1);
  now = await subscription(apiKey, sub.id);
  assert.equal(now.status, 'active');
  assert.deepEqual([now.failed_payments, now.past_due_since, now.last_failure_code], [0, null, null]);
  assert.equal(now.current_period_start, iso(mar1), 'the recovered period starts where the last one ended');
  assert.equal(now.current_period_end, iso(utc(2027, 4, 1)));
  assert.equal(await b.cards.available(card), 500);
  const statuses = (await subscriptionPayments(orgId)).map((p) => `${p.initiator} ${p.status}`);
  assert.deepEqual(statuses, ['customer succeeded', 'merchant succeeded', 'merchant failed', 'merchant failed', 'merchant succeeded']);
});

test('declines through the whole schedule (+1, +3, +5 days) cancel the subscription with reason payment_failed; nothing is charged after', async () => {
  const { orgId, apiKey } = await b.orgWithDefaultCard(await b.testCard(VISA));
  const sub = await subscribePlus(apiKey);
  const declining = await b.testCard(DECLINES_CHARGES);
  await b.api(apiKey, 'POST', '/payment_methods', { payment_method: declining });
  await setDefault(apiKey, declining);

  const end = Date.parse(sub.current_period_end);
  const tries = [end, end + 1 * DAY, end + 4 * DAY, end + 9 * DAY];
  for (const [n, at] of tries.entries()) {
    b.f.clock.setMs(at);
    assert.equal((await b.billing.subscriptions.runDue()).failed, 1, `try ${n + 1}`);
    const now = await subscription(apiKey, sub.id);
    if (n < 3) assert.deepEqual([now.status, now.failed_payments, now.next_payment_at], ['past_due', n + 1, iso(tries[n + 1]!)]);
  }
  const ended = await subscription(apiKey, sub.id);
  assert.equal(ended.status, 'canceled');
  assert.equal(ended.cancellation_reason, 'payment_failed');
  assert.equal(ended.ended_at, iso(end + 9 * DAY));
  assert.equal(ended.next_payment_at, null);
  assert.equal(ended.latest_payment.failure.decline_code, 'generic_decline');

  b.f.clock.advanceMs(60 * DAY);
  assert.equal((await b.billing.subscriptions.runDue()).charged, 0);
  assert.equal((await subscriptionPayments(orgId)).length, 5, 'the first payment and four renewal tries');
  // Over for good: a new subscription can be made, and it is a new one.
  const visa2 = await b.testCard(VISA);
  await b.api(apiKey, 'POST', '/payment_methods', { payment_method: visa2 });
  await setDefault(apiKey, visa2);
  const again = await subscribePlus(apiKey);
  assert.notEqual(again.id, sub.id);
});

test('a hard decline (frozen card) is not sent to that card again; a new default card is tried at once and recovers the subscription', async () => {
  const { card, pmId } = await b.cardlaneCard(5000);
  const { orgId, apiKey } = await b.orgWithDefaultCard(await b.testCard(VISA));
  const sub = await subscribePlus(apiKey);
  await b.api(apiKey, 'POST', '/payment_methods', { payment_method: pmId });
  await setDefault(apiKey, pmId);
  await b.f.db.transaction((tx) => setFrozen(tx, b.cards.cardDeps, { cardholderId: card.cardholderId, cardId: card.cardId, frozen: true }));

  const end = Date.parse(sub.current_period_end);
  b.f.clock.setMs(end);
  assert.equal((await b.billing.subscriptions.runDue()).failed, 1);
  let now = await subscription(apiKey, sub.id);
  assert.deepEqual([now.status, now.last_failure_code, now.latest_payment.failure.retry], ['past_due', 'restricted_card', 'hard']);

  b.f.clock.setMs(end + DAY);
  assert.deepEqual(await b.billing.subscriptions.runDue(), { charged: 0, renewed: 0, failed: 0, skipped: 1, ended: 0, expired: 0 }, 'the slot passes without charging the card');
  now = await subscription(apiKey, sub.id);
  assert.deepEqual([now.status, now.failed_payments, now.next_payment_at], ['past_due', 2, iso(end + 4 * DAY)]);

  b.f.clock.advanceMs(2 * HOUR);
  const visa = await b.testCard(VISA);
  await b.api(apiKey, 'POST', '/payment_methods', { payment_method: visa });
  await setDefault(apiKey, visa);
  assert.equal((await subscription(apiKey, sub.id)).next_payment_at, iso(end + DAY + 2 * HOUR), 'a new default card brings the retry forward to now');
  assert.equal((await b.billing.subscriptions.runDue()).renewed, 1);
  now = await subscription(apiKey, sub.id);
  assert.deepEqual([now.status, now.current_period_start, now.failed_payments], ['active', iso(end), 0]);
  const onFrozen = (await subscriptionPayments(orgId)).filter((p) => p.paymentMethodId === pmId);
  assert.equal(onFrozen.length, 1, 'the frozen card was charged once');
});

test('cancel at period end keeps it active until the end, then it ends without a charge; resume takes it back; cancel now ends at once', async () => {
  const { orgId, apiKey } = await b.orgWithDefaultCard(await b.testCard(VISA));
  const sub = await subscribePlus(apiKey);
  const end = Date.parse(sub.current_period_end);

  b.f.clock.advanceMs(3 * DAY);
  const scheduled = await b.api(apiKey, 'POST', `/subscriptions/${sub.id}/cancel`, { at_period_end: true });
  assert.equal(scheduled.status, 200, JSON.stringify(scheduled.body));
  assert.deepEqual([scheduled.body.status, scheduled.body.cancel_at_period_end, scheduled.body.next_payment_at], ['active', true, null]);
  assert.equal(scheduled.body.cancel_requested_at, iso(b.f.clock.nowMs()));
  const resumed = await b.api(apiKey, 'POST', `/subscriptions/${sub.id}/resume`);
  assert.deepEqual([resumed.body.cancel_at_period_end, resumed.body.next_payment_at], [false, iso(end)]);
  await b.api(apiKey, 'POST', `/subscriptions/${sub.id}/cancel`, { at_period_end: true });

  b.f.clock.setMs(end + HOUR);
  assert.deepEqual(await b.billing.subscriptions.runDue(), { charged: 0, renewed: 0, failed: 0, skipped: 0, ended: 1, expired: 0 });
  const ended = await subscription(apiKey, sub.id);
  assert.deepEqual([ended.status, ended.cancellation_reason, ended.ended_at], ['canceled', 'requested', iso(end)]);
  assert.equal((await subscriptionPayments(orgId)).length, 1, 'no renewal was charged');
  const cannot = await b.api(apiKey, 'POST', `/subscriptions/${sub.id}/resume`);
  assert.deepEqual([cannot.status, cannot.body.error.code], [409, 'subscription_canceled']);
  const again = await b.api(apiKey, 'POST', `/subscriptions/${sub.id}/cancel`);
  assert.deepEqual([again.status, again.body.status], [200, 'canceled'], 'canceling a canceled subscription answers it');

  const second = await subscribePlus(apiKey);
  const now = await b.api(apiKey, 'POST', `/subscriptions/${second.id}/cancel`);
  assert.deepEqual([now.body.status, now.body.ended_at, now.body.cancel_at_period_end], ['canceled', iso(b.f.clock.nowMs()), false]);
  b.f.clock.advanceMs(40 * DAY);
  assert.equal((await b.billing.subscriptions.runDue()).charged, 0);
  const listed = await b.api(apiKey, 'GET', '/subscriptions');
  assert.deepEqual(listed.body.data.map((s: any) => [s.id, s.status]), [[second.id, 'canceled'], [sub.id, 'canceled']]);
});

test('one live subscription per plan; bad requests change nothing; another organization sees none of it; an Idempotency-Key answers the first request again', async () => {
  const other = await b.newOrg();
  const { orgId, apiKey } = await b.newOrg();
  const noCard = await b.api(apiKey, 'POST', '/subscriptions', { plan: 'plus' });
  assert.deepEqual([noCard.status, noCard.body.error.code], [400, 'payment_method_required']);
  const visa = await b.testCard(VISA);
  await b.api(apiKey, 'POST', '/payment_methods', { payment_method: visa });
  await setDefault(apiKey, visa);
  const unknown = await b.api(apiKey, 'POST', '/subscriptions', { plan: 'enterprise' });
  assert.deepEqual([unknown.status, unknown.body.error.code, unknown.body.error.param], [404, 'resource_missing', 'plan']);
  for (const body of [{}, { plan: '' }, { plan: 'x'.repeat(121) }]) assert.equal((await b.api(apiKey, 'POST', '/subscriptions', body)).status, 400, JSON.stringify(body));
  assert.equal((await b.api('sk-cl-wrong', 'GET', '/subscriptions')).status, 401);
  assert.equal((await subscriptionPayments(orgId)).length, 0);

  const headers = { 'idempotency-key': 'plus-1' };
  const first = await b.api(apiKey, 'POST', '/subscriptions', { plan: 'plus' }, headers);
  assert.equal(first.status, 201);
  const retried = await b.api(apiKey, 'POST', '/subscriptions', { plan: 'plus' }, headers);
  assert.deepEqual([retried.status, retried.body.id], [201, first.body.id]);
  const twice = await b.api(apiKey, 'POST', '/subscriptions', { plan: 'plus' });
  assert.deepEqual([twice.status, twice.body.error.code, twice.body.error.subscription], [409, 'subscription_exists', first.body.id]);
  assert.equal((await subscriptionPayments(orgId)).length, 1, 'paid once');

  assert.equal((await b.api(other.apiKey, 'GET', `/subscriptions/${first.body.id}`)).status, 404);
  assert.equal((await b.api(other.apiKey, 'POST', `/subscriptions/${first.body.id}/cancel`)).status, 404);
  assert.deepEqual((await b.api(other.apiKey, 'GET', '/subscriptions')).body.data, []);
  assert.equal((await subscription(apiKey, first.body.id)).status, 'active');
  const badCancel = await b.api(apiKey, 'POST', `/subscriptions/${first.body.id}/cancel`, { at_period_end: 'yes' });
  assert.equal(badCancel.status, 400);
});

test('a renewal whose provider call never happened (a crash after the claim) is charged once: the job does not start another, the stuck-payment sweep finishes it through the handler', async () => {
  const { orgId, apiKey } = await b.orgWithDefaultCard(await b.testCard(VISA));
  const sub = await subscribePlus(apiKey);
  b.f.clock.setMs(Date.parse(sub.current_period_end));

  const claims = await b.billing.subscriptions.renewals.claimDue();
  assert.equal(claims.length, 1);
  assert.equal((await b.billing.subscriptions.runDue()).charged, 0, 'a subscription with a payment in flight is not claimed again');
  const cancel = await b.api(apiKey, 'POST', `/subscriptions/${sub.id}/cancel`);
  assert.deepEqual([cancel.status, cancel.body.error.code], [409, 'subscription_payment_processing']);
  assert.equal((await subscription(apiKey, sub.id)).latest_payment.status, 'processing');

  b.f.clock.advanceMs(STUCK_AFTER_MS);
  assert.equal((await b.billing.resumeStuckPayments()).attempts, 1);
  const renewed = await subscription(apiKey, sub.id);
  assert.equal(renewed.status, 'active');
  assert.equal(renewed.latest_payment.status, 'succeeded');
  assert.equal(renewed.current_period_start, sub.current_period_end);
  assert.equal((await b.billing.resumeStuckPayments()).attempts, 0);
  assert.equal((await subscriptionPayments(orgId)).length, 2);
});

test('two renewal jobs at once charge a period once', async () => {
  const orgs = [];
  for (let i = 0; i < 3; i++) {
    const org = await b.orgWithDefaultCard(await b.testCard(VISA));
    orgs.push({ ...org, sub: await subscribePlus(org.apiKey) });
  }
  b.f.clock.advanceMs(32 * DAY);
  const runs = await Promise.all([b.billing.subscriptions.runDue(), b.billing.subscriptions.runDue(), b.billing.subscriptions.runDue()]);
  assert.equal(runs.reduce((sum, run) => sum + run.renewed, 0), 3);
  for (const org of orgs) {
    assert.deepEqual((await subscriptionPayments(org.orgId)).map((p) => p.status), ['succeeded', 'succeeded']);
    assert.equal((await subscription(org.apiKey, org.sub.id)).current_period_start, org.sub.current_period_end);
  }
});

test('an incomplete subscription not paid within 23 hours ends (payment_failed); subscribing again starts a new one', async () => {
  const declines = await b.testCard(DECLINES_CHARGES);
  const { apiKey } = await b.orgWithDefaultCard(declines);
  const refused = await b.api(apiKey, 'POST', '/subscriptions', { plan: 'plus' });
  assert.equal(refused.status, 402, JSON.stringify(refused.body));
  const subId = refused.body.error.payment.subscription;

  b.f.clock.advanceMs(INCOMPLETE_EXPIRES_AFTER_MS - 1);
  assert.equal((await b.billing.subscriptions.runDue()).expired, 0);
  assert.equal((await subscription(apiKey, subId)).status, 'incomplete', 'still open for a retry');
  b.f.clock.advanceMs(1);
  const run = await b.billing.subscriptions.runDue();
  assert.deepEqual([run.expired, run.charged], [1, 0]);
  const ended = await subscription(apiKey, subId);
  assert.deepEqual([ended.status, ended.cancellation_reason], ['canceled', 'payment_failed']);
  assert.equal((await b.billing.subscriptions.runDue()).expired, 0, 'once');

  const visa = await b.testCard(VISA);
  await b.api(apiKey, 'POST', '/payment_methods', { payment_method: visa });
  await setDefault(apiKey, visa);
  const fresh = await subscribePlus(apiKey);
  assert.notEqual(fresh.id, subId);
  assert.equal(fresh.status, 'active');
});
