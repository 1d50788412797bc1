import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import OpenAI from 'openai';
import { creditBalance } from '../../src/billing/billing-ledger.ts';
import { countTokens } from '../../src/billing/echo-model.ts';
import { merchantApiRoutes } from '../../src/billing/merchant-api-routes.ts';
import { readUsage } from '../../src/billing/metering.ts';
import { listOrganizationApiKeys, revokeOrganizationApiKey } from '../../src/billing/organizations.ts';
import { DEFAULT_PRICE_BOOK, ECHO_MODEL, priceUsage } from '../../src/billing/price-book.ts';
import { createHttpServer } from '../../src/platform/http/server.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { billingFixture, type BillingFixture } from './billing-fixture.ts';

let f: BillingFixture;
let app: FastifyInstance;
let url: string;
let org: { orgId: string; apiKey: string };
let openai: OpenAI;

beforeEach(async () => {
  f = await billingFixture();
  app = await createHttpServer({
    db: f.db,
    logger: createLogger({ level: 'silent' }),
    version: 'test',
    routes: [{ plugin: merchantApiRoutes(f.db, f.deps), prefix: '/merchant/v1' }],
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  org = await f.newOrg('SDK customer');
  openai = new OpenAI({ apiKey: org.apiKey, baseURL: `${url}/merchant/v1`, maxRetries: 0 });
});
afterEach(async () => {
  await f.assertAudit();
  await app.close();
  await f.cleanup();
});

const balance = async () => (await creditBalance(f.db, org.orgId))!.available_minor;

test('a completion answers in OpenAI’s shape and spends exactly its priced credits', async () => {
  await f.grant(org.orgId, 500);
  const prompt = 'Summarise the prepaid billing article in one line, please.';
  const completion = await openai.chat.completions.create({
    model: ECHO_MODEL,
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: prompt },
    ],
  });
  assert.match(completion.id, /^chatcmpl-/);
  assert.equal(completion.object, 'chat.completion');
  assert.equal(completion.model, ECHO_MODEL);
  assert.equal(typeof completion.created, 'number');
  const reply = `You said: ${prompt}`;
  assert.deepEqual(completion.choices.map((c) => [c.message.role, c.message.content, c.finish_reason]), [['assistant', reply, 'stop']]);
  const promptTokens = countTokens('You are terse.') + countTokens(prompt);
  assert.deepEqual(completion.usage, { prompt_tokens: promptTokens, completion_tokens: countTokens(reply), total_tokens: promptTokens + countTokens(reply) });
  const price = priceUsage(DEFAULT_PRICE_BOOK, { model: ECHO_MODEL, inputTokens: promptTokens, outputTokens: countTokens(reply) })!;
  assert.equal(await balance(), 500 - price.amount_minor);
  const usage = await readUsage(f.db, org.orgId, completion.id);
  assert.equal(usage?.amountMinor, price.amount_minor, 'the completion id is the usage-event id');
});

test('max_tokens cuts the reply (finish_reason length) and text parts are read', async () => {
  await f.grant(org.orgId, 100);
  const completion = await openai.chat.completions.create({
    model: ECHO_MODEL,
    max_tokens: 2,
    messages: [{ role: 'user', content: [{ type: 'text', text: 'hello there' }] }],
  });
  assert.equal(completion.choices[0]!.message.content, 'You said');
  assert.equal(completion.choices[0]!.finish_reason, 'length');
  assert.equal(completion.usage?.completion_tokens, 2);
});

test('once credits run out the SDK raises RateLimitError with insufficient_quota, and nothing is overspent', async () => {
  await f.grant(org.orgId, 2); // each of these small completions costs 1¢
  const ask = () => openai.chat.completions.create({ model: ECHO_MODEL, messages: [{ role: 'user', content: 'hi' }] });
  await ask();
  await ask();
  assert.equal(await balance(), 0);
  await assert.rejects(ask(), (error: unknown) => {
    assert.ok(error instanceof OpenAI.RateLimitError, `expected RateLimitError, got ${String(error)}`);
    assert.equal(error.status, 429);
    assert.equal(error.code, 'insufficient_quota');
    assert.equal(error.type, 'insufficient_quota');
    assert.equal(error.param, null);
    assert.match(error.message, /You exceeded your current quota, please check your plan and billing details/);
    return true;
  });
  assert.equal(await balance(), 0);
  const rows = await f.db.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM billing_usage_events WHERE org_id = ?', [org.orgId]);
  assert.equal(Number(rows!.n), 2);
});

test('concurrent SDK requests never take the balance below zero', async () => {
  await f.grant(org.orgId, 5);
  const results = await Promise.allSettled(
    Array.from({ length: 20 }, () => openai.chat.completions.create({ model: ECHO_MODEL, messages: [{ role: 'user', content: 'hi' }] })),
  );
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 5);
  for (const r of results) {
    if (r.status === 'rejected') assert.ok(r.reason instanceof OpenAI.RateLimitError && r.reason.code === 'insufficient_quota', String(r.reason));
  }
  assert.equal(await balance(), 0);
});

