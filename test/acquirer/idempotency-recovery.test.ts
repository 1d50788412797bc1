import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import Stripe from 'stripe';
import { acquirerEndpoints } from '../../src/acquirer/acquirer-endpoints.ts';
import { merchantBalanceAccount } from '../../src/acquirer/payments/acquirer-ledger.ts';
import { IDEMPOTENCY_LEASE_MS } from '../../src/acquirer/stripe/idempotency-keys.ts';
import type { CardNetwork } from '../../src/network/card-network.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';
import { cardFixture, type CardFixture, type OpenedCard } from '../support/card-fixture.ts';
import { firstClearingAnswerLost, testPaymentNetwork } from '../support/payment-network.ts';

// Exactly-once across crashes (issue 19, A–C and F). A request is "cut" the
// way a kill -9 cuts it: its message reached the issuer, which acted on it,
// and then the acquirer never got to record the answer — the request hangs
// until the test lets it go, long after its lease ran out. The client then
// retries with the same Idempotency-Key and parameters, as Stripe tells
// clients to. The retry must answer the first request's effect, never make a
// second one; the cut request, when it finally wakes, must not overwrite the
// answer.

let f: AcquirerFixture & { base: CardFixture };
let stripe: Stripe;
/** Lets every cut request go on (its process "was dead"; here it wakes late). */
let wake: () => void = () => {};

async function setUp(wrap: (network: CardNetwork, woken: Promise<void>) => void): Promise<void> {
  const base = await cardFixture();
  const woken = new Promise<void>((resolve) => (wake = resolve));
  f = await acquirerFixture({
    base,
    endpoints: acquirerEndpoints,
    network: (b) => {
      const network = testPaymentNetwork(b, b.issuer);
      wrap(network, woken);
      return network;
    },
  });
  stripe = f.stripe;
}

afterEach(async () => {
  wake();
  await new Promise((resolve) => setTimeout(resolve, 50));
  await f.base.assertConsistent();
  await f.close();
});

type FollowUpMethod = 'clear' | 'refund';

/** The first call of `method` reaches the issuer, then its answer never comes back until `woken`. */
function cutAfterIssuer(method: FollowUpMethod | 'authorize') {
  return (n: CardNetwork, woken: Promise<void>) => {
    const real = (n[method] as (r: unknown) => Promise<unknown>).bind(n);
    let cuts = 1;
    (n as unknown as Record<string, unknown>)[method] = async (request: unknown) => {
      const answer = await real(request);
      if (cuts-- > 0) await woken;
      return answer;
    };
  };
}

const ADDRESS = { line1: '548 Market St', postal_code: '94104', country: 'US' };

async function paymentMethod(card: OpenedCard): Promise<string> {
  const pm = await stripe.paymentMethods.create({
    type: 'card',
    card: { number: card.pan, exp_month: card.expMonth, exp_year: card.expYear, cvc: card.cvv2 },
    billing_details: { name: 'Li Lei', address: ADDRESS },
  });
  return pm.id;
}

async function merchantBooked(): Promise<number> {
  const b = await f.ledger.getBalance(f.db, merchantBalanceAccount(f.merchant.merchant.id, 'USD'));
  return (b?.credits_posted ?? 0) - (b?.debits_posted ?? 0);
}

async function issuerCleared(): Promise<number> {
  const row = await f.db.get<{ cleared: number | string | null }>('SELECT SUM(cleared_usd_minor) AS cleared FROM issuer_authorizations');
  return Number(row?.cleared ?? 0);
}

/** Waits (real time) until `check` holds: the cut request has done its part at the issuer. */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail(`timed out waiting until ${what}`);
}

const count = async (sql: string, params: unknown[] = []) => Number((await f.db.get<{ n: number | string }>(sql, params))!.n);

