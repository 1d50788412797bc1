import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import type { Cardlane } from '../../src/app/start.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { startInProcessCardlane, type InProcessCardlane } from '../support/in-process-cardlane.ts';
import { call, consoleSignIn, type Json } from '../support/operator-console.ts';

// The cardholder app's session (POST/GET/DELETE /issuer/v1/browser-session): after the SMS code, an HttpOnly,
// SameSite=Strict `cardlane_cardholder` cookie holds the session (only its hash is stored), so a reload keeps the
// person signed in; the page is told an anti-CSRF token instead of the token. Every change made with the cookie
// needs X-CSRF-Token (403 csrf_token_invalid without it, or from a request the browser marks cross-site); sign-out
// ends the session and clears the cookie; the session ends after 12 idle hours and 30 days at most, like the
// bearer tokens — and the bearer-token API of the CLI and scripts works as before.

const clock = new ManualClock(Date.UTC(2026, 4, 1, 9));
let cardlane: Cardlane;
let op: string;
let started: InProcessCardlane | undefined;
let nextPhone = 200;

before(async () => {
  started = await startInProcessCardlane('cardholder-browser-session', clock);
  ({ cardlane, operatorKey: op } = started);
});

after(() => started?.close());

// Sign-ins and codes are limited per address and phone on this test's manual clock: each test starts later.
beforeEach(() => clock.advanceMs(10 * 60_000));

const url = () => cardlane.url;
const newPhone = () => `+86138000${String((nextPhone += 1)).padStart(5, '0')}`;

/** Asks for a sign-in code for `phone` and reads it from the sandbox inbox. */
async function codeFor(phone: string): Promise<string> {
  const sent = await call(url(), 'POST', '/issuer/v1/sessions/code', { body: { phone } });
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
  const inbox = await call(url(), 'GET', `/issuer/v1/operator/sms?phone=${encodeURIComponent(phone)}`, { bearer: op });
  const code = /\b(\d{6})\b/.exec(String(inbox.body.data?.[0]?.body))?.[1];
  assert.ok(code, JSON.stringify(inbox.body));
  return code;
}

interface AppSession {
  /** The Cookie header to send (`cardlane_cardholder=…`). */
  readonly cookie: string;
  readonly token: string;
  readonly csrf: string;
  readonly setCookie: string;
  readonly body: Json;
}

async function appSignIn(phone: string, headers: Record<string, string> = {}): Promise<AppSession> {
  const answer = await call(url(), 'POST', '/issuer/v1/browser-session', { body: { phone, code: await codeFor(phone) }, headers });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  const setCookie = answer.headers.get('set-cookie') ?? '';
  const cookie = setCookie.split(';')[0]!;
  return { cookie, token: cookie.slice(cookie.indexOf('=') + 1), csrf: answer.body.csrf_token as string, setCookie, body: answer.body };
}

