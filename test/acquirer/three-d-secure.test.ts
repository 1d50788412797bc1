import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type Stripe from 'stripe';
import { browse, pressChallengeButton, threeDSecureFixture, type ThreeDSecureFixture } from '../support/three-d-secure-fixture.ts';

/**
 * 3-D Secure with Stripe's test cards, driven by the official `stripe` SDK:
 * confirm answers `requires_action` with a `redirect_to_url` next action,
 * the customer's browser completes (or fails, or abandons) the test bank's
 * challenge page, comes back through the acquirer's return route to the
 * merchant's `return_url`, and `retrieve` shows the outcome.
 */

let f: ThreeDSecureFixture;
let stripe: Stripe;
beforeEach(async () => {
  f = await threeDSecureFixture();
  stripe = f.stripe;
});
afterEach(async () => {
  await f.assertAudit();
  await f.close();
});

const RETURN_URL = 'https://shop.example/checkout/done?order=42';

const card = (number: string) =>
  stripe.paymentMethods.create({ type: 'card', card: { number, exp_month: 12, exp_year: 2030, cvc: '123' } } as Stripe.PaymentMethodCreateParams);

async function challengedPayment(number: string, extra: Partial<Stripe.PaymentIntentCreateParams> = {}): Promise<Stripe.PaymentIntent> {
  const pm = await card(number);
  const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method: pm.id, ...extra });
  const confirmed = await stripe.paymentIntents.confirm(pi.id, { return_url: RETURN_URL });
  assert.equal(confirmed.status, 'requires_action', `${number} asks for authentication`);
  return confirmed;
}

