import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startCardlane, type Cardlane } from '../../src/app/start.ts';
import { openSecretStore } from '../../src/app/secrets.ts';
import { writeBootstrapOperatorKey } from '../../src/issuer/issuer-start.ts';
import { systemClock } from '../../src/platform/clock.ts';
import { openDatabase } from '../../src/platform/db/open.ts';
import { PostgresDatabase } from '../../src/platform/db/postgres.ts';
import { newTestLocation, testDatabaseKind } from '../support/databases.ts';

// Issue 19 H: processes on one PostgreSQL database, each with its own data directory, share one
// secret set — the database's, sealed under the master key they are all given.

const skip = testDatabaseKind() !== 'postgres' && 'several processes on one database with their own data directories is the PostgreSQL deployment';
const MASTER_KEY = Buffer.alloc(32, 0x5a).toString('hex');
const quiet = { write: () => true };
const dirs: string[] = [];
const location = newTestLocation();
after(async () => {
  const db = openDatabase(location.url);
  if (db instanceof PostgresDatabase) await db.dropSchema();
  await db.close();
  location.remove();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function dataDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `cardlane-shared-${name}-`));
  dirs.push(dir);
  return dir;
}

function start(dir: string, masterKey = MASTER_KEY, clock = systemClock): Promise<Cardlane> {
  return startCardlane({ flags: { port: '0', database: location.url, dataDir: dir }, env: { CARDLANE_MASTER_KEY: masterKey }, logDestination: quiet, clock });
}

// B's clock runs ahead, moved on between codes, so the wait before another code to the demo phone has passed each time.
let aheadMs = 10 * 60_000;
const aheadClock = { nowMs: () => Date.now() + aheadMs };

async function call(base: string, path: string, options: { auth?: string; form?: Record<string, string>; json?: unknown } = {}) {
  const headers: Record<string, string> = {};
  if (options.auth) headers.authorization = `Bearer ${options.auth}`;
  let body: string | undefined;
  if (options.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  } else if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  }
  const response = await fetch(`${base}${path}`, { method: body === undefined && !options.form && options.json === undefined ? 'GET' : 'POST', headers, ...(body === undefined ? {} : { body }) });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

/** The latest sandbox SMS code sent to `phone` through this process. */
async function lastCode(cardlane: Cardlane, operatorKey: string, phone: string): Promise<string> {
  const inbox = await call(cardlane.url, `/issuer/v1/operator/sms?phone=${encodeURIComponent(phone)}`, { auth: operatorKey });
  assert.equal(inbox.status, 200, JSON.stringify(inbox.body));
  return /\d{6}/.exec(inbox.body.data[0].body)![0];
}

test('two processes, two data directories, one master key: a card saved through one is charged through the other, revealed through it, and PARs agree', { skip }, async () => {
  const [dirA, dirB] = [dataDir('a'), dataDir('b')];
  const a = await start(dirA);
  const b = await start(dirB, MASTER_KEY, aheadClock);
  try {
    // The operator key: A created it; B's data directory has none, and B says so truthfully.
    assert.equal(a.operatorKeyCreated, true);
    assert.equal(b.operatorKeyCreated, false);
    assert.equal(b.operatorKeyFile, null);
    assert.equal(b.operatorKeyInDatabase, true, 'live and sealed in the database, not "removed"');
    const store = openSecretStore(b.db, b.config, systemClock);
    const written = await writeBootstrapOperatorKey(b.db, store, dirB);
    const operatorKey = readFileSync(written, 'utf8').trim();
    assert.equal(operatorKey, readFileSync(a.operatorKeyFile!, 'utf8').trim(), '`cardlane operator-key` writes the same key into B');
    assert.ok(!existsSync(join(dirB, 'acquirer-vault-key')) && !existsSync(join(dirB, 'issuer-keyring.json')), 'no key files: the secrets are in the database');

    // Saved through A (with its CVC), charged through A once, then through B.
    const pm = await call(a.url, '/v1/payment_methods', {
      auth: a.demoMerchant.secret_key,
      form: { type: 'card', 'card[number]': '4242424242424242', 'card[exp_month]': '12', 'card[exp_year]': '2030', 'card[cvc]': '123' },
    });
    assert.equal(pm.status, 200, JSON.stringify(pm.body));
    const first = await call(a.url, '/v1/payment_intents', { auth: a.demoMerchant.secret_key, form: { amount: '2000', currency: 'usd', payment_method: pm.body.id, confirm: 'true' } });
    assert.equal(first.body.status, 'succeeded', JSON.stringify(first.body));
    const second = await call(b.url, '/v1/payment_intents', { auth: b.demoMerchant.secret_key, form: { amount: '1500', currency: 'usd', payment_method: pm.body.id, confirm: 'true' } });
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assert.equal(second.body.status, 'succeeded', JSON.stringify(second.body));

    // The demo card was opened by A; B's issuer reveals it (sign-in code and reveal code through B).
    const phone = b.demoCardholder.phone;
    const sent = await call(b.url, '/issuer/v1/sessions/code', { json: { phone } });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    const session = await call(b.url, '/issuer/v1/sessions', { json: { phone, code: await lastCode(b, operatorKey, phone) } });
    assert.equal(session.status, 200, JSON.stringify(session.body));
    const cardId = b.demoCardholder.card_id;
    aheadMs += 10 * 60_000;
    assert.equal((await call(b.url, `/issuer/v1/cards/${cardId}/reveal-code`, { auth: session.body.token, json: {} })).status, 200);
    const revealed = await call(b.url, `/issuer/v1/cards/${cardId}/reveal`, { auth: session.body.token, json: { code: await lastCode(b, operatorKey, phone) } });
    assert.equal(revealed.status, 200, JSON.stringify(revealed.body));
    assert.equal(revealed.body.number.slice(-4), b.demoCardholder.card_last4);

    // PAR linking: the card's PAR (A's network key at opening) is the PAR B's network gives the same number.
    const saved = await call(b.url, '/v1/payment_methods', {
      auth: b.demoMerchant.secret_key,
      form: { type: 'card', 'card[number]': revealed.body.number, 'card[exp_month]': String(revealed.body.exp_month), 'card[exp_year]': String(revealed.body.exp_year) },
    });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    const cardPar = await a.db.get<{ par: string }>('SELECT payment_account_reference AS par FROM issuer_cards WHERE id = ?', [cardId]);
    const pmPar = await a.db.get<{ par: string }>('SELECT payment_account_reference AS par FROM acquirer_payment_methods WHERE id = ?', [saved.body.id]);
    assert.ok(cardPar?.par);
    assert.equal(pmPar?.par, cardPar.par);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }

  // A third process with another master key refuses to start, clearly, and writes nothing.
  const before = await countSecrets();
  await assert.rejects(start(dataDir('c'), Buffer.alloc(32, 0x11).toString('hex')), (error: Error) => /does not open the secrets stored in/.test(error.message) && /same master key/.test(error.message));
  assert.equal(await countSecrets(), before);
});

async function countSecrets(): Promise<number> {
  const db = openDatabase(location.url);
  try {
    return Number((await db.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM platform_secrets'))!.n);
  } finally {
    await db.close();
  }
}
