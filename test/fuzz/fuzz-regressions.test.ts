import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { closeConnections, send, type FuzzRequest } from './support/fuzz-request.ts';
import { startFuzzTarget, type FuzzTarget } from './support/fuzz-target.ts';
import { answerProblem } from './support/properties.ts';
import { listTables, snapshotDiff, takeSnapshot } from './support/snapshot.ts';

// Each failure the fuzzer found, as the exact request it printed, kept here
// so it stays fixed whatever the fuzzer's seed explores next.

let target: FuzzTarget;
before(async () => {
  target = await startFuzzTarget();
});
after(async () => {
  closeConnections();
  await target.close();
});

function request(method: string, path: string, authorization: string | undefined): Promise<{ status: number; contentType: string; text: string; ms: number }> {
  const req: FuzzRequest = { operation: 'regression', variant: 'regression', method, path, auth: 'none', headers: {} };
  return send(target.url, req, authorization, 10_000).then((response) => response!);
}

test('a path the router cannot decode (invalid UTF-8) is refused in our error shape, not Fastify’s FST_ERR_BAD_URL', async () => {
  // Found as: GET /v1/risk_rules/%ED%A0%80 → 400 {"error":"Bad Request","code":"FST_ERR_BAD_URL",…}
  const response = await request('GET', '/v1/risk_rules/%ED%A0%80', `Bearer ${target.credentials.merchantSecret}`);
  assert.equal(response.status, 400);
  assert.equal(answerProblem(response, 'stripe'), null);
  assert.equal(JSON.parse(response.text).error.code, 'url_invalid');
  const issuer = await request('GET', '/issuer/v1/cards/%E0%A4%A', `Bearer ${target.credentials.cardholderSession}`);
  assert.equal(JSON.parse(issuer.text).error.code, 'url_invalid');
});

test('a path parameter over the router’s length limit is refused in our error shape', async () => {
  const response = await request('GET', `/v1/customers/cus_${'A'.repeat(2_000)}`, `Bearer ${target.credentials.merchantSecret}`);
  assert.equal(response.status, 414);
  assert.equal(answerProblem(response, 'stripe'), null);
  assert.equal(JSON.parse(response.text).error.code, 'url_too_long');
});

test('headers over Node’s 16 KiB limit are refused (431) in our error shape, and the connection is closed', async () => {
  // Found as: GET /v1/customers with `authorization: Bearer x…(20,000)` → 431 {"error":"Request Header Fields Too Large",…}
  const response = await request('GET', '/v1/customers', `Bearer ${'x'.repeat(20_000)}`);
  assert.equal(response.status, 431);
  assert.equal(answerProblem(response, 'stripe'), null);
  assert.equal(JSON.parse(response.text).error.code, 'request_invalid');
  // The next request, on a new connection, is answered normally.
  const next = await request('GET', '/v1/customers', `Bearer ${target.credentials.merchantSecret}`);
  assert.equal(next.status, 200);
});

test('the fuzzer’s "a refusal changes nothing" check sees a write', async () => {
  const db = target.cardlane.db;
  const tables = await listTables(db);
  const before = await takeSnapshot(db, tables);
  await db.run('UPDATE acquirer_merchants SET name = ? WHERE id = ?', ['Renamed', target.credentials.merchantId]);
  const after = await takeSnapshot(db, tables);
  assert.deepEqual(snapshotDiff(before, after), ['acquirer_merchants (2 → 2 rows)']);
});

async function jsonRequest(method: string, path: string, authorization: string, body: string, idempotencyKey: string) {
  const req: FuzzRequest = {
    operation: 'regression', variant: 'regression', method, path, auth: 'none',
    headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey }, body,
  };
  return (await send(target.url, req, authorization, 10_000))!;
}

