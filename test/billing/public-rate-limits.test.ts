import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { BILLING_PAGE_RATE_LIMIT, billingPageAndSessions } from '../../src/billing/billing-page-start.ts';
import { MEMBER_SIGN_IN_CODE_RATE_LIMIT, MEMBER_SIGN_IN_RATE_LIMIT } from '../../src/billing/http/member-routes.ts';
import type { BillingProvider } from '../../src/billing/payments/provider.ts';
import { installOperatorKeys } from '../../src/issuer/identity/operator-keys.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { createHttpServer } from '../../src/platform/http/server.ts';
import { IdGenerator, seededRandom } from '../../src/platform/ids.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';

// Every billing route anyone may call without a credential — a member's
// sign-in code, the sign-in, the billing page and its assets — has a
// per-client-address limit: a flood from one address gets 429 rate_limited
// with Retry-After and reaches nothing.

let t: TestDatabase;
let app: FastifyInstance;
let clock: ManualClock;
let dataDir: string;

beforeEach(async () => {
  clock = new ManualClock();
  t = await createTestDatabase();
  dataDir = mkdtempSync(join(tmpdir(), 'cardlane-billing-limits-'));
  const random = seededRandom(31);
  const logger = createLogger({ level: 'silent' });
  const runtime = { db: t.db, clock, ids: new IdGenerator(clock, random), random, config: loadConfig({ flags: { dataDir }, env: {} }), logger };
  // The assets these tests fetch never ask the provider anything.
  const provider = { endpoint: () => assert.fail('not asked') } as unknown as BillingProvider;
  app = await createHttpServer({ db: t.db, logger, version: 'test', routes: [billingPageAndSessions(runtime, provider, installOperatorKeys, Buffer.alloc(32, 5))] });
});

afterEach(async () => {
  await app.close();
  await t.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
});

const FLOODER = '203.0.113.9';
const NEIGHBOUR = '198.51.100.4';

const routes = [
  {
    name: 'POST /billing/v1/sessions/code',
    policy: MEMBER_SIGN_IN_CODE_RATE_LIMIT,
    // Not an e-mail address: refused with a 400 and nothing stored, so only the limit can stop the flood.
    send: (ip: string) => app.inject({ method: 'POST', url: '/billing/v1/sessions/code', remoteAddress: ip, payload: { email: 'nobody' } }),
    normal: 400,
  },
  {
    name: 'POST /billing/v1/sessions',
    policy: MEMBER_SIGN_IN_RATE_LIMIT,
    send: (ip: string) => app.inject({ method: 'POST', url: '/billing/v1/sessions', remoteAddress: ip, payload: { email: 'a@example.com', code: '000000' } }),
    normal: 400,
  },
  {
    name: 'POST /billing/v1/browser-session',
    policy: MEMBER_SIGN_IN_RATE_LIMIT,
    send: (ip: string) => app.inject({ method: 'POST', url: '/billing/v1/browser-session', remoteAddress: ip, payload: { email: 'a@example.com', code: '000000' } }),
    normal: 400,
  },
  {
    name: 'GET /billing/assets/…',
    policy: BILLING_PAGE_RATE_LIMIT,
    send: (ip: string) => app.inject({ method: 'GET', url: '/billing/assets/app.css', remoteAddress: ip }),
    normal: 200,
  },
] as const;

for (const route of routes) {
  test(`${route.name}: ${route.policy.burst} at once from one address, then 429 rate_limited with Retry-After; other addresses unaffected; back after a while`, async () => {
    for (let i = 0; i < route.policy.burst; i++) assert.equal((await route.send(FLOODER)).statusCode, route.normal, `request ${i + 1}`);
    const refused = await route.send(FLOODER);
    assert.equal(refused.statusCode, 429);
    assert.equal(refused.json().error.code, 'rate_limited');
    assert.ok(Number(refused.headers['retry-after']) >= 1);
    assert.equal((await route.send(NEIGHBOUR)).statusCode, route.normal);
    clock.advanceMs(Number(refused.headers['retry-after']) * 1000);
    assert.equal((await route.send(FLOODER)).statusCode, route.normal);
  });
}

test('the page’s sign-in and the programs’ sign-in share one budget per address: two doors do not double a guesser’s tries', async () => {
  const signIn = (url: string) => app.inject({ method: 'POST', url, remoteAddress: FLOODER, payload: { email: 'a@example.com', code: '000000' } });
  for (let i = 0; i < MEMBER_SIGN_IN_RATE_LIMIT.burst; i++) assert.equal((await signIn('/billing/v1/sessions')).statusCode, 400, `request ${i + 1}`);
  assert.equal((await signIn('/billing/v1/browser-session')).statusCode, 429);
});

test('the billing page’s limit does not reach the members API', async () => {
  for (let i = 0; i < BILLING_PAGE_RATE_LIMIT.burst + 1; i++) await app.inject({ method: 'GET', url: '/billing/assets/app.css', remoteAddress: FLOODER });
  const current = await app.inject({ method: 'GET', url: '/billing/v1/sessions/current', remoteAddress: FLOODER });
  assert.equal(current.statusCode, 401, 'a signed-in member is not limited by the page loads of its address');
});
