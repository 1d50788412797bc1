import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import fc from 'fast-check';
import OpenAI from 'openai';
import { BILLING_TRANSFER_CODES, orgCreditsAccount } from '../../src/billing/billing-ledger.ts';
import { merchantApiRoutes } from '../../src/billing/merchant-api-routes.ts';
import { addMember } from '../../src/billing/members/members.ts';
import { createMemberSession } from '../../src/billing/members/member-sessions.ts';
import { recordUsage } from '../../src/billing/metering.ts';
import { ECHO_MODEL } from '../../src/billing/price-book.ts';
import { costsCsv, isoInZone } from '../../src/billing/usage/usage-csv.ts';
import { organizationApiRoutes } from '../../src/billing/usage/organization-routes.ts';
import { defaultProjectId } from '../../src/billing/usage/projects.ts';
import { decimalAmount, exactJson } from '../../src/billing/usage/usage-report.ts';
import { listAccountTransfers } from '../../src/ledger/reads.ts';
import type { Transfer } from '../../src/ledger/index.ts';
import { createHttpServer } from '../../src/platform/http/server.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { money, toDecimalString } from '../../src/platform/money.ts';
import { START_MS } from '../support/ledger-fixture.ts';
import { billingFixture, type BillingFixture } from './billing-fixture.ts';

let f: BillingFixture;
let app: FastifyInstance;
let url: string;
let org: { orgId: string; apiKey: string; apiKeyId: string };
/** A session of an owner of `org`: changing projects and keys needs one (an API key only reads them). */
let owner: string;

const DAY_S = 86_400;
const START_S = START_MS / 1000;

