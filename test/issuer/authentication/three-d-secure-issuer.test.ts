import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import type { AuthenticationRequest, AuthorizationRequest } from '../../../src/network/messages.ts';
import { CHALLENGE_TTL_MS, MAX_CODES_SENT } from '../../../src/issuer/authentication/access-control-server.ts';
import { authenticationTrigger, needsHistory, type ThreeDSecurePolicy } from '../../../src/issuer/authentication/policy.ts';
import { OTP_RESEND_COOLDOWN_MS } from '../../../src/platform/identity/one-time-codes.ts';
import { cardFixture, MERCHANT, type CardFixture, type OpenedCard } from '../../support/card-fixture.ts';

// Cardlane's own cards and 3-D Secure, at the issuer: the program's policy
// answers a customer-initiated authorization 1A, the access control server
// challenges with a code by SMS, and the authorization that comes back with
// the authentication value is approved — once, for exactly that payment.

let f: CardFixture | undefined;
afterEach(async () => {
  if (f !== undefined) {
    await f.assertConsistent();
    await f.cleanup();
    f = undefined;
  }
});

const ALWAYS: ThreeDSecurePolicy = { mode: 'always', aboveUsdMinor: 3_000 };
const RISK: ThreeDSecurePolicy = { mode: 'risk_based', aboveUsdMinor: 3_000 };

async function setUp(policy: ThreeDSecurePolicy, loadUsdMinor = 10_000): Promise<{ f: CardFixture; card: OpenedCard }> {
  f = await cardFixture({ threeDSecure: policy });
  return { f, card: await f.openCard({ loadUsdMinor }) };
}

function authenticationRequest(fx: CardFixture, card: OpenedCard, id: string, authorization: AuthorizationRequest): AuthenticationRequest {
  return {
    type: 'authentication',
    id,
    purpose: authorization.purpose,
    card: { pan: card.pan, expMonth: card.expMonth, expYear: card.expYear, cvv2: null },
    amount: authorization.amount,
    merchant: authorization.merchant,
    notificationUrl: `/acquirer/3ds/return/${id}`,
    sentAtMs: fx.clock.nowMs(),
  };
}

async function smsCodes(fx: CardFixture, card: OpenedCard): Promise<string[]> {
  const rows = await fx.db.all<{ body: string }>(
    `SELECT m.body FROM issuer_sms_messages m JOIN issuer_cardholders h ON h.phone_e164 = m.phone_e164 WHERE h.id = ? ORDER BY m.created_at_ms, m.id`,
    [card.cardholderId],
  );
  return rows.map((row) => /验证码 (\d{6})/.exec(row.body)?.[1]).filter((code): code is string => code !== undefined);
}

function wrongCode(right: string): string {
  return right === '000000' ? '111111' : '000000';
}

test('the policy: off never asks, always asks every customer-initiated payment, risk-based asks above the amount or somewhere new; merchant-initiated never', () => {
  const cit = { purpose: 'purchase' as const, initiator: 'customer' as const, amountUsdMinor: 1_000 };
  const known = { paidMerchantBefore: true, paidCountryBefore: true };
  const cases: Array<[ThreeDSecurePolicy, typeof cit | { purpose: 'purchase'; initiator: 'merchant'; amountUsdMinor: number }, typeof known | null, string | null]> = [
    [{ mode: 'off', aboveUsdMinor: 0 }, cit, null, null],
    [ALWAYS, cit, null, 'always'],
    [ALWAYS, { ...cit, initiator: 'merchant' }, null, null],
    [RISK, { ...cit, initiator: 'merchant', amountUsdMinor: 99_999 }, null, null],
    [RISK, { ...cit, amountUsdMinor: 3_001 }, null, 'amount_above_threshold'],
    [RISK, { ...cit, amountUsdMinor: 3_000 }, known, null],
    [RISK, cit, { paidMerchantBefore: false, paidCountryBefore: true }, 'new_merchant'],
    [RISK, cit, { paidMerchantBefore: true, paidCountryBefore: false }, 'new_country'],
    [RISK, { ...cit, amountUsdMinor: null as unknown as number }, known, null],
  ];
  for (const [policy, payment, history, expected] of cases) {
    assert.equal(authenticationTrigger(policy, payment, history), expected, `${policy.mode} ${JSON.stringify(payment)}`);
  }
  assert.equal(needsHistory(RISK, { ...cit, amountUsdMinor: 5_000 }), false, 'above the amount: no need to read the history');
  assert.equal(needsHistory(RISK, cit), true);
  assert.throws(() => authenticationTrigger(RISK, cit, null), /history/);
});

