import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { auditLedger } from '../../src/ledger/audit.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { cardRoutes } from '../../src/issuer/http/card-routes.ts';
import { isIssuerPan, isLuhnValid } from '../../src/issuer/card-number.ts';
import { decryptPan, deriveCvv2 } from '../../src/issuer/card-secrets.ts';
import { cardProgram } from '../../src/issuer/cards/card-program.ts';
import type { CardDeps } from '../../src/issuer/cards/card-deps.ts';
import { openCard } from '../../src/issuer/cards/open-card.ts';
import { generateKeyring } from '../../src/issuer/keyring.ts';
import { ensureIssuerAccounts, ensureWallet, SYSTEM_ACCOUNTS, TRANSFER_CODES, walletAccountId } from '../../src/issuer/money/ledger-accounts.ts';
import { OTP_RESEND_COOLDOWN_MS, OTP_TTL_MS } from '../../src/platform/identity/one-time-codes.ts';
import { createHttpServer } from '../../src/platform/http/server.ts';
import { IdGenerator, seededRandom } from '../../src/platform/ids.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { identityFixture, PHONE_A, PHONE_B, PHONE_C, type IdentityFixture } from '../support/identity-fixture.ts';

type Json = Record<string, any>;

let f: IdentityFixture;
let app: FastifyInstance;
let logs: string[];
let deps: CardDeps;
let funded = 0;

beforeEach(async () => {
  f = await identityFixture(7);
  logs = [];
  const ledger = new Ledger(f.clock);
  await ensureIssuerAccounts(ledger, f.db);
  deps = {
    ledger,
    clock: f.clock,
    ids: new IdGenerator(f.clock, seededRandom(5)),
    random: seededRandom(123),
    keyring: generateKeyring(seededRandom(99)),
    otpPepper: f.deps.otpPepper,
    sms: f.deps.sms,
    program: cardProgram({ maxCardsPerCardholder: 3 }),
  };
  app = await createHttpServer({
    db: f.db,
    logger: createLogger({ level: 'trace', destination: { write: (line: string) => logs.push(line) } }),
    version: 'test',
    routes: [{ plugin: cardRoutes({ db: f.db, deps }), prefix: '/issuer/v1' }],
  });
});

afterEach(async () => {
  await assertNoPanStored();
  const report = await auditLedger(f.db, { nowMs: f.clock.nowMs() });
  assert.ok(report.ok, `ledger audit failed: ${JSON.stringify(report.checks.filter((c) => !c.ok))}`);
  await app.close();
  await f.cleanup();
});

/** SECURITY: every card's PAN, decrypted here with the test keyring, appears in no row of any table, nor in the SQLite files. */
async function assertNoPanStored(): Promise<void> {
  const cards = await f.db.all<{ pan_ciphertext: string; pan_kid: string; exp_month: number; exp_year: number }>(
    'SELECT pan_ciphertext, pan_kid, exp_month, exp_year FROM issuer_cards',
  );
  const pans = cards.map((c) => decryptPan(deps.keyring, { ciphertext: c.pan_ciphertext, kid: c.pan_kid }));
  const tables =
    f.db.dialect === 'sqlite'
      ? await f.db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
      : await f.db.all<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'");
  assert.ok(tables.some((t) => t.name === 'issuer_cards'));
  for (const { name } of tables) {
    const dump = JSON.stringify(await f.db.all(`SELECT * FROM ${name}`));
    for (const pan of pans) assert.ok(!dump.includes(pan), `PAN found in clear in table ${name}`);
  }
  if (f.db.dialect === 'sqlite') {
    for (const file of [f.location, `${f.location}-wal`]) {
      if (!existsSync(file)) continue;
      const bytes = readFileSync(file).toString('latin1');
      for (const pan of pans) assert.ok(!bytes.includes(pan), `PAN found in the bytes of ${file}`);
    }
  }
  for (const pan of pans) assert.ok(!logs.join('\n').includes(pan), 'PAN in the logs');
}

let keyCounter = 0;
async function call(method: 'GET' | 'POST' | 'PATCH', url: string, options: { token?: string; body?: unknown; key?: boolean } = {}) {
  const response = await app.inject({
    method,
    url: `/issuer/v1${url}`,
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...(options.key ? { 'idempotency-key': `k${++keyCounter}` } : {}),
    },
    ...(options.body === undefined ? {} : { payload: options.body as Json }),
  });
  return { status: response.statusCode, body: response.json() as Json, headers: response.headers };
}