beforeEach(async () => {
  f = await billingFixture();
  app = await createHttpServer({
    db: f.db,
    logger: createLogger({ level: process.env.DBG ? 'error' : 'silent' }),
    version: 'test',
    routes: [
      { plugin: merchantApiRoutes(f.db, f.deps), prefix: '/merchant/v1' },
      { plugin: organizationApiRoutes(f.db, f.deps), prefix: '/merchant/v1/organization' },
    ],
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  org = await f.newOrg('Usage customer');
  owner = await ownerSession(org.orgId, 'keeper@example.com');
});

async function ownerSession(orgId: string, email: string): Promise<string> {
  return f.db.transaction(async (tx) => {
    const member = await addMember(tx, { ids: f.deps.ids, nowMs: f.clock.nowMs() }, { orgId, email, role: 'owner' });
    return (await createMemberSession(tx, f.deps, member.id, f.clock.nowMs())).token;
  });
}
afterEach(async () => {
  await f.assertAudit();
  await app.close();
  await f.cleanup();
});

async function call(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; json: any; text: string; headers: Headers }> {
  const response = await fetch(`${url}/merchant/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // CSV
  }
  return { status: response.status, json, text, headers: response.headers };
}

const client = (key: string) => new OpenAI({ apiKey: key, baseURL: `${url}/merchant/v1`, maxRetries: 0 });
const ask = (key: string, content: string) => client(key).chat.completions.create({ model: ECHO_MODEL, messages: [{ role: 'user', content }] });

async function newKey(token: string, projectId: string, name?: string) {
  const created = await call('POST', `/organization/projects/${projectId}/api_keys`, token, name === undefined ? {} : { name });
  assert.equal(created.status, 201, created.text);
  return created.json as { id: string; value: string; name: string; redacted_value: string };
}

/** Billing's ledger debits for usage on the organization's credit account in [fromMs, toMs): posted usage transfers only. */
async function ledgerUsageMinor(orgId: string, fromMs: number, toMs: number): Promise<number> {
  let total = 0;
  let after: string | null = null;
  do {
    const page: { data: Transfer[]; next_cursor: string | null } = await listAccountTransfers(f.db, orgCreditsAccount(orgId), { limit: 100, after });
    for (const t of page.data) {
      const isUsageDebit = t.code === BILLING_TRANSFER_CODES.usage && t.debit_account_id === orgCreditsAccount(orgId);
      const posts = !t.flags.includes('pending') && !t.flags.includes('void_pending_transfer');
      if (isUsageDebit && posts && t.created_at_ms >= fromMs && t.created_at_ms < toMs) total += t.amount;
    }
    after = page.next_cursor;
  } while (after !== null);
  return total;
}

const cents = (value: number) => Math.round(value * 100);

test('usage is recorded with the key and project that made it; the usage API groups by model, key and project, by day, with paging', async () => {
  await f.grant(org.orgId, 10_000);
  const project = await call('POST', '/organization/projects', owner, { name: 'Search 搜索' });
  assert.equal(project.status, 201);
  assert.equal(project.json.object, 'organization.project');
  const searchKey = await newKey(owner, project.json.id, 'search-prod');
  // Mid-bucket, not on a boundary: an event's bucket is found by whole-number division on both databases.
  f.clock.advanceMs(12_345_678);
  await ask(org.apiKey, 'day one from the first key');
  f.clock.advanceMs(DAY_S * 1000);
  await ask(searchKey.value, 'day two from the search key');
  await ask(searchKey.value, 'and again');
  const stream = await client(searchKey.value).chat.completions.create({ model: ECHO_MODEL, messages: [{ role: 'user', content: 'a stream' }], stream: true });
  for await (const chunk of stream) void chunk;

  const usage = await call('GET', `/organization/usage/completions?start_time=${START_S}&bucket_width=1d&limit=2&group_by[]=api_key_id&group_by[]=project_id&group_by[]=model`, org.apiKey);
  assert.equal(usage.status, 200, usage.text);
  assert.equal(usage.json.object, 'page');
  assert.equal(usage.json.has_more, false);
  const [day1, day2] = usage.json.data;
  assert.deepEqual([day1.object, day1.start_time, day1.end_time, day2.start_time], ['bucket', START_S, START_S + DAY_S, START_S + DAY_S]);
  assert.deepEqual(
    day1.results.map((r: any) => [r.object, r.model, r.api_key_id, r.project_id, r.num_model_requests]),
    [['organization.usage.completions.result', ECHO_MODEL, org.apiKeyId, defaultProjectId(org.orgId), 1]],
  );
  assert.deepEqual(day2.results.map((r: any) => [r.api_key_id, r.project_id, r.num_model_requests]), [[searchKey.id, project.json.id, 3]], 'the stream counts too');
  assert.ok(day2.results[0].input_tokens > 0 && day2.results[0].output_tokens > 0);

  // One bucket a page: the cursor leads to the next day, then ends.
  const first = await call('GET', `/organization/usage/completions?start_time=${START_S}&end_time=${START_S + 2 * DAY_S}&limit=1`, org.apiKey);
  assert.equal(first.json.has_more, true);
  assert.deepEqual(first.json.data[0].results.map((r: any) => [r.model, r.api_key_id, r.num_model_requests]), [[null, null, 1]], 'fields not grouped by are null');
  const second = await call('GET', `/organization/usage/completions?start_time=${START_S}&end_time=${START_S + 2 * DAY_S}&limit=1&page=${first.json.next_page}`, org.apiKey);
  assert.deepEqual([second.json.data[0].start_time, second.json.has_more, second.json.next_page], [START_S + DAY_S, false, null]);

  // Minute buckets: the first minute holds the first request.
  const firstMinuteS = START_S + 205 * 60; // 12,345,678 ms in: the 206th minute, 45.678 s into it
  const minutes = await call('GET', `/organization/usage/completions?start_time=${firstMinuteS}&bucket_width=1m&limit=3`, org.apiKey);
  assert.deepEqual(minutes.json.data.map((b: any) => b.results.length), [1, 0, 0]);
  assert.equal(minutes.json.has_more, true);

  // Filters.
  const onlySearch = await call('GET', `/organization/usage/completions?start_time=${START_S}&limit=2&project_ids=${project.json.id}`, org.apiKey);
  assert.deepEqual(onlySearch.json.data.map((b: any) => b.results.map((r: any) => r.num_model_requests)), [[], [3]]);

  // The key's last use is recorded, in seconds.
  const keys = await call('GET', `/organization/projects/${project.json.id}/api_keys`, org.apiKey);
  assert.equal(keys.json.data[0].last_used_at, Math.floor(f.clock.nowMs() / 1000));
});

test('the costs API agrees with the ledger to the cent over a period, grouped or not, in exact decimals', async () => {
  await f.grant(org.orgId, 100_000);
  const project = await call('POST', '/organization/projects', owner, { name: 'Batch' });
  const batchKey = await newKey(owner, project.json.id);
  const periodStartMs = f.clock.nowMs();
  for (let day = 0; day < 4; day++) {
    for (let i = 0; i <= day; i++) await ask(i % 2 === 0 ? org.apiKey : batchKey.value, `day ${day} request ${i} ${'x'.repeat(200 * i)}`);
    // A usage event recorded without a key (as the demo story does) lands in the default project.
    await recordUsage(f.db, f.deps, { orgId: org.orgId, usageEventId: `direct-${day}`, model: ECHO_MODEL, inputTokens: 333_333 * (day + 1), outputTokens: 7 });
    f.clock.advanceMs(DAY_S * 1000);
  }
  const periodEndMs = f.clock.nowMs();
  const ledger = await ledgerUsageMinor(org.orgId, periodStartMs, periodEndMs);
  assert.ok(ledger > 0);

  const range = `start_time=${periodStartMs / 1000}&end_time=${periodEndMs / 1000}&limit=30`;
  for (const grouping of ['', '&group_by=line_item', '&group_by=project_id', '&group_by[]=api_key_id&group_by[]=project_id&group_by[]=line_item']) {
    const costs = await call('GET', `/organization/costs?${range}${grouping}`, org.apiKey);
    assert.equal(costs.status, 200, costs.text);
    assert.equal(costs.json.data.length, 4);
    const results = costs.json.data.flatMap((b: any) => b.results);
    assert.ok(results.every((r: any) => r.object === 'organization.costs.result' && r.amount.currency === 'usd'));
    assert.equal(results.reduce((sum: number, r: any) => sum + cents(r.amount.value), 0), ledger, `costs ${grouping || '(ungrouped)'} equal the ledger's usage debits`);
    // Per day, too.
    for (const bucket of costs.json.data) {
      const dayLedger = await ledgerUsageMinor(org.orgId, bucket.start_time * 1000, bucket.end_time * 1000);
      assert.equal(bucket.results.reduce((sum: number, r: any) => sum + cents(r.amount.value), 0), dayLedger);
    }
  }
  const byKey = await call('GET', `/organization/costs?${range}&group_by=api_key_id`, org.apiKey);
  assert.deepEqual(new Set(byKey.json.data.flatMap((b: any) => b.results.map((r: any) => r.api_key_id))), new Set([org.apiKeyId, batchKey.id, null]));

  // The answer's text carries the exact decimal of the integer cents.
  const raw = await call('GET', `/organization/costs?${range}`, org.apiKey);
  for (const bucket of raw.json.data) {
    for (const r of bucket.results) assert.match(JSON.stringify(r.amount.value), /^\d+(\.\d{1,2})?$/);
  }
});

test('amounts: integer cents are sent as their exact decimal digits, never through a float', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (minor) => {
      const expected = toDecimalString(money(minor, 'USD'));
      assert.equal(exactJson({ amount: { value: decimalAmount(minor, 'USD'), currency: 'usd' } }), `{"amount":{"value":${expected},"currency":"usd"}}`);
    }),
    { numRuns: 2_000 },
  );
  // Past a double's 15 exact digits, still exact on the wire.
  assert.equal(exactJson([decimalAmount(7_579_073_051_667_609, 'USD')]), '[75790730516676.09]');
});

