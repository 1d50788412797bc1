import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import type { Cardlane } from '../../src/app/start.ts';
import { installOperatorKeys } from '../../src/issuer/identity/operator-keys.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { cryptoRandom, IdGenerator } from '../../src/platform/ids.ts';
import { startInProcessCardlane, type InProcessCardlane } from '../support/in-process-cardlane.ts';
import { call, consoleSignIn, signUpCardholder, startKyc, type Json } from '../support/operator-console.ts';

// Cookie tossing on the cardholder app (`cardlane_cardholder`) and the operator console (`cardlane_operator`), and on
// the doctor's routes that read either, over HTTP on both databases. A sibling subdomain may set its own cookie of the
// same name (Domain=<parent>; Path=/issuer), which the browser sends first: a request carrying the name twice is
// refused (401 session_cookie_ambiguous), changes nothing, and clears the cookie. Over HTTPS the cookies are
// `__Host-cardlane_cardholder` and `__Host-cardlane_operator` (Secure, Path=/, no Domain: no other host can set or
// shadow them), and the plain names are ignored there.

const clock = new ManualClock(Date.UTC(2026, 4, 1, 9));
let cardlane: Cardlane;
let op: string;
let started: InProcessCardlane | undefined;
let nextPhone = 500;

before(async () => {
  started = await startInProcessCardlane('browser-cookie-tossing', clock);
  ({ cardlane, operatorKey: op } = started);
});

after(() => started?.close());

// Sign-ins and codes are limited per address and phone on this test's manual clock: each test starts later.
beforeEach(() => clock.advanceMs(10 * 60_000));

const url = () => cardlane.url;
const newPhone = () => `+86138000${String((nextPhone += 1)).padStart(5, '0')}`;
const HTTPS = { 'x-forwarded-proto': 'https' } as const;
const AMBIGUOUS = [401, 'session_cookie_ambiguous'];
const refusal = (answer: { status: number; body: Json }) => [answer.status, answer.body.error?.code];

interface AppSession {
  readonly cookie: string;
  readonly token: string;
  readonly csrf: string;
  readonly setCookie: string;
}

async function appSignIn(phone: string, headers: Record<string, string> = {}): Promise<AppSession> {
  assert.equal((await call(url(), 'POST', '/issuer/v1/sessions/code', { body: { phone } })).status, 200);
  const inbox = await call(url(), 'GET', `/issuer/v1/operator/sms?phone=${encodeURIComponent(phone)}`, { bearer: op });
  const code = /\b(\d{6})\b/.exec(String(inbox.body.data?.[0]?.body))![1]!;
  const answer = await call(url(), 'POST', '/issuer/v1/browser-session', { body: { phone, code }, headers });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  const setCookie = answer.headers.get('set-cookie') ?? '';
  const cookie = setCookie.split(';')[0]!;
  return { cookie, token: cookie.slice(cookie.indexOf('=') + 1), csrf: answer.body.csrf_token as string, setCookie };
}

const kycOf = async (cookie: string) => (await call(url(), 'GET', '/issuer/v1/kyc', { cookie })).body.verification;

test('the cardholder app: a tossed duplicate cookie is refused 401 session_cookie_ambiguous on every route, the doctor’s too, changes nothing and is cleared', async () => {
  const victim = await appSignIn(newPhone());
  const attacker = await appSignIn(newPhone());
  for (const cookie of [`${attacker.cookie}; ${victim.cookie}`, `${victim.cookie}; theme=dark; ${attacker.cookie}`]) {
    const load = await call(url(), 'GET', '/issuer/v1/browser-session', { cookie, headers: { 'sec-fetch-site': 'same-origin' } });
    assert.deepEqual(refusal(load), AMBIGUOUS, `the app's load is no one's session: ${JSON.stringify(load.body)}`);
    assert.equal(load.body.cardholder, undefined);
    const cleared = load.headers.getSetCookie();
    assert.ok(cleared.includes('cardlane_cardholder=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict'), cleared.join(' | '));
    assert.ok(cleared.includes('cardlane_cardholder=; Path=/issuer; Max-Age=0; HttpOnly; SameSite=Strict'), cleared.join(' | '));

    for (const csrf of [attacker.csrf, victim.csrf]) {
      assert.deepEqual(refusal(await call(url(), 'POST', '/issuer/v1/kyc', { cookie, csrf })), AMBIGUOUS);
      assert.deepEqual(refusal(await call(url(), 'DELETE', '/issuer/v1/browser-session', { cookie, csrf })), AMBIGUOUS);
    }
    assert.deepEqual(refusal(await call(url(), 'GET', '/issuer/v1/me', { cookie })), AMBIGUOUS);
    const doctor = await call(url(), 'GET', '/doctor/v1/traces/iauth_missing?view=cardholder', { cookie });
    assert.deepEqual(refusal(doctor), AMBIGUOUS);
    assert.ok(doctor.headers.getSetCookie().includes('cardlane_cardholder=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict'));
  }
  // Nothing changed: neither started a verification, and both sessions live on.
  assert.equal(await kycOf(victim.cookie), null);
  assert.equal(await kycOf(attacker.cookie), null);
  assert.equal((await call(url(), 'GET', '/issuer/v1/me', { cookie: victim.cookie })).status, 200);
  assert.equal((await call(url(), 'GET', '/issuer/v1/me', { cookie: attacker.cookie })).status, 200);
  // A look-alike name is another cookie: it does not make the session ambiguous.
  assert.equal((await call(url(), 'GET', '/issuer/v1/browser-session', { cookie: `Cardlane_cardholder=${attacker.token}; cardlane_cardholderx=1; ${victim.cookie}` })).status, 200);
});

