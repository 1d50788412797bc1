import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { PaymentIntents } from '../../src/acquirer/payments/payment-intents.ts';
import { resendPendingRefunds } from '../../src/acquirer/payments/refunds.ts';
import { findRefund } from '../../src/billing/payments/credit-refunds.ts';
import { findAttempt, finishAttempt, insertAttempt, listAttempts, recordProviderIntent, SEND_LEASE_MS } from '../../src/billing/payments/payment-attempts.ts';
import type { CardNetwork } from '../../src/network/card-network.ts';
import { lossyProvider } from './lossy-provider.ts';
import { billingPaymentsFixture, type BillingPaymentsFixture } from './payments-fixture.ts';

// Billing's money safety on the whole payment path (the real acquirer, network
// and issuers): no retry, crash, race or lost answer creates or loses money.
// Crashes are lost answers (a relay cuts the connection after the acquirer
// acted, lossy-provider.ts) or an issuer that is down (the network answers
// 91/96 for it, so the acquirer leaves the payment `processing` or the refund
// `pending`). The merchant's prepaid-card rule is off here: Cardlane's cards
// (prepaid) are what the tests can take the issuer of offline.

let b: BillingPaymentsFixture;
beforeEach(async () => {
  b = await billingPaymentsFixture({ seedRule: false });
});
afterEach(async () => {
  await (b.f.deps.network as CardNetwork).idle();
  await b.cards.assertConsistent();
  await b.close();
});

const VISA = '4242424242424242';
const DECLINES_CHARGES = '4000000000000341';


