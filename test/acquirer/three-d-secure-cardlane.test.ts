import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import type Stripe from 'stripe';
import { cardlaneThreeDSecureFixture, wrongCode, type CardlaneThreeDSecureFixture } from '../support/cardlane-three-d-secure.ts';
import { browse } from '../support/three-d-secure-fixture.ts';

/**
 * Cardlane's own cards set to require 3-D Secure, through the official
 * `stripe` SDK: the issuer answers 1A, the acquirer sends the customer to
 * the issuer's page, the cardholder types the code the issuer texted, and
 * the payment (or set-up) continues; merchant-initiated payments after an
 * authenticated set-up are exempt.
 */

let f: CardlaneThreeDSecureFixture | undefined;
afterEach(async () => {
  if (f === undefined) return;
  await f.base.assertConsistent();
  await f.close();
  f = undefined;
});

const RETURN_URL = 'https://shop.example/checkout/done';

test('a payment: requires_action to the issuer\'s page (bilingual, strict CSP, last four only); the SMS code completes it', async () => {
  f = await cardlaneThreeDSecureFixture({ mode: 'always', aboveUsdMinor: 3_000 });
  const card = await f.base.openCard({ loadUsdMinor: 10_000 });
  const pm = await f.paymentMethod(card);
  const pi = await f.stripe.paymentIntents.create({ amount: 2_000, currency: 'usd', payment_method: pm.id, confirm: true, return_url: RETURN_URL });
  assert.equal(pi.status, 'requires_action');
  const url = pi.next_action!.redirect_to_url!.url!;
  assert.ok(url.startsWith(`${f.url}/issuer/3ds/`), url);
  assert.ok(!url.includes(card.pan) && !url.includes(card.card.last4), 'no card digits in the URL');
  assert.equal(await f.base.available(card), 10_000, 'nothing held while the challenge waits');

  const zh = await browse(url, { headers: { 'accept-language': 'zh-CN' } });
  assert.equal(zh.status, 200);
  assert.match(zh.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  const html = await zh.text();
  assert.doesNotMatch(html, /<script/i);
  assert.match(html, /确认是你本人/);
  assert.match(html, /<dd>US\$20\.00<\/dd>/, 'money as Chinese writes it (Intl), not "20.00 USD"');
  assert.match(html, new RegExp(`•••• ${card.card.last4}`));
  assert.ok(!html.includes(card.pan), 'never the card number');
  assert.match(html, /autocomplete="one-time-code"/);
  assert.match(await (await browse(`${url}?lang=en`)).text(), /Confirm it is you[\s\S]*<dd>\$20\.00<\/dd>/);

  const [code] = await f.smsCodes(card);
  assert.ok(code, 'the code was texted to the cardholder');
  const wrong = await f.post(url, { action: 'code', code: wrongCode(code!) });
  assert.equal(wrong.status, 400);
  assert.match(await wrong.text(), /还可以再试 2 次|2 more tries/);
  const right = await f.post(url, { action: 'code', code: code! });
  assert.equal(right.status, 303);
  const back = await browse(new URL(right.headers.get('location')!, url).toString());
  assert.equal(back.status, 303);
  const landing = new URL(back.headers.get('location')!);
  assert.equal(landing.searchParams.get('redirect_status'), 'succeeded');
  assert.equal(landing.searchParams.get('payment_intent'), pi.id);

  const done = await f.stripe.paymentIntents.retrieve(pi.id);
  assert.equal(done.status, 'succeeded');
  assert.equal(done.amount_received, 2_000);
  assert.equal(await f.base.available(card), 8_000);
});

test('the acquirer\'s page after the challenge speaks the language the customer chose on it (?lang=), not only the browser\'s', async () => {
  f = await cardlaneThreeDSecureFixture({ mode: 'always', aboveUsdMinor: 3_000 });
  const card = await f.base.openCard({ loadUsdMinor: 10_000 });
  const pm = await f.paymentMethod(card);
  // No return_url: the acquirer's own page ends the journey, and says so in words.
  const pi = await f.stripe.paymentIntents.create({ amount: 2_000, currency: 'usd', payment_method: pm.id, confirm: true });
  const url = pi.next_action!.redirect_to_url!.url!;
  const [code] = await f.smsCodes(card);
  // A Chinese browser whose reader switched the challenge to English.
  const right = await f.post(`${url}?lang=en`, { action: 'code', code: code! });
  assert.equal(right.status, 303);
  const back = new URL(right.headers.get('location')!, url);
  assert.equal(back.searchParams.get('lang'), 'en', 'the language rides along to the notification URL');
  const landing = await browse(back.toString(), { headers: { 'accept-language': 'zh-CN,zh;q=0.9' } });
  assert.equal(landing.status, 200);
  const html = await landing.text();
  assert.match(html, /<html lang="en">/);
  assert.match(html, /Authentication complete/);
  assert.equal((await f.stripe.paymentIntents.retrieve(pi.id)).status, 'succeeded');
  // The ended challenge's "Continue" link goes there in the page's language too.
  assert.match(await (await browse(`${url}?lang=en`)).text(), /<a href="\/acquirer\/3ds\/return\/[^"?]+\?lang=en">Continue<\/a>/);
});

test('a set-up requires action; after it, the merchant\'s off-session charges are exempt while on-session ones still ask', async () => {
  f = await cardlaneThreeDSecureFixture({ mode: 'always', aboveUsdMinor: 3_000 });
  const card = await f.base.openCard({ loadUsdMinor: 10_000 });
  const pm = await f.paymentMethod(card);
  const customer = await f.stripe.customers.create({ email: 'li@example.com' });
  const si = await f.stripe.setupIntents.create({ customer: customer.id, payment_method: pm.id, confirm: true, usage: 'off_session', return_url: RETURN_URL });
  assert.equal(si.status, 'requires_action');
  const url = si.next_action!.redirect_to_url!.url!;
  assert.match(await (await browse(url)).text(), /允许该商户保存你的卡/);
  const [code] = await f.smsCodes(card);
  const right = await f.post(url, { action: 'code', code: code! });
  const back = await browse(new URL(right.headers.get('location')!, url).toString());
  assert.match(back.headers.get('location')!, /setup_intent=seti_.*redirect_status=succeeded/);
  assert.equal((await f.stripe.setupIntents.retrieve(si.id)).status, 'succeeded');

  const mit = await f.stripe.paymentIntents.create({ amount: 1_500, currency: 'usd', customer: customer.id, payment_method: pm.id, off_session: true, confirm: true });
  assert.equal(mit.status, 'succeeded', 'merchant-initiated: exempt from SCA');
  const cit = await f.stripe.paymentIntents.create({ amount: 1_500, currency: 'usd', customer: customer.id, payment_method: pm.id, confirm: true, return_url: RETURN_URL });
  assert.equal(cit.status, 'requires_action', 'customer-initiated: asked again (the program asks always)');
  assert.equal(await f.base.available(card), 8_500);
});

test('three wrong codes: the payment fails with payment_intent_authentication_failure (too_many_wrong_codes); nothing is held', async () => {
  f = await cardlaneThreeDSecureFixture({ mode: 'always', aboveUsdMinor: 3_000 });
  const card = await f.base.openCard({ loadUsdMinor: 10_000 });
  const pm = await f.paymentMethod(card);
  const pi = await f.stripe.paymentIntents.create({ amount: 2_000, currency: 'usd', payment_method: pm.id, confirm: true, return_url: RETURN_URL });
  const url = pi.next_action!.redirect_to_url!.url!;
  const [code] = await f.smsCodes(card);
  await f.post(url, { action: 'code', code: wrongCode(code!) });
  await f.post(url, { action: 'code', code: wrongCode(code!) });
  const third = await f.post(url, { action: 'code', code: wrongCode(code!) });
  assert.equal(third.status, 303, 'the third wrong code ends the check: back to the merchant');
  const back = await browse(new URL(third.headers.get('location')!, url).toString());
  assert.equal(new URL(back.headers.get('location')!).searchParams.get('redirect_status'), 'failed');
  const failed = await f.stripe.paymentIntents.retrieve(pi.id);
  assert.equal(failed.status, 'requires_payment_method');
  assert.equal(failed.last_payment_error!.code, 'payment_intent_authentication_failure');
  assert.equal((failed.last_payment_error as any).authentication_reason, 'too_many_wrong_codes');
  assert.equal(await f.base.available(card), 10_000);
  // The page is closed now, even for the right code.
  assert.match(await (await browse(`${url}?lang=en`)).text(), /This check failed/);
});

test('risk-based: the first payment at a merchant is challenged, the next small one is frictionless (no next_action)', async () => {
  f = await cardlaneThreeDSecureFixture({ mode: 'risk_based', aboveUsdMinor: 3_000 });
  const card = await f.base.openCard({ loadUsdMinor: 10_000 });
  const pm = await f.paymentMethod(card);
  const first = await f.stripe.paymentIntents.create({ amount: 1_000, currency: 'usd', payment_method: pm.id, confirm: true, return_url: RETURN_URL });
  assert.equal(first.status, 'requires_action');
  const url = first.next_action!.redirect_to_url!.url!;
  const [code] = await f.smsCodes(card);
  const right = await f.post(url, { action: 'code', code: code! });
  await browse(new URL(right.headers.get('location')!, url).toString());
  assert.equal((await f.stripe.paymentIntents.retrieve(first.id)).status, 'succeeded');
  // The card typed in again (a CVC is used once): a known merchant, under the amount.
  const second: Stripe.PaymentIntent = await f.stripe.paymentIntents.create({ amount: 1_000, currency: 'usd', payment_method: (await f.paymentMethod(card)).id, confirm: true, return_url: RETURN_URL });
  assert.equal(second.status, 'succeeded');
  assert.equal(second.next_action, null);
  const large = await f.stripe.paymentIntents.create({ amount: 5_000, currency: 'usd', payment_method: (await f.paymentMethod(card)).id, confirm: true, return_url: RETURN_URL });
  assert.equal(large.status, 'requires_action', 'above the amount: asked');
});