test('the operator console: a tossed duplicate cookie is refused 401 session_cookie_ambiguous, on the doctor’s routes too, approves nothing and is cleared', async () => {
  const cardholder = await signUpCardholder(url(), op, newPhone());
  const kycId = await startKyc(url(), cardholder);
  const victim = await consoleSignIn(url(), op);
  const otherKey = await installOperatorKeys.create(cardlane.db, { ids: new IdGenerator(clock, cryptoRandom), random: cryptoRandom }, 'another operator', clock.nowMs());
  const attacker = await consoleSignIn(url(), otherKey.key);
  const sessionsBefore = await cardlane.db.all('SELECT * FROM issuer_operator_sessions ORDER BY id');

  const cookie = `${attacker.cookie}; ${victim.cookie}`;
  const load = await call(url(), 'GET', '/issuer/v1/operator/session', { cookie });
  assert.deepEqual(refusal(load), AMBIGUOUS, JSON.stringify(load.body));
  assert.ok(load.headers.getSetCookie().includes('cardlane_operator=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict'), load.headers.getSetCookie().join(' | '));
  for (const csrf of [attacker.csrf, victim.csrf]) {
    assert.deepEqual(refusal(await call(url(), 'POST', `/issuer/v1/operator/kyc/${kycId}/approve`, { cookie, csrf })), AMBIGUOUS);
    assert.deepEqual(refusal(await call(url(), 'DELETE', '/issuer/v1/operator/session', { cookie, csrf })), AMBIGUOUS);
  }
  assert.deepEqual(refusal(await call(url(), 'GET', '/issuer/v1/operator/kyc', { cookie })), AMBIGUOUS);
  const from = new Date(clock.nowMs() - 3600_000).toISOString();
  const to = new Date(clock.nowMs() + 60_000).toISOString();
  assert.deepEqual(refusal(await call(url(), 'GET', `/doctor/v1/declines/summary?from=${from}&to=${to}`, { cookie })), AMBIGUOUS);

  assert.equal((await call(url(), 'GET', '/issuer/v1/kyc', { bearer: cardholder })).body.status, 'pending', 'nothing was approved');
  assert.deepEqual(await cardlane.db.all('SELECT * FROM issuer_operator_sessions ORDER BY id'), sessionsBefore, 'no session ended or changed');
  assert.equal((await call(url(), 'GET', '/issuer/v1/operator/session', { cookie: victim.cookie })).status, 200);
});