/** The customer's browser: the challenge page, a button, back through the acquirer to the merchant's return_url. */
async function authenticate(pi: Stripe.PaymentIntent, action: 'complete' | 'fail'): Promise<URL> {
  const next = pi.next_action!;
  assert.equal(next.type, 'redirect_to_url');
  const back = await pressChallengeButton(next.redirect_to_url!.url!, action);
  assert.match(back, /\/acquirer\/3ds\/return\//);
  const final = await browse(back);
  assert.equal(final.status, 303);
  return new URL(final.headers.get('location')!);
}

test('4000000000003220 (3DS2 required): requires_action with redirect_to_url; the completed challenge makes it succeed', async () => {
  const pi = await challengedPayment('4000000000003220');
  assert.deepEqual(Object.keys(pi.next_action!).sort(), ['redirect_to_url', 'type']);
  assert.deepEqual(Object.keys(pi.next_action!.redirect_to_url!).sort(), ['return_url', 'url']);
  assert.equal(pi.next_action!.redirect_to_url!.return_url, RETURN_URL);
  const url = pi.next_action!.redirect_to_url!.url!;
  assert.ok(url.startsWith(`${f.url}/3ds/test-bank/`), url);
  assert.doesNotMatch(url, /4000000000003220|3220/, 'no card number in the challenge URL');
  assert.equal(pi.last_payment_error, null);

  // The challenge page: served with a strict policy, no script, bilingual, the last four only.
  const page = await browse(url, { headers: { 'accept-language': 'zh-CN,zh;q=0.9' } });
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  const html = await page.text();
  assert.doesNotMatch(html, /<script/i);
  assert.match(html, /完成验证/);
  assert.match(html, /•••• 3220/);
  const english = await (await browse(`${url}?lang=en`)).text();
  assert.match(english, /Complete authentication/);

  const back = await authenticate(pi, 'complete');
  assert.equal(`${back.origin}${back.pathname}`, 'https://shop.example/checkout/done');
  assert.equal(back.searchParams.get('order'), '42');
  assert.equal(back.searchParams.get('payment_intent'), pi.id);
  assert.equal(back.searchParams.get('payment_intent_client_secret'), pi.client_secret);
  assert.equal(back.searchParams.get('redirect_status'), 'succeeded');

  const done = await stripe.paymentIntents.retrieve(pi.id);
  assert.equal(done.status, 'succeeded');
  assert.equal(done.amount_received, 2000);
  assert.equal(done.next_action, null);

  const events = await stripe.events.list({ type: 'payment_intent.*' });
  assert.deepEqual(events.data.map((e) => e.type).reverse(), ['payment_intent.created', 'payment_intent.requires_action', 'payment_intent.succeeded']);
  const requiresAction = events.data.find((e) => e.type === 'payment_intent.requires_action')!.data.object as Stripe.PaymentIntent;
  assert.equal(requiresAction.next_action?.type, 'redirect_to_url');

  // Coming back again (a reload) changes nothing: one capture, one charge that succeeded.
  const again = await browse(`${f.url}/acquirer/3ds/return/${encodeURIComponent(url.split('/').pop()!)}`);
  assert.equal(again.status, 303);
  const charges = await stripe.charges.list({ payment_intent: pi.id });
  assert.equal(charges.data.filter((c) => c.status === 'succeeded').length, 1);
  assert.equal((await stripe.paymentIntents.retrieve(pi.id)).amount_received, 2000);
});

test('manual capture: after the challenge the intent is requires_capture', async () => {
  const pi = await challengedPayment('4000000000003220', { capture_method: 'manual' });
  const back = await authenticate(pi, 'complete');
  assert.equal(back.searchParams.get('redirect_status'), 'succeeded');
  const authorized = await stripe.paymentIntents.retrieve(pi.id);
  assert.equal(authorized.status, 'requires_capture');
  assert.equal(authorized.amount_capturable, 2000);
  assert.equal((await stripe.paymentIntents.capture(pi.id)).status, 'succeeded');
});

test('4000008400001629: authentication required, then the charge is declined card_declined', async () => {
  const pi = await challengedPayment('4000008400001629');
  const back = await authenticate(pi, 'complete');
  assert.equal(back.searchParams.get('redirect_status'), 'failed');
  const failed = await stripe.paymentIntents.retrieve(pi.id);
  assert.equal(failed.status, 'requires_payment_method');
  assert.equal(failed.last_payment_error?.code, 'card_declined');
  assert.equal(failed.last_payment_error?.decline_code, 'generic_decline');
});

test('a failed challenge: requires_payment_method with payment_intent_authentication_failure; nothing is held', async () => {
  const pi = await challengedPayment('4000000000003220');
  const back = await authenticate(pi, 'fail');
  assert.equal(back.searchParams.get('redirect_status'), 'failed');
  const failed = await stripe.paymentIntents.retrieve(pi.id);
  assert.equal(failed.status, 'requires_payment_method');
  assert.equal(failed.last_payment_error?.code, 'payment_intent_authentication_failure');
  assert.equal(failed.next_action, null);
  assert.equal(failed.amount_received, 0);
  const events = await stripe.events.list({ type: 'payment_intent.payment_failed' });
  assert.equal(events.data.length, 1);
  // The customer may try again: a new confirm asks for a new authentication.
  const retry = await stripe.paymentIntents.confirm(pi.id, { return_url: RETURN_URL });
  assert.equal(retry.status, 'requires_action');
  assert.notEqual(retry.next_action!.redirect_to_url!.url, pi.next_action!.redirect_to_url!.url);
});

test('an abandoned challenge lapses: requires_payment_method (payment_intent_authentication_failure), and the page is closed', async () => {
  const pi = await challengedPayment('4000002760003184');
  f.clock.advanceMs(11 * 60_000);
  const lapsed = await stripe.paymentIntents.retrieve(pi.id);
  assert.equal(lapsed.status, 'requires_payment_method');
  assert.equal(lapsed.last_payment_error?.code, 'payment_intent_authentication_failure');
  assert.equal((lapsed.last_payment_error as unknown as Record<string, unknown>).authentication_reason, 'abandoned');
  // Too late on the page: the button no longer completes anything.
  const page = await (await browse(pi.next_action!.redirect_to_url!.url!)).text();
  assert.doesNotMatch(page, /<form/);
});

test('the sweep ends abandoned challenges without anyone looking', async () => {
  const pi = await challengedPayment('4000000000003220');
  assert.equal(await f.payments.expireAuthentications(f.clock.nowMs()), 0, 'not due yet');
  f.clock.advanceMs(11 * 60_000);
  assert.equal(await f.payments.expireAuthentications(f.clock.nowMs()), 1);
  const row = await f.db.get<{ status: string }>('SELECT status FROM acquirer_payment_intents WHERE id = ?', [pi.id]);
  assert.equal(row?.status, 'requires_payment_method');
});

test('4000002500003155: on-session asks; after a payment authenticated and saved for off-session use, the merchant-initiated charge succeeds without a challenge', async () => {
  const customer = await stripe.customers.create({ email: 'li@example.com' });
  const pi = await challengedPayment('4000002500003155', { customer: customer.id, setup_future_usage: 'off_session' });
  await authenticate(pi, 'complete');
  assert.equal((await stripe.paymentIntents.retrieve(pi.id)).status, 'succeeded');
  const mit = await stripe.paymentIntents.create({ amount: 1500, currency: 'usd', customer: customer.id, payment_method: pi.payment_method as string, off_session: true, confirm: true });
  assert.equal(mit.status, 'succeeded');
  assert.equal(mit.next_action, null);
});

test('4000002500003155: set up with a SetupIntent, then off-session payments are exempt while on-session ones still ask', async () => {
  const customer = await stripe.customers.create({ email: 'han@example.com' });
  const pm = await card('4000002500003155');
  const si = await stripe.setupIntents.create({ customer: customer.id, payment_method: pm.id, confirm: true, usage: 'off_session', return_url: RETURN_URL });
  // As at Stripe, the set-up itself asks for authentication; once done, the card is saved for off-session use.
  assert.equal(si.status, 'requires_action');
  const back = await browse(await pressChallengeButton(si.next_action!.redirect_to_url!.url!, 'complete'));
  assert.match(back.headers.get('location')!, /[?&]setup_intent=seti_.*redirect_status=succeeded/);
  assert.equal((await stripe.setupIntents.retrieve(si.id)).status, 'succeeded');
  const mit = await stripe.paymentIntents.create({ amount: 1500, currency: 'usd', customer: customer.id, payment_method: pm.id, off_session: true, confirm: true });
  assert.equal(mit.status, 'succeeded');
  // On-session at the same merchant still asks (SCA exempts only merchant-initiated payments).
  const cit = await stripe.paymentIntents.create({ amount: 1500, currency: 'usd', customer: customer.id, payment_method: pm.id, confirm: true, return_url: RETURN_URL });
  assert.equal(cit.status, 'requires_action');
});

test('4000002760003184: always requires authentication — after an authenticated, saved payment the off-session charge is still declined authentication_required', async () => {
  const customer = await stripe.customers.create({ email: 'wei@example.com' });
  const pi = await challengedPayment('4000002760003184', { customer: customer.id, setup_future_usage: 'off_session' });
  await authenticate(pi, 'complete');
  assert.equal((await stripe.paymentIntents.retrieve(pi.id)).status, 'succeeded');
  await assert.rejects(
    stripe.paymentIntents.create({ amount: 1500, currency: 'usd', customer: customer.id, payment_method: pi.payment_method as string, off_session: true, confirm: true }),
    (error: any) => {
      assert.equal(error.code, 'card_declined');
      assert.equal(error.decline_code, 'authentication_required');
      assert.equal(error.raw.network_decline_code, '1A');
      assert.equal(error.payment_intent.status, 'requires_payment_method');
      return true;
    },
  );
});

test('a retried confirm (same Idempotency-Key) answers the same challenge, never a second one', async () => {
  const pm = await card('4000000000003220');
  const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method: pm.id });
  const first = await stripe.paymentIntents.confirm(pi.id, { return_url: RETURN_URL }, { idempotencyKey: 'confirm-3ds-1' });
  const second = await stripe.paymentIntents.confirm(pi.id, { return_url: RETURN_URL }, { idempotencyKey: 'confirm-3ds-1' });
  assert.equal(second.status, 'requires_action');
  assert.equal(second.next_action!.redirect_to_url!.url, first.next_action!.redirect_to_url!.url);
  const rows = await f.db.all<{ id: string }>('SELECT id FROM test_bank_authentications');
  assert.equal(rows.length, 1);
});