/** How many payment (or setup) intents the acquirer holds for the organization's billing attempts: each is one charge of the card. */
async function providerIntents(orgId: string, table: 'acquirer_payment_intents' | 'acquirer_setup_intents' = 'acquirer_payment_intents'): Promise<number> {
  const row = await b.f.db.get<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${table} WHERE metadata LIKE ?`, [`%"cardlane_org_id":"${orgId}"%`]);
  return Number(row?.n ?? 0);
}

/** Takes Cardlane's issuer offline for one kind of message (the network answers 96 in its stead) while `during` runs. */
async function issuerDown<T>(method: 'clear' | 'refund', during: () => Promise<T>): Promise<T> {
  const issuer = b.cards.issuer as unknown as Record<typeof method, () => Promise<never>>;
  const original = issuer[method];
  issuer[method] = async () => {
    throw new Error(`issuer ${method} down (test)`);
  };
  try {
    return await during();
  } finally {
    issuer[method] = original;
  }
}

const acquirerSweep = () => new PaymentIntents(b.f.deps, b.f.deps.cvcCache).resumeStuck(b.f.clock.nowMs(), 60_000);

test('concurrent purchases with one Idempotency-Key make one payment: every answer is that payment, never a 500 or a second charge', async () => {
  const { orgId } = await b.orgWithDefaultCard();
  const answers = await Promise.allSettled(Array.from({ length: 8 }, () => b.billing.purchases.buy(orgId, { amountMinor: 1000, clientKey: 'buy-once' })));
  const rejected = answers.filter((answer) => answer.status === 'rejected');
  assert.deepEqual(rejected.map((answer) => String(answer.reason)), []);
  const ids = new Set(answers.map((answer) => (answer as PromiseFulfilledResult<{ id: string }>).value.id));
  assert.equal(ids.size, 1);
  assert.equal((await listAttempts(b.f.db, orgId, { limit: 10, kind: 'purchase' })).length, 1);
  assert.equal(await providerIntents(orgId), 1, 'the card is charged once');
  assert.equal(await b.balance(orgId), 1000);
});

test('the same over HTTP: the losers answer the winning payment (200 or 202), none a 500', async () => {
  const { orgId, apiKey } = await b.orgWithDefaultCard();
  const headers = { 'idempotency-key': 'http-once' };
  const answers = await Promise.all(Array.from({ length: 6 }, () => b.api(apiKey, 'POST', '/credit_purchases', { amount: 1000 }, headers)));
  assert.deepEqual(answers.filter((a) => a.status !== 200 && a.status !== 202).map((a) => [a.status, a.body]), []);
  assert.equal(new Set(answers.map((a) => a.body.id)).size, 1);
  assert.equal(await providerIntents(orgId), 1);
  assert.equal(await b.balance(orgId), 1000);
});

test('one attempt sent by many at once (requests, jobs, sweeps in several processes) reaches the provider once: one payment', async () => {
  const { orgId, pmId } = await b.orgWithDefaultCard();
  const attempt = await b.f.db.transaction((tx) =>
    insertAttempt(tx, { id: 'bpa_many_senders', orgId, kind: 'purchase', amountMinor: 1000, currency: 'USD', paymentMethodId: pmId, initiator: 'customer', createdAtMs: b.f.clock.nowMs() }),
  );
  const finished = await Promise.all(Array.from({ length: 20 }, () => b.billing.runner.run(attempt.id)));
  assert.ok(finished.some((a) => a.status === 'succeeded'));
  assert.ok(finished.every((a) => a.status === 'succeeded' || a.status === 'processing'));
  assert.equal(await providerIntents(orgId), 1, 'the card is charged once');
  assert.equal(await b.balance(orgId), 1000);
});

test('an attempt that fails after it recorded its provider intent keeps the intent, though the failure does not name it', async () => {
  const { orgId, pmId } = await b.orgWithDefaultCard();
  const attempt = await b.f.db.transaction((tx) =>
    insertAttempt(tx, { id: 'bpa_keeps_intent', orgId, kind: 'purchase', amountMinor: 1000, currency: 'USD', paymentMethodId: pmId, initiator: 'customer', createdAtMs: b.f.clock.nowMs() }),
  );
  await recordProviderIntent(b.f.db, attempt.id, 'pi_recorded_before');
  // The finisher read the attempt before the intent was recorded, and its failure (a refusal) names no intent.
  const failure = { type: 'invalid_request_error', code: 'setup_intent_unexpected_state', decline_code: null, message: 'refused', network_decline_code: null, charge: null, outcome: null, provider_error: {} };
  const finished = await b.f.db.transaction((tx) => finishAttempt(tx, attempt, { status: 'failed', failure, failureClass: 'processor', providerIntentId: null }, b.f.clock.nowMs()));
  assert.equal(finished?.providerIntentId, 'pi_recorded_before');
  assert.equal((await findAttempt(b.f.db, attempt.id))?.providerIntentId, 'pi_recorded_before');
  // A second finisher changes nothing.
  assert.equal(await b.f.db.transaction((tx) => finishAttempt(tx, attempt, { status: 'failed', failure, failureClass: 'processor', providerIntentId: 'pi_other' }, b.f.clock.nowMs())), null);
  assert.equal((await findAttempt(b.f.db, attempt.id))?.providerIntentId, 'pi_recorded_before');
});

test('a payment the provider leaves processing is finished by the sweep once the provider finishes it, and never paid twice', async () => {
  const { card, pmId } = await b.cardlaneCard(5_000);
  const { orgId, apiKey } = await b.orgWithDefaultCard(pmId);
  const bought = await issuerDown('clear', () => b.api(apiKey, 'POST', '/credit_purchases', { amount: 1000 }));
  assert.deepEqual([bought.status, bought.body.status], [202, 'processing']);
  assert.equal(await b.balance(orgId), 0);

  b.f.clock.advanceMs(SEND_LEASE_MS + 1_000);
  assert.equal(await acquirerSweep(), 1, 'the acquirer captures it');
  await b.billing.resumeStuckPayments();
  const attempt = await findAttempt(b.f.db, bought.body.id);
  assert.equal(attempt?.status, 'succeeded');
  assert.equal(await b.balance(orgId), 1000);

  // A day later (the provider forgets idempotency keys after 24 hours) nothing is sent again.
  b.f.clock.advanceMs(25 * 60 * 60 * 1000);
  await b.billing.resumeStuckPayments();
  assert.equal(await providerIntents(orgId), 1);
  assert.equal(await b.cards.available(card), 4_000, 'the card paid once');
  assert.equal(await b.balance(orgId), 1000);
});

test('a refund the provider leaves pending is finished by the sweep: the credits leave once, when the money has gone back', async () => {
  const { card, pmId } = await b.cardlaneCard(5_000);
  const { orgId, apiKey } = await b.orgWithDefaultCard(pmId);
  const bought = await b.api(apiKey, 'POST', '/credit_purchases', { amount: 1000 });
  const pending = await issuerDown('refund', () => b.billing.refunds.refund(bought.body.id, { amountMinor: 400 }));
  assert.equal(pending.status, 'processing');
  assert.equal(await b.balance(orgId), 1000, 'no credits leave before the money does');

  b.f.clock.advanceMs(SEND_LEASE_MS + 1_000);
  await b.billing.resumeStuckPayments();
  assert.equal((await findRefund(b.f.db, pending.id))?.status, 'processing', 'still pending at the provider');
  assert.equal(await resendPendingRefunds(b.f.deps, b.f.clock.nowMs(), 60_000), 1, 'the acquirer sends it');
  assert.equal(await b.cards.available(card), 4_400);

  b.f.clock.advanceMs(SEND_LEASE_MS + 1_000);
  await Promise.all([b.billing.resumeStuckPayments(), b.billing.refunds.send((await findRefund(b.f.db, pending.id))!), b.billing.resumeStuckPayments()]);
  const done = await findRefund(b.f.db, pending.id);
  assert.deepEqual([done?.status, done?.creditsRemovedMinor], ['succeeded', 400]);
  assert.equal(await b.balance(orgId), 600);
  assert.equal((await findAttempt(b.f.db, bought.body.id))?.refundedMinor, 400);
});

test('a refund the provider refuses releases its reservation exactly once; two refunds at once never exceed the payment', async () => {
  const { orgId, apiKey } = await b.orgWithDefaultCard();
  const first = (await b.api(apiKey, 'POST', '/credit_purchases', { amount: 1000 })).body;
  // Refunded in full at the provider's dashboard behind billing's back: billing's refund is refused there.
  await b.f.stripe.refunds.create({ payment_intent: (await findAttempt(b.f.db, first.id))!.providerIntentId! });
  const refused = await b.billing.refunds.refund(first.id, { amountMinor: 300 });
  assert.equal(refused.status, 'failed');
  await b.billing.refunds.send(refused);
  b.f.clock.advanceMs(SEND_LEASE_MS + 1_000);
  await b.billing.resumeStuckPayments();
  assert.equal((await findAttempt(b.f.db, first.id))?.refundedMinor, 0, 'released once, not twice');
  assert.equal(await b.balance(orgId), 1000);

  const second = (await b.api(apiKey, 'POST', '/credit_purchases', { amount: 1000 })).body;
  const both = await Promise.allSettled([b.billing.refunds.refund(second.id, { amountMinor: 700 }), b.billing.refunds.refund(second.id, { amountMinor: 700 })]);
  assert.deepEqual(both.map((r) => (r.status === 'fulfilled' ? r.value.status : (r.reason as { code: string }).code)).sort(), ['refund_amount_out_of_range', 'succeeded']);
  assert.equal((await findAttempt(b.f.db, second.id))?.refundedMinor, 700);
  assert.equal(await b.balance(orgId), 2000 - 700);
});

test('a purchase whose answer was lost after the provider charged is finished by the sweep with the same key: one charge, credits once', async () => {
  const { orgId } = await b.orgWithDefaultCard();
  const lossy = await lossyProvider(b, (method, path) => method === 'POST' && path === '/v1/payment_intents');
  try {
    const lost = await lossy.billing.purchases.buy(orgId, { amountMinor: 1000 });
    assert.equal(lost.status, 'processing');
    assert.ok(lossy.lost.length > 0);
    assert.equal(await providerIntents(orgId), 1, 'the acquirer did charge');
    b.f.clock.advanceMs(SEND_LEASE_MS + 1_000);
    assert.deepEqual(await b.billing.resumeStuckPayments(), { attempts: 1, refunds: 0 });
    assert.equal((await findAttempt(b.f.db, lost.id))?.status, 'succeeded');
    assert.equal(await providerIntents(orgId), 1);
    assert.equal(await b.balance(orgId), 1000);
  } finally {
    await lossy.close();
  }
});

test('a payment whose answer was lost and whose sweep came only after the provider forgot the key (24 h) is found by its id, not made again', async () => {
  const { orgId } = await b.orgWithDefaultCard();
  const lossy = await lossyProvider(b, (method, path) => method === 'POST' && path === '/v1/payment_intents');
  try {
    const lost = await lossy.billing.purchases.buy(orgId, { amountMinor: 1000 });
    assert.equal(lost.status, 'processing');
    b.f.clock.advanceMs(25 * 60 * 60 * 1000);
    await b.billing.resumeStuckPayments();
    assert.equal((await findAttempt(b.f.db, lost.id))?.status, 'succeeded');
    assert.equal(await providerIntents(orgId), 1, 'the card is charged once');
    assert.equal(await b.balance(orgId), 1000);
  } finally {
    await lossy.close();
  }
});

test('a refund whose answer was lost and whose sweep came only after the provider forgot the key is found by its id, not made again', async () => {
  const { orgId, apiKey } = await b.orgWithDefaultCard();
  const bought = (await b.api(apiKey, 'POST', '/credit_purchases', { amount: 1000 })).body;
  const lossy = await lossyProvider(b, (method, path) => method === 'POST' && path === '/v1/refunds');
  try {
    const lost = await lossy.billing.refunds.refund(bought.id, { amountMinor: 400 });
    assert.equal(lost.status, 'processing');
    b.f.clock.advanceMs(25 * 60 * 60 * 1000);
    await b.billing.resumeStuckPayments();
    assert.equal((await findRefund(b.f.db, lost.id))?.status, 'succeeded');
    const refunds = await b.f.stripe.refunds.list({ payment_intent: (await findAttempt(b.f.db, bought.id))!.providerIntentId! });
    assert.deepEqual(refunds.data.map((r) => r.amount), [400], 'the money went back once');
    assert.equal(await b.balance(orgId), 600);
  } finally {
    await lossy.close();
  }
});

test('a decline whose answer was lost is replayed by the sweep, not tried on the card again', async () => {
  const { orgId } = await b.orgWithDefaultCard(await b.testCard(DECLINES_CHARGES));
  const lossy = await lossyProvider(b, (method, path) => method === 'POST' && path === '/v1/payment_intents');
  try {
    const lost = await lossy.billing.purchases.buy(orgId, { amountMinor: 1000 });
    assert.equal(lost.status, 'processing');
    b.f.clock.advanceMs(SEND_LEASE_MS + 1_000);
    await b.billing.resumeStuckPayments();
    const finished = await findAttempt(b.f.db, lost.id);
    assert.deepEqual([finished?.status, finished?.failure?.decline_code], ['failed', 'generic_decline']);
    assert.equal(await providerIntents(orgId), 1);
    const charges = await b.f.db.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM acquirer_charges WHERE payment_intent_id = ?', [finished!.providerIntentId]);
    assert.equal(Number(charges?.n), 1, 'one authorization asked of the card');
    assert.equal(await b.balance(orgId), 0);
  } finally {
    await lossy.close();
  }
});

test('a card verification that succeeded at the provider but whose answer was lost: the sweep saves the card, with one hold', async () => {
  const { orgId, apiKey } = await b.newOrg();
  const visa = await b.testCard(VISA);
  const lossy = await lossyProvider(b, (method, path) => method === 'POST' && path === '/v1/setup_intents');
  try {
    const lost = await lossy.billing.paymentMethods.add(orgId, visa);
    assert.equal(lost.status, 'processing');
    assert.deepEqual((await b.api(apiKey, 'GET', '/payment_methods')).body.data, []);
    assert.equal(await providerIntents(orgId, 'acquirer_setup_intents'), 1, 'verified at the provider');
    b.f.clock.advanceMs(SEND_LEASE_MS + 1_000);
    await b.billing.resumeStuckPayments();
    const cards = (await b.api(apiKey, 'GET', '/payment_methods')).body.data;
    assert.deepEqual(cards.map((pm: { id: string }) => pm.id), [visa]);
    assert.equal(await providerIntents(orgId, 'acquirer_setup_intents'), 1);
  } finally {
    await lossy.close();
  }
});

test('a purchase whose request never reached the provider is made by the sweep exactly once', async () => {
  const { orgId } = await b.orgWithDefaultCard();
  const lossy = await lossyProvider(b, (method, path) => method === 'POST' && path === '/v1/payment_intents', { before: true });
  try {
    const lost = await lossy.billing.purchases.buy(orgId, { amountMinor: 1000 });
    assert.equal(lost.status, 'processing');
    assert.equal(await providerIntents(orgId), 0, 'nothing reached the acquirer');
    b.f.clock.advanceMs(SEND_LEASE_MS + 1_000);
    await Promise.all([b.billing.resumeStuckPayments(), b.billing.resumeStuckPayments()]);
    await b.billing.resumeStuckPayments();
    assert.equal((await findAttempt(b.f.db, lost.id))?.status, 'succeeded');
    assert.equal(await providerIntents(orgId), 1);
    assert.equal(await b.balance(orgId), 1000);
  } finally {
    await lossy.close();
  }
});

test("an organization's first cards added at once share one provider customer and are all verified now, none left processing", async () => {
  const { orgId, apiKey } = await b.newOrg();
  const cards = await Promise.all([b.testCard(VISA), b.testCard(VISA), b.testCard(VISA)]);
  const answers = await Promise.all(cards.map((pm) => b.api(apiKey, 'POST', '/payment_methods', { payment_method: pm })));
  assert.deepEqual(answers.map((a) => a.status), [201, 201, 201]);
  const rows = await b.f.db.all('SELECT provider_customer_id FROM billing_customers WHERE org_id = ?', [orgId]);
  assert.equal(rows.length, 1);
});