test('over HTTPS both pages use __Host- cookies (Secure, Path=/, no Domain) and ignore the plain names; sign-out clears the __Host- name; over HTTP nothing changes', async () => {
  // The cardholder app.
  const app = await appSignIn(newPhone(), HTTPS);
  assert.match(app.setCookie, /^__Host-cardlane_cardholder=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=2592000; HttpOnly; SameSite=Strict; Secure$/);
  assert.doesNotMatch(app.setCookie, /domain=/i);
  assert.equal((await call(url(), 'GET', '/issuer/v1/browser-session', { cookie: app.cookie, headers: HTTPS })).status, 200);
  const plainApp = await call(url(), 'GET', '/issuer/v1/browser-session', { cookie: `cardlane_cardholder=${app.token}`, headers: HTTPS });
  assert.deepEqual([...refusal(plainApp), plainApp.headers.get('set-cookie')], [401, 'authentication_required', null], 'the plain name over HTTPS is as if absent');
  assert.equal((await call(url(), 'GET', '/issuer/v1/me', { cookie: `cardlane_cardholder=${app.token}`, headers: HTTPS })).status, 401);
  assert.equal((await call(url(), 'GET', '/issuer/v1/me', { cookie: app.cookie })).status, 401, 'a __Host- cookie over plain HTTP is not read');
  // A tossed plain cookie beside it changes nothing: the app acts as its own cardholder.
  const other = await appSignIn(newPhone());
  const started = await call(url(), 'POST', '/issuer/v1/kyc', { cookie: `${other.cookie}; ${app.cookie}`, csrf: app.csrf, headers: HTTPS });
  assert.equal(started.status, 201, JSON.stringify(started.body));
  assert.equal(await kycOf(other.cookie), null, 'not the tossed cookie’s cardholder');
  assert.equal((await call(url(), 'GET', '/doctor/v1/traces/iauth_missing?view=cardholder', { cookie: app.cookie, headers: HTTPS })).status, 404);
  const appOut = await call(url(), 'DELETE', '/issuer/v1/browser-session', { cookie: app.cookie, csrf: app.csrf, headers: HTTPS });
  assert.equal(appOut.status, 200, JSON.stringify(appOut.body));
  assert.equal(appOut.headers.get('set-cookie'), '__Host-cardlane_cardholder=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict; Secure');

  // The operator console.
  const signedIn = await call(url(), 'POST', '/issuer/v1/operator/session', { body: { key: op }, headers: HTTPS });
  assert.equal(signedIn.status, 200, JSON.stringify(signedIn.body));
  const setCookie = signedIn.headers.get('set-cookie') ?? '';
  assert.match(setCookie, /^__Host-cardlane_operator=ops_[A-Za-z0-9_-]{43}; Path=\/; Max-Age=28800; HttpOnly; SameSite=Strict; Secure$/);
  assert.doesNotMatch(setCookie, /domain=/i);
  const consoleCookie = setCookie.split(';')[0]!;
  const token = consoleCookie.slice(consoleCookie.indexOf('=') + 1);
  const csrf = signedIn.body.csrf_token as string;
  assert.equal((await call(url(), 'GET', '/issuer/v1/operator/session', { cookie: consoleCookie, headers: HTTPS })).status, 200);
  assert.equal((await call(url(), 'GET', '/issuer/v1/operator/kyc', { cookie: consoleCookie, headers: HTTPS })).status, 200);
  assert.equal((await call(url(), 'GET', '/issuer/v1/operator/session', { cookie: `cardlane_operator=${token}`, headers: HTTPS })).status, 401);
  assert.equal((await call(url(), 'GET', '/issuer/v1/operator/kyc', { cookie: `cardlane_operator=${token}`, headers: HTTPS })).status, 401);
  const from = new Date(clock.nowMs() - 3600_000).toISOString();
  const to = new Date(clock.nowMs() + 60_000).toISOString();
  assert.equal((await call(url(), 'GET', `/doctor/v1/declines/summary?from=${from}&to=${to}`, { cookie: consoleCookie, headers: HTTPS })).status, 200);
  assert.equal((await call(url(), 'GET', `/doctor/v1/declines/summary?from=${from}&to=${to}`, { cookie: `cardlane_operator=${token}`, headers: HTTPS })).status, 401);
  const twice = await call(url(), 'GET', '/issuer/v1/operator/session', { cookie: `__Host-cardlane_operator=ops_${'A'.repeat(43)}; ${consoleCookie}`, headers: HTTPS });
  assert.deepEqual(refusal(twice), AMBIGUOUS);
  assert.ok(twice.headers.getSetCookie().includes('__Host-cardlane_operator=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict; Secure'), twice.headers.getSetCookie().join(' | '));
  const out = await call(url(), 'DELETE', '/issuer/v1/operator/session', { cookie: consoleCookie, csrf, headers: HTTPS });
  assert.equal(out.status, 200, JSON.stringify(out.body));
  assert.equal(out.headers.get('set-cookie'), '__Host-cardlane_operator=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict; Secure');

  // Plain HTTP (local development, `cardlane up` on 127.0.0.1): the plain names, as before.
  assert.match((await appSignIn(newPhone())).setCookie, /^cardlane_cardholder=[^;]+; Path=\/; Max-Age=2592000; HttpOnly; SameSite=Strict$/);
  assert.match((await consoleSignIn(url(), op)).setCookie, /^cardlane_operator=ops_[^;]+; Path=\/; Max-Age=28800; HttpOnly; SameSite=Strict$/);
});