test('tenant isolation: another organization’s key and members see none of this organization’s usage, projects or keys', async () => {
  await f.grant(org.orgId, 1_000);
  await ask(org.apiKey, 'private usage');
  const other = await f.newOrg('Other org');
  const otherOwner = await ownerSession(other.orgId, 'other-owner@example.com');
  const usage = await call('GET', `/organization/usage/completions?start_time=${START_S}&group_by=api_key_id`, other.apiKey);
  assert.equal(usage.status, 200);
  assert.ok(usage.json.data.every((b: any) => b.results.length === 0));
  const costs = await call('GET', `/organization/costs?start_time=${START_S}`, other.apiKey);
  assert.ok(costs.json.data.every((b: any) => b.results.length === 0));
  const csv = await call('GET', `/organization/costs/export?start_time=${START_S}`, other.apiKey);
  assert.equal(csv.text.trim().split('\r\n').length, 1, 'only the header');
  const mine = defaultProjectId(org.orgId);
  for (const [method, path, body] of [
    ['GET', `/organization/projects/${mine}`, undefined],
    ['POST', `/organization/projects/${mine}`, { name: 'taken over' }],
    ['GET', `/organization/projects/${mine}/api_keys`, undefined],
    ['POST', `/organization/projects/${mine}/api_keys`, {}],
    ['GET', `/organization/projects/${mine}/api_keys/${org.apiKeyId}`, undefined],
    ['DELETE', `/organization/projects/${mine}/api_keys/${org.apiKeyId}`, undefined],
    ['DELETE', `/organization/projects/${defaultProjectId(other.orgId)}/api_keys/${org.apiKeyId}`, undefined],
  ] as const) {
    // Reads with the other organization's key, changes with its owner's session (a key may not change anything here).
    const answer = await call(method, path, method === 'GET' ? other.apiKey : otherOwner, body);
    assert.equal(answer.status, 404, `${method} ${path}`);
    assert.equal(answer.json.error.code, 'not_found');
  }
  const projects = await call('GET', '/organization/projects', other.apiKey);
  assert.deepEqual(projects.json.data.map((p: any) => p.id), [defaultProjectId(other.orgId)]);
  assert.equal((await ask(org.apiKey, 'still mine')).object, 'chat.completion', 'the key was not revoked');
});

