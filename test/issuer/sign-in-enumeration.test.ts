import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { identityRoutes } from '../../src/issuer/http/identity-routes.ts';
import { markFirstCard } from '../../src/issuer/identity/cardholders.ts';
import { createOperatorKey } from '../../src/issuer/identity/operator-keys.ts';
import { OTP_RESEND_COOLDOWN_MS } from '../../src/platform/identity/one-time-codes.ts';
import { createHttpServer } from '../../src/platform/http/server.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { identityFixture, PHONE_A, PHONE_B, PHONE_C, type IdentityFixture } from '../support/identity-fixture.ts';

// Anyone on the network must not learn from POST /issuer/v1/sessions, without the phone's one-time code, whether a
// phone number belongs to a cardholder (as POST /sessions/code answers every phone alike):
// - holding an invite code (their own: every cardholder has one), the refusals that depend on the account
//   (invite_code_own, _already_applied, _too_late) came before the code was checked;
// - a wrong code answered `code_used` where the phone's last code had signed someone in — only a right code uses
//   a code, and only a cardholder has signed in — and "no code is waiting" for a stranger's phone.
// Now a wrong code against a used one is answered as no code waiting; the right code, sent again, still says used.

let f: IdentityFixture;
let app: FastifyInstance;
let operatorKey: string;

