import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import OpenAI from 'openai';
import { creditBalance } from '../../src/billing/billing-ledger.ts';
import { countTokens } from '../../src/billing/echo-model.ts';
import { merchantApiRoutes, type MerchantApiHooks } from '../../src/billing/merchant-api-routes.ts';
import { readUsage } from '../../src/billing/metering.ts';
import { DEFAULT_PRICE_BOOK, ECHO_MODEL, priceBook, priceUsage, type PriceBook } from '../../src/billing/price-book.ts';
import { createHttpServer } from '../../src/platform/http/server.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { billingFixture, type BillingFixture } from './billing-fixture.ts';

/**
 * Streaming through the official `openai` SDK, metered with a hold: the
 * whole reply's price is reserved before the first byte, and what was
 * written (prompt + reply tokens sent) is charged once when the stream ends,
 * however it ends.
 */

let f: BillingFixture;
let org: { orgId: string; apiKey: string };
const apps: FastifyInstance[] = [];
// Completion id → settled, for the streams' charges (they settle after the last byte).
let settled: Map<string, 'recorded' | 'failed'>;
let waiters: Array<() => void>;

beforeEach(async () => {
  f = await billingFixture();
  org = await f.newOrg('Streaming customer');
  settled = new Map();
  waiters = [];
});
afterEach(async () => {
  await f.assertAudit();
  for (const app of apps.splice(0)) await app.close();
  await f.cleanup();
});