test('keys: created with a name (secret shown once, stored hashed), listed redacted, renamed, revoked → refused at once', async () => {
  await f.grant(org.orgId, 1_000);
  const project = defaultProjectId(org.orgId);
  const created = await newKey(owner, project, 'CI 测试');
  assert.match(created.value, /^sk-cl-[0-9A-Za-z]{48}$/);
  assert.equal(created.redacted_value, `sk-cl-…${created.value.slice(-4)}`);
  const stored = await f.db.all<{ key_hash: string; name: string }>('SELECT key_hash, name FROM billing_api_keys WHERE id = ?', [created.id]);
  assert.equal(stored[0]!.name, 'CI 测试');
  assert.notEqual(stored[0]!.key_hash, created.value);
  const listed = await call('GET', `/organization/projects/${project}/api_keys`, org.apiKey);
  assert.deepEqual(listed.json.data.map((k: any) => [k.id, k.name]), [[org.apiKeyId, 'Secret key'], [created.id, 'CI 测试']]);
  assert.ok(!listed.text.includes(created.value), 'a list never holds a secret');
  const renamed = await call('POST', `/organization/projects/${project}/api_keys/${created.id}`, owner, { name: '  deploy bot ' });
  assert.equal(renamed.json.name, 'deploy bot');

  await ask(created.value, 'works');
  const revoked = await call('DELETE', `/organization/projects/${project}/api_keys/${created.id}`, owner);
  assert.deepEqual(revoked.json, { object: 'organization.project.api_key.deleted', id: created.id, deleted: true });
  await assert.rejects(ask(created.value, 'refused'), (error: unknown) => error instanceof OpenAI.AuthenticationError);
  assert.equal((await call('GET', '/organization/projects', created.value)).status, 401);
  const live = await call('GET', `/organization/projects/${project}/api_keys`, org.apiKey);
  assert.deepEqual(live.json.data.map((k: any) => k.id), [org.apiKeyId]);
  const all = await call('GET', `/organization/projects/${project}/api_keys?include_revoked=true`, org.apiKey);
  assert.equal(all.json.data.find((k: any) => k.id === created.id).revoked_at, Math.floor(f.clock.nowMs() / 1000));

  // Archiving a project revokes its keys; the default project stays.
  const side = await call('POST', '/organization/projects', owner, { name: 'Side' });
  const sideKey = await newKey(owner, side.json.id);
  const archived = await call('POST', `/organization/projects/${side.json.id}/archive`, owner);
  assert.equal(archived.json.status, 'archived');
  await assert.rejects(ask(sideKey.value, 'refused'), (error: unknown) => error instanceof OpenAI.AuthenticationError);
  assert.equal((await call('POST', `/organization/projects/${side.json.id}/api_keys`, owner, {})).status, 400);
  assert.equal((await call('POST', `/organization/projects/${project}/archive`, owner)).status, 400);
});

