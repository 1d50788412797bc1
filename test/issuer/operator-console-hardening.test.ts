import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Cardlane } from '../../src/app/start.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { startInProcessCardlane, type InProcessCardlane } from '../support/in-process-cardlane.ts';
import { call, consoleSignIn, signUpCardholder, startKyc } from '../support/operator-console.ts';

// What a review of the operator console found: a forged cursor whose id holds a NUL was a 500 on PostgreSQL
// (which refuses NUL in text) instead of a 400; an operator's answers — the sandbox inbox with full phone numbers
// and one-time codes, the queues' cardholders — carried no Cache-Control, though a cookie (unlike a key in
// Authorization) does not keep a shared cache from storing them; and behind the TLS proxy that is the only way
// Cardlane is served over HTTPS, the session cookie was set without Secure.

const clock = new ManualClock(Date.UTC(2026, 4, 3, 9));
let cardlane: Cardlane;
let op: string;

let started: InProcessCardlane | undefined;

before(async () => {
  started = await startInProcessCardlane('console-hardening', clock);
  ({ cardlane, operatorKey: op } = started);
});

after(() => started?.close());

const cursorOf = (position: unknown) => Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');

test('a forged cursor whose id is not printable ASCII (a NUL, a control character, a lone surrogate, non-ASCII) is a 400 on every list, never a 500', async () => {
  for (const n of [1, 2, 3]) {
    await startKyc(cardlane.url, await signUpCardholder(cardlane.url, op, `+861380000040${n}`));
    clock.advanceMs(1_000);
  }
  const session = await consoleSignIn(cardlane.url, op);
  const from = new Date(clock.nowMs() - 3_600_000).toISOString();
  const to = new Date(clock.nowMs() + 1_000).toISOString();
  const lists = ['/issuer/v1/operator/kyc?', '/issuer/v1/operator/top-ups?', '/issuer/v1/operator/withdrawals?', '/issuer/v1/operator/disputes?', `/doctor/v1/declines?from=${from}&to=${to}&`];
  for (const id of ['kyc_\u0000', 'a\u0000b', 'kyc_\u0001x', '\ud800', 'kyc_é', 'kyc x', '']) {
    for (const list of lists) {
      for (const credential of [{ bearer: op }, { cookie: session.cookie }]) {
        const answer = await call(cardlane.url, 'GET', `${list}cursor=${cursorOf([clock.nowMs(), id])}`, credential);
        assert.deepEqual([answer.status, answer.body.error?.code, answer.body.error?.param], [400, 'parameter_invalid', 'cursor'], `${list} ${JSON.stringify(id)}: ${JSON.stringify(answer.body)}`);
      }
    }
  }
  // The cursors the lists give still page.
  const first = await call(cardlane.url, 'GET', '/issuer/v1/operator/kyc?limit=2', { cookie: session.cookie });
  assert.equal(first.status, 200);
  assert.equal(first.body.has_more, true);
  const second = await call(cardlane.url, 'GET', `/issuer/v1/operator/kyc?limit=2&cursor=${first.body.next_cursor}`, { cookie: session.cookie });
  assert.equal(second.status, 200, JSON.stringify(second.body));
  assert.ok(second.body.data.length > 0);
  const firstIds = new Set(first.body.data.map((v: { id: string }) => v.id));
  assert.ok(second.body.data.every((v: { id: string }) => !firstIds.has(v.id)), 'the next page goes on after the first');
});

test("an operator's answers are never stored by a cache: the sandbox inbox's phones and codes, the queues, the session", async () => {
  const phone = '+8613800000411';
  await signUpCardholder(cardlane.url, op, phone);
  const session = await consoleSignIn(cardlane.url, op);
  const paths = [`/issuer/v1/operator/sms?phone=${encodeURIComponent(phone)}`, '/issuer/v1/operator/kyc', '/issuer/v1/operator/top-ups', '/issuer/v1/operator/withdrawals', '/issuer/v1/operator/disputes', '/issuer/v1/operator/settings'];
  for (const path of paths) {
    for (const credential of [{ cookie: session.cookie }, { bearer: op }]) {
      const answer = await call(cardlane.url, 'GET', path, credential);
      assert.equal(answer.status, 200, `${path}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.headers.get('cache-control'), 'no-store', `${path} with ${Object.keys(credential)[0]}`);
    }
  }
  const inbox = await call(cardlane.url, 'GET', paths[0]!, { cookie: session.cookie });
  assert.equal(inbox.body.data[0].phone, phone, 'the inbox is the one answer with a full phone number');
  const audit = await call(cardlane.url, 'POST', '/operator/v1/audit', { cookie: session.cookie, csrf: session.csrf });
  assert.equal(audit.status, 200, JSON.stringify(audit.body));
  assert.equal(audit.headers.get('cache-control'), 'no-store');
});

test('behind the TLS proxy that serves Cardlane over HTTPS (X-Forwarded-Proto / Forwarded), the session cookie is Secure, and so is its removal', async () => {
  const plain = await consoleSignIn(cardlane.url, op);
  assert.doesNotMatch(plain.setCookie, /;\s*Secure/i, 'plain HTTP: a Secure cookie would never come back');
  const proxied: Record<string, string>[] = [{ 'x-forwarded-proto': 'https' }, { 'x-forwarded-proto': 'https, http' }, { forwarded: 'for=192.0.2.60;proto=https;by=203.0.113.43' }];
  for (const headers of proxied) {
    const answer = await call(cardlane.url, 'POST', '/issuer/v1/operator/session', { body: { key: op }, headers });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const setCookie = answer.headers.get('set-cookie') ?? '';
    // Named __Host-: no other host (a sibling subdomain) can set or shadow it (browser-cookie-tossing.test.ts).
    assert.match(setCookie, /^__Host-cardlane_operator=ops_[^;]+;.*HttpOnly; SameSite=Strict; Secure$/, `${JSON.stringify(headers)}: ${setCookie}`);
    const cookie = setCookie.split(';')[0]!;
    const signedOut = await call(cardlane.url, 'DELETE', '/issuer/v1/operator/session', { cookie, csrf: answer.body.csrf_token, headers });
    assert.equal(signedOut.status, 200, JSON.stringify(signedOut.body));
    assert.match(signedOut.headers.get('set-cookie') ?? '', /^__Host-cardlane_operator=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict; Secure$/);
  }
  const httpProxy = await call(cardlane.url, 'POST', '/issuer/v1/operator/session', { body: { key: op }, headers: { 'x-forwarded-proto': 'http' } });
  assert.doesNotMatch(httpProxy.headers.get('set-cookie') ?? '', /;\s*Secure/i);
});
