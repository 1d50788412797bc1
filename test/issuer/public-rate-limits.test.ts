import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Ledger } from '../../src/ledger/ledger.ts';
import { ALIPAY_NOTIFY_RATE_LIMIT } from '../../src/issuer/http/alipay-notify.ts';
import { SIGN_IN_CODE_RATE_LIMIT, SIGN_IN_RATE_LIMIT } from '../../src/issuer/http/identity-endpoints.ts';
import { identityRoutes } from '../../src/issuer/http/identity-routes.ts';
import { moneyRoutes } from '../../src/issuer/http/money-routes.ts';
import { kycGate } from '../../src/issuer/issuer-services.ts';
import { AlipaySandbox } from '../../src/issuer/money/alipay-sandbox.ts';
import type { MoneyContext } from '../../src/issuer/money/context.ts';
import { ensureIssuerAccounts } from '../../src/issuer/money/ledger-accounts.ts';
import { SandboxPayoutProvider } from '../../src/issuer/money/sandbox-payout.ts';
import { TopUpService } from '../../src/issuer/money/top-up.ts';
import { WithdrawalService } from '../../src/issuer/money/withdrawal.ts';
import { createHttpServer } from '../../src/platform/http/server.ts';
import { IdGenerator, seededRandom } from '../../src/platform/ids.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { identityFixture, PHONE_A, type IdentityFixture } from '../support/identity-fixture.ts';

// Every issuer route anyone may call without a credential — sign-in code,
// sign-in, Alipay's notify — has a per-client-address limit: a flood from
// one address gets 429 rate_limited with Retry-After and reaches nothing.

let f: IdentityFixture;
let app: FastifyInstance;

beforeEach(async () => {
  f = await identityFixture(13);
  const ledger = new Ledger(f.clock);
  const ctx: MoneyContext = { db: f.db, ledger, clock: f.clock, ids: new IdGenerator(f.clock, seededRandom(3)), kycGate };
  await ensureIssuerAccounts(ledger, f.db);
  const alipay = new AlipaySandbox({ clock: f.clock, random: seededRandom(5), modulusLength: 1024 });
  const topUps = new TopUpService(ctx, alipay);
  const withdrawals = new WithdrawalService(ctx, new SandboxPayoutProvider({ random: seededRandom(6) }));
  app = await createHttpServer({
    db: f.db,
    logger: createLogger({ level: 'silent' }),
    version: 'test',
    routes: [
      { plugin: identityRoutes({ db: f.db, deps: f.deps }), prefix: '/issuer/v1' },
      { plugin: moneyRoutes({ db: f.db, clock: f.clock, ledger, topUps, withdrawals, alipay }), prefix: '/issuer/v1' },
    ],
  });
});

afterEach(async () => {
  await app.close();
  await f.cleanup();
});

const FLOODER = '203.0.113.9';
const NEIGHBOUR = '198.51.100.4';

const routes = [
  {
    name: 'POST /sessions/code',
    policy: SIGN_IN_CODE_RATE_LIMIT,
    // An invalid phone: refused with a 400 and nothing stored, so only the limit can stop the flood.
    send: (ip: string) => app.inject({ method: 'POST', url: '/issuer/v1/sessions/code', remoteAddress: ip, payload: { phone: 'not a phone' } }),
    normal: 400,
  },
  {
    name: 'POST /sessions',
    policy: SIGN_IN_RATE_LIMIT,
    send: (ip: string) => app.inject({ method: 'POST', url: '/issuer/v1/sessions', remoteAddress: ip, payload: { phone: PHONE_A, code: '000000' } }),
    normal: 400,
  },
  {
    name: 'POST /alipay/notify',
    policy: ALIPAY_NOTIFY_RATE_LIMIT,
    send: (ip: string) =>
      app.inject({
        method: 'POST',
        url: '/issuer/v1/alipay/notify',
        remoteAddress: ip,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'out_trade_no=tu_nothing&sign=bad&sign_type=RSA2',
      }),
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
    f.clock.advanceMs(Number(refused.headers['retry-after']) * 1000);
    assert.equal((await route.send(FLOODER)).statusCode, route.normal);
  });
}