test('A: a create-and-confirm cut after the issuer approved and cleared: the retry answers that payment; there is one intent and one charge to the card', async () => {
  await setUp(cutAfterIssuer('clear'));
  const card = await f.base.openCard({ loadUsdMinor: 5_000 });
  const pm = await paymentMethod(card);
  const params = { amount: 1_293, currency: 'usd', payment_method: pm, confirm: true, metadata: { order: 'sA-w11-2814' } };
  const cut = stripe.paymentIntents.create(params, { idempotencyKey: 'sA-w11-2814-pi_auto' });
  await until(async () => (await issuerCleared()) === 1_293, 'the issuer cleared the first request');

  f.clock.advanceMs(IDEMPOTENCY_LEASE_MS + 1);
  const retried = await stripe.paymentIntents.create(params, { idempotencyKey: 'sA-w11-2814-pi_auto' });
  assert.deepEqual([retried.status, retried.amount_received], ['succeeded', 1_293]);
  assert.equal(await count('SELECT COUNT(*) AS n FROM acquirer_payment_intents'), 1, 'one intent for one key');
  assert.equal(await count('SELECT COUNT(*) AS n FROM acquirer_charges'), 1, 'one attempt at the card');
  assert.equal(await issuerCleared(), 1_293);
  assert.equal(await merchantBooked(), 1_293);

  // The cut request wakes: it records nothing new and the key keeps the retry's answer.
  wake();
  await cut.catch(() => undefined);
  const replay = await stripe.paymentIntents.create(params, { idempotencyKey: 'sA-w11-2814-pi_auto' });
  assert.deepEqual(replay, retried);
  assert.equal(await merchantBooked(), 1_293);
});

test('A: a create cut before its confirm reached the network: the retry confirms the same intent', async () => {
  await setUp(cutAfterIssuer('authorize'));
  const card = await f.base.openCard({ loadUsdMinor: 5_000 });
  const pm = await paymentMethod(card);
  const params = { amount: 700, currency: 'usd', payment_method: pm, confirm: true, capture_method: 'manual' as const };
  void stripe.paymentIntents.create(params, { idempotencyKey: 'manual-1' }).catch(() => undefined);
  await until(async () => (await count('SELECT COUNT(*) AS n FROM issuer_authorizations')) === 1, 'the issuer authorized');
  f.clock.advanceMs(IDEMPOTENCY_LEASE_MS + 1);
  const retried = await stripe.paymentIntents.create(params, { idempotencyKey: 'manual-1' });
  assert.deepEqual([retried.status, retried.amount_capturable], ['requires_capture', 700]);
  assert.equal(await count('SELECT COUNT(*) AS n FROM acquirer_payment_intents'), 1);
  assert.equal(await count('SELECT COUNT(*) AS n FROM issuer_authorizations'), 1, 'one hold, not an orphan beside a second');
});

test('B: a refund cut after the issuer refunded: the retry answers that refund; the money went back once', async () => {
  await setUp(cutAfterIssuer('refund'));
  const card = await f.base.openCard({ loadUsdMinor: 5_000 });
  const pi = await stripe.paymentIntents.create({ amount: 2_000, currency: 'usd', payment_method: await paymentMethod(card), confirm: true });
  const before = await f.base.available(card);
  void stripe.refunds.create({ payment_intent: pi.id }, { idempotencyKey: 'pB-w10-1762-refund' }).catch(() => undefined);
  await until(async () => (await f.base.available(card)) === before + 2_000, 'the issuer refunded');

  f.clock.advanceMs(IDEMPOTENCY_LEASE_MS + 1);
  const retried = await stripe.refunds.create({ payment_intent: pi.id }, { idempotencyKey: 'pB-w10-1762-refund' });
  assert.deepEqual([retried.status, retried.amount], ['succeeded', 2_000], 'the first refund, not charge_already_refunded');
  assert.equal(await count('SELECT COUNT(*) AS n FROM acquirer_refunds'), 1);
  assert.equal(await f.base.available(card), before + 2_000);
  assert.equal(await merchantBooked(), 0);
});