test('members: any member reads usage and keys with their session; only an owner changes them', async () => {
  const session = async (role: 'owner' | 'member', email: string) =>
    f.db.transaction(async (tx) => {
      const member = await addMember(tx, { ids: f.deps.ids, nowMs: f.clock.nowMs() }, { orgId: org.orgId, email, role });
      return (await createMemberSession(tx, f.deps, member.id, f.clock.nowMs())).token;
    });
  const owner = await session('owner', 'owner@example.com');
  const member = await session('member', 'member@example.com');
  const project = defaultProjectId(org.orgId);
  assert.equal((await call('GET', `/organization/costs?start_time=${START_S}`, member)).status, 200);
  assert.equal((await call('GET', `/organization/projects/${project}/api_keys`, member)).status, 200);
  const refused = await call('POST', `/organization/projects/${project}/api_keys`, member, { name: 'nope' });
  assert.deepEqual([refused.status, refused.json.error.code], [403, 'insufficient_permissions']);
  assert.equal((await call('DELETE', `/organization/projects/${project}/api_keys/${org.apiKeyId}`, member)).status, 403);
  assert.equal((await f.db.all('SELECT id FROM billing_api_keys WHERE org_id = ? AND revoked_at_ms IS NULL', [org.orgId])).length, 1);
  const made = await newKey(owner, project, 'by the owner');
  assert.equal(made.name, 'by the owner');
  assert.equal((await call('GET', '/organization/projects', 'sess-cl-nonsense')).status, 401);
  assert.equal((await call('GET', '/organization/projects', '')).status, 401);
});

test('bad input is refused with a clear 400 and changes nothing', async () => {
  const before = await f.db.all('SELECT * FROM billing_api_keys ORDER BY id');
  const projectsBefore = await f.db.all('SELECT * FROM billing_projects ORDER BY id');
  const project = defaultProjectId(org.orgId);
  const cases: [string, string, unknown, string | null][] = [
    ['GET', '/organization/usage/completions', undefined, 'start_time'],
    ['GET', '/organization/usage/completions?start_time=abc', undefined, 'start_time'],
    ['GET', `/organization/usage/completions?start_time=${START_S}&end_time=${START_S}`, undefined, 'end_time'],
    ['GET', `/organization/usage/completions?start_time=${START_S}&bucket_width=2d`, undefined, 'bucket_width'],
    ['GET', `/organization/usage/completions?start_time=${START_S}&limit=32`, undefined, 'limit'],
    ['GET', `/organization/usage/completions?start_time=${START_S}&bucket_width=1m&limit=1441`, undefined, 'limit'],
    ['GET', `/organization/usage/completions?start_time=${START_S}&group_by=user_name`, undefined, 'group_by'],
    ['GET', `/organization/usage/completions?start_time=${START_S}&page=page_bm9wZQ`, undefined, 'page'],
    ['GET', `/organization/usage/completions?start_time=${START_S}&surprise=1`, undefined, 'surprise'],
    ['GET', `/organization/costs?start_time=${START_S}&bucket_width=1h`, undefined, 'bucket_width'],
    ['GET', `/organization/costs?start_time=${START_S}&group_by=model`, undefined, 'group_by'],
    ['GET', `/organization/costs?start_time=${START_S}&limit=181`, undefined, 'limit'],
    ['GET', `/organization/costs/export?start_time=${START_S}&time_zone=Mars/Olympus`, undefined, 'time_zone'],
    ['GET', `/organization/costs/export?start_time=${START_S - 200 * DAY_S}`, undefined, 'end_time'],
    ['POST', '/organization/projects', { name: '   ' }, 'name'],
    ['POST', '/organization/projects', { name: 'x'.repeat(101) }, 'name'],
    ['POST', `/organization/projects/${project}/api_keys`, { name: 'tab\there' }, 'name'],
    ['POST', `/organization/projects/${project}/api_keys/${org.apiKeyId}`, { name: '' }, null],
    ['POST', `/organization/projects/${project}/api_keys`, { name: 'ok', extra: true }, null],
  ];
  for (const [method, path, body, param] of cases) {
    const answer = await call(method, path, method === 'GET' ? org.apiKey : owner, body);
    assert.equal(answer.status, 400, `${method} ${path}: ${answer.text}`);
    assert.equal(answer.json.error.type, 'invalid_request_error');
    if (param !== null) assert.equal(answer.json.error.param, param, path);
  }
  assert.deepEqual(await f.db.all('SELECT * FROM billing_api_keys ORDER BY id'), before, 'no key changed (not even its last use)');
  assert.deepEqual(await f.db.all('SELECT * FROM billing_projects ORDER BY id'), projectsBefore);
});

