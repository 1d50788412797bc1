import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { THREE_D_SECURE_PAGE_RATE_LIMIT } from '../../src/platform/http/authentication-page.ts';
import { threeDSecureFixture, type ThreeDSecureFixture } from '../support/three-d-secure-fixture.ts';

// The 3-D Secure pages need no credential — the test bank's challenge page (GET shows it, POST answers it) and the
// acquirer's return route (which asks the network for the authentication's result). SECURITY.md promises that
// every route callable without a credential is limited per client address; these were not: one script could ask
// them without end, each request a database read (and, on the return route, a question to the network).

let f: ThreeDSecureFixture;
beforeEach(async () => {
  f = await threeDSecureFixture();
});
afterEach(async () => {
  await f.close();
});

test('the 3-D Secure pages are rate-limited per client address: 429 rate_limited with Retry-After, other addresses unaffected', async () => {
  const { burst } = THREE_D_SECURE_PAGE_RATE_LIMIT;
  for (const [method, path] of [
    ['GET', '/acquirer/3ds/return/ch_unknown.3ds'],
    ['GET', '/3ds/test-bank/ch_unknown.3ds'],
    ['POST', '/3ds/test-bank/ch_unknown.3ds'],
  ] as const) {
    const ask = (address: string) =>
      f.app.inject({ method, url: path, remoteAddress: address, ...(method === 'POST' ? { headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'action=complete' } : {}) });
    const address = `198.51.100.${path.length % 200}${method === 'POST' ? '1' : ''}`;
    for (let i = 0; i < burst; i++) assert.equal((await ask(address)).statusCode, 404, `${method} ${path} #${i}`);
    const refused = await ask(address);
    assert.equal(refused.statusCode, 429, `${method} ${path}: ${refused.body}`);
    assert.equal(refused.json().error.code, 'rate_limited');
    assert.ok(Number(refused.headers['retry-after']) >= 1);
    assert.equal((await ask('203.0.113.9')).statusCode, 404, 'another address is not limited');
  }
});