test('C: a capture cut after the issuer cleared: the retry answers the captured intent, not payment_intent_unexpected_state', async () => {
  await setUp(cutAfterIssuer('clear'));
  const card = await f.base.openCard({ loadUsdMinor: 5_000 });
  const pi = await stripe.paymentIntents.create({ amount: 2_000, currency: 'usd', payment_method: await paymentMethod(card), confirm: true, capture_method: 'manual' });
  void stripe.paymentIntents.capture(pi.id, { amount_to_capture: 1_500 }, { idempotencyKey: 'sA-w10-2825-capture' }).catch(() => undefined);
  await until(async () => (await issuerCleared()) === 1_500, 'the issuer cleared');

  f.clock.advanceMs(IDEMPOTENCY_LEASE_MS + 1);
  const retried = await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 1_500 }, { idempotencyKey: 'sA-w10-2825-capture' });
  assert.deepEqual([retried.status, retried.amount_received], ['succeeded', 1_500]);
  assert.equal(await merchantBooked(), 1_500);
  const replay = await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 1_500 }, { idempotencyKey: 'sA-w10-2825-capture' });
  assert.deepEqual(replay, retried);
});

test('F: a capture whose answer timed out is not answered "retry" forever: the same key resumes and books what the issuer cleared; cancel is refused meanwhile', async () => {
  await setUp(firstClearingAnswerLost);
  const card = await f.base.openCard({ loadUsdMinor: 5_000 });
  const pi = await stripe.paymentIntents.create({ amount: 813, currency: 'usd', payment_method: await paymentMethod(card), confirm: true, capture_method: 'manual' });
  const first = await stripe.paymentIntents.capture(pi.id, {}, { idempotencyKey: 'cap-813' }).then(
    () => assert.fail('the first capture has no known outcome'),
    (error: Stripe.errors.StripeError) => error,
  );
  assert.equal(first.code, 'processing_error');
  assert.equal(first.headers?.['idempotent-replayed'], undefined);
  assert.equal(first.headers?.['stripe-should-retry'], 'true', 'the SDK is told to retry with the same key');
  assert.equal(await issuerCleared(), 813, 'the issuer did clear it');
  await assert.rejects(stripe.paymentIntents.cancel(pi.id), { code: 'payment_intent_unexpected_state' });

  const retried = await stripe.paymentIntents.capture(pi.id, {}, { idempotencyKey: 'cap-813' });
  assert.deepEqual([retried.status, retried.amount_received], ['succeeded', 813]);
  assert.equal(await merchantBooked(), 813);
  assert.deepEqual(await stripe.paymentIntents.capture(pi.id, {}, { idempotencyKey: 'cap-813' }), retried, 'now a replay');
});

test('a request refused before it changed anything leaves no key: the same key with a fixed state runs afresh', async () => {
  await setUp(() => {});
  const card = await f.base.openCard({ loadUsdMinor: 5_000 });
  const pi = await stripe.paymentIntents.create({ amount: 500, currency: 'usd', payment_method: await paymentMethod(card), capture_method: 'manual' });
  await assert.rejects(stripe.paymentIntents.capture(pi.id, {}, { idempotencyKey: 'early' }), { code: 'payment_intent_unexpected_state' });
  await stripe.paymentIntents.confirm(pi.id);
  const captured = await stripe.paymentIntents.capture(pi.id, {}, { idempotencyKey: 'early' });
  assert.equal(captured.status, 'succeeded');
});

/**
 * A crash after a create committed and before its answer was saved leaves
 * the key as the first request left it: running, its lease run out, with the
 * recovery point the create recorded. Here that state is made directly.
 */
async function cutAfterCommit(key: string): Promise<void> {
  const changed = await f.db.run(
    `UPDATE acquirer_idempotency_keys SET state = 'running', response_status = NULL, response_body = NULL, lease_until_ms = 0
     WHERE merchant_id = ? AND idem_key = ? AND recovery_point IS NOT NULL`,
    [f.merchant.merchant.id, key],
  );
  assert.equal(changed, 1, `the create recorded a recovery point for ${key}`);
}