async function person(phone: string, options: { kyc?: boolean; invite?: string; fundCents?: number } = {}) {
  const signed = await f.signIn(phone, options.invite);
  const id = signed.cardholder.id;
  if (options.kyc !== false) await f.db.run("UPDATE issuer_cardholders SET kyc_status = 'approved' WHERE id = ?", [id]);
  if (options.fundCents) await fund(id, options.fundCents);
  return { id, token: signed.session.token, inviteCode: signed.cardholder.inviteCode };
}

async function fund(cardholderId: string, cents: number): Promise<void> {
  const wallet = await ensureWallet(deps.ledger, f.db, cardholderId);
  const outcome = await deps.ledger.createTransfer(f.db, {
    id: `test:fund:${++funded}`,
    debit_account_id: SYSTEM_ACCOUNTS.usdFxPosition,
    credit_account_id: wallet,
    amount: cents,
    code: TRANSFER_CODES.top_up_credit,
  });
  assert.equal(outcome.result, 'ok');
}

const wallet = async (cardholderId: string) => (await deps.ledger.getBalance(f.db, walletAccountId(cardholderId)))?.available ?? 0;
const feeRevenue = async () => {
  const b = await deps.ledger.getBalance(f.db, SYSTEM_ACCOUNTS.usdFeeRevenue);
  return (b?.credits_posted ?? 0) - (b?.debits_posted ?? 0);
};
const cardCount = async () => Number((await f.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM issuer_cards'))!.n);

async function inboxCode(phone: string): Promise<string> {
  return f.lastCode(phone);
}

async function revealCode(token: string, cardId: string, phone: string): Promise<string> {
  f.clock.advanceMs(OTP_RESEND_COOLDOWN_MS);
  const sent = await call('POST', `/cards/${cardId}/reveal-code`, { token });
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
  return inboxCode(phone);
}

test('open with the $2 fee: wallet → fee revenue, masked card with a Luhn-valid PAN in the BIN, a 3–5-year expiry, program address', async () => {
  const a = await person(PHONE_A, { fundCents: 1_000 });
  const opened = await call('POST', '/cards', { token: a.token, body: { name: 'Zhang Wei' }, key: true });
  assert.equal(opened.status, 200, JSON.stringify(opened.body));
  const card = opened.body;
  assert.match(card.id, /^card_/);
  assert.equal(card.status, 'active');
  assert.equal(card.cardholder_name, 'ZHANG WEI');
  assert.equal(card.opening_fee.amount, 200);
  assert.equal(card.opening_fee.waived, false);
  assert.equal(card.balance.available, 0);
  // Drawn per card, 36–60 months after issue (issue 13: a fixed issue + 3 years let a merchant guess it).
  const now = new Date(f.clock.nowMs());
  const months = (card.exp_year - now.getUTCFullYear()) * 12 + (card.exp_month - (now.getUTCMonth() + 1));
  assert.ok(months >= 36 && months <= 60, `${card.exp_month}/${card.exp_year}`);
  assert.deepEqual(card.billing_address, { line1: '548 Market St', line2: 'PMB 72810', city: 'San Francisco', state: 'CA', postal_code: '94104', country: 'US' });
  assert.equal(card.controls.max_accounts_per_merchant, 4);
  assert.equal(card.number, undefined);
  assert.equal(card.cvc, undefined);
  assert.match(card.masked_number, /\d{4}$/);
  assert.equal(await wallet(a.id), 800);
  assert.equal(await feeRevenue(), 200);

  const row = (await f.db.get<{ pan_ciphertext: string; pan_kid: string; last4: string }>('SELECT * FROM issuer_cards WHERE id = ?', [card.id]))!;
  const pan = decryptPan(deps.keyring, { ciphertext: row.pan_ciphertext, kid: row.pan_kid });
  assert.ok(isLuhnValid(pan) && isIssuerPan(pan, '45300000') && pan.length === 16, 'a 16-digit Luhn-valid PAN in BIN 45300000');
  assert.equal(row.last4, pan.slice(-4));
  assert.equal(card.last4, pan.slice(-4));
  const cols = await f.db.all<Json>('SELECT * FROM issuer_cards');
  assert.ok(!Object.keys(cols[0]!).some((c) => /cvv|cvc/i.test(c)), 'no CVV column');

  // Listing is masked too; the invite window has closed (first card marked).
  const list = await call('GET', '/cards', { token: a.token });
  assert.equal(list.body.data.length, 1);
  assert.equal(JSON.stringify(list.body).includes(pan), false);
  const marked = await f.db.get<{ first_card_at_ms: number | null }>('SELECT first_card_at_ms FROM issuer_cardholders WHERE id = ?', [a.id]);
  assert.notEqual(marked!.first_card_at_ms, null);
});

test('open with the fee waived by an invite code: no fee, works with an empty wallet', async () => {
  const a = await person(PHONE_A);
  const b = await person(PHONE_B, { invite: a.inviteCode });
  const opened = await call('POST', '/cards', { token: b.token });
  assert.equal(opened.status, 200, JSON.stringify(opened.body));
  assert.equal(opened.body.opening_fee.waived, true);
  assert.equal(opened.body.opening_fee.amount, 0);
  assert.equal(await wallet(b.id), 0);
  assert.equal(await feeRevenue(), 0);
});

test('refusals: no KYC → 403, insufficient wallet for the fee → 402 and nothing created, max cards → 409, bad name → 400', async () => {
  const noKyc = await person(PHONE_A, { kyc: false, fundCents: 1_000 });
  const refused = await call('POST', '/cards', { token: noKyc.token });
  assert.equal(refused.status, 403);
  assert.equal(refused.body.error.code, 'kyc_required');

  const poor = await person(PHONE_B, { fundCents: 199 });
  const broke = await call('POST', '/cards', { token: poor.token, key: true });
  assert.equal(broke.status, 402);
  assert.equal(broke.body.error.code, 'insufficient_funds');
  assert.equal(await cardCount(), 0);
  assert.equal(await wallet(poor.id), 199);
  assert.equal(await feeRevenue(), 0);
  const firstCard = await f.db.get<{ first_card_at_ms: number | null }>('SELECT first_card_at_ms FROM issuer_cardholders WHERE id = ?', [poor.id]);
  assert.equal(firstCard!.first_card_at_ms, null, 'the invite window is still open');
  assert.equal((await f.db.all("SELECT id FROM ledger_accounts WHERE id LIKE 'iss:card:%'")).length, 0);

  const rich = await person(PHONE_C, { fundCents: 10_000 });
  for (let i = 0; i < 3; i++) assert.equal((await call('POST', '/cards', { token: rich.token })).status, 200);
  const fourth = await call('POST', '/cards', { token: rich.token });
  assert.equal(fourth.status, 409);
  assert.equal(fourth.body.error.code, 'card_limit_reached');
  assert.equal(await wallet(rich.id), 10_000 - 3 * 200);
  // A closed card frees a place.
  const first = (await call('GET', '/cards', { token: rich.token })).body.data[0];
  assert.equal((await call('POST', `/cards/${first.id}/close`, { token: rich.token })).status, 200);
  assert.equal((await call('POST', '/cards', { token: rich.token })).status, 200);

  const badName = await call('POST', '/cards', { token: rich.token, body: { name: '张伟' } });
  assert.equal(badName.status, 400);
  assert.equal(badName.body.error.param, 'name');
});

test('refund guarantee: when opening fails after the fee was booked, the fee is not kept (one transaction)', async () => {
  const a = await person(PHONE_A, { fundCents: 1_000 });
  // A random source stuck on one value mints the same PAN every time: the second opening
  // books its fee, then cannot find an unused number and fails.
  const stuck = { ...deps, random: (n: number) => new Uint8Array(n).fill(3) };
  await f.db.transaction((tx) => openCard(tx, stuck, { cardholderId: a.id }));
  assert.equal(await wallet(a.id), 800);
  await assert.rejects(f.db.transaction((tx) => openCard(tx, stuck, { cardholderId: a.id })), /could not mint an unused card number/);
  assert.equal(await wallet(a.id), 800, 'the second fee came back');
  assert.equal(await feeRevenue(), 200);
  assert.equal(await cardCount(), 1);
  const fees = await f.db.all('SELECT id FROM ledger_transfers WHERE code = 20');
  assert.equal(fees.length, 1, 'no fee transfer of the failed opening survives');
});

test('reveal needs a fresh code: wrong, another card’s, expired and used codes are refused; PAN/CVV2 never in the logs', async () => {
  const a = await person(PHONE_A, { fundCents: 1_000 });
  const card = (await call('POST', '/cards', { token: a.token })).body;
  const other = (await call('POST', '/cards', { token: a.token })).body;

  const none = await call('POST', `/cards/${card.id}/reveal`, { token: a.token, body: { code: '123456' } });
  assert.equal(none.status, 400);
  assert.equal(none.body.error.code, 'code_invalid');

  // Wrong code, then the right one; a code for another card does not work for this one.
  let code = await revealCode(a.token, other.id, PHONE_A);
  const crossed = await call('POST', `/cards/${card.id}/reveal`, { token: a.token, body: { code } });
  assert.equal(crossed.body.error.code, 'code_invalid');
  code = await revealCode(a.token, card.id, PHONE_A);
  const wrong = await call('POST', `/cards/${card.id}/reveal`, { token: a.token, body: { code: code === '000000' ? '111111' : '000000' } });
  assert.equal(wrong.status, 400);
  assert.equal(wrong.body.error.code, 'code_invalid');
  const shown = await call('POST', `/cards/${card.id}/reveal`, { token: a.token, body: { code } });
  assert.equal(shown.status, 200, JSON.stringify(shown.body));
  assert.equal(shown.headers['cache-control'], 'no-store');
  const row = (await f.db.get<{ pan_ciphertext: string; pan_kid: string }>('SELECT * FROM issuer_cards WHERE id = ?', [card.id]))!;
  const pan = decryptPan(deps.keyring, { ciphertext: row.pan_ciphertext, kid: row.pan_kid });
  assert.equal(shown.body.number, pan);
  assert.equal(shown.body.cvc, deriveCvv2(deps.keyring, pan, card.exp_month, card.exp_year));
  assert.equal(shown.body.exp_month, card.exp_month);
  assert.equal(shown.body.exp_year, card.exp_year);

  const again = await call('POST', `/cards/${card.id}/reveal`, { token: a.token, body: { code } });
  assert.equal(again.body.error.code, 'code_used');

  code = await revealCode(a.token, card.id, PHONE_A);
  f.clock.advanceMs(OTP_TTL_MS);
  const late = await call('POST', `/cards/${card.id}/reveal`, { token: a.token, body: { code } });
  assert.equal(late.body.error.code, 'code_expired');

  // Rate limit shared with sign-in: a second code within the cooldown is refused.
  await revealCode(a.token, card.id, PHONE_A);
  const tooSoon = await call('POST', `/cards/${card.id}/reveal-code`, { token: a.token });
  assert.equal(tooSoon.status, 429);

  const logText = logs.join('\n');
  assert.ok(logs.length > 0, 'logs were captured');
  assert.ok(!logText.includes(pan), 'no PAN in the logs');
  assert.ok(!logText.includes(`"cvc"`), 'no CVV2 in the logs');
  assert.ok(!logText.includes(shown.body.cvc + '"'), 'no CVV2 value in the logs');
});

test('load, unload, insufficient funds, balance and statement', async () => {
  const a = await person(PHONE_A, { fundCents: 5_000 });
  const card = (await call('POST', '/cards', { token: a.token })).body;
  const loaded = await call('POST', `/cards/${card.id}/load`, { token: a.token, body: { amount: 2_000 }, key: true });
  assert.equal(loaded.status, 200, JSON.stringify(loaded.body));
  assert.equal(loaded.body.balance.available, 2_000);
  assert.equal(await wallet(a.id), 5_000 - 200 - 2_000);

  const tooMuch = await call('POST', `/cards/${card.id}/load`, { token: a.token, body: { amount: 1_000_000 } });
  assert.equal(tooMuch.status, 402);
  assert.equal(tooMuch.body.error.code, 'insufficient_funds');
  const overUnload = await call('POST', `/cards/${card.id}/unload`, { token: a.token, body: { amount: 2_001 } });
  assert.equal(overUnload.status, 402);
  for (const amount of [0, -5, 1.5, '100', null]) {
    const bad = await call('POST', `/cards/${card.id}/load`, { token: a.token, body: { amount } });
    assert.equal(bad.status, 400, `amount ${JSON.stringify(amount)}`);
  }

  // A hold (as the network will place) reduces what can be unloaded.
  await deps.ledger.createTransfer(f.db, {
    id: 'test:hold:1',
    debit_account_id: `iss:card:${card.id}`,
    credit_account_id: SYSTEM_ACCOUNTS.usdPayoutClearing,
    amount: 500,
    code: 30,
    flags: ['pending'],
  });
  const got = await call('GET', `/cards/${card.id}`, { token: a.token });
  assert.deepEqual(got.body.balance, { currency: 'usd', posted: 2_000, held: 500, available: 1_500 });
  assert.equal((await call('POST', `/cards/${card.id}/unload`, { token: a.token, body: { amount: 1_501 } })).status, 402);
  const unloaded = await call('POST', `/cards/${card.id}/unload`, { token: a.token, body: { amount: 700 } });
  assert.equal(unloaded.status, 200);
  assert.equal(unloaded.body.balance.available, 800);
  assert.equal(await wallet(a.id), 5_000 - 200 - 2_000 + 700);

  const statement = await call('GET', `/cards/${card.id}/statement`, { token: a.token });
  assert.equal(statement.status, 200);
  assert.deepEqual(
    statement.body.data.map((l: Json) => [l.type, l.amount, l.status]),
    [
      ['unload', -700, 'settled'],
      ['code_30', -500, 'pending'],
      ['load', 2_000, 'settled'],
    ],
  );
});

test('freeze, unfreeze, close: holds kept for the merchant, the free balance back to the wallet, no further changes', async () => {
  const a = await person(PHONE_A, { fundCents: 5_000 });
  const card = (await call('POST', '/cards', { token: a.token })).body;
  await call('POST', `/cards/${card.id}/load`, { token: a.token, body: { amount: 2_000 } });
  const frozen = await call('POST', `/cards/${card.id}/freeze`, { token: a.token, key: true });
  assert.equal(frozen.body.status, 'frozen');
  assert.equal((await call('POST', `/cards/${card.id}/freeze`, { token: a.token })).body.status, 'frozen');
  const thawed = await call('POST', `/cards/${card.id}/unfreeze`, { token: a.token });
  assert.equal(thawed.body.status, 'active');

  await deps.ledger.createTransfer(f.db, {
    id: 'test:hold:close',
    debit_account_id: `iss:card:${card.id}`,
    credit_account_id: SYSTEM_ACCOUNTS.usdPayoutClearing,
    amount: 300,
    code: 30,
    flags: ['pending'],
  });
  const closed = await call('POST', `/cards/${card.id}/close`, { token: a.token, key: true });
  assert.equal(closed.status, 200, JSON.stringify(closed.body));
  assert.equal(closed.body.status, 'closed');
  assert.notEqual(closed.body.closed_at, null);
  assert.deepEqual(closed.body.balance, { currency: 'usd', posted: 300, held: 300, available: 0 });
  assert.equal(await wallet(a.id), 5_000 - 200 - 300, 'the card’s free money is back; the held $3 stays for the merchant');
  const statement = (await call('GET', `/cards/${card.id}/statement`, { token: a.token })).body.data.map((l: Json) => [l.type, l.amount, l.status]);
  assert.deepEqual(statement, [
    ['close_sweep', -1_700, 'settled'],
    ['code_30', -300, 'pending'],
    ['load', 2_000, 'settled'],
  ]);
  for (const [method, url, body] of [
    ['POST', 'freeze', undefined],
    ['POST', 'unfreeze', undefined],
    ['POST', 'close', undefined],
    ['POST', 'load', { amount: 100 }],
    ['POST', 'reveal-code', undefined],
    ['PATCH', 'controls', { max_accounts_per_merchant: 2 }],
  ] as const) {
    const refused = await call(method, `/cards/${card.id}/${url}`, { token: a.token, body });
    assert.equal(refused.status, 409, url);
    assert.equal(refused.body.error.code, 'card_closed');
  }
});

test('controls: validated PATCH, stored canonical', async () => {
  const a = await person(PHONE_A, { fundCents: 1_000 });
  const card = (await call('POST', '/cards', { token: a.token })).body;
  const ok = await call('PATCH', `/cards/${card.id}/controls`, {
    token: a.token,
    key: true,
    body: {
      spending_limits: { per_transaction: 5_000, per_day: 10_000, per_month: 50_000 },
      mcc_allow: ['5734', '5817', '5734'],
      country_block: ['ru', 'KP'],
      max_accounts_per_merchant: 2,
    },
  });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.deepEqual(ok.body.controls, {
    spending_limits: { per_transaction: 5_000, per_day: 10_000, per_month: 50_000 },
    mcc_allow: ['5734', '5817'],
    mcc_block: [],
    country_allow: [],
    country_block: ['KP', 'RU'],
    max_accounts_per_merchant: 2,
  });
  const cleared = await call('PATCH', `/cards/${card.id}/controls`, { token: a.token, body: { spending_limits: { per_day: null } } });
  assert.equal(cleared.body.controls.spending_limits.per_day, null);
  assert.equal(cleared.body.controls.spending_limits.per_month, 50_000);

  const refusals: Array<[unknown, string]> = [
    [{ max_accounts_per_merchant: 0 }, 'max_accounts_per_merchant'],
    [{ max_accounts_per_merchant: 21 }, 'max_accounts_per_merchant'],
    [{ max_accounts_per_merchant: 2.5 }, 'max_accounts_per_merchant'],
    [{ mcc_allow: ['573'] }, 'mcc_allow[0]'],
    [{ mcc_block: '5734' }, 'mcc_block'],
    [{ mcc_block: ['5734'] }, 'mcc_block'],
    [{ country_allow: ['XX'] }, 'country_allow[0]'],
    [{ spending_limits: { per_transaction: 0 } }, 'spending_limits[per_transaction]'],
    [{ spending_limits: { per_transaction: 60_000 } }, 'spending_limits[per_month]'],
    [{ spending_limits: { per_week: 1 } }, 'spending_limits[per_week]'],
    [{ colour: 'red' }, 'colour'],
    [{}, 'controls'],
  ];
  for (const [body, param] of refusals) {
    const refused = await call('PATCH', `/cards/${card.id}/controls`, { token: a.token, body });
    assert.equal(refused.status, 400, JSON.stringify(body));
    assert.equal(refused.body.error.code, 'parameter_invalid');
    assert.equal(refused.body.error.param, param, JSON.stringify(body));
  }
  assert.equal((await call('GET', `/cards/${card.id}`, { token: a.token })).body.controls.max_accounts_per_merchant, 2, 'refusals changed nothing');
  // A country block must name a country that exists: `UK` would block nothing (merchants in the United Kingdom are GB).
  const uk = await call('PATCH', `/cards/${card.id}/controls`, { token: a.token, body: { country_block: ['RU', 'uk'] } });
  assert.deepEqual([uk.status, uk.body.error.code, uk.body.error.param], [400, 'parameter_invalid', 'country_block[1]']);
  assert.match(uk.body.error.message, /"uk" is not an ISO 3166-1 alpha-2 country code: use GB \(United Kingdom\)/);
  const blocked = await call('PATCH', `/cards/${card.id}/controls`, { token: a.token, body: { country_block: ['gb', 'XK'] } });
  assert.deepEqual(blocked.body.controls.country_block, ['GB', 'XK']);
});

test('another cardholder’s card is 404 everywhere; no session is 401', async () => {
  const a = await person(PHONE_A, { fundCents: 1_000 });
  const b = await person(PHONE_B, { fundCents: 1_000 });
  const card = (await call('POST', '/cards', { token: a.token })).body;
  await call('POST', `/cards/${card.id}/load`, { token: a.token, body: { amount: 300 } });
  for (const [method, url, body] of [
    ['GET', '', undefined],
    ['GET', '/statement', undefined],
    ['POST', '/reveal-code', undefined],
    ['POST', '/reveal', { code: '123456' }],
    ['POST', '/load', { amount: 100 }],
    ['POST', '/unload', { amount: 100 }],
    ['POST', '/freeze', undefined],
    ['POST', '/close', undefined],
    ['PATCH', '/controls', { max_accounts_per_merchant: 2 }],
  ] as const) {
    const res = await call(method, `/cards/${card.id}${url}`, { token: b.token, body });
    assert.equal(res.status, 404, `${method} ${url}`);
    assert.equal(res.body.error.code, 'resource_missing');
  }
  assert.equal((await call('GET', '/cards', { token: b.token })).body.data.length, 0);
  assert.equal((await call('GET', `/cards/card_nope`, { token: a.token })).status, 404);
  assert.equal((await call('GET', '/cards')).status, 401);
  assert.equal(await wallet(b.id), 1_000);
  assert.equal((await call('GET', `/cards/${card.id}`, { token: a.token })).body.balance.available, 300);
});