test('return_url must be an absolute URL; a bad one changes nothing', async () => {
  const pm = await card('4000000000003220');
  const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method: pm.id });
  await assert.rejects(stripe.paymentIntents.confirm(pi.id, { return_url: '/relative' }), (error: any) => error.code === 'parameter_invalid' && error.param === 'return_url');
  await assert.rejects(stripe.paymentIntents.confirm(pi.id, { return_url: 'javascript:alert(1)' }), (error: any) => error.code === 'parameter_invalid');
  assert.equal((await stripe.paymentIntents.retrieve(pi.id)).status, 'requires_confirmation');
});

test('a card that needs no authentication never sees 3-D Secure', async () => {
  const pm = await card('4242424242424242');
  const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method: pm.id, confirm: true, return_url: RETURN_URL });
  assert.equal(pi.status, 'succeeded');
  assert.equal(pi.next_action, null);
});

test('two returns at once (a double-clicked button, a reload) continue the payment once', async () => {
  const pi = await challengedPayment('4000000000003220');
  const back = await pressChallengeButton(pi.next_action!.redirect_to_url!.url!, 'complete');
  const answers = await Promise.all([browse(back), browse(back), browse(back)]);
  for (const answer of answers) assert.equal(answer.status, 303);
  const charges = await stripe.charges.list({ payment_intent: pi.id });
  assert.equal(charges.data.filter((c) => c.status === 'succeeded').length, 1);
  const done = await stripe.paymentIntents.retrieve(pi.id);
  assert.equal(done.status, 'succeeded');
  assert.equal(done.amount_received, 2000);
});