test('always: 1A, a challenge by SMS code, then the authorization carrying the value is approved once — not replayed, not moved', async () => {
  const { f: fx, card } = await setUp(ALWAYS);
  const first = fx.authRequest(card, { amount: { minor: 2_500, currency: 'USD' } });
  const asked = await fx.issuer.authorize(first);
  assert.equal(asked.responseCode, '1A');
  assert.equal(asked.reason, 'authentication_required');
  assert.equal(await fx.available(card), 10_000, 'nothing held for a 1A');

  const challenge = await fx.issuer.authenticate(authenticationRequest(fx, card, 'ch_1.3ds', first));
  assert.equal(challenge.status, 'challenge');
  assert.match(challenge.challengeUrl ?? '', /^\/issuer\/3ds\/chl_[0-9A-Z]{26}$/, 'the challenge page is at its own id');
  assert.equal(challenge.expiresAtMs, fx.clock.nowMs() + CHALLENGE_TTL_MS);
  // Asked again (a retry after a crash): the same challenge, and still one SMS.
  const again = await fx.issuer.authenticate(authenticationRequest(fx, card, 'ch_1.3ds', first));
  assert.equal(again.status, 'challenge');
  const codes = await smsCodes(fx, card);
  assert.equal(codes.length, 1);
  const stored = await fx.db.get<{ code_hash: string }>('SELECT code_hash FROM issuer_authentications WHERE id = ?', ['ch_1.3ds']);
  assert.match(stored!.code_hash, /^[0-9a-f]{64}$/, 'only the hash of the code is stored');
  assert.ok(!JSON.stringify(await fx.db.all('SELECT * FROM issuer_authentications')).includes(codes[0]!), 'the code is nowhere in the row');

  assert.equal(await fx.acs.submitCode('ch_1.3ds', wrongCode(codes[0]!)), 'wrong_code');
  assert.equal(await fx.acs.submitCode('ch_1.3ds', '12'), 'code_invalid', 'not six digits: not counted');
  assert.equal((await fx.acs.view('ch_1.3ds'))!.wrongCodesLeft, 2);
  assert.equal(await fx.acs.submitCode('ch_1.3ds', codes[0]!), 'passed');
  const result = await fx.issuer.authenticationResult('ch_1.3ds');
  assert.equal(result.status, 'authenticated');
  assert.equal(result.reason, 'challenge_passed');
  assert.equal(result.authentication!.eci, '05');

  // Moved to another amount, or to another merchant: refused.
  const moved = await fx.issuer.authorize({ ...first, id: fx.nextId('auth'), amount: { minor: 2_600, currency: 'USD' }, authentication: result.authentication });
  assert.equal(moved.reason, 'authentication_invalid');
  const elsewhere = await fx.issuer.authorize({ ...first, id: fx.nextId('auth'), merchant: { ...MERCHANT, merchantId: 'acct_other' }, authentication: result.authentication });
  assert.equal(elsewhere.reason, 'authentication_invalid');
  const forged = await fx.issuer.authorize({ ...first, id: fx.nextId('auth'), authentication: { ...result.authentication!, value: 'A'.repeat(27) } });
  assert.equal(forged.reason, 'authentication_invalid');

  const paid = await fx.issuer.authorize({ ...first, id: fx.nextId('auth'), authentication: result.authentication });
  assert.equal(paid.responseCode, '00');
  assert.equal(await fx.available(card), 7_500);
  // The same value again (a replay with a new message id): used.
  const replay = await fx.issuer.authorize({ ...first, id: fx.nextId('auth'), authentication: result.authentication });
  assert.equal(replay.responseCode, '05');
  assert.equal(replay.reason, 'authentication_invalid');
  assert.equal(await fx.available(card), 7_500);
});