test('an idempotent issuer request whose body canonical JSON cannot hold (deep, or 1e999) is a 400 that changes nothing, not a 500', async () => {
  // Found as: POST /issuer/v1/kyc, Idempotency-Key, body {"a":{"a":…}} 201 deep → 500 (canonical JSON: nested deeper than 64 levels);
  // POST /issuer/v1/cards/{id}/freeze with [[[…]]] 5,000 deep → 500; POST /issuer/v1/cards/{id}/close with {"amount":1e999} → 500 (Infinity).
  const session = `Bearer ${target.credentials.cardholderSession}`;
  const card = target.credentials.demoCardId;
  const db = target.cardlane.db;
  const tables = await listTables(db);
  const before = await takeSnapshot(db, tables);
  let nested = '"x"';
  for (let i = 0; i < 201; i++) nested = `{"a":${nested}}`;
  for (const [path, body] of [
    ['/issuer/v1/kyc', nested],
    [`/issuer/v1/cards/${card}/freeze`, `${'['.repeat(5_000)}${']'.repeat(5_000)}`],
    [`/issuer/v1/cards/${card}/close`, '{"amount":1e999}'],
  ] as const) {
    const response = await jsonRequest('POST', path, session, body, `regression-${path.length}`);
    assert.equal(response.status, 400, `${path}: ${response.text}`);
    assert.equal(JSON.parse(response.text).error.code, 'body_invalid');
  }
  assert.deepEqual(snapshotDiff(before, await takeSnapshot(db, tables)), []);
});

test('an integer query parameter that coerces to Infinity is refused, not passed to SQL', async () => {
  // Found as: GET /billing/v1/subscriptions?limit=999…(5,000 nines) → 500 (SQLite: datatype mismatch): ajv takes Infinity as an
  // integer within `maximum`. The same holds for every integer query parameter and JSON body number.
  for (const value of ['9'.repeat(5_000), '1e400', 'Infinity', '-Infinity']) {
    const response = await request('GET', `/billing/v1/subscriptions?limit=${value}`, `Bearer ${target.credentials.orgKey}`);
    assert.equal(response.status, 400, value.slice(0, 20));
    assert.equal(JSON.parse(response.text).error.code, 'parameter_invalid');
  }
  const statement = await request('GET', '/issuer/v1/wallet/statement?limit=1e400', `Bearer ${target.credentials.cardholderSession}`);
  assert.equal(statement.status, 400);
  const purchase = await jsonRequest('POST', '/billing/v1/credit_purchases', `Bearer ${target.credentials.orgKey}`, '{"amount":1e999}', 'regression-purchase');
  assert.equal(purchase.status, 400, purchase.text);
  assert.equal(JSON.parse(purchase.text).error.code, 'parameter_invalid');
});

test('a NUL character in a path id, query or body is refused on both databases (PostgreSQL answered 500)', async () => {
  // Found on PostgreSQL as: GET /v1/refunds/%00 → 500 (invalid byte sequence for encoding "UTF8": 0x00), and
  // GET /issuer/v1/cards/{id}/statement with a NUL in a parameter → 500; SQLite answered 404.
  const secret = `Bearer ${target.credentials.merchantSecret}`;
  for (const path of ['/v1/refunds/%00', '/v1/customers/cus_%00', '/v1/payment_intents?customer=cus_0000000000%00']) {
    const response = await request('GET', path, secret);
    assert.equal(response.status, 400, `${path}: ${response.text}`);
    assert.equal(answerProblem(response, 'stripe'), null);
    assert.equal(JSON.parse(response.text).error.code, 'parameter_invalid');
  }
  const statement = await request('GET', `/issuer/v1/cards/${target.credentials.demoCardId}/statement?starting_after=a%00b`, `Bearer ${target.credentials.cardholderSession}`);
  assert.equal(statement.status, 400, statement.text);
  const form: FuzzRequest = {
    operation: 'regression', variant: 'regression', method: 'POST', path: '/v1/customers', auth: 'none',
    headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=a%00b',
  };
  const created = (await send(target.url, form, secret, 10_000))!;
  assert.equal(created.status, 400, created.text);
});
