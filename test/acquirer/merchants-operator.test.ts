import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Stripe from 'stripe';
import { acquirerConfigSection } from '../../src/acquirer/config.ts';
import { startCardlane } from '../../src/app/start.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { runCli } from '../../src/cli/program.ts';
import { openDatabase } from '../../src/platform/db/open.ts';
import { PostgresDatabase } from '../../src/platform/db/postgres.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { newTestLocation } from '../support/databases.ts';

// Issue 16, merchants as data: the operator makes a merchant over POST /acquirer/v1/merchants
// (or `cardlane acquirer merchants create`), and the merchant takes payments through the stripe SDK at once.

const dataDir = mkdtempSync(join(tmpdir(), 'cardlane-merchants-'));
const location = newTestLocation();
let cardlane: Awaited<ReturnType<typeof startCardlane>>;
let operatorKey: string;

before(async () => {
  for (const name of ['CARDLANE_URL', 'CARDLANE_DATA_DIR', 'CARDLANE_MERCHANT_KEY']) delete process.env[name];
  cardlane = await startCardlane({ flags: { port: '0', database: location.url, dataDir }, env: {}, logger: createLogger({ level: 'silent' }) });
  operatorKey = readFileSync(join(dataDir, 'operator-key'), 'utf8').trim();
});
after(async () => {
  await cardlane.close();
  const db = openDatabase(location.url);
  if (db instanceof PostgresDatabase) await db.dropSchema();
  await db.close();
  location.remove();
  rmSync(dataDir, { recursive: true, force: true });
});

const createMerchant = (body: unknown, key: string | null = operatorKey) =>
  fetch(`${cardlane.url}/acquirer/v1/merchants`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key === null ? {} : { authorization: `Bearer ${key}` }) },
    body: JSON.stringify(body),
  });

