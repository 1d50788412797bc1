import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import OpenAI from 'openai';
import type { ChatClient } from '../../src/demo/story/story-chat.ts';
import { StoryClock } from '../../src/demo/story/story-clock.ts';
import type { StepFacts, StepId, StoryStep } from '../../src/demo/story/story-facts.ts';
import { runStory } from '../../src/demo/story/story.ts';
import { openDatabase } from '../../src/platform/db/open.ts';
import { PostgresDatabase } from '../../src/platform/db/postgres.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { startCardlane } from '../../src/app/start.ts';
import { newTestLocation } from '../support/databases.ts';

// The story run in this process, with the customer spending its credits
// through the official openai SDK (the CLI uses fetch: the SDK is a
// development dependency).

const dataDir = mkdtempSync(join(tmpdir(), 'cardlane-demo-story-'));
const location = newTestLocation();

after(async () => {
  const db = openDatabase(location.url);
  if (db instanceof PostgresDatabase) await db.dropSchema();
  await db.close();
  location.remove();
  rmSync(dataDir, { recursive: true, force: true });
});

function openAiChat(baseUrl: string, apiKey: string): ChatClient {
  const openai = new OpenAI({ apiKey, baseURL: `${baseUrl}/merchant/v1`, maxRetries: 0 });
  return {
    async complete(request) {
      try {
        const completion = await openai.chat.completions.create({ model: request.model, messages: [{ role: 'user', content: request.content }], max_tokens: request.maxTokens });
        return { ok: true, promptTokens: completion.usage!.prompt_tokens, completionTokens: completion.usage!.completion_tokens };
      } catch (error) {
        if (!(error instanceof OpenAI.APIError)) throw error;
        return { ok: false, status: error.status ?? 0, code: error.code ?? null, message: error.message };
      }
    },
  };
}

test('the seed’s story runs to the end in-process, the customer spending through the openai SDK', { timeout: 180_000 }, async () => {
  const clock = new StoryClock();
  const cardlane = await startCardlane({ flags: { port: '0', database: location.url, dataDir }, env: {}, clock, logger: createLogger({ level: 'silent' }) });
  const started: string[] = [];
  const progress: string[] = [];
  let result;
  try {
    result = await runStory({
      cardlane,
      clock,
      lang: 'en',
      chatClient: openAiChat,
      onStepStart: (number, title) => started.push(`${number} ${title}`),
      onProgress: (line) => progress.push(line),
    });
  } finally {
    await cardlane.close();
  }
  assert.equal(result.error, null, JSON.stringify(result.error));
  assert.equal(result.ok, true);
  assert.equal(started.length, 16);
  const facts = <Id extends StepId>(id: Id): StepFacts[Id] => (result.steps.find((s): s is StoryStep<Id> => s.step === id) as StoryStep<Id>).facts;

  assert.equal(facts('card_added').verification.hold, 500);
  assert.equal(facts('card_added').verification.issuer_status, 'reversed');
  const declined = facts('purchase_declined');
  assert.deepEqual([declined.http_status, declined.code, declined.decline_code, declined.on_card_statement], [402, 'card_declined', 'card_not_supported', false]);
  assert.equal(declined.doctor.seed_cause, 'card_type');
  assert.equal(declined.doctor.seed_remedy.recommended, true);
  assert.equal(declined.doctor.seed_remedy.keep_on_card, 1500);
  assert.equal(facts('recharge_succeeded').status, 'succeeded');
  assert.equal(facts('recharge_succeeded').initiator, 'merchant');

  const spending = facts('spending');
  assert.equal(spending.refused_with, 'insufficient_quota', 'the openai SDK saw the refusal as OpenAI words it');
  assert.equal(spending.refused_status, 429);
  assert.equal(spending.spent, 1000);
  assert.equal(spending.recharge?.network_decline_code, '51');
  assert.equal(progress.filter((line) => /request \d+: [\d,]+ \+ [\d,]+ tokens/.test(line)).length, spending.succeeded);
  assert.equal(facts('recharge_declined_explained').cardholder_doctor.issuer_checks?.available, 500);
  assert.equal(facts('reconciled').agree, true);
  assert.equal(facts('audit').ok, true);
});

test('without the seed’s rule the story stops at its first step and says why', { timeout: 60_000 }, async () => {
  const clock = new StoryClock();
  const cardlane = await startCardlane({ flags: { port: '0', database: location.url, dataDir }, env: {}, clock, logger: createLogger({ level: 'silent' }) });
  let result;
  try {
    const stripe = async (method: string, path: string, form?: Record<string, string>) => {
      const response = await fetch(`${cardlane.url}/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${cardlane.demoMerchant.secret_key}`, ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
        ...(form ? { body: new URLSearchParams(form).toString() } : {}),
      });
      assert.equal(response.status, 200);
      return (await response.json()) as { data: Array<{ id: string; condition: { kind: string } }> };
    };
    for (const rule of (await stripe('GET', '/risk_rules')).data.filter((r) => r.condition.kind === 'card_funding')) {
      await stripe('POST', `/risk_rules/${rule.id}`, { enabled: 'false' });
    }
    result = await runStory({ cardlane, clock, lang: 'en' });
  } finally {
    await cardlane.close();
  }
  assert.equal(result.ok, false);
  assert.deepEqual(result.steps, []);
  assert.equal(result.error?.step, 'setup');
  assert.equal(result.error?.number, 1);
  assert.match(result.error!.message, /no enabled rule blocking prepaid cards on customer-initiated payments/);
});