test('a crash between the 1A and the challenge: the payment is finished later into the same challenge, never a second one', async () => {
  const pm = await card('4000000000003220');
  const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method: pm.id });
  const authenticate = f.network.authenticate.bind(f.network);
  let crashes = 1;
  f.network.authenticate = async (request) => {
    const answer = await authenticate(request);
    if (crashes-- > 0) throw new Error('the process died here');
    return answer;
  };
  await assert.rejects(stripe.paymentIntents.confirm(pi.id, { return_url: RETURN_URL }));
  assert.equal((await stripe.paymentIntents.retrieve(pi.id)).status, 'processing');
  f.clock.advanceMs(120_000);
  assert.equal(await f.payments.resumeStuck(f.clock.nowMs(), 60_000), 1);
  const waiting = await stripe.paymentIntents.retrieve(pi.id);
  assert.equal(waiting.status, 'requires_action');
  assert.ok(waiting.next_action!.redirect_to_url!.url!.startsWith(`${f.url}/3ds/test-bank/`), 'made absolute for the client');
  assert.equal((await f.db.all('SELECT id FROM test_bank_authentications')).length, 1, 'the same authentication, asked again');
  await authenticate_(waiting);
  assert.equal((await stripe.paymentIntents.retrieve(pi.id)).status, 'succeeded');

  async function authenticate_(intent: Stripe.PaymentIntent) {
    const back = await pressChallengeButton(intent.next_action!.redirect_to_url!.url!, 'complete');
    // The return_url of the cut-short confirm was saved with its attempt: the customer still lands on the merchant's page.
    const final = await browse(back);
    assert.equal(final.status, 303);
    assert.match(final.headers.get('location')!, /^https:\/\/shop\.example\/checkout\/done\?order=42&payment_intent=/);
  }
});

test('the doctor explains authentication required / failed / abandoned in both languages, and why the automatic charge still works', async () => {
  const { catalogueEntry } = await import('../../src/doctor/catalogue.ts');
  for (const reason of ['authentication_required', 'authentication_failed', 'authentication_abandoned']) {
    const entry = catalogueEntry(reason);
    assert.ok(entry, reason);
    assert.equal(entry.isoCode, '1A', reason);
    assert.equal(entry.decidedBy, 'issuer');
    assert.match(entry.text.en.remedy, /automatic charge/, reason);
    assert.match(entry.text['zh-CN'].remedy, /自动扣款/, reason);
  }
  assert.equal(catalogueEntry('authentication_failed')!.stripeCode, 'payment_intent_authentication_failure');
  assert.match(catalogueEntry('authentication_required')!.text.en.remedy, /exempt from strong customer authentication/);
});

test('the test bank refuses an authentication value it did not issue (made up, or for another merchant)', async () => {
  const request = (authentication: { transactionId: string; value: string; eci: string }, merchantId = f.merchant.merchant.id) => ({
    type: 'authorization' as const,
    id: `auth_forged_${merchantId}_${authentication.value.length}`,
    purpose: 'purchase' as const,
    card: { pan: '4000000000003220', expMonth: 12, expYear: 2030, cvv2: null },
    amount: { minor: 1000, currency: 'USD' },
    merchant: { acquirerId: 'cardlane-acquirer', merchantId, name: 'ACME', mcc: '5734', country: 'US' },
    entryMode: 'ecommerce' as const,
    initiator: 'customer' as const,
    avs: null,
    merchantCustomerRef: null,
    authentication,
    sentAtMs: f.clock.nowMs(),
  });
  const forged = await f.network.authorize(request({ transactionId: 'ch_forged.3ds', value: 'cavv_made_up', eci: '05' }));
  assert.equal(forged.responseCode, '05');
  assert.equal(forged.reason, 'authentication_invalid');

  // A real authentication, moved to another merchant, is refused too.
  const pi = await challengedPayment('4000000000003220');
  await pressChallengeButton(pi.next_action!.redirect_to_url!.url!, 'complete');
  const id = decodeURIComponent(pi.next_action!.redirect_to_url!.url!.split('/').pop()!);
  const issued = await f.network.authenticationResult('4000000000003220', id);
  assert.equal(issued.status, 'authenticated');
  const moved = await f.network.authorize(request(issued.authentication!, 'acct_someone_else'));
  assert.equal(moved.reason, 'authentication_invalid');
});

test('the test bank\'s challenge sends the customer back in the language chosen on it (?lang=), and the acquirer\'s page answers in it', async () => {
  const pm = await card('4000000000003220');
  // No return_url: the acquirer's own page ends the journey, in words.
  const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method: pm.id, confirm: true });
  assert.equal(pi.status, 'requires_action');
  const back = new URL(await pressChallengeButton(`${pi.next_action!.redirect_to_url!.url!}?lang=en`, 'complete'));
  assert.equal(back.searchParams.get('lang'), 'en', 'the language rides along to the notification URL');
  // A Chinese browser whose reader switched the challenge to English still reads English after it.
  const landing = await browse(back.toString(), { headers: { 'accept-language': 'zh-CN,zh;q=0.9' } });
  assert.equal(landing.status, 200);
  assert.match(await landing.text(), /<html lang="en">/);
  assert.equal((await stripe.paymentIntents.retrieve(pi.id)).status, 'succeeded');
});
