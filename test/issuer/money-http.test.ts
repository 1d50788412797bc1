import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, beforeEach, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { auditLedger } from '../../src/ledger/audit.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { identityRoutes } from '../../src/issuer/http/identity-routes.ts';
import { moneyRoutes } from '../../src/issuer/http/money-routes.ts';
import { createOperatorKey } from '../../src/issuer/identity/operator-keys.ts';
import { kycGate } from '../../src/issuer/issuer-services.ts';
import { AlipaySandbox } from '../../src/issuer/money/alipay-sandbox.ts';
import { signAlipay } from '../../src/issuer/money/alipay-signature.ts';
import type { MoneyContext } from '../../src/issuer/money/context.ts';
import { ensureIssuerAccounts, TRANSFER_CODES, walletAccountId } from '../../src/issuer/money/ledger-accounts.ts';
import { SandboxPayoutProvider } from '../../src/issuer/money/sandbox-payout.ts';
import { TopUpService } from '../../src/issuer/money/top-up.ts';
import { WithdrawalService } from '../../src/issuer/money/withdrawal.ts';
import { createHttpServer } from '../../src/platform/http/server.ts';
import { IdGenerator, seededRandom } from '../../src/platform/ids.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { identityFixture, PHONE_A, PHONE_B, type IdentityFixture } from '../support/identity-fixture.ts';

type Json = Record<string, any>;
const MINUTE_MS = 60_000;

let f: IdentityFixture;
let app: FastifyInstance;
let ledger: Ledger;
let alipay: AlipaySandbox;
let topUps: TopUpService;
let operatorKey: string;

beforeEach(async () => {
  f = await identityFixture(9);
  ledger = new Ledger(f.clock);
  // The real KYC gate: identity's requireKycApproved.
  const ctx: MoneyContext = { db: f.db, ledger, clock: f.clock, ids: new IdGenerator(f.clock, seededRandom(3)), kycGate };
  await ensureIssuerAccounts(ledger, f.db);
  alipay = new AlipaySandbox({ clock: f.clock, random: seededRandom(5), modulusLength: 1024 });
  topUps = new TopUpService(ctx, alipay);
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
  operatorKey = (await createOperatorKey(f.db, f.deps, 'test operator', f.clock.nowMs())).key;
});

afterEach(async () => {
  const report = await auditLedger(f.db, { nowMs: f.clock.nowMs() });
  assert.ok(report.ok, `audit failed:\n${JSON.stringify(report.checks.filter((c) => !c.ok), null, 2)}`);
  await app.close();
  await f.cleanup();
});

async function call(method: 'GET' | 'POST' | 'PATCH', url: string, options: { token?: string; body?: unknown; key?: string } = {}) {
  const response = await app.inject({
    method,
    url: `/issuer/v1${url}`,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.key ? { 'idempotency-key': options.key } : {}),
    },
    ...(options.body === undefined ? {} : { payload: options.body as Json }),
  });
  return { status: response.statusCode, body: response.json() as Json, headers: response.headers };
}

/** Posts a notify as Alipay does: form-encoded; answers the plain text. */
async function postNotify(fields: Readonly<Record<string, string>>): Promise<{ status: number; text: string; type: string }> {
  const response = await app.inject({
    method: 'POST',
    url: '/issuer/v1/alipay/notify',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(fields as Record<string, string>).toString(),
  });
  return { status: response.statusCode, text: response.body, type: String(response.headers['content-type']) };
}

async function signInApproved(phone: string): Promise<string> {
  const { session } = await f.signIn(phone);
  const started = await call('POST', '/kyc', { token: session.token });
  assert.equal(started.status, 201, JSON.stringify(started.body));
  const approved = await call('POST', `/operator/kyc/${started.body.id}/approve`, { token: operatorKey });
  assert.equal(approved.body.status, 'approved');
  return session.token;
}

async function order(token: string, cnyMinor: number): Promise<Json> {
  const quote = await call('POST', '/wallet/top-up-quotes', { token, body: { cny_amount: cnyMinor } });
  assert.equal(quote.status, 201, JSON.stringify(quote.body));
  const created = await call('POST', '/wallet/top-ups', { token, body: { quote_id: quote.body.id } });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  return created.body;
}

async function creditCount(cardholderToken: string): Promise<number> {
  const me = await call('GET', '/me', { token: cardholderToken });
  const page = await ledger.listAccountTransfers(f.db, walletAccountId(me.body.id), { limit: 100 });
  return page.data.filter((t) => t.code === TRANSFER_CODES.top_up_credit).length;
}