async function client(options: { book?: PriceBook; delayMs?: number } = {}): Promise<OpenAI> {
  const hooks: MerchantApiHooks = {
    streamChunkDelayMs: options.delayMs ?? 0,
    afterStream(id, outcome) {
      settled.set(id, outcome);
      for (const wake of waiters.splice(0)) wake();
    },
  };
  const deps = options.book === undefined ? f.deps : { ...f.deps, priceBook: options.book };
  const app = await createHttpServer({
    db: f.db,
    logger: createLogger({ level: 'silent' }),
    version: 'test',
    routes: [{ plugin: merchantApiRoutes(f.db, deps, hooks), prefix: '/merchant/v1' }],
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  apps.push(app);
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  return new OpenAI({ apiKey: org.apiKey, baseURL: `${url}/merchant/v1`, maxRetries: 0 });
}

async function waitSettled(count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (settled.size < count) {
    if (Date.now() > deadline) throw new Error(`only ${settled.size} of ${count} streams settled`);
    await new Promise<void>((resolve) => {
      waiters.push(resolve);
      setTimeout(resolve, 50);
    });
  }
}

const balance = async () => (await creditBalance(f.db, org.orgId))!.available_minor;
const usageCount = async () => Number((await f.db.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM billing_usage_events WHERE org_id = ?', [org.orgId]))!.n);
// One cent per reply token, prompts free: every token streamed shows in the balance.
const CENT_PER_OUTPUT_TOKEN = priceBook([{ model: ECHO_MODEL, currency: 'USD', input_microusd_per_1m_tokens: 0, output_microusd_per_1m_tokens: 10_000 * 1_000_000 }]);

test('a stream assembles to the non-streaming content, ends with a usage chunk, and is debited once', async () => {
  const openai = await client();
  await f.grant(org.orgId, 500);
  const messages = [
    { role: 'system' as const, content: 'You are terse.' },
    { role: 'user' as const, content: 'Summarise the prepaid billing article in one line, please.' },
  ];
  const plain = await openai.chat.completions.create({ model: ECHO_MODEL, messages });
  const afterPlain = await balance();
  assert.equal(afterPlain, 500 - (await readUsage(f.db, org.orgId, plain.id))!.amountMinor);

  const stream = await openai.chat.completions.create({ model: ECHO_MODEL, messages, stream: true, stream_options: { include_usage: true } });
  const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  assert.ok(chunks.length > 3);
  const ids = new Set(chunks.map((c) => c.id));
  assert.equal(ids.size, 1);
  const [id] = [...ids];
  assert.match(id!, /^chatcmpl-/);
  for (const c of chunks) {
    assert.equal(c.object, 'chat.completion.chunk');
    assert.equal(c.model, ECHO_MODEL);
    assert.equal(typeof c.created, 'number');
  }
  const withChoices = chunks.filter((c) => c.choices.length > 0);
  assert.equal(withChoices[0]!.choices[0]!.delta.role, 'assistant');
  const content = withChoices.map((c) => c.choices[0]!.delta.content ?? '').join('');
  assert.equal(content, plain.choices[0]!.message.content);
  assert.deepEqual(
    withChoices.map((c) => c.choices[0]!.finish_reason).filter((r) => r !== null),
    ['stop'],
  );
  for (const c of withChoices) assert.equal(c.usage, null, 'usage is null on every chunk but the last');
  const last = chunks.at(-1)!;
  assert.deepEqual(last.choices, []);
  assert.deepEqual(last.usage, plain.usage);

  await waitSettled(1);
  assert.equal(settled.get(id!), 'recorded');
  const usage = await readUsage(f.db, org.orgId, id!);
  assert.deepEqual([usage?.inputTokens, usage?.outputTokens], [plain.usage!.prompt_tokens, plain.usage!.completion_tokens]);
  assert.equal(await balance(), afterPlain - usage!.amountMinor, 'debited exactly once, the same as the non-streaming request');
  assert.equal(await usageCount(), 2);
  const credits = await lookupPending();
  assert.equal(credits, 0, 'no hold is left');
});

test('without include_usage there is no usage chunk, and finish_reason length under max_tokens', async () => {
  const openai = await client();
  await f.grant(org.orgId, 100);
  const stream = await openai.chat.completions.create({ model: ECHO_MODEL, max_tokens: 2, stream: true, messages: [{ role: 'user', content: 'hello there' }] });
  const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  assert.ok(chunks.every((c) => c.choices.length === 1 && c.usage === undefined));
  assert.equal(chunks.map((c) => c.choices[0]!.delta.content ?? '').join(''), 'You said');
  assert.equal(chunks.at(-1)!.choices[0]!.finish_reason, 'length');
  await waitSettled(1);
  assert.equal(await balance(), 99);
});

test('a client that disconnects midway is charged for the tokens it was sent, and the rest of the hold is released', async () => {
  const openai = await client({ book: CENT_PER_OUTPUT_TOKEN, delayMs: 15 });
  await f.grant(org.orgId, 1_000);
  const prompt = 'x'.repeat(400);
  const fullTokens = countTokens(`You said: ${prompt}`); // 103 tokens: $1.03 if streamed to the end
  const stream = await openai.chat.completions.create({ model: ECHO_MODEL, stream: true, messages: [{ role: 'user', content: prompt }] });
  let received = '';
  let id = '';
  for await (const chunk of stream) {
    id = chunk.id;
    received += chunk.choices[0]?.delta.content ?? '';
    if (countTokens(received) >= 5) break; // leaving the loop aborts the request
  }
  await waitSettled(1);
  assert.equal(settled.get(id), 'recorded');
  const usage = (await readUsage(f.db, org.orgId, id))!;
  assert.ok(usage.outputTokens >= 5 && usage.outputTokens < fullTokens, `charged ${usage.outputTokens} of ${fullTokens} tokens`);
  assert.equal(usage.amountMinor, usage.outputTokens, 'one cent per token written');
  assert.equal(await balance(), 1_000 - usage.outputTokens);
  assert.equal(await lookupPending(), 0, 'what was not sent is released');
});

test('a stream the credits cannot cover is refused before it starts with 429 insufficient_quota', async () => {
  const openai = await client({ book: CENT_PER_OUTPUT_TOKEN });
  const ask = () => openai.chat.completions.create({ model: ECHO_MODEL, stream: true, messages: [{ role: 'user', content: 'hello there' }] }); // 'You said: hello there' is 6 tokens: 6¢
  const refused = (error: unknown) => {
    assert.ok(error instanceof OpenAI.RateLimitError, `expected RateLimitError, got ${String(error)}`);
    assert.equal(error.status, 429);
    assert.equal(error.code, 'insufficient_quota');
    assert.equal(error.type, 'insufficient_quota');
    return true;
  };
  await assert.rejects(ask(), refused); // no credits at all
  await f.grant(org.orgId, 5);
  await assert.rejects(ask(), refused); // less than the whole reply costs
  assert.equal(await balance(), 5);
  assert.equal(await usageCount(), 0);
  await f.grant(org.orgId, 1);
  for await (const _ of await ask());
  await waitSettled(1);
  assert.equal(await balance(), 0);
});

test('20 concurrent streams on a nearly empty balance: the holds admit what the credits cover, never below zero', async () => {
  const openai = await client({ book: CENT_PER_OUTPUT_TOKEN, delayMs: 2 });
  await f.grant(org.orgId, 20); // each stream costs 6¢: three fit, with 2¢ left
  const results = await Promise.allSettled(
    Array.from({ length: 20 }, async () => {
      const stream = await openai.chat.completions.create({ model: ECHO_MODEL, stream: true, messages: [{ role: 'user', content: 'hello there' }] });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      return text;
    }),
  );
  const ok = results.filter((r) => r.status === 'fulfilled');
  assert.equal(ok.length, 3);
  for (const r of ok) assert.equal(r.value, 'You said: hello there');
  for (const r of results) {
    if (r.status === 'rejected') assert.ok(r.reason instanceof OpenAI.RateLimitError && r.reason.code === 'insufficient_quota', String(r.reason));
  }
  await waitSettled(3);
  assert.equal(await balance(), 2);
  assert.equal(await usageCount(), 3);
  assert.equal(await lookupPending(), 0);
});

test('the default price book charges a stream what it charges the same completion', async () => {
  const openai = await client();
  await f.grant(org.orgId, 10);
  const stream = await openai.chat.completions.create({ model: ECHO_MODEL, stream: true, messages: [{ role: 'user', content: 'hi' }] });
  for await (const _ of stream);
  await waitSettled(1);
  const price = priceUsage(DEFAULT_PRICE_BOOK, { model: ECHO_MODEL, inputTokens: countTokens('hi'), outputTokens: countTokens('You said: hi') })!;
  assert.equal(await balance(), 10 - price.amount_minor);
});

async function lookupPending(): Promise<number> {
  const { lookupAccounts } = await import('../../src/ledger/index.ts');
  const { orgCreditsAccount } = await import('../../src/billing/billing-ledger.ts');
  const [account] = await lookupAccounts(f.db, [orgCreditsAccount(org.orgId)]);
  return account!.debits_pending;
}