test('creates cut after they committed answer what they made: one customer, payment method and webhook endpoint per key', async () => {
  await setUp(() => {});
  const card = await f.base.openCard({ loadUsdMinor: 1_000 });
  const cases: Array<{ table: string; create: () => Promise<{ id: string }> }> = [
    { table: 'acquirer_customers', create: () => stripe.customers.create({ name: 'Li Lei' }, { idempotencyKey: 'cus-1' }) },
    {
      table: 'acquirer_payment_methods',
      create: () => stripe.paymentMethods.create({ type: 'card', card: { number: card.pan, exp_month: card.expMonth, exp_year: card.expYear, cvc: card.cvv2 } }, { idempotencyKey: 'pm-1' }),
    },
    { table: 'acquirer_webhook_endpoints', create: () => stripe.webhookEndpoints.create({ url: 'https://hooks.example.com/x', enabled_events: ['*'] }, { idempotencyKey: 'we-1' }) },
  ];
  for (const [i, { table, create }] of cases.entries()) {
    const first = await create();
    await cutAfterCommit(['cus-1', 'pm-1', 'we-1'][i]!);
    const retried = await create();
    assert.equal(retried.id, first.id, `${table}: the retry answers the object the first request made`);
    assert.equal(await count(`SELECT COUNT(*) AS n FROM ${table}`), 1, `${table}: one object for one key`);
  }
  // The webhook endpoint's signing secret is shown again to the retry, as it was to the create.
  const endpoint = (await stripe.webhookEndpoints.create({ url: 'https://hooks.example.com/x', enabled_events: ['*'] }, { idempotencyKey: 'we-1' })) as Stripe.WebhookEndpoint;
  assert.match(endpoint.secret ?? '', /^whsec_/);
  // The payment method made before the cut pays, its CVC given again by the retry.
  const pm = await stripe.paymentMethods.create({ type: 'card', card: { number: card.pan, exp_month: card.expMonth, exp_year: card.expYear, cvc: card.cvv2 } }, { idempotencyKey: 'pm-1' });
  const paid = await stripe.paymentIntents.create({ amount: 300, currency: 'usd', payment_method: pm.id, confirm: true });
  assert.equal(paid.status, 'succeeded');
});

test('a confirm cut before its authorization left: the retry cannot send the security code it no longer has, and says so', async () => {
  await setUp((n, woken) => {
    const real = n.authorize.bind(n);
    let cuts = 1;
    n.authorize = async (request) => {
      if (cuts-- > 0) await woken;
      return real(request);
    };
  });
  const card = await f.base.openCard({ loadUsdMinor: 5_000 });
  const params = { amount: 900, currency: 'usd', payment_method: await paymentMethod(card), confirm: true };
  void stripe.paymentIntents.create(params, { idempotencyKey: 'no-cvc' }).catch(() => undefined);
  await until(async () => (await count("SELECT COUNT(*) AS n FROM acquirer_charges WHERE status = 'pending'")) === 1, 'the attempt was opened');
  f.clock.advanceMs(IDEMPOTENCY_LEASE_MS + 1);
  const declined = await stripe.paymentIntents.create(params, { idempotencyKey: 'no-cvc' }).then(
    () => assert.fail('a card with no stored credential at this merchant needs its security code'),
    (error: Stripe.errors.StripeError) => error,
  );
  assert.equal(declined.code, 'incorrect_cvc');
  assert.match(declined.message, /had none/, 'not "your security code is incorrect": none was sent');
  assert.equal(await count('SELECT COUNT(*) AS n FROM acquirer_payment_intents'), 1);
});

test('one idempotency key used by the browser (publishable key) and the server (secret key) never replays one answer to the other', async () => {
  await setUp(() => {});
  const card = await f.base.openCard({ loadUsdMinor: 5_000 });
  const pm = await paymentMethod(card);
  const pi = await stripe.paymentIntents.create({ amount: 400, currency: 'usd', payment_method: pm, capture_method: 'manual' });
  const browser = f.stripeFor(f.merchant.publishableKey);
  const confirmed = await browser.paymentIntents.confirm(pi.id, { client_secret: pi.client_secret! } as Stripe.PaymentIntentConfirmParams, { idempotencyKey: 'shared' });
  assert.equal(confirmed.status, 'requires_capture');
  // The server's confirm with the same key and parameters is another request, never handed the browser's public view:
  // a publishable key's idempotency keys are a namespace of their own (idempotency-key-squatting.test.ts), so it runs,
  // and the intent, already confirmed, refuses a second confirm.
  await assert.rejects(stripe.paymentIntents.confirm(pi.id, { client_secret: pi.client_secret! } as Stripe.PaymentIntentConfirmParams, { idempotencyKey: 'shared' }), {
    code: 'payment_intent_unexpected_state',
  });
});