test('journey: KYC → quote ¥1,000 → order → sandbox pay → credited once → balance → withdraw → statement', async () => {
  const { session } = await f.signIn(PHONE_A);
  const noKyc = await call('POST', '/wallet/top-up-quotes', { token: session.token, body: { cny_amount: 100_000 } });
  assert.deepEqual([noKyc.status, noKyc.body.error.code], [403, 'kyc_required']);
  const token = await signInApproved(PHONE_A);

  const quote = await call('POST', '/wallet/top-up-quotes', { token, body: { cny_amount: 100_000 } });
  assert.equal(quote.status, 201);
  assert.deepEqual(
    [quote.body.cny_amount.formatted, quote.body.fee.amount_minor, quote.body.rate, quote.body.usd_amount.amount_minor, quote.body.usd_amount.currency],
    ['¥1,000.00', 1_000, '7.20', 13_750, 'USD'],
  );
  const created = await call('POST', '/wallet/top-ups', { token, body: { quote_id: quote.body.id } });
  assert.deepEqual([created.body.status, created.body.usd_amount.amount_minor], ['created', 13_750]);
  assert.match(created.body.pay_url, /^https:\/\//);
  assert.ok(created.body.qr_payload);
  assert.equal((await call('POST', '/wallet/top-ups', { token, body: { quote_id: quote.body.id } })).body.id, created.body.id, 'same quote, same order');

  const paid = await call('POST', `/operator/sandbox/alipay/${created.body.id}/pay`, { token: operatorKey });
  assert.equal(paid.status, 200, JSON.stringify(paid.body));
  assert.deepEqual([paid.body.notify_answer, paid.body.top_up.status], ['success', 'credited']);

  // Alipay delivers again (at least once): acknowledged, not credited again.
  const [notify] = alipay.notifies(created.body.id);
  const again = await postNotify(notify!);
  assert.deepEqual([again.status, again.text], [200, 'success']);
  assert.match(again.type, /^text\/plain/);
  assert.equal(await creditCount(token), 1);

  const wallet = await call('GET', '/wallet', { token });
  assert.deepEqual([wallet.body.available.amount_minor, wallet.body.available.formatted, wallet.body.pending.amount_minor], [13_750, '$137.50', 0]);
  const got = await call('GET', `/wallet/top-ups/${created.body.id}`, { token });
  assert.deepEqual([got.status, got.body.status], [200, 'credited']);

  const withdrawn = await call('POST', '/wallet/withdrawals', { token, body: { amount: 5_000 }, key: 'wd-1' });
  assert.equal(withdrawn.status, 200, JSON.stringify(withdrawn.body));
  assert.deepEqual(
    [withdrawn.body.status, withdrawn.body.fee.amount_minor, withdrawn.body.payout.amount_minor, withdrawn.body.payout_cny.amount_minor],
    ['paid', 50, 4_950, 35_640],
  );
  const replay = await call('POST', '/wallet/withdrawals', { token, body: { amount: 5_000 }, key: 'wd-1' });
  assert.equal(replay.body.id, withdrawn.body.id, 'a retry with the same key is the same withdrawal');
  const reused = await call('POST', '/wallet/withdrawals', { token, body: { amount: 6_000 }, key: 'wd-1' });
  assert.deepEqual([reused.status, reused.body.error.code], [400, 'idempotency_key_reused']);
  assert.equal((await call('GET', `/wallet/withdrawals/${withdrawn.body.id}`, { token })).body.status, 'paid');
  assert.equal((await call('GET', '/wallet', { token })).body.available.amount_minor, 8_750);

  // An order left unpaid expires and shows as such.
  f.clock.advanceMs(MINUTE_MS);
  const unpaid = await order(token, 20_000);
  f.clock.advanceMs(31 * MINUTE_MS);
  assert.equal(await topUps.expireDueOrders(), 1);
  assert.equal(alipay.tradeStatus(unpaid.id), 'TRADE_CLOSED');

  const statement = await call('GET', '/wallet/statement', { token });
  assert.equal(statement.status, 200, JSON.stringify(statement.body));
  const rows = statement.body.data.map((e: Json) => [e.type, e.status, e.amount.amount_minor, e.amount.currency]);
  assert.deepEqual(rows, [
    ['top_up', 'expired', 0, 'USD'],
    ['withdrawal_fee', 'settled', -50, 'USD'],
    ['withdrawal', 'settled', -4_950, 'USD'],
    ['top_up', 'settled', 13_750, 'USD'],
  ]);
  const credit = statement.body.data[3];
  assert.deepEqual([credit.top_up_id, credit.cny_amount.amount_minor, credit.fee.amount_minor, credit.fee.currency, credit.top_up_status], [created.body.id, 100_000, 1_000, 'CNY', 'credited']);
  assert.equal(statement.body.has_more, false);

  // Paging one at a time gives the same entries, none twice.
  const paged: string[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 10; i++) {
    const page: Json = await call('GET', `/wallet/statement?limit=1${cursor ? `&cursor=${cursor}` : ''}`, { token });
    assert.equal(page.status, 200, JSON.stringify(page.body));
    paged.push(...page.body.data.map((e: Json) => e.id));
    cursor = page.body.next_cursor;
    if (!page.body.has_more) break;
  }
  assert.deepEqual(paged, statement.body.data.map((e: Json) => e.id));
  assert.equal((await call('GET', '/wallet/statement?cursor=nonsense', { token })).body.error?.code, 'parameter_invalid');
});

test('refusals: expired quote, forged notify, insufficient balance, another cardholder’s order and withdrawal', async () => {
  const alice = await signInApproved(PHONE_A);
  const bob = await signInApproved(PHONE_B);

  const quote = await call('POST', '/wallet/top-up-quotes', { token: alice, body: { cny_amount: 100_000 } });
  f.clock.advanceMs(15 * MINUTE_MS);
  const late = await call('POST', '/wallet/top-ups', { token: alice, body: { quote_id: quote.body.id } });
  assert.deepEqual([late.status, late.body.error.code], [400, 'quote_expired']);
  const tooSmall = await call('POST', '/wallet/top-up-quotes', { token: alice, body: { cny_amount: 1 } });
  assert.deepEqual([tooSmall.status, tooSmall.body.error.code, tooSmall.body.error.param], [400, 'top_up_amount_out_of_range', 'amount']);

  // A notify signed with someone else's key, for a real order: refused, nothing credited.
  const created = await order(alice, 100_000);
  const forger = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
  const fields: Record<string, string> = {
    notify_id: 'f'.repeat(32),
    notify_type: 'trade_status_sync',
    app_id: '2021000000000000',
    trade_no: '2026112522000000000000000001',
    out_trade_no: created.id,
    trade_status: 'TRADE_SUCCESS',
    total_amount: '1000.00',
    sign_type: 'RSA2',
  };
  fields.sign = signAlipay(fields, forger);
  const forged = await postNotify(fields);
  assert.deepEqual([forged.status, forged.text], [200, 'fail']);
  const unsigned = await postNotify({ ...fields, sign: '' });
  assert.equal(unsigned.text, 'fail');
  assert.equal((await call('GET', `/wallet/top-ups/${created.id}`, { token: alice })).body.status, 'created');
  assert.equal((await call('GET', '/wallet', { token: alice })).body.available.amount_minor, 0);
  assert.equal(await creditCount(alice), 0);

  // Another cardholder sees neither the order nor a withdrawal.
  assert.equal((await call('GET', `/wallet/top-ups/${created.id}`, { token: bob })).status, 404);
  assert.equal((await call('POST', '/wallet/top-ups', { token: bob, body: { quote_id: created.quote_id } })).status, 404);

  const broke = await call('POST', '/wallet/withdrawals', { token: alice, body: { amount: 5_000 } });
  assert.deepEqual([broke.status, broke.body.error.code], [402, 'insufficient_funds']);
  await call('POST', `/operator/sandbox/alipay/${created.id}/pay`, { token: operatorKey });
  const tooMuch = await call('POST', '/wallet/withdrawals', { token: alice, body: { amount: 13_751 } });
  assert.deepEqual([tooMuch.status, tooMuch.body.error.code, tooMuch.body.error.param], [402, 'insufficient_funds', 'amount']);
  const all = await call('POST', '/wallet/withdrawals', { token: alice, body: { amount: 13_750 } });
  assert.equal(all.body.status, 'paid');
  assert.equal((await call('GET', `/wallet/withdrawals/${all.body.id}`, { token: bob })).status, 404);
  assert.equal((await call('GET', '/wallet', { token: alice })).body.available.amount_minor, 0);

  // The sandbox refuses what Alipay would: paying twice.
  const twice = await call('POST', `/operator/sandbox/alipay/${created.id}/pay`, { token: operatorKey });
  assert.deepEqual([twice.status, twice.body.error.code], [409, 'resource_conflict']);
  const failed = await order(alice, 50_000);
  const fail = await call('POST', `/operator/sandbox/alipay/${failed.id}/fail`, { token: operatorKey });
  assert.deepEqual([fail.body.notify_answer, fail.body.top_up.status], ['success', 'failed']);
});

test('operator routes: a key is needed; settings are validated, applied to new quotes and kept in history', async () => {
  const alice = await signInApproved(PHONE_A);
  for (const token of [undefined, alice, `op_${'A'.repeat(43)}`]) {
    const auth = token === undefined ? {} : { token };
    assert.equal((await call('GET', '/operator/settings', auth)).status, 401);
    assert.equal((await call('PATCH', '/operator/settings', { ...auth, body: { usd_cny_rate: '7.00' } })).status, 401);
    assert.equal((await call('POST', '/operator/sandbox/alipay/tuo_x/pay', auth)).status, 401);
  }
  const before = await call('GET', '/operator/settings', { token: operatorKey });
  assert.deepEqual([before.status, before.body.settings.usd_cny_rate, before.body.history], [200, '7.20', []]);

  for (const [body, param] of [
    [{ usd_cny_rate: 'abc' }, 'usd_cny_rate'],
    [{ usd_cny_rate: '0' }, 'usd_cny_rate'],
    [{ top_up_fee_bps: 99_999 }, 'top_up_fee_bps'],
    [{ withdrawal_fee_bps: '12' }, 'withdrawal_fee_bps'],
    [{ top_up_min_cny_minor: 9_000_000 }, 'top_up_min_cny_minor'],
  ] as const) {
    const bad = await call('PATCH', '/operator/settings', { token: operatorKey, body });
    assert.deepEqual([bad.status, bad.body.error.code, bad.body.error.param], [400, 'setting_invalid', param], JSON.stringify(body));
  }
  const unknown = await call('PATCH', '/operator/settings', { token: operatorKey, body: { fee: 1 } });
  assert.equal(unknown.status, 400);
  assert.equal((await call('PATCH', '/operator/settings', { token: operatorKey, body: {} })).status, 400);
  assert.equal((await call('GET', '/operator/settings', { token: operatorKey })).body.history.length, 0, 'nothing changed');

  const changed = await call('PATCH', '/operator/settings', { token: operatorKey, body: { usd_cny_rate: '8.00', top_up_fee_bps: 0, top_up_fee_min_cny_minor: 0 }, key: 'set-1' });
  assert.equal(changed.status, 200, JSON.stringify(changed.body));
  assert.equal(changed.body.settings.usd_cny_rate, '8.00');
  assert.deepEqual(changed.body.history.map((h: Json) => h.name).sort(), ['top_up_fee_bps', 'top_up_fee_min_cny_minor', 'usd_cny_rate']);
  const replay = await call('PATCH', '/operator/settings', { token: operatorKey, body: { usd_cny_rate: '8.00', top_up_fee_bps: 0, top_up_fee_min_cny_minor: 0 }, key: 'set-1' });
  assert.equal(replay.headers['idempotent-replayed'], 'true');
  const quote = await call('POST', '/wallet/top-up-quotes', { token: alice, body: { cny_amount: 80_000 } });
  assert.deepEqual([quote.body.rate, quote.body.fee.amount_minor, quote.body.usd_amount.amount_minor], ['8.00', 0, 10_000]);
});

test('the OpenAPI document lists the money routes', async () => {
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as Json;
  for (const path of [
    '/issuer/v1/wallet',
    '/issuer/v1/wallet/top-up-quotes',
    '/issuer/v1/wallet/top-ups/{id}',
    '/issuer/v1/wallet/withdrawals',
    '/issuer/v1/wallet/statement',
    '/issuer/v1/alipay/notify',
    '/issuer/v1/operator/settings',
    '/issuer/v1/operator/sandbox/alipay/{out_trade_no}/pay',
  ]) {
    assert.ok(doc.paths[path], path);
  }
});

test('a misspelt or mistyped field is a 400 that changes nothing, not dropped or coerced', async () => {
  const token = await signInApproved(PHONE_A);
  const misspelt = await call('POST', '/wallet/top-up-quotes', { token, body: { cny_amount: 20_000, cny_amout: 5 } });
  assert.deepEqual([misspelt.status, misspelt.body.error.code, misspelt.body.error.param], [400, 'parameter_unknown', 'cny_amout']);
  const mistyped = await call('POST', '/wallet/top-up-quotes', { token, body: { cny_amount: '20000' } });
  assert.deepEqual([mistyped.status, mistyped.body.error.code, mistyped.body.error.param], [400, 'parameter_invalid', 'cny_amount']);
  assert.deepEqual(await f.db.all('SELECT id FROM issuer_topup_quotes'), []);
  assert.equal((await call('POST', '/wallet/top-up-quotes', { token, body: { cny_amount: 20_000 } })).status, 201);
});
