import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ALIPAY_SANDBOX_KEY_SECRET } from '../../src/issuer/money/alipay-sandbox-key-file.ts';
import { openDatabase } from '../../src/platform/db/open.ts';
import { PostgresDatabase } from '../../src/platform/db/postgres.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { startCardlane, type Cardlane } from '../../src/app/start.ts';
import { newTestLocation } from '../support/databases.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'cardlane-money-runtime-'));
const location = newTestLocation();

after(async () => {
  const db = openDatabase(location.url);
  if (db instanceof PostgresDatabase) await db.dropSchema();
  await db.close();
  location.remove();
  rmSync(dataDir, { recursive: true, force: true });
});

type Json = Record<string, any>;

function start(): Promise<Cardlane> {
  return startCardlane({ flags: { port: '0', database: location.url, dataDir }, env: {}, logger: createLogger({ level: 'silent' }) });
}

async function api(cardlane: Cardlane, method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${cardlane.url}/issuer/v1${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

/** The sandbox's signing key as the deployment's secret store keeps it: sealed, one version. */
async function sandboxKeyVersions(): Promise<string[]> {
  const db = openDatabase(location.url);
  try {
    return (await db.all<{ ciphertext: string }>('SELECT ciphertext FROM platform_secrets WHERE name = ?', [ALIPAY_SANDBOX_KEY_SECRET.name])).map((row) => row.ciphertext);
  } finally {
    await db.close();
  }
}

test('start-up wires the issuer: operator key file, sandbox key kept across a restart, money tasks; an order survives a restart', async () => {
  let cardlane = await start();
  let restarted: Cardlane | undefined;
  try {
    assert.equal(cardlane.operatorKeyCreated, true);
    const keyFile = cardlane.operatorKeyFile!;
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    const sealed = await sandboxKeyVersions();
    assert.equal(sealed.length, 1, 'the sandbox key is one of the deployment\'s secrets');
    assert.doesNotMatch(sealed[0]!, /PRIVATE KEY/, 'sealed, never in clear');
    for (const name of ['issuer.expire-top-up-orders', 'issuer.retry-refunds', 'issuer.resolve-withdrawals']) assert.ok(cardlane.backgroundTaskNames.includes(name), name);
    const op = readFileSync(keyFile, 'utf8').trim();

    const phone = '+8613800138000';
    assert.equal((await api(cardlane, 'POST', '/sessions/code', undefined, { phone })).status, 200);
    const sms = await api(cardlane, 'GET', `/operator/sms?phone=${encodeURIComponent(phone)}`, op);
    const code = /\b(\d{6})\b/.exec(sms.body.data[0].body)![1];
    const token = (await api(cardlane, 'POST', '/sessions', undefined, { phone, code })).body.token as string;
    const kyc = await api(cardlane, 'POST', '/kyc', token);
    assert.equal((await api(cardlane, 'POST', `/operator/kyc/${kyc.body.id}/approve`, op)).body.status, 'approved');
    const quote = await api(cardlane, 'POST', '/wallet/top-up-quotes', token, { cny_amount: 100_000 });
    const order = await api(cardlane, 'POST', '/wallet/top-ups', token, { quote_id: quote.body.id });
    assert.equal(order.body.status, 'created');
    await cardlane.close();

    restarted = await start();
    assert.equal(restarted.operatorKeyCreated, false);
    assert.equal(restarted.operatorKeyFile, keyFile);
    assert.deepEqual(await sandboxKeyVersions(), sealed, 'the sandbox key is kept (the paid notify below verifies with it)');
    const paid = await api(restarted, 'POST', `/operator/sandbox/alipay/${order.body.id}/pay`, op);
    assert.deepEqual([paid.status, paid.body.notify_answer, paid.body.top_up.status], [200, 'success', 'credited']);
    assert.equal((await api(restarted, 'GET', '/wallet', token)).body.available.amount_minor, 13_750);
  } finally {
    await cardlane.close();
    await restarted?.close();
  }
});