beforeEach(async () => {
  f = await identityFixture(11);
  app = await createHttpServer({
    db: f.db,
    logger: createLogger({ level: 'silent' }),
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

async function call(method: 'GET' | 'POST', url: string, options: { token?: string; body?: unknown } = {}) {
  const response = await app.inject({
    method,
    url: `/issuer/v1${url}`,
    headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
    ...(options.body === undefined ? {} : { payload: options.body as Json }),
  });
  return { status: response.statusCode, body: response.json() as Json };
}

async function lastCode(phone: string): Promise<string> {
  const inbox = await call('GET', `/operator/sms?phone=${encodeURIComponent(phone)}`, { token: operatorKey });
  return /\b(\d{6})\b/.exec(inbox.body.data[0].body)![1]!;
}

async function signIn(phone: string): Promise<Json> {
  f.clock.advanceMs(OTP_RESEND_COOLDOWN_MS);
  assert.equal((await call('POST', '/sessions/code', { body: { phone } })).status, 200);
  const signed = await call('POST', '/sessions', { body: { phone, code: await lastCode(phone) } });
  assert.equal(signed.status, 200, JSON.stringify(signed.body));
  return signed.body.cardholder;
}

const STRANGER = '+8613700137000';

test('an invite code with a wrong one-time code tells nothing about the phone: a cardholder with a card, a referred one, the code’s owner and a stranger answer alike', async () => {
  const attacker = await signIn(PHONE_A);
  const withCard = await signIn(PHONE_B);
  await f.db.transaction((tx) => markFirstCard(tx, withCard.id, f.clock.nowMs()));
  const referrer = await signIn(PHONE_C);
  const referred = '+8613600136000';
  f.clock.advanceMs(OTP_RESEND_COOLDOWN_MS);
  await call('POST', '/sessions/code', { body: { phone: referred } });
  const signedUp = await call('POST', '/sessions', { body: { phone: referred, code: await lastCode(referred), invite_code: referrer.invite_code } });
  assert.equal(signedUp.status, 200, JSON.stringify(signedUp.body));

  const probe = async (phone: string) => {
    const answer = await call('POST', '/sessions', { body: { phone, code: '000000', invite_code: attacker.invite_code } });
    return [answer.status, answer.body.error.code, answer.body.error.param];
  };
  const stranger = await probe(STRANGER);
  assert.deepEqual(stranger, [400, 'code_invalid', 'code']);
  assert.deepEqual(await probe(PHONE_B), stranger, 'a cardholder who opened a card looks like a stranger');
  assert.deepEqual(await probe(referred), stranger, 'a referred cardholder looks like a stranger');
  assert.deepEqual(await probe(PHONE_A), stranger, 'the invite code’s owner looks like a stranger');
});

test('the account’s refusals still stand once the one-time code is right, and change nothing', async () => {
  const referrer = await signIn(PHONE_A);
  const withCard = await signIn(PHONE_B);
  await f.db.transaction((tx) => markFirstCard(tx, withCard.id, f.clock.nowMs()));

  f.clock.advanceMs(OTP_RESEND_COOLDOWN_MS);
  await call('POST', '/sessions/code', { body: { phone: PHONE_B } });
  const late = await call('POST', '/sessions', { body: { phone: PHONE_B, code: await lastCode(PHONE_B), invite_code: referrer.invite_code } });
  assert.deepEqual([late.status, late.body.error.code, late.body.error.param], [409, 'invite_code_too_late', 'invite_code']);
  const me = await f.db.get<{ referred_by: string | null; opening_fee_waived: number | string }>('SELECT referred_by, opening_fee_waived FROM issuer_cardholders WHERE id = ?', [withCard.id]);
  assert.deepEqual([me!.referred_by, Number(me!.opening_fee_waived)], [null, 0]);

  f.clock.advanceMs(OTP_RESEND_COOLDOWN_MS);
  await call('POST', '/sessions/code', { body: { phone: PHONE_A } });
  const own = await call('POST', '/sessions', { body: { phone: PHONE_A, code: await lastCode(PHONE_A), invite_code: referrer.invite_code } });
  assert.deepEqual([own.status, own.body.error.code], [400, 'invite_code_own']);

  // An unknown invite code is refused before the one-time code, whoever the phone is: it costs no code.
  f.clock.advanceMs(OTP_RESEND_COOLDOWN_MS);
  await call('POST', '/sessions/code', { body: { phone: STRANGER } });
  const code = await lastCode(STRANGER);
  const unknown = await call('POST', '/sessions', { body: { phone: STRANGER, code, invite_code: referrer.invite_code === 'ZZZZZZZZ' ? 'YYYYYYYY' : 'ZZZZZZZZ' } });
  assert.equal(unknown.body.error.code, 'invite_code_unknown');
  const signedUp = await call('POST', '/sessions', { body: { phone: STRANGER, code, invite_code: referrer.invite_code } });
  assert.equal(signedUp.status, 200, JSON.stringify(signedUp.body));
  assert.equal(signedUp.body.cardholder.opening_fee_waived, true);
});

test('a wrong code for a phone that signed in answers as for a phone that never had a code; the used code itself still says code_used', async () => {
  await signIn(PHONE_A);
  const probe = async (phone: string) => {
    const answer = await call('POST', '/sessions', { body: { phone, code: '000000' } });
    return [answer.status, answer.body.error.code, answer.body.error.param, answer.body.error.message.replace(/\+\d[\d *]+/, '<phone>')];
  };
  const stranger = await probe(STRANGER);
  assert.deepEqual(stranger.slice(0, 3), [400, 'code_invalid', 'code']);
  assert.deepEqual(await probe(PHONE_A), stranger, 'a cardholder who signed in looks like a stranger');

  // The person who just signed in and sends the same code again (a double submit) is still told it was used.
  f.clock.advanceMs(OTP_RESEND_COOLDOWN_MS);
  await call('POST', '/sessions/code', { body: { phone: PHONE_B } });
  const code = await lastCode(PHONE_B);
  assert.equal((await call('POST', '/sessions', { body: { phone: PHONE_B, code } })).status, 200);
  const again = await call('POST', '/sessions', { body: { phone: PHONE_B, code: ` ${code.slice(0, 3)}-${code.slice(3)} ` } });
  assert.deepEqual([again.status, again.body.error.code], [400, 'code_used']);
  assert.deepEqual(await probe(PHONE_B), stranger);
});
