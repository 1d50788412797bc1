import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { auditLedger } from '../../src/ledger/audit.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { withLocalizedErrors } from '../../src/issuer/http/error-language.ts';
import { identityRoutes } from '../../src/issuer/http/identity-routes.ts';
import { moneyRoutes } from '../../src/issuer/http/money-routes.ts';
import { createOperatorKey } from '../../src/issuer/identity/operator-keys.ts';
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

// A new-user walkthrough of the wallet found: no way to see a withdrawal's fee
// and CNY before money leaves (no quote to ask), no way out of an Alipay order
// once its QR code showed (no cancel), and "余额不足 / not enough money" that
// named neither the balance nor what it had — the Chinese said 钱包余额不足
// even where the card's balance was meant.

type Json = Record<string, any>;

let f: IdentityFixture;
let app: FastifyInstance;
let alipay: AlipaySandbox;
let operatorKey: string;

beforeEach(async () => {
  f = await identityFixture(9);
  const ledger = new Ledger(f.clock);
  const ctx: MoneyContext = { db: f.db, ledger, clock: f.clock, ids: new IdGenerator(f.clock, seededRandom(3)), kycGate };
  await ensureIssuerAccounts(ledger, f.db);
  alipay = new AlipaySandbox({ clock: f.clock, random: seededRandom(5), modulusLength: 1024 });
  const topUps = new TopUpService(ctx, alipay);
  const withdrawals = new WithdrawalService(ctx, new SandboxPayoutProvider({ random: seededRandom(6) }));
  app = await createHttpServer({
    db: f.db,
    logger: createLogger({ level: 'silent' }),
    version: 'test',
    routes: [
      { plugin: identityRoutes({ db: f.db, deps: f.deps }), prefix: '/issuer/v1' },
      { plugin: withLocalizedErrors(moneyRoutes({ db: f.db, clock: f.clock, ledger, topUps, withdrawals, alipay })), prefix: '/issuer/v1' },
    ],
  });
  operatorKey = (await createOperatorKey(f.db, f.deps, 'test operator', f.clock.nowMs())).key;
});

afterEach(async () => {
  const report = await auditLedger(f.db, { nowMs: f.clock.nowMs() });
  assert.ok(report.ok, `audit failed:\n${JSON.stringify(report.checks.filter((c) => !c.ok), null, 2)}`);
  await app.close();
  await f.cleanup();
});

async function call(method: 'GET' | 'POST' | 'PATCH', url: string, options: { token?: string; body?: unknown; key?: string; lang?: string } = {}) {
  const response = await app.inject({
    method,
    url: `/issuer/v1${url}`,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.key ? { 'idempotency-key': options.key } : {}),
      ...(options.lang ? { 'accept-language': options.lang } : {}),
    },
    ...(options.body === undefined ? {} : { payload: options.body as Json }),
  });
  return { status: response.statusCode, body: response.json() as Json };
}

async function signInApproved(phone: string): Promise<string> {
  const { session } = await f.signIn(phone);
  const started = await call('POST', '/kyc', { token: session.token });
  await call('POST', `/operator/kyc/${started.body.id}/approve`, { token: operatorKey });
  return session.token;
}

async function order(token: string, cnyMinor: number): Promise<Json> {
  const quote = await call('POST', '/wallet/top-up-quotes', { token, body: { cny_amount: cnyMinor } });
  const created = await call('POST', '/wallet/top-ups', { token, body: { quote_id: quote.body.id } });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  return created.body;
}

async function payInSandbox(orderId: string): Promise<void> {
  const paid = await call('POST', `/operator/sandbox/alipay/${orderId}/pay`, { token: operatorKey });
  assert.equal(paid.body.top_up.status, 'credited', JSON.stringify(paid.body));
}