test('the CSV export: UTF-8 with a BOM, RFC 4180 quoting, no formulas, times in the reader’s zone, amounts matching the costs API', async () => {
  await f.grant(org.orgId, 10_000);
  const project = await call('POST', '/organization/projects', owner, { name: '客服, "support"' });
  const key = await newKey(owner, project.json.id, '=HYPERLINK("x")');
  await ask(key.value, 'from the support key');
  await ask(org.apiKey, 'from the first key');
  const range = `start_time=${START_S}&end_time=${START_S + DAY_S}`;
  const csv = await call('GET', `/organization/costs/export?${range}&time_zone=Asia/Shanghai`, org.apiKey);
  assert.equal(csv.status, 200);
  assert.equal(csv.headers.get('content-type'), 'text/csv; charset=utf-8');
  assert.match(csv.headers.get('content-disposition') ?? '', /^attachment; filename="cardlane-costs-\d+-\d+\.csv"$/);
  const bytes = new Uint8Array(await (await fetch(`${url}/merchant/v1/organization/costs/export?${range}`, { headers: { authorization: `Bearer ${org.apiKey}` } })).arrayBuffer());
  assert.deepEqual([...bytes.slice(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 byte-order mark');
  const lines = csv.text.replace(/^\uFEFF/, '').split('\r\n');
  assert.equal(lines[0], 'start_time,end_time,project_id,project_name,api_key_id,api_key_name,model,num_model_requests,input_tokens,output_tokens,amount,currency');
  assert.equal(lines.at(-1), '');
  const support = lines.find((l) => l.includes(key.id))!;
  assert.ok(support.startsWith('2026-11-25T20:00:00+08:00,2026-11-26T20:00:00+08:00,'), support);
  assert.ok(support.includes(',"客服, ""support""",'), support);
  assert.ok(support.includes(`,"'=HYPERLINK(""x"")",`), 'a formula-like name is defused');
  const costs = await call('GET', `/organization/costs?${range}`, org.apiKey);
  const total = lines.slice(1, -1).reduce((sum, l) => sum + Number(l.split(',').at(-2)!.replace('.', '')), 0);
  assert.equal(total, cents(costs.json.data[0].results[0].amount.value));
});

test('CSV helpers: offsets across zones, and amounts as exact decimals', () => {
  assert.equal(isoInZone(Date.UTC(2026, 11, 6, 16, 0, 0), 'Asia/Shanghai'), '2026-12-07T00:00:00+08:00');
  assert.equal(isoInZone(Date.UTC(2026, 11, 6, 16, 0, 0), 'UTC'), '2026-12-06T16:00:00+00:00');
  assert.equal(isoInZone(Date.UTC(2026, 6, 1, 12, 0, 0), 'America/New_York'), '2026-07-01T08:00:00-04:00');
  const text = costsCsv(
    [{ bucketStartS: 0, model: 'm', apiKeyId: null, projectId: null, currency: 'USD', requests: 1, inputTokens: 2, outputTokens: 3, amountMinor: 900_719_925_474_099 }],
    DAY_S,
    DAY_S,
    'UTC',
    { projects: new Map(), apiKeys: new Map() },
  );
  assert.ok(text.includes(',9007199254740.99,USD\r\n'));
});