test('sign-in: JSON only, never cross-site; then an HttpOnly SameSite=Strict cookie (Secure behind HTTPS) and an anti-CSRF token, never the token', async () => {
  const phone = newPhone();
  const code = await codeFor(phone);
  const form = await call(url(), 'POST', '/issuer/v1/browser-session', { body: `phone=${encodeURIComponent(phone)}&code=${code}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.deepEqual([form.status, form.body.error?.code], [415, 'unsupported_media_type']);
  const crossSite = await call(url(), 'POST', '/issuer/v1/browser-session', { body: { phone, code }, headers: { 'sec-fetch-site': 'cross-site' } });
  assert.deepEqual([crossSite.status, crossSite.body.error?.code], [403, 'csrf_token_invalid']);
  const wrong = await call(url(), 'POST', '/issuer/v1/browser-session', { body: { phone, code: code === '000000' ? '111111' : '000000' } });
  assert.equal(wrong.status, 400);
  assert.equal(wrong.headers.get('set-cookie'), null);

  const signedIn = await call(url(), 'POST', '/issuer/v1/browser-session', { body: { phone, code } });
  assert.equal(signedIn.status, 200, JSON.stringify(signedIn.body));
  const setCookie = signedIn.headers.get('set-cookie') ?? '';
  assert.match(setCookie, /^cardlane_cardholder=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=2592000; HttpOnly; SameSite=Strict$/);
  const token = setCookie.split(';')[0]!.split('=')[1]!;
  assert.equal(signedIn.body.object, 'browser_session');
  assert.equal(signedIn.body.token, undefined);
  assert.equal(JSON.stringify(signedIn.body).includes(token), false, 'the session token is not in the answer');
  assert.match(signedIn.body.csrf_token, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(signedIn.body.csrf_token, token);
  assert.equal(signedIn.body.signed_up, true);
  assert.equal(signedIn.body.cardholder.phone, phone);
  assert.equal(signedIn.body.expires_at, new Date(clock.nowMs() + 12 * 3600_000).toISOString(), 'the idle deadline');
  assert.equal(signedIn.headers.get('cache-control'), 'no-store');
  // Only a hash of the token is stored.
  const stored = await cardlane.db.all<{ token_hash: string }>('SELECT token_hash FROM issuer_sessions WHERE cardholder_id = ?', [signedIn.body.cardholder.id]);
  assert.equal(stored.length, 1);
  assert.ok(stored.every((row) => !row.token_hash.includes(token)));

  // Behind a proxy that ended HTTPS, the cookie is Secure.
  const secure = await appSignIn(newPhone(), { 'x-forwarded-proto': 'https' });
  assert.match(secure.setCookie, /; HttpOnly; SameSite=Strict; Secure$/);
});

test('after a reload the page asks the session endpoint: the cardholder and the same anti-CSRF token, from the cookie alone', async () => {
  const phone = newPhone();
  const session = await appSignIn(phone);
  const again = await call(url(), 'GET', '/issuer/v1/browser-session', { cookie: session.cookie });
  assert.equal(again.status, 200, JSON.stringify(again.body));
  assert.equal(again.body.csrf_token, session.csrf);
  assert.equal(again.body.cardholder.phone, phone);
  assert.equal(again.body.signed_up, undefined);
  assert.equal(again.headers.get('cache-control'), 'no-store');
  const none = await call(url(), 'GET', '/issuer/v1/browser-session');
  assert.deepEqual([none.status, none.body.error?.code], [401, 'authentication_required']);
  const forged = await call(url(), 'GET', '/issuer/v1/browser-session', { cookie: `cardlane_cardholder=${'A'.repeat(43)}` });
  assert.equal(forged.status, 401);
  assert.equal(forged.headers.get('set-cookie'), 'cardlane_cardholder=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict', 'a dead cookie is cleared');
  // The console's cookie is not the app's, and the app's is not the console's.
  const console = await consoleSignIn(url(), op);
  assert.equal((await call(url(), 'GET', '/issuer/v1/browser-session', { cookie: console.cookie })).status, 401);
  assert.equal((await call(url(), 'GET', '/issuer/v1/operator/session', { cookie: session.cookie })).status, 401);
});

test('the cookie opens the cardholder routes; a change needs the session’s X-CSRF-Token and is refused from another site, changing nothing', async () => {
  const session = await appSignIn(newPhone());
  const me = await call(url(), 'GET', '/issuer/v1/me', { cookie: session.cookie });
  assert.equal(me.status, 200, JSON.stringify(me.body));
  assert.equal(me.headers.get('cache-control'), 'no-store', 'a cookie does not keep a shared cache from storing the answer');

  const refusals = [
    await call(url(), 'POST', '/issuer/v1/kyc', { cookie: session.cookie }),
    await call(url(), 'POST', '/issuer/v1/kyc', { cookie: session.cookie, csrf: 'A'.repeat(43) }),
    await call(url(), 'POST', '/issuer/v1/kyc', { cookie: session.cookie, csrf: session.token }),
    await call(url(), 'POST', '/issuer/v1/kyc', { cookie: session.cookie, csrf: session.csrf, headers: { 'sec-fetch-site': 'cross-site' } }),
    await call(url(), 'POST', '/issuer/v1/kyc', { cookie: session.cookie, csrf: session.csrf, headers: { 'sec-fetch-site': 'same-site' } }),
  ];
  for (const refused of refusals) assert.deepEqual([refused.status, refused.body.error?.code], [403, 'csrf_token_invalid']);
  assert.equal((await call(url(), 'GET', '/issuer/v1/kyc', { cookie: session.cookie })).body.verification, null, 'no refused change was made');

  const started = await call(url(), 'POST', '/issuer/v1/kyc', { cookie: session.cookie, csrf: session.csrf, headers: { 'sec-fetch-site': 'same-origin' } });
  assert.equal(started.status, 201, JSON.stringify(started.body));
  assert.equal((await call(url(), 'GET', '/issuer/v1/kyc', { cookie: session.cookie })).body.verification?.id, started.body.id);

  // The doctor's routes (reads) take it too; asking for the cardholder's view picks it even beside a console cookie.
  const missing = '/doctor/v1/traces/iauth_missing?view=cardholder';
  assert.equal((await call(url(), 'GET', missing)).status, 401);
  assert.equal((await call(url(), 'GET', missing, { cookie: session.cookie })).status, 404);
  const console = await consoleSignIn(url(), op);
  assert.equal((await call(url(), 'GET', missing, { cookie: `${console.cookie}; ${session.cookie}` })).status, 404);
});

test('sign-out needs the X-CSRF-Token, ends the session on the server and clears the cookie', async () => {
  const session = await appSignIn(newPhone());
  const forged = await call(url(), 'DELETE', '/issuer/v1/browser-session', { cookie: session.cookie });
  assert.deepEqual([forged.status, forged.body.error?.code], [403, 'csrf_token_invalid']);
  assert.equal((await call(url(), 'GET', '/issuer/v1/me', { cookie: session.cookie })).status, 200, 'a refused sign-out ends nothing');

  const out = await call(url(), 'DELETE', '/issuer/v1/browser-session', { cookie: session.cookie, csrf: session.csrf });
  assert.equal(out.status, 200, JSON.stringify(out.body));
  assert.deepEqual(out.body, { object: 'browser_session', signed_out: true });
  assert.equal(out.headers.get('set-cookie'), 'cardlane_cardholder=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict');
  // A cookie kept anyway (a copy of it) is dead on the server.
  assert.equal((await call(url(), 'GET', '/issuer/v1/me', { cookie: session.cookie })).status, 401);
  assert.equal((await call(url(), 'GET', '/issuer/v1/browser-session', { cookie: session.cookie })).status, 401);
  assert.equal((await call(url(), 'GET', '/issuer/v1/me', { bearer: session.token })).status, 401);
});

test('the cookie session ends after 12 idle hours, and after 30 days however often it is used', async () => {
  const idle = await appSignIn(newPhone());
  clock.advanceMs(11 * 3600_000);
  assert.equal((await call(url(), 'GET', '/issuer/v1/browser-session', { cookie: idle.cookie })).status, 200, 'used within 12 hours');
  clock.advanceMs(12 * 3600_000 + 60_000);
  assert.equal((await call(url(), 'GET', '/issuer/v1/me', { cookie: idle.cookie })).status, 401, 'unused 12 hours');
  assert.equal((await call(url(), 'GET', '/issuer/v1/browser-session', { cookie: idle.cookie })).status, 401);

  const busy = await appSignIn(newPhone());
  const signedInAt = clock.nowMs();
  while (clock.nowMs() + 11 * 3600_000 < signedInAt + 30 * 24 * 3600_000) {
    clock.advanceMs(11 * 3600_000);
    assert.equal((await call(url(), 'GET', '/issuer/v1/me', { cookie: busy.cookie })).status, 200);
  }
  clock.advanceMs(signedInAt + 30 * 24 * 3600_000 - clock.nowMs());
  assert.equal((await call(url(), 'GET', '/issuer/v1/me', { cookie: busy.cookie })).status, 401, '30 days after sign-in');
});

test('the bearer-token API of the CLI and scripts works as before: no cookie, no CSRF token, its own sign-out', async () => {
  const phone = newPhone();
  const signedIn = await call(url(), 'POST', '/issuer/v1/sessions', { body: { phone, code: await codeFor(phone) } });
  assert.equal(signedIn.status, 200, JSON.stringify(signedIn.body));
  assert.equal(signedIn.headers.get('set-cookie'), null);
  const token = signedIn.body.token as string;
  assert.match(token, /^[A-Za-z0-9_-]{43}$/);
  assert.equal((await call(url(), 'GET', '/issuer/v1/me', { bearer: token })).status, 200);
  const started = await call(url(), 'POST', '/issuer/v1/kyc', { bearer: token });
  assert.equal(started.status, 201, JSON.stringify(started.body));
  // Authorization wins over a cookie: a dead bearer token is not rescued by a live cookie.
  const cookie = (await appSignIn(newPhone())).cookie;
  assert.equal((await call(url(), 'GET', '/issuer/v1/me', { bearer: 'A'.repeat(43), cookie })).status, 401);
  // The app's sign-out is for the cookie: a bearer request has none to clear.
  const wrongDoor = await call(url(), 'DELETE', '/issuer/v1/browser-session', { bearer: token });
  assert.deepEqual([wrongDoor.status, wrongDoor.body.error?.code], [404, 'resource_missing']);
  const out = await call(url(), 'DELETE', '/issuer/v1/sessions', { bearer: token });
  assert.equal(out.status, 200, JSON.stringify(out.body));
  assert.equal(out.body.deleted, true);
  assert.equal((await call(url(), 'GET', '/issuer/v1/me', { bearer: token })).status, 401);
});