test('a withdrawal quote prices it with the withdrawal’s own figures, holds nothing, and says whether the wallet has it', async () => {
  const token = await signInApproved(PHONE_A);
  await payInSandbox((await order(token, 100_000)).id); // ¥1,000 → $137.50

  const quote = await call('GET', '/wallet/withdrawal-quote?amount=5000', { token });
  assert.equal(quote.status, 200, JSON.stringify(quote.body));
  assert.equal(quote.body.object, 'withdrawal_quote');
  assert.equal(quote.body.sufficient, true);
  assert.equal(quote.body.wallet_available.amount_minor, 13_750);
  // Nothing held by asking.
  assert.equal((await call('GET', '/wallet', { token })).body.available.amount_minor, 13_750);

  const withdrawal = await call('POST', '/wallet/withdrawals', { token, body: { amount: 5000 }, key: 'preview-then-withdraw' });
  assert.equal(withdrawal.status, 200, JSON.stringify(withdrawal.body));
  for (const field of ['amount', 'fee', 'payout', 'payout_cny'] as const) assert.deepEqual(quote.body[field], withdrawal.body[field], field);
  assert.equal(quote.body.rate, withdrawal.body.rate);

  const tooMuch = await call('GET', '/wallet/withdrawal-quote?amount=20000', { token });
  assert.equal(tooMuch.status, 200);
  assert.deepEqual([tooMuch.body.sufficient, tooMuch.body.wallet_available.amount_minor], [false, 8_750]);

  const outOfRange = await call('GET', '/wallet/withdrawal-quote?amount=50', { token });
  assert.deepEqual([outOfRange.status, outOfRange.body.error.code], [400, 'withdrawal_amount_out_of_range']);
  assert.equal((await call('GET', '/wallet/withdrawal-quote?amount=500')).status, 401);
});

test('a top-up waiting for payment can be cancelled: the Alipay order is closed and cannot be paid; a paid one cannot be cancelled', async () => {
  const token = await signInApproved(PHONE_A);
  const open = await order(token, 20_000);
  const cancelled = await call('POST', `/wallet/top-ups/${open.id}/cancel`, { token });
  assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
  assert.equal(cancelled.body.status, 'closed');
  assert.equal(alipay.tradeStatus(open.id), 'TRADE_CLOSED');
  assert.equal((await call('POST', `/wallet/top-ups/${open.id}/cancel`, { token })).body.status, 'closed', 'cancelling again answers the same');
  assert.equal((await call('POST', `/operator/sandbox/alipay/${open.id}/pay`, { token: operatorKey })).status, 409, 'the closed QR code cannot be paid');
  assert.equal((await call('GET', '/wallet', { token })).body.available.amount_minor, 0);

  const paid = await order(token, 20_000);
  await payInSandbox(paid.id);
  const late = await call('POST', `/wallet/top-ups/${paid.id}/cancel`, { token });
  assert.deepEqual([late.status, late.body.error.code], [409, 'resource_conflict']);

  const { session: other } = await f.signIn('+8613900139000');
  const notTheirs = await call('POST', `/wallet/top-ups/${(await order(token, 20_000)).id}/cancel`, { token: other.token });
  assert.deepEqual([notTheirs.status, notTheirs.body.error.code], [404, 'resource_missing']);
});

test('not enough in the wallet says it is the wallet and what it has, in English and in Chinese', async () => {
  const token = await signInApproved(PHONE_A);
  await payInSandbox((await order(token, 20_000)).id); // ¥200 → $27.00
  const en = await call('POST', '/wallet/withdrawals', { token, body: { amount: 5000 }, key: 'too-much-en' });
  assert.equal(en.status, 402, JSON.stringify(en.body));
  assert.equal(en.body.error.code, 'insufficient_funds');
  assert.equal(en.body.error.balance, 'wallet');
  assert.equal(en.body.error.available.amount_minor, 2_700);
  assert.match(en.body.error.message, /wallet: its available balance is \$27\.00/);
  const zh = await call('POST', '/wallet/withdrawals', { token, body: { amount: 5000 }, key: 'too-much-zh', lang: 'zh-CN' });
  assert.equal(zh.body.error.message, '钱包余额不足：可用余额为 $27.00。');
});
