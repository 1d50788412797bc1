import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { identityRoutes } from '../../src/issuer/http/identity-routes.ts';
import { createOperatorKey } from '../../src/issuer/identity/operator-keys.ts';
import { OTP_RESEND_COOLDOWN_MS, OTP_TTL_MS } from '../../src/platform/identity/one-time-codes.ts';
import { createHttpServer } from '../../src/platform/http/server.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { identityFixture, PHONE_A, PHONE_B, type IdentityFixture } from '../support/identity-fixture.ts';

let f: IdentityFixture;
let app: FastifyInstance;
let logs: string[];
let operatorKey: string;

beforeEach(async () => {
  f = await identityFixture(7);
  logs = [];
  app = await createHttpServer({
    db: f.db,
    logger: createLogger({ level: 'trace', destination: { write: (line: string) => logs.push(line) } }),
    version: 'test',
    routes: [{ plugin: identityRoutes({ db: f.db, deps: f.deps }), prefix: '/issuer/v1' }],
  });
  operatorKey = (await createOperatorKey(f.db, f.deps, 'test operator', f.clock.nowMs())).key;
});

afterEach(async () => {
  await app.close();
  await f.cleanup();
});

type Json = Record<string, any>;

async function call(method: 'GET' | 'POST', url: string, options: { token?: string; body?: unknown; key?: string; ip?: string } = {}) {
  const response = await app.inject({
    method,
    url: `/issuer/v1${url}`,
    ...(options.ip ? { remoteAddress: options.ip } : {}),
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.key ? { 'idempotency-key': options.key } : {}),
    },
    ...(options.body === undefined ? {} : { payload: options.body as Json }),
  });
  return { status: response.statusCode, body: response.json() as Json, headers: response.headers };
}

async function inboxCode(phone: string): Promise<string> {
  const inbox = await call('GET', `/operator/sms?phone=${encodeURIComponent(phone)}`, { token: operatorKey });
  assert.equal(inbox.status, 200, JSON.stringify(inbox.body));
  return /\b(\d{6})\b/.exec(inbox.body.data[0].body)![1]!;
}

async function signIn(phone: string, inviteCode?: string): Promise<{ token: string; cardholder: Json; code: string }> {
  f.clock.advanceMs(OTP_RESEND_COOLDOWN_MS);
  assert.equal((await call('POST', '/sessions/code', { body: { phone } })).status, 200);
  const code = await inboxCode(phone);
  const signed = await call('POST', '/sessions', { body: { phone, code, ...(inviteCode ? { invite_code: inviteCode } : {}) } });
  assert.equal(signed.status, 200, JSON.stringify(signed.body));
  return { token: signed.body.token, cardholder: signed.body.cardholder, code };
}

test('sign up with an invite code → session → /me shows the fee waived and the referral; codes stay out of logs and the otp table', async () => {
  const referrer = await signIn(PHONE_A);
  const { token, cardholder, code } = await signIn(PHONE_B, referrer.cardholder.invite_code);
  assert.equal(cardholder.opening_fee_waived, true);
  const me = await call('GET', '/me', { token });
  assert.equal(me.status, 200);
  assert.equal(me.body.id, cardholder.id);
  assert.equal(me.body.phone, PHONE_B);
  assert.equal(me.body.opening_fee_waived, true);
  assert.equal(me.body.referral.invite_code, referrer.cardholder.invite_code);
  assert.equal(me.body.kyc_status, 'not_started');

  const otpRows = JSON.stringify(await f.db.all('SELECT * FROM issuer_otp_codes'));
  for (const secret of [code, referrer.code, token, referrer.token, operatorKey]) {
    assert.ok(!logs.join('\n').includes(secret), 'no code, token or key in the logs');
  }
  assert.ok(!otpRows.includes(code) && !otpRows.includes(referrer.code), 'no code in clear in the otp table');
  assert.ok(logs.some((line) => line.includes('/issuer/v1/sessions')), 'requests were logged');
});