const merchantCount = async () => Number((await cardlane.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM acquirer_merchants'))!.n);

function stripeFor(key: string): Stripe {
  const url = new URL(cardlane.url);
  return new Stripe(key, { host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries: 0, telemetry: false });
}

test('the operator API: operator key only, every field checked (4xx, nothing made), then 201 with keys shown once', async () => {
  const before = await merchantCount();
  const good = { name: 'Claude', country: 'GB', mcc: '5734', currency: 'gbp' };
  assert.equal((await createMerchant(good, null)).status, 401);
  assert.equal((await createMerchant(good, 'sk_test_notanoperatorkey')).status, 401);
  for (const [body, param] of [
    [{ ...good, country: 'XX' }, 'country'],
    [{ ...good, mcc: '57' }, 'mcc'],
    [{ ...good, currency: 'zzz' }, 'currency'],
    // ISO 4217, but not a currency this acquirer settles in (config acquirer.settlementCurrencies).
    [{ ...good, currency: 'inr' }, 'currency'],
    [{ name: 'Claude', country: 'GB', mcc: '5734', settlement_currency: 'kwd' }, 'settlement_currency'],
    [{ ...good, settlement_currency: 'gbp' }, 'currency'],
    [{ name: 'Claude', country: 'GB', mcc: '5734' }, 'settlement_currency'],
    [{ ...good, name: '   ' }, 'name'],
    [{ country: 'GB', mcc: '5734', currency: 'gbp' }, 'name'],
    [{ ...good, surprise: 1 }, 'surprise'],
  ] as const) {
    const answer = await createMerchant(body);
    assert.equal(answer.status, 400, JSON.stringify(body));
    const error = ((await answer.json()) as { error: { code: string; param?: string } }).error;
    assert.ok(['parameter_invalid', 'parameter_missing', 'parameter_unknown'].includes(error.code), JSON.stringify(error));
    assert.equal(error.param, param);
  }
  // The everyday abbreviation of the United Kingdom is not its code: refused, naming the one meant.
  const uk = await createMerchant({ ...good, country: 'UK' });
  assert.equal(uk.status, 400);
  const ukError = ((await uk.json()) as { error: { code: string; param?: string; message: string } }).error;
  assert.deepEqual([ukError.code, ukError.param], ['parameter_invalid', 'country']);
  assert.match(ukError.message, /"UK" is not an ISO 3166-1 alpha-2 country code: use GB \(United Kingdom\)/);
  assert.equal(await merchantCount(), before, 'refusals make nothing');

  const unsupported = (await (await createMerchant({ ...good, currency: 'inr' })).json()) as { error: { message: string } };
  assert.match(unsupported.error.message, /does not settle in inr; it settles in usd, eur, gbp, jpy/);

  const answer = await createMerchant(good);
  assert.equal(answer.status, 201);
  const merchant = (await answer.json()) as Record<string, string>;
  assert.match(merchant.id!, /^acct_/);
  assert.deepEqual([merchant.name, merchant.country, merchant.mcc, merchant.default_currency, merchant.settlement_currency], ['Claude', 'GB', '5734', 'gbp', 'gbp']);
  const viaNewName = (await (await createMerchant({ name: 'Poe', country: 'US', mcc: '5734', settlement_currency: 'JPY' })).json()) as Record<string, string>;
  assert.equal(viaNewName.settlement_currency, 'jpy', 'settlement_currency, any case, is stored as Stripe writes currencies');
  assert.match(merchant.secret_key!, /^sk_test_[0-9A-Za-z]{32}$/);
  assert.match(merchant.publishable_key!, /^pk_test_[0-9A-Za-z]{32}$/);
  const stored = await cardlane.db.get<Record<string, unknown>>('SELECT * FROM acquirer_api_keys WHERE merchant_id = ? AND kind = ?', [merchant.id, 'secret']);
  assert.ok(!JSON.stringify(stored).includes(merchant.secret_key!), 'only the hash of the secret key is kept');

  // The new merchant takes a GBP payment at once through the official SDK (a test-bank card).
  const stripe = stripeFor(merchant.secret_key!);
  const pm = await stripe.paymentMethods.create({ type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2031, cvc: '123' } });
  const paid = await stripe.paymentIntents.create({ amount: 2_000, currency: 'gbp', payment_method: pm.id, confirm: true });
  assert.equal(paid.status, 'succeeded');
  assert.equal(paid.currency, 'gbp');
});

test('the operator API refuses control characters and bidirectional overrides in a merchant’s name and statement descriptor (they reach statements, SMS and terminals)', async () => {
  const before = await merchantCount();
  const good = { name: 'Claude', country: 'GB', mcc: '5734', currency: 'gbp' };
  for (const [body, param] of [
    [{ ...good, name: 'Bad\u0007Name\u001b[31m' }, 'name'],
    [{ ...good, name: 'Line\nbreak' }, 'name'],
    [{ ...good, name: 'Evil\u202eliaM' }, 'name'],
    [{ ...good, statement_descriptor: 'X\u0007\u001b[2J' }, 'statement_descriptor'],
    [{ ...good, statement_descriptor: 'AB\u2066CD' }, 'statement_descriptor'],
    [{ ...good, statement_descriptor: '\r\n<script>' }, 'statement_descriptor'],
  ] as const) {
    const answer = await createMerchant(body);
    assert.equal(answer.status, 400, JSON.stringify(body));
    const error = ((await answer.json()) as { error: { code: string; param?: string } }).error;
    assert.equal(error.code, 'parameter_invalid', JSON.stringify(error));
    assert.equal(error.param, param);
  }
  assert.equal(await merchantCount(), before, 'refusals make nothing');
  // Names in any script stay welcome.
  const chinese = await createMerchant({ ...good, name: '觅食科技 · Café', statement_descriptor: 'MISHI CAFE' });
  assert.equal(chinese.status, 201);
});

test('cardlane acquirer merchants create: for people and with --json, with the operator key from the data directory', async () => {
  let stdout = '';
  let stderr = '';
  const io = { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) } };
  const base = ['node', 'cardlane', 'acquirer', '--url', cardlane.url, '--data-dir', dataDir, 'merchants', 'create'];
  let code = await runCli([...base, '--name', 'App Store', '--country', 'us', '--mcc', '5818', '--currency', 'usd'], io);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /^Created merchant acct_\w+ \(App Store\)\n/);
  assert.match(stdout, /secret key\s+sk_test_[0-9A-Za-z]{32}\n/);
  assert.match(stdout, /shown only now/);

  stdout = '';
  code = await runCli([...base, '--name', 'Google Play', '--country', 'IE', '--mcc', '5818', '--currency', 'eur', '--json'], io);
  assert.equal(code, 0, stderr);
  const created = JSON.parse(stdout) as { id: string; default_currency: string; country: string; secret_key: string };
  assert.deepEqual([created.country, created.default_currency], ['IE', 'eur']);
  const customer = await stripeFor(created.secret_key).customers.create({ email: 'buyer@example.com' });
  assert.match(customer.id, /^cus_/, 'the printed key works with the SDK at once');

  stdout = '';
  code = await runCli([...base, '--name', 'Claude', '--country', 'GB', '--mcc', '5734', '--settlement-currency', 'gbp', '--json'], io);
  assert.equal(code, 0, stderr);
  assert.equal((JSON.parse(stdout) as { settlement_currency: string }).settlement_currency, 'gbp');

  stdout = '';
  stderr = '';
  code = await runCli([...base, '--name', 'Bad', '--country', 'GB', '--mcc', '5734', '--settlement-currency', 'inr'], io);
  assert.notEqual(code, 0);
  assert.match(stderr, /does not settle in inr/);
  stderr = '';
  code = await runCli([...base, '--name', 'Bad', '--country', 'GB', '--mcc', '5734'], io);
  assert.notEqual(code, 0);
  assert.match(stderr, /--settlement-currency/);

  stdout = '';
  stderr = '';
  code = await runCli([...base, '--name', 'Bad', '--country', 'GB', '--mcc', 'abcd', '--currency', 'gbp'], io);
  assert.notEqual(code, 0);
  assert.match(stderr, /mcc/);
});

test('the settlement currencies: acquirer.settlementCurrencies or CARDLANE_ACQUIRER_SETTLEMENT_CURRENCIES, lower-case ISO 4217 codes, at least one', () => {
  const load = (env: Record<string, string>) => loadConfig({ env: { CARDLANE_DATA_DIR: '/nonexistent-cardlane-test', ...env } }, [acquirerConfigSection]);
  assert.deepEqual(load({}).acquirer.settlementCurrencies, ['usd', 'eur', 'gbp', 'jpy', 'cad', 'aud', 'hkd', 'sgd', 'chf']);
  assert.deepEqual(load({ CARDLANE_ACQUIRER_SETTLEMENT_CURRENCIES: 'usd, gbp' }).acquirer.settlementCurrencies, ['usd', 'gbp']);
  for (const bad of ['usd,zzz', 'USD', 'usd,,gbp']) {
    assert.throws(() => load({ CARDLANE_ACQUIRER_SETTLEMENT_CURRENCIES: bad }), /acquirer\.settlementCurrencies/, bad);
  }
});
