import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import type { Cardlane } from '../../src/app/start.ts';
import { installOperatorKeys } from '../../src/issuer/identity/operator-keys.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { cryptoRandom, IdGenerator } from '../../src/platform/ids.ts';
import { startInProcessCardlane, type InProcessCardlane } from '../support/in-process-cardlane.ts';
import { call, consoleSignIn, signUpCardholder, startKyc } from '../support/operator-console.ts';

// The operator console's sign-in (POST /issuer/v1/operator/session): an operator key exchanged for an
// HttpOnly, SameSite=Strict session cookie, accepted by the operator routes the console calls — with its
// X-CSRF-Token for every change — and ended by signing out, by the key's revocation, or by 30 idle minutes.

const clock = new ManualClock(Date.UTC(2026, 4, 1, 9));
let cardlane: Cardlane;
let op: string;

let started: InProcessCardlane | undefined;

before(async () => {
  started = await startInProcessCardlane('console-session', clock);
  ({ cardlane, operatorKey: op } = started);
});

after(() => started?.close());

// Sign-ins are limited per address (10 a minute) on this test's manual clock: each test starts a minute later.
beforeEach(() => clock.advanceMs(60_000));

const sessionCount = async () => Number((await cardlane.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM issuer_operator_sessions'))!.n);

test('sign-in: JSON only, never cross-site, a live key only; then an HttpOnly SameSite=Strict cookie and an anti-CSRF token, never the key', async () => {
  const url = cardlane.url;
  const before = await sessionCount();
  const form = await call(url, 'POST', '/issuer/v1/operator/session', { body: `key=${op}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.deepEqual([form.status, form.body.error?.code], [415, 'unsupported_media_type']);
  const crossSite = await call(url, 'POST', '/issuer/v1/operator/session', { body: { key: op }, headers: { 'sec-fetch-site': 'cross-site' } });
  assert.deepEqual([crossSite.status, crossSite.body.error?.code], [403, 'csrf_token_invalid']);
  // The key with its last character changed (to one it does not already end with: a random key ends in A one time in 64).
  const alteredKey = `${op.slice(0, -1)}${op.endsWith('A') ? 'B' : 'A'}`;
  for (const key of ['op_notakey', alteredKey, 'sk_test_123', '']) {
    const refused = await call(url, 'POST', '/issuer/v1/operator/session', { body: { key } });
    assert.ok([400, 401].includes(refused.status), `${key}: ${refused.status}`);
    assert.ok(['authentication_required', 'parameter_invalid'].includes(refused.body.error?.code), JSON.stringify(refused.body));
    assert.equal(refused.headers.get('set-cookie'), null);
  }
  const unknownField = await call(url, 'POST', '/issuer/v1/operator/session', { body: { key: op, remember: true } });
  assert.deepEqual([unknownField.status, unknownField.body.error?.code], [400, 'parameter_unknown']);
  assert.equal(await sessionCount(), before, 'no refused sign-in made a session');

  const session = await consoleSignIn(url, op);
  assert.match(session.setCookie, /^cardlane_operator=ops_[A-Za-z0-9_-]{43}; Path=\/; Max-Age=28800; HttpOnly; SameSite=Strict$/);
  assert.equal(JSON.stringify(session.body).includes(op), false, 'the key is not in the answer');
  assert.equal(session.body.operator_key.name, 'bootstrap');
  assert.match(session.body.csrf_token, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(session.body.expires_at, new Date(clock.nowMs() + 30 * 60_000).toISOString(), 'the idle deadline');
  // The page asks again after a reload: the same token, from the cookie alone.
  const again = await call(url, 'GET', '/issuer/v1/operator/session', { cookie: session.cookie });
  assert.equal(again.status, 200);
  assert.equal(again.body.csrf_token, session.body.csrf_token);
  assert.equal(again.headers.get('cache-control'), 'no-store');
  assert.equal((await call(url, 'GET', '/issuer/v1/operator/session')).status, 401);
  assert.equal((await call(url, 'GET', '/issuer/v1/operator/session', { cookie: 'cardlane_operator=ops_forged' })).status, 401);
  // The stored hash is not the token, and the token is not the CSRF token.
  const stored = await cardlane.db.all<{ token_hash: string }>('SELECT token_hash FROM issuer_operator_sessions');
  const token = session.cookie.split('=')[1]!;
  assert.ok(stored.every((row) => row.token_hash !== token && !row.token_hash.includes(token)));
  assert.notEqual(session.csrf, token);
});

test('the cookie opens the operator routes; a change needs the session’s X-CSRF-Token and is refused from another site, changing nothing', async () => {
  const url = cardlane.url;
  const cardholder = await signUpCardholder(url, op, '+8613800000101');
  const kycId = await startKyc(url, cardholder);
  const { cookie, csrf } = await consoleSignIn(url, op);

  const queue = await call(url, 'GET', '/issuer/v1/operator/kyc?status=pending', { cookie });
  assert.equal(queue.status, 200);
  assert.ok(queue.body.data.some((v: { id: string }) => v.id === kycId));
  // The doctor's routes take the console's session too (reads only).
  const from = new Date(clock.nowMs() - 3600_000).toISOString();
  const to = new Date(clock.nowMs() + 60_000).toISOString();
  assert.equal((await call(url, 'GET', `/doctor/v1/declines/summary?from=${from}&to=${to}`, { cookie })).status, 200);

  const approve = `/issuer/v1/operator/kyc/${kycId}/approve`;
  const refusals = [
    { cookie },
    { cookie, csrf: 'x'.repeat(43) },
    { cookie, csrf: csrf.slice(0, -1) },
    { cookie, csrf, headers: { 'sec-fetch-site': 'cross-site' } },
    { cookie, csrf, headers: { 'sec-fetch-site': 'same-site' } },
  ];
  for (const options of refusals) {
    const refused = await call(url, 'POST', approve, options);
    assert.deepEqual([refused.status, refused.body.error?.code], [403, 'csrf_token_invalid'], JSON.stringify(options));
  }
  const audit = await call(url, 'POST', '/operator/v1/audit', { cookie });
  assert.deepEqual([audit.status, audit.body.error?.code], [403, 'csrf_token_invalid']);
  const mine = await call(url, 'GET', '/issuer/v1/kyc', { bearer: cardholder });
  assert.equal(mine.body.status, 'pending', 'nothing changed');

  const approved = await call(url, 'POST', approve, { cookie, csrf, headers: { 'sec-fetch-site': 'same-origin' } });
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  assert.equal(approved.body.status, 'approved');
  const rejectLater = await call(url, 'POST', `/issuer/v1/operator/kyc/${kycId}/reject`, { cookie, csrf, body: { reason: 'other' } });
  assert.deepEqual([rejectLater.status, rejectLater.body.error?.code], [409, 'kyc_not_pending']);
  // A cardholder's session token in the cookie's place opens nothing.
  assert.equal((await call(url, 'GET', '/issuer/v1/operator/kyc', { cookie: `cardlane_operator=${cardholder}` })).status, 401);
  assert.equal((await call(url, 'GET', `/doctor/v1/declines/summary?from=${from}&to=${to}`, { cookie: `cardlane_operator=${cardholder}` })).status, 401);
  // With an Authorization header the key decides, whatever the cookie says.
  assert.equal((await call(url, 'GET', '/issuer/v1/operator/kyc', { cookie, bearer: 'op_wrong' })).status, 401);
});

test('signing out ends the session for good; so do the key’s revocation and 30 idle minutes', async () => {
  const url = cardlane.url;
  const first = await consoleSignIn(url, op);
  const keyOnly = await call(url, 'DELETE', '/issuer/v1/operator/session', { bearer: op });
  assert.deepEqual([keyOnly.status, keyOnly.body.error?.code], [404, 'resource_missing']);
  const noCsrf = await call(url, 'DELETE', '/issuer/v1/operator/session', { cookie: first.cookie });
  assert.deepEqual([noCsrf.status, noCsrf.body.error?.code], [403, 'csrf_token_invalid']);
  const out = await call(url, 'DELETE', '/issuer/v1/operator/session', { cookie: first.cookie, csrf: first.csrf });
  assert.equal(out.status, 200);
  assert.match(out.headers.get('set-cookie') ?? '', /^cardlane_operator=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict$/);
  assert.equal((await call(url, 'GET', '/issuer/v1/operator/kyc', { cookie: first.cookie })).status, 401);
  assert.equal((await call(url, 'GET', '/issuer/v1/operator/session', { cookie: first.cookie })).status, 401);

  // Used within 30 minutes it lives on; left 30 minutes, it ends.
  const idle = await consoleSignIn(url, op);
  clock.advanceMs(25 * 60_000);
  assert.equal((await call(url, 'GET', '/issuer/v1/operator/kyc', { cookie: idle.cookie })).status, 200);
  clock.advanceMs(25 * 60_000);
  assert.equal((await call(url, 'GET', '/issuer/v1/operator/kyc', { cookie: idle.cookie })).status, 200, 'the use moved the deadline on');
  clock.advanceMs(31 * 60_000);
  assert.equal((await call(url, 'GET', '/issuer/v1/operator/kyc', { cookie: idle.cookie })).status, 401);

  // A session made with a key dies with the key.
  const second = await installOperatorKeys.create(cardlane.db, { ids: new IdGenerator(clock, cryptoRandom), random: cryptoRandom }, 'night shift', clock.nowMs());
  const withSecond = await consoleSignIn(url, second.key);
  assert.equal(withSecond.body.operator_key.name, 'night shift');
  assert.equal((await call(url, 'GET', '/issuer/v1/operator/kyc', { cookie: withSecond.cookie })).status, 200);
  assert.equal(await installOperatorKeys.revoke(cardlane.db, second.id, clock.nowMs()), true);
  assert.equal((await call(url, 'GET', '/issuer/v1/operator/kyc', { cookie: withSecond.cookie })).status, 401);
  assert.equal((await call(url, 'GET', '/issuer/v1/operator/session', { cookie: withSecond.cookie })).status, 401);
});

test('the audit over HTTP: operator only, every check with its result and its name in both languages', async () => {
  const url = cardlane.url;
  assert.equal((await call(url, 'POST', '/operator/v1/audit')).status, 401);
  const cardholder = await signUpCardholder(url, op, '+8613800000102');
  assert.equal((await call(url, 'POST', '/operator/v1/audit', { bearer: cardholder })).status, 401);
  const { cookie, csrf } = await consoleSignIn(url, op);
  const report = await call(url, 'POST', '/operator/v1/audit', { cookie, csrf });
  assert.equal(report.status, 200, JSON.stringify(report.body));
  assert.equal(report.body.ok, true, JSON.stringify(report.body.checks.filter((c: { ok: boolean }) => !c.ok)));
  assert.ok(report.body.checks.length >= 9);
  for (const check of report.body.checks) {
    assert.equal(check.ok, true);
    assert.deepEqual(check.failures, []);
    assert.equal(check.title.en.toLowerCase(), check.name.toLowerCase());
    assert.match(check.title.en, /^[^a-z]/, 'a heading starts with a capital');
    assert.notEqual(check.title['zh-CN'], check.name, `no Chinese title for: ${check.name}`);
    assert.match(check.title['zh-CN'], /[\u4e00-\u9fff]/);
  }
  assert.ok(report.body.stats.transfers > 0);
  const byKey = await call(url, 'POST', '/operator/v1/audit', { bearer: op });
  assert.equal(byKey.status, 200);
  const openapi = (await call(url, 'GET', '/openapi.json')).body;
  for (const path of ['/operator/v1/audit', '/issuer/v1/operator/session', '/issuer/v1/operator/kyc', '/issuer/v1/operator/top-ups', '/issuer/v1/operator/withdrawals', '/issuer/v1/operator/disputes', '/doctor/v1/declines/summary', '/doctor/v1/declines']) {
    assert.ok(openapi.paths[path], `${path} is in the OpenAPI document`);
  }
  assert.deepEqual(openapi.components.securitySchemes.operatorSession, {
    type: 'apiKey',
    in: 'cookie',
    name: 'cardlane_operator',
    description: openapi.components.securitySchemes.operatorSession.description,
  });
  assert.deepEqual(openapi.paths['/issuer/v1/operator/kyc'].get.security, [{ operatorKey: [] }, { operatorSession: [] }]);
});

test('sign-in is limited per address: a flood of guesses gets 429 rate_limited with Retry-After and makes no session', async () => {
  const before = await sessionCount();
  const statuses: number[] = [];
  for (let i = 0; i < 12; i++) statuses.push((await call(cardlane.url, 'POST', '/issuer/v1/operator/session', { body: { key: `op_guess${i}` } })).status);
  assert.deepEqual(statuses, [...Array(10).fill(401), 429, 429]);
  const limited = await call(cardlane.url, 'POST', '/issuer/v1/operator/session', { body: { key: op } });
  assert.deepEqual([limited.status, limited.body.error?.code], [429, 'rate_limited']);
  assert.match(limited.headers.get('retry-after') ?? '', /^\d+$/);
  assert.equal(await sessionCount(), before);
  clock.advanceMs(60_000);
  assert.equal((await call(cardlane.url, 'POST', '/issuer/v1/operator/session', { body: { key: op } })).status, 200, 'the bucket refills');
});

test('GET / lists the console among the pages', async () => {
  const root = await call(cardlane.url, 'GET', '/');
  assert.equal(root.body.pages.operator_console, '/console');
  assert.equal(root.body.apis.operator, '/operator/v1');
});