test('refusals over HTTP: bad phone, bad or unknown invite, wrong code ×5 → locked, expired, used, cooldown with Retry-After', async () => {
  const bad = await call('POST', '/sessions/code', { body: { phone: '12345' } });
  assert.deepEqual([bad.status, bad.body.error.code, bad.body.error.param], [400, 'phone_invalid', 'phone']);

  assert.equal((await call('POST', '/sessions/code', { body: { phone: PHONE_A } })).status, 200);
  const cooldown = await call('POST', '/sessions/code', { body: { phone: PHONE_A } });
  assert.deepEqual([cooldown.status, cooldown.body.error.code, cooldown.headers['retry-after']], [429, 'rate_limited', '60']);

  const code = await inboxCode(PHONE_A);
  const other = code === '000000' ? '111111' : '000000';
  const unknownInvite = await call('POST', '/sessions', { body: { phone: PHONE_A, code, invite_code: 'ZZZZ-ZZZZ' } });
  assert.deepEqual([unknownInvite.status, unknownInvite.body.error.code], [400, 'invite_code_unknown']);
  const badInvite = await call('POST', '/sessions', { body: { phone: PHONE_A, code, invite_code: '!!' } });
  assert.deepEqual([badInvite.status, badInvite.body.error.code], [400, 'invite_code_invalid']);
  for (let i = 1; i <= 4; i++) {
    const wrong = await call('POST', '/sessions', { body: { phone: PHONE_A, code: other } });
    assert.deepEqual([wrong.status, wrong.body.error.code], [400, 'code_invalid']);
    assert.match(wrong.body.error.message, new RegExp(`${5 - i} of 5 attempts left`));
  }
  const locked = await call('POST', '/sessions', { body: { phone: PHONE_A, code: other } });
  assert.equal(locked.body.error.code, 'code_locked');
  assert.equal((await call('POST', '/sessions', { body: { phone: PHONE_A, code } })).body.error.code, 'code_locked');

  f.clock.advanceMs(OTP_RESEND_COOLDOWN_MS);
  await call('POST', '/sessions/code', { body: { phone: PHONE_A } });
  const expiring = await inboxCode(PHONE_A);
  f.clock.advanceMs(OTP_TTL_MS);
  assert.equal((await call('POST', '/sessions', { body: { phone: PHONE_A, code: expiring } })).body.error.code, 'code_expired');

  const { code: used } = await signIn(PHONE_A);
  assert.equal((await call('POST', '/sessions', { body: { phone: PHONE_A, code: used } })).body.error.code, 'code_used');
});

test('an idempotent replay of POST /sessions/code does not send a second SMS', async () => {
  const first = await call('POST', '/sessions/code', { body: { phone: PHONE_A }, key: 'k-1' });
  const replay = await call('POST', '/sessions/code', { body: { phone: PHONE_A }, key: 'k-1' });
  assert.equal(first.status, 200);
  assert.equal(replay.status, 200);
  assert.deepEqual(replay.body, first.body);
  assert.equal(replay.headers['idempotent-replayed'], 'true');
  const inbox = await call('GET', `/operator/sms?phone=${encodeURIComponent(PHONE_A)}`, { token: operatorKey });
  assert.equal(inbox.body.data.length, 1);
  const reused = await call('POST', '/sessions/code', { body: { phone: PHONE_B }, key: 'k-1' });
  assert.equal(reused.body.error.code, 'idempotency_key_reused');
});