test('a bad or revoked key raises AuthenticationError (401 invalid_api_key)', async () => {
  for (const apiKey of ['sk-cl-wrong', `sk-cl-${'A'.repeat(48)}`]) {
    const bad = new OpenAI({ apiKey, baseURL: `${url}/merchant/v1`, maxRetries: 0 });
    await assert.rejects(bad.models.list(), (error: unknown) => {
      assert.ok(error instanceof OpenAI.AuthenticationError, String(error));
      assert.equal(error.code, 'invalid_api_key');
      assert.ok(!error.message.includes(apiKey), 'the key is not echoed');
      return true;
    });
  }
  const [key] = await listOrganizationApiKeys(f.db, org.orgId);
  await openai.models.list();
  assert.equal(await revokeOrganizationApiKey(f.db, f.clock.nowMs(), org.orgId, key!.id), 'revoked');
  await assert.rejects(openai.models.list(), OpenAI.AuthenticationError);
  const response = await fetch(`${url}/merchant/v1/models`);
  assert.equal(response.status, 401);
  assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'invalid_api_key');
});

test('unknown models are 404 model_not_found, bad bodies 400 (streaming: merchant-streaming.test.ts)', async () => {
  await f.grant(org.orgId, 100);
  await assert.rejects(openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }), (error: unknown) => {
    assert.ok(error instanceof OpenAI.NotFoundError, String(error));
    assert.equal(error.code, 'model_not_found');
    return true;
  });
  await assert.rejects(openai.models.retrieve('gpt-4o'), OpenAI.NotFoundError);
  for (const body of ['{"model":"cardlane-echo-1","messages":[]}', '{"model":"cardlane-echo-1","messages":[{"role":"robot","content":"x"}]}', '{not json', '[1]', '{"model":"cardlane-echo-1","stream":"yes","messages":[{"role":"user","content":"x"}]}', '{"model":"cardlane-echo-1","stream_options":{"include_usage":true},"messages":[{"role":"user","content":"x"}]}']) {
    const response = await fetch(`${url}/merchant/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${org.apiKey}`, 'content-type': 'application/json' },
      body,
    });
    assert.equal(response.status, 400, body);
    const json = (await response.json()) as { error: { message: string; type: string; param: unknown; code: unknown } };
    assert.deepEqual(Object.keys(json.error).sort(), ['code', 'message', 'param', 'type'], body);
    assert.equal(json.error.type, 'invalid_request_error');
  }
  assert.equal(await creditBalance(f.db, org.orgId).then((b) => b!.available_minor), 100, 'refused requests cost nothing');
});

test('a NUL character anywhere (body, model id, query) is a 400 in OpenAI’s shape naming the parameter, never a 500, and costs nothing', async () => {
  await f.grant(org.orgId, 100);
  const requests: Array<[string, string, string | undefined, string]> = [
    ['POST', '/chat/completions', '{"model":"cardlane-echo-1","messages":[{"role":"user","content":"a\\u0000b"}]}', 'messages[0][content]'],
    ['GET', '/models/%00', undefined, 'model'],
    ['GET', '/models?x=%00', undefined, 'x'],
  ];
  for (const [method, path, body, param] of requests) {
    const response = await fetch(`${url}/merchant/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${org.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body }),
    });
    const json = (await response.json()) as { error: { type: string; param: unknown; code: unknown } };
    assert.equal(response.status, 400, `${method} ${path}: ${JSON.stringify(json)}`);
    assert.equal(json.error.type, 'invalid_request_error');
    assert.equal(json.error.param, param);
    assert.equal(json.error.code, 'parameter_invalid');
  }
  assert.equal(await balance(), 100, 'refused requests cost nothing');
});

test('models list and the credits extension', async () => {
  const models = await openai.models.list();
  assert.deepEqual(
    models.data.map((m) => [m.id, m.object, m.owned_by]),
    [[ECHO_MODEL, 'model', 'cardlane']],
  );
  assert.equal((await openai.models.retrieve(ECHO_MODEL)).id, ECHO_MODEL);
  await f.grant(org.orgId, 1_234);
  const credits = await openai.get('/organization/credits');
  assert.deepEqual(credits, { object: 'credit_balance', organization_id: org.orgId, currency: 'usd', available_minor: 1_234 });
  const unknown = await fetch(`${url}/merchant/v1/nothing-here`, { headers: { authorization: `Bearer ${org.apiKey}` } });
  assert.equal(unknown.status, 404);
  assert.equal(((await unknown.json()) as { error: { code: string } }).error.code, 'unknown_url');
});
