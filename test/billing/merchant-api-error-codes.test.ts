import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { merchantApiRoutes } from '../../src/billing/merchant-api-routes.ts';
import { createMemberSession } from '../../src/billing/members/member-sessions.ts';
import { addMember } from '../../src/billing/members/members.ts';
import { listOrganizationApiKeys, revokeOrganizationApiKey } from '../../src/billing/organizations.ts';
import { ECHO_MODEL } from '../../src/billing/price-book.ts';
import { organizationApiRoutes } from '../../src/billing/usage/organization-routes.ts';
import { defaultProjectId } from '../../src/billing/usage/projects.ts';
import { createHttpServer } from '../../src/platform/http/server.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { billingFixture, type BillingFixture } from './billing-fixture.ts';

// `/merchant/v1` (the OpenAI-compatible API and its organization API): every refusal of a request has a stable
// snake_case code, the quota refusal points to this deployment's billing page, and a refused key is shown as key lists show it.
let f: BillingFixture;
let app: FastifyInstance;
let url: string;
let org: { orgId: string; apiKey: string; apiKeyId: string };
/** An owner's session: changes on the organization API need one (an API key only reads there). */
let owner: string;

beforeEach(async () => {
  f = await billingFixture();
  app = await createHttpServer({
    db: f.db,
    logger: createLogger({ level: 'silent' }),
    version: 'test',
    routes: [
      { plugin: merchantApiRoutes(f.db, f.deps), prefix: '/merchant/v1' },
      { plugin: organizationApiRoutes(f.db, f.deps), prefix: '/merchant/v1/organization' },
    ],
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  org = await f.newOrg('Codes customer');
  owner = await f.db.transaction(async (tx) => {
    const member = await addMember(tx, { ids: f.deps.ids, nowMs: f.clock.nowMs() }, { orgId: org.orgId, email: 'owner@example.com', role: 'owner' });
    return (await createMemberSession(tx, f.deps, member.id, f.clock.nowMs())).token;
  });
});
afterEach(async () => {
  await f.assertAudit();
  await app.close();
  await f.cleanup();
});

interface ErrorJson {
  error: { message: string; type: string; param: string | null; code: string | null };
}

async function call(method: string, path: string, body?: string, token = org.apiKey): Promise<{ status: number; json: ErrorJson & Record<string, any> }> {
  const response = await fetch(`${url}/merchant/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body }),
  });
  return { status: response.status, json: (await response.json()) as ErrorJson };
}

const SNAKE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

test('every 4xx of the merchant API and its organization API has a stable snake_case code, never null', async () => {
  await f.grant(org.orgId, 100);
  const chat = (body: string) => ['POST', '/chat/completions', body] as const;
  const cases: ReadonlyArray<readonly [string, string, string | undefined, string]> = [
    [...chat('{"model":"cardlane-echo-1","messages":[]}'), 'empty_array'],
    [...chat('{"model":"cardlane-echo-1"}'), 'missing_required_parameter'],
    [...chat('{"messages":[{"role":"user","content":"x"}]}'), 'missing_required_parameter'],
    [...chat('{"model":"cardlane-echo-1","messages":[{"role":"robot","content":"x"}]}'), 'invalid_value'],
    [...chat('{"model":"cardlane-echo-1","messages":[{"role":"user","content":5}]}'), 'invalid_type'],
    [...chat('{"model":"cardlane-echo-1","stream":"yes","messages":[{"role":"user","content":"x"}]}'), 'invalid_type'],
    [...chat('{"model":"cardlane-echo-1","stream_options":{"include_usage":true},"messages":[{"role":"user","content":"x"}]}'), 'invalid_value'],
    [...chat('{"model":"cardlane-echo-1","max_tokens":0,"messages":[{"role":"user","content":"x"}]}'), 'integer_below_min_value'],
    [...chat('[1]'), 'invalid_type'],
    [...chat('{not json'), 'body_invalid'],
    ['GET', '/organization/usage/completions', undefined, 'missing_required_parameter'],
    ['GET', '/organization/usage/completions?start_time=10&colour=red', undefined, 'unknown_parameter'],
    ['GET', '/organization/usage/completions?start_time=soon', undefined, 'invalid_type'],
    ['GET', '/organization/costs?start_time=100&end_time=50', undefined, 'invalid_value'],
    ['GET', '/organization/costs?start_time=100&page=zzz', undefined, 'invalid_cursor'],
    ['GET', '/organization/costs/export?start_time=100&time_zone=Mars/Base', undefined, 'invalid_value'],
    ['GET', '/organization/costs/export?start_time=0&end_time=99999999', undefined, 'period_too_long'],
    ['POST', `/organization/projects/${defaultProjectId(org.orgId)}/archive`, undefined, 'default_project'],
    ['POST', '/organization/projects', '{"name":"   "}', 'invalid_name'],
    ['POST', '/organization/projects', '{"title":"x"}', 'parameter_unknown'],
    ['POST', '/organization/projects', '{not json', 'body_invalid'],
  ];
  for (const [method, path, body, code] of cases) {
    const { status, json } = await call(method, path, body, path.startsWith('/organization') && method !== 'GET' ? owner : org.apiKey);
    const what = `${method} ${path} ${body ?? ''}: ${JSON.stringify(json)}`;
    assert.equal(status, 400, what);
    assert.equal(json.error.type, 'invalid_request_error', what);
    assert.equal(json.error.code, code, what);
    assert.match(json.error.code!, SNAKE, what);
  }

  // An archived project: changing it and adding keys to it are refused with their own code.
  const side = await call('POST', '/organization/projects', '{"name":"Side"}', owner);
  assert.equal((await call('POST', `/organization/projects/${side.json.id}/archive`, undefined, owner)).status, 200);
  for (const [path, body] of [[`/organization/projects/${side.json.id}`, '{"name":"Again"}'], [`/organization/projects/${side.json.id}/api_keys`, '{}']] as const) {
    const { status, json } = await call('POST', path, body, owner);
    assert.deepEqual([status, json.error.code], [400, 'project_archived'], path);
  }

  // A change with a plain API key: its own 403 code.
  const byKey = await call('POST', '/organization/projects', '{"name":"By a key"}');
  assert.deepEqual([byKey.status, byKey.json.error.code], [403, 'session_required']);
});

test('an empty balance is refused with OpenAI\'s first sentence and this deployment\'s billing page, not OpenAI\'s docs', async () => {
  const { status, json } = await call('POST', '/chat/completions', JSON.stringify({ model: ECHO_MODEL, messages: [{ role: 'user', content: 'hi' }] }));
  assert.equal(status, 429);
  assert.equal(json.error.code, 'insufficient_quota');
  assert.ok(json.error.message.startsWith('You exceeded your current quota, please check your plan and billing details.'), json.error.message);
  assert.ok(json.error.message.includes(`${url}/billing`), json.error.message);
  assert.doesNotMatch(json.error.message, /platform\.openai\.com/);
});

test('a revoked key is shown in the 401 as key lists show it (sk-cl-…last4)', async () => {
  const [key] = await listOrganizationApiKeys(f.db, org.orgId);
  const listed = await call('GET', `/organization/projects/${defaultProjectId(org.orgId)}/api_keys?include_revoked=true`);
  const redacted = listed.json.data.find((k: { id: string }) => k.id === key!.id).redacted_value as string;
  assert.equal(redacted, `sk-cl-…${org.apiKey.slice(-4)}`);
  assert.equal(await revokeOrganizationApiKey(f.db, f.clock.nowMs(), org.orgId, key!.id), 'revoked');
  for (const path of ['/models', '/organization/projects']) {
    const { status, json } = await call('GET', path);
    assert.equal(status, 401);
    assert.equal(json.error.code, 'invalid_api_key');
    assert.ok(json.error.message.includes(`Incorrect API key provided: ${redacted}.`), json.error.message);
    assert.ok(!json.error.message.includes(org.apiKey), 'the key itself is never echoed');
  }
});
