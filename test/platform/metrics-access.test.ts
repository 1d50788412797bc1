import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startCardlane } from '../../src/app/start.ts';
import { openDatabase } from '../../src/platform/db/open.ts';
import { PostgresDatabase } from '../../src/platform/db/postgres.ts';
import { AppError } from '../../src/platform/errors.ts';
import { createHttpServer } from '../../src/platform/http/server.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { newTestLocation } from '../support/databases.ts';

// /metrics holds no ids, amounts or keys, but it tells how much business
// flows through each route (payments, declines, sign-in attempts a minute)
// and what runs the server: the operator's figures. Beyond loopback it
// needs the operator key (Prometheus sends it as a bearer token); a server
// listening on loopback only serves it to its own machine without one.

const silent = createLogger({ level: 'silent' });
const db = { ping: async () => {} };
const GOOD = 'op_the_right_key';
const credential = async (request: { headers: Record<string, unknown> }) => {
  if (request.headers.authorization !== `Bearer ${GOOD}`) throw new AppError('authentication_required', 'This needs an operator key.');
};
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

const dataDir = mkdtempSync(join(tmpdir(), 'cardlane-metrics-'));
const locations: Array<{ url: string; remove(): void }> = [];
after(async () => {
  for (const location of locations) {
    const opened = openDatabase(location.url);
    if (opened instanceof PostgresDatabase) await opened.dropSchema();
    await opened.close();
    location.remove();
  }
  rmSync(dataDir, { recursive: true, force: true });
});

test('with a credential: a server not yet listening, or listening beyond loopback, asks for it; on loopback only it does not', async () => {
  const app = await createHttpServer({ db, logger: silent, version: '1.0.0-test', metricsCredential: credential });
  try {
    const refused = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(refused.statusCode, 401);
    assert.equal(refused.json().error.code, 'authentication_required');
    assert.doesNotMatch(refused.body, /process_cpu|cardlane_build_info/);
    assert.equal((await app.inject({ method: 'GET', url: '/metrics', headers: bearer('op_wrong') })).statusCode, 401);
    assert.equal((await app.inject({ method: 'GET', url: '/metrics', headers: bearer(GOOD) })).statusCode, 200);
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    assert.deepEqual(doc.paths['/metrics'].get.security, [{ operatorKey: [] }], 'the reference says so');
    assert.ok(doc.paths['/metrics'].get.responses['401']);
    assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'health stays open');
  } finally {
    await app.close();
  }

  const wildcard = await createHttpServer({ db, logger: silent, version: '1.0.0-test', metricsCredential: credential });
  try {
    await wildcard.listen({ host: '0.0.0.0', port: 0 });
    const url = `http://127.0.0.1:${(wildcard.server.address() as AddressInfo).port}`;
    // Listening on every interface: even a request over loopback needs the key, since the server is reachable from the network.
    assert.equal((await fetch(`${url}/metrics`)).status, 401);
    assert.equal((await fetch(`${url}/metrics`, { headers: bearer(GOOD) })).status, 200);
  } finally {
    await wildcard.close();
  }

  const loopback = await createHttpServer({ db, logger: silent, version: '1.0.0-test', metricsCredential: credential });
  try {
    await loopback.listen({ host: '127.0.0.1', port: 0 });
    const answer = await fetch(`http://127.0.0.1:${(loopback.server.address() as AddressInfo).port}/metrics`);
    assert.equal(answer.status, 200);
    assert.match(await answer.text(), /^cardlane_build_info\{version="1\.0\.0-test"\} 1$/m);
  } finally {
    await loopback.close();
  }
});

test('a running Cardlane on 0.0.0.0: /metrics needs the operator key, and what it shows carries no id or key', { timeout: 120_000 }, async () => {
  const location = newTestLocation();
  locations.push(location);
  const cardlane = await startCardlane({ flags: { host: '0.0.0.0', port: '0', database: location.url, dataDir }, env: {}, logDestination: { write: () => true }, tasks: () => [] });
  try {
    const operatorKey = readFileSync(cardlane.operatorKeyFile!, 'utf8').trim();
    const refused = await fetch(`${cardlane.url}/metrics`);
    assert.equal(refused.status, 401);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'authentication_required');
    assert.equal((await fetch(`${cardlane.url}/metrics`, { headers: bearer(cardlane.demoMerchant.secret_key) })).status, 401, "a merchant's key is not the operator's");

    // Requests naming ids and carrying keys: the metrics keep only route templates.
    await fetch(`${cardlane.url}/v1/customers/cus_SECRETID42`, { headers: bearer(cardlane.demoMerchant.secret_key) });
    await fetch(`${cardlane.url}/no/such/thing/SECRETID43`);
    const answer = await fetch(`${cardlane.url}/metrics`, { headers: bearer(operatorKey) });
    assert.equal(answer.status, 200);
    const text = await answer.text();
    assert.match(text, /^http_request_duration_seconds_count\{route="\/v1\/customers\/:id",method="GET",status_code="404"\} 1$/m);
    assert.doesNotMatch(text, /\bop_[A-Za-z0-9_-]{8}/, 'no operator key');
    for (const secret of ['SECRETID42', 'SECRETID43', operatorKey, cardlane.demoMerchant.secret_key, 'sk_test_']) assert.ok(!text.includes(secret), secret);
  } finally {
    await cardlane.close();
  }
});