test('always: a merchant-initiated payment under an authenticated agreement is exempt — no 1A', async () => {
  const { f: fx, card } = await setUp(ALWAYS);
  const cit = fx.authRequest(card, { amount: { minor: 1_000, currency: 'USD' } });
  assert.equal((await fx.issuer.authorize(cit)).responseCode, '1A');
  await fx.issuer.authenticate(authenticationRequest(fx, card, 'ch_2.3ds', cit));
  const [code] = await smsCodes(fx, card);
  assert.equal(await fx.acs.submitCode('ch_2.3ds', code!), 'passed');
  const value = (await fx.issuer.authenticationResult('ch_2.3ds')).authentication;
  const stored = { ...cit, id: fx.nextId('auth'), authentication: value };
  assert.equal((await fx.issuer.authorize(stored)).responseCode, '00');

  const mit = fx.authRequest(card, {
    amount: { minor: 1_500, currency: 'USD' },
    initiator: 'merchant',
    entryMode: 'credential_on_file',
    card: { pan: card.pan, expMonth: card.expMonth, expYear: card.expYear, cvv2: null },
    storedCredentialOriginalId: stored.id,
  });
  const answer = await fx.issuer.authorize(mit);
  assert.equal(answer.responseCode, '00');
  const row = await fx.db.get<{ checks: string }>('SELECT checks FROM issuer_authorizations WHERE request_id = ?', [mit.id]);
  assert.equal(JSON.parse(row!.checks).authentication_exemption, 'merchant_initiated');
});

test('three wrong codes fail the authentication; the right code after that does nothing', async () => {
  const { f: fx, card } = await setUp(ALWAYS);
  const request = fx.authRequest(card);
  await fx.issuer.authenticate(authenticationRequest(fx, card, 'ch_3.3ds', request));
  const [code] = await smsCodes(fx, card);
  assert.equal(await fx.acs.submitCode('ch_3.3ds', wrongCode(code!)), 'wrong_code');
  assert.equal(await fx.acs.submitCode('ch_3.3ds', wrongCode(code!)), 'wrong_code');
  assert.equal(await fx.acs.submitCode('ch_3.3ds', wrongCode(code!)), 'failed');
  assert.equal(await fx.acs.submitCode('ch_3.3ds', code!), 'closed');
  const result = await fx.issuer.authenticationResult('ch_3.3ds');
  assert.equal(result.status, 'failed');
  assert.equal(result.reason, 'too_many_wrong_codes');
  assert.equal(result.authentication, null);
});

test('"this was not me" fails it (declined_by_cardholder); a challenge left 10 minutes is abandoned (expired)', async () => {
  const { f: fx, card } = await setUp(ALWAYS);
  const request = fx.authRequest(card);
  await fx.issuer.authenticate(authenticationRequest(fx, card, 'ch_4.3ds', request));
  await fx.acs.decline('ch_4.3ds');
  assert.deepEqual(
    (({ status, reason }) => ({ status, reason }))(await fx.issuer.authenticationResult('ch_4.3ds')),
    { status: 'failed', reason: 'declined_by_cardholder' },
  );

  await fx.issuer.authenticate(authenticationRequest(fx, card, 'ch_5.3ds', request));
  const codes = await smsCodes(fx, card);
  fx.clock.advanceMs(CHALLENGE_TTL_MS);
  assert.equal(await fx.acs.submitCode('ch_5.3ds', codes.at(-1)!), 'closed', 'too late, even with the right code');
  const lapsed = await fx.issuer.authenticationResult('ch_5.3ds');
  assert.equal(lapsed.status, 'expired');
  assert.equal(lapsed.reason, 'abandoned');
});

