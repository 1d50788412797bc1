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
import { assertPlusSteps } from '../support/story-plus.ts';

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
  assert.equal(started.length, 24);
  const facts = <Id extends StepId>(id: Id): StepFacts[Id] => (result.steps.find((s): s is StoryStep<Id> => s.step === id) as StoryStep<Id>).facts;

  // The merchant keeps its $5.00 hold for hours: it is still on the card when the first recharge runs — why the seed says $15.
  assert.deepEqual(facts('setup').verification, { amount: 500, release_after_hours: 6 });
  assert.equal(facts('card_added').verification.hold, 500);
  assert.deepEqual([facts('card_added').verification.held_now, facts('card_added').card_available, facts('card_added').card_held], [500, 1000, 500]);
  const declined = facts('purchase_declined');
  assert.deepEqual([declined.http_status, declined.code, declined.decline_code, declined.on_card_statement], [402, 'card_declined', 'card_not_supported', false]);
  assert.equal(declined.doctor.seed_cause, 'card_type');
  assert.equal(declined.doctor.seed_remedy.recommended, true);
  assert.equal(declined.doctor.seed_remedy.keep_on_card, 1500);
  assert.equal(facts('recharge_succeeded').status, 'succeeded');
  assert.deepEqual([facts('recharge_succeeded').card_available_before, facts('recharge_succeeded').card_held_before], [1000, 500]);
  assert.equal(facts('recharge_succeeded').card_available, 0);
  assert.equal(facts('recharge_succeeded').initiator, 'merchant');

  const spending = facts('spending');
  assert.equal(spending.refused_with, 'insufficient_quota', 'the openai SDK saw the refusal as OpenAI words it');
  assert.equal(spending.refused_status, 429);
  assert.equal(spending.spent, 1000);
  assert.equal(spending.recharge?.network_decline_code, '51');
  assert.equal(progress.filter((line) => /request \d+: [\d,]+ \+ [\d,]+ tokens/.test(line)).length, spending.succeeded);
  const explained = facts('recharge_declined_explained');
  assert.equal(explained.cardholder_doctor.issuer_checks?.available, 0);
  // The doctor's advice is what works: the shortfall, turn it on again or wait (in the reader's time), and not by hand.
  const recovery = explained.cardholder_doctor.recovery!;
  assert.equal(recovery.load_at_least, 1000);
  assert.equal(recovery.manual_payment_refused, true);
  assert.match(recovery.next_attempt_local ?? '', /\(.+, in about 1 hour\)$/);
  assert.ok(!recovery.steps.join(' ').includes('Z'), 'no raw UTC time in the advice');
  assert.equal(explained.doctor.recovery?.load_at_least, 1000, "the merchant's view cannot see the balance: the whole recharge");
  assert.doesNotMatch(explained.doctor.remedy ?? '', /retry/i);

  assert.equal(facts('card_reloaded').amount, 1000);
  assert.equal(facts('card_reloaded').card_available, 1000);
  assert.deepEqual([facts('recharge_recovered').status, facts('recharge_recovered').initiator, facts('recharge_recovered').credit_balance], ['succeeded', 'merchant', 1000]);
  assert.deepEqual([facts('recharge_recovered').card_available, facts('recharge_recovered').card_held], [0, 500]);
  assert.equal(facts('api_answers').cost, 100);
  assert.equal(facts('api_answers').credit_balance, 900);
  assert.deepEqual([facts('hold_released').released, facts('hold_released').card_available, facts('hold_released').card_held], [500, 500, 0]);

  // ChatGPT Plus on the prepaid card: the first payment is customer-initiated and passes the scoped rule; four accounts, not five; the renewals are merchant-initiated.
  assertPlusSteps(facts);
  const withdrawn = facts('withdrawn');
  assert.equal(withdrawn.status, 'paid');
  assert.equal(withdrawn.unloaded, 0, 'the Plus renewals used what the card had');
  assert.equal(withdrawn.payout + withdrawn.fee, withdrawn.amount);
  assert.deepEqual([withdrawn.card_available, withdrawn.wallet_available], [0, 0]);

  const reconciled = facts('reconciled');
  assert.equal(reconciled.agree, true);
  // Two recharges and eight Plus payments (four accounts, two months), across the five organizations that used the card.
  assert.deepEqual([reconciled.billing_total_net, reconciled.card_total_net, reconciled.credits_bought, reconciled.credit_balance], [18_000, 18_000, 2000, 900]);
  assert.equal(reconciled.organizations.length, 5);
  assert.deepEqual(new Set(reconciled.rows.map((r) => r.organization)), new Set(reconciled.organizations));
  assert.ok(reconciled.rows.some((r) => r.kind === 'verification' && r.card_decline_code === '57' && r.agrees), 'the fifth account’s refused verification is linked');
  assert.equal(facts('audit').ok, true);
});

test('told in Chinese: times in Beijing time and relative, never raw UTC', { timeout: 180_000 }, async () => {
  const clock = new StoryClock();
  const cardlane = await startCardlane({ flags: { port: '0', database: location.url, dataDir }, env: {}, clock, logger: createLogger({ level: 'silent' }) });
  let result;
  try {
    result = await runStory({ cardlane, clock, lang: 'zh-CN' });
  } finally {
    await cardlane.close();
  }
  assert.equal(result.error, null, JSON.stringify(result.error));
  const narration = result.steps.flatMap((s) => s.narration).join('\n');
  assert.doesNotMatch(narration, /\d{4}-\d\d-\d\dT\d\d:\d\d/, 'no raw ISO time');
  assert.match(narration, /商户要到 \d+月\d+日 \d\d:\d\d（GMT\+8，约 6 小时后）才释放/);
  assert.match(narration, /或等待下一次自动尝试：\d+月\d+日 \d\d:\d\d（GMT\+8，约 1 小时后）/);
  assert.match(narration, /向卡内转入至少 \$10\.00/);
  assert.match(narration, /已付到 \d+月\d+日 \d\d:\d\d（GMT\+8，约 31 天后）/);
  assert.match(narration, /此卡在该商户绑定的账户已达上限/);
  assert.equal(result.steps.at(-1)?.step, 'audit');
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