test('KYC over HTTP: start → operator rejects with a reason → re-submit → operator approves; another cardholder sees 404', async () => {
  const alice = await signIn(PHONE_A);
  const bob = await signIn(PHONE_B);
  assert.deepEqual((await call('GET', '/kyc', { token: alice.token })).body, {
    status: 'not_started',
    reason: null,
    reason_text: null,
    next_step: null,
    can_resubmit: null,
    verification: null,
  });

  const started = await call('POST', '/kyc', { token: alice.token, key: 'kyc-1' });
  assert.equal(started.status, 201);
  assert.equal(started.body.status, 'pending');
  assert.match(started.body.qr_payload, /^https:\/\//);
  const id = started.body.id as string;
  assert.equal((await call('POST', '/kyc', { token: alice.token })).status, 200, 'the pending one again');

  assert.equal((await call('GET', `/kyc/${id}`, { token: bob.token })).status, 404);
  assert.equal((await call('GET', `/kyc/${id}`, { token: alice.token })).status, 200);

  const rejected = await call('POST', `/operator/kyc/${id}/reject`, { token: operatorKey, body: { reason: 'document_unreadable', internal_note: 'blurry photo' } });
  assert.deepEqual([rejected.status, rejected.body.status, rejected.body.reason, rejected.body.internal_note], [200, 'rejected', 'document_unreadable', 'blurry photo']);
  const status = await call('GET', '/kyc', { token: alice.token });
  assert.deepEqual([status.body.status, status.body.reason, status.body.can_resubmit], ['rejected', 'document_unreadable', true]);

  const again = await call('POST', '/kyc', { token: alice.token });
  assert.equal(again.status, 201);
  const approved = await call('POST', `/operator/kyc/${again.body.id}/approve`, { token: operatorKey, key: 'ap-1' });
  assert.equal(approved.body.status, 'approved');
  const replay = await call('POST', `/operator/kyc/${again.body.id}/approve`, { token: operatorKey, key: 'ap-1' });
  assert.equal(replay.headers['idempotent-replayed'], 'true');
  assert.equal((await call('GET', '/me', { token: alice.token })).body.kyc_status, 'approved');
  assert.equal((await call('POST', `/operator/kyc/${id}/approve`, { token: operatorKey })).body.error.code, 'kyc_not_pending');
  assert.equal((await call('POST', '/operator/kyc/kyc_nope/approve', { token: operatorKey })).status, 404);
});

test('authentication: cardholder routes need a session, operator routes an operator key', async () => {
  const alice = await signIn(PHONE_A);
  for (const token of [undefined, 'garbage', operatorKey]) {
    const me = await call('GET', '/me', token === undefined ? {} : { token });
    assert.deepEqual([me.status, me.body.error.code], [401, 'authentication_required']);
  }
  for (const token of [undefined, alice.token, `op_${'A'.repeat(43)}`]) {
    const inbox = await call('GET', `/operator/sms?phone=${encodeURIComponent(PHONE_A)}`, token === undefined ? {} : { token });
    assert.deepEqual([inbox.status, inbox.body.error.code], [401, 'authentication_required']);
    const approve = await call('POST', '/operator/kyc/kyc_x/approve', token === undefined ? {} : { token });
    assert.equal(approve.status, 401);
  }
});

test('POST /me/invite applies a code once; own code refused', async () => {
  const alice = await signIn(PHONE_A);
  const bob = await signIn(PHONE_B);
  const own = await call('POST', '/me/invite', { token: bob.token, body: { invite_code: bob.cardholder.invite_code } });
  assert.deepEqual([own.status, own.body.error.code], [400, 'invite_code_own']);
  const applied = await call('POST', '/me/invite', { token: bob.token, body: { invite_code: alice.cardholder.invite_code }, key: 'inv-1' });
  assert.deepEqual([applied.status, applied.body.opening_fee_waived], [200, true]);
  const replay = await call('POST', '/me/invite', { token: bob.token, body: { invite_code: alice.cardholder.invite_code }, key: 'inv-1' });
  assert.deepEqual([replay.status, replay.headers['idempotent-replayed']], [200, 'true']);
  const twice = await call('POST', '/me/invite', { token: bob.token, body: { invite_code: alice.cardholder.invite_code } });
  assert.deepEqual([twice.status, twice.body.error.code], [409, 'invite_code_already_applied']);
});

test('the OpenAPI document lists the identity routes', async () => {
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as Json;
  for (const path of ['/issuer/v1/sessions/code', '/issuer/v1/sessions', '/issuer/v1/me', '/issuer/v1/kyc', '/issuer/v1/operator/kyc/{id}/reject']) {
    assert.ok(doc.paths[path], path);
  }
  assert.ok(doc.components.securitySchemes.operatorKey);
});