test('a new code: after the cooldown, at most three codes in all; only the newest works', async () => {
  const { f: fx, card } = await setUp(ALWAYS);
  await fx.issuer.authenticate(authenticationRequest(fx, card, 'ch_6.3ds', fx.authRequest(card)));
  assert.equal(await fx.acs.resend('ch_6.3ds'), false, 'not within the cooldown');
  fx.clock.advanceMs(OTP_RESEND_COOLDOWN_MS);
  assert.equal(await fx.acs.resend('ch_6.3ds'), true);
  fx.clock.advanceMs(OTP_RESEND_COOLDOWN_MS);
  assert.equal(await fx.acs.resend('ch_6.3ds'), true);
  fx.clock.advanceMs(OTP_RESEND_COOLDOWN_MS);
  assert.equal(await fx.acs.resend('ch_6.3ds'), false, `no more than ${MAX_CODES_SENT} codes`);
  const codes = await smsCodes(fx, card);
  assert.equal(codes.length, MAX_CODES_SENT);
  if (codes[0] !== codes[2]) assert.equal(await fx.acs.submitCode('ch_6.3ds', codes[0]!), 'wrong_code', 'an older code no longer works');
  assert.equal(await fx.acs.submitCode('ch_6.3ds', codes[2]!), 'passed');
  assert.equal((await fx.acs.view('ch_6.3ds'))!.status, 'authenticated');
});

test('risk-based: a new merchant asks; after an authenticated payment there, small payments go through; above the amount asks again', async () => {
  const { f: fx, card } = await setUp(RISK);
  const first = fx.authRequest(card, { amount: { minor: 1_000, currency: 'USD' } });
  const asked = await fx.issuer.authorize(first);
  assert.equal(asked.reason, 'authentication_required');
  const row = await fx.db.get<{ checks: string }>('SELECT checks FROM issuer_authorizations WHERE request_id = ?', [first.id]);
  assert.equal(JSON.parse(row!.checks).authentication_trigger, 'new_merchant');

  await fx.issuer.authenticate(authenticationRequest(fx, card, 'ch_7.3ds', first));
  const [code] = await smsCodes(fx, card);
  assert.equal(await fx.acs.submitCode('ch_7.3ds', code!), 'passed');
  const value = (await fx.issuer.authenticationResult('ch_7.3ds')).authentication;
  assert.equal((await fx.issuer.authorize({ ...first, id: fx.nextId('auth'), authentication: value })).responseCode, '00');

  // Frictionless now: a known merchant in a known country, under the amount.
  assert.equal((await fx.issuer.authorize(fx.authRequest(card, { amount: { minor: 3_000, currency: 'USD' } }))).responseCode, '00');
  assert.equal((await fx.issuer.authorize(fx.authRequest(card, { amount: { minor: 3_001, currency: 'USD' } }))).reason, 'authentication_required');
  const abroad = await fx.issuer.authorize(fx.authRequest(card, { merchant: { ...MERCHANT, merchantId: 'acct_gb', country: 'GB' } }));
  assert.equal(abroad.reason, 'authentication_required');
});

test('off (the default): no 1A, and an acquirer that asks anyway gets a frictionless authentication', async () => {
  const { f: fx, card } = await setUp({ mode: 'off', aboveUsdMinor: 0 });
  const request = fx.authRequest(card, { amount: { minor: 9_000, currency: 'USD' } });
  const frictionless = await fx.issuer.authenticate(authenticationRequest(fx, card, 'ch_8.3ds', request));
  assert.equal(frictionless.status, 'authenticated');
  assert.equal(frictionless.reason, 'frictionless');
  assert.deepEqual(await smsCodes(fx, card), [], 'no SMS without a challenge');
  assert.equal((await fx.issuer.authorize({ ...request, authentication: frictionless.authentication })).responseCode, '00');
  assert.equal((await fx.issuer.authorize(fx.authRequest(card, { amount: { minor: 500, currency: 'USD' } }))).responseCode, '00');
});

test('an authentication for a card the issuer does not know, or a notification URL off this server, is refused and stores nothing', async () => {
  const { f: fx, card } = await setUp(ALWAYS);
  const request = fx.authRequest(card);
  const offSite = await fx.issuer.authenticate({ ...authenticationRequest(fx, card, 'ch_9.3ds', request), notificationUrl: 'https://evil.example/' });
  assert.equal(offSite.status, 'failed');
  assert.equal(offSite.reason, 'invalid_request');
  const unknown = await fx.issuer.authenticate({ ...authenticationRequest(fx, card, 'ch_10.3ds', request), card: { pan: '4000000000000002', expMonth: 12, expYear: 2030, cvv2: null } });
  assert.equal(unknown.reason, 'card_not_found');
  assert.equal((await fx.db.all('SELECT id FROM issuer_authentications')).length, 0);
});
