import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import OpenAI from 'openai';
import { creditBalance } from '../../src/billing/billing-ledger.ts';
import { budgetView, saveBudget } from '../../src/billing/budgets/budgets.ts';
import { budgetRoutes } from '../../src/billing/http/budget-routes.ts';
import { merchantApiRoutes } from '../../src/billing/merchant-api-routes.ts';
import { readUsage, recordUsage, reserveUsage } from '../../src/billing/metering.ts';
import { NotificationOutbox } from '../../src/billing/notifications/notification-outbox.ts';
import { readSandboxMailbox, SandboxMailer } from '../../src/billing/notifications/sandbox-mailbox.ts';
import { ECHO_MODEL } from '../../src/billing/price-book.ts';
import type { ManualClock } from '../../src/platform/clock.ts';
import { createHttpServer } from '../../src/platform/http/server.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { billingFixture, type BillingFixture } from './billing-fixture.ts';

// Monthly budgets: each alert threshold is e-mailed once a month (a unique
// row per organization, month and threshold), and a hard limit refuses usage
// past the budget with OpenAI's error shape — under concurrency too.

let f: BillingFixture;
beforeEach(async () => {
  f = await billingFixture();
});
afterEach(async () => {
  await f.assertAudit();
  await f.cleanup();
});

// cardlane-echo-1 costs $2 per 1M input tokens: 5,000 tokens are exactly one cent.
const TOKENS_PER_CENT = 5_000;
let events = 0;
const spend = (orgId: string, cents: number) =>
  recordUsage(f.db, f.deps, { orgId, usageEventId: `b-${++events}`, model: ECHO_MODEL, inputTokens: cents * TOKENS_PER_CENT, outputTokens: 0 });
const deliver = () => new NotificationOutbox(f, new SandboxMailer(f.deps.ids)).deliverPending();
const budgetLetters = async (orgId: string) => (await readSandboxMailbox(f.db, orgId, 100)).filter((letter) => letter.kind === 'budget.alert');
const clock = () => f.clock as ManualClock;

test('a budget alert arrives in the sandbox mailbox once at each threshold, and again next month', async () => {
  const { orgId } = await f.newOrg('Budgeted');
  await f.grant(orgId, 10_000);
  await saveBudget(f.db, f.clock, orgId, { monthlyBudgetMinor: 100, alertThresholds: [80, 50, 100] });
  for (const cents of [30, 19]) assert.equal((await spend(orgId, cents)).result, 'recorded');
  assert.equal((await budgetLetters(orgId)).length + (await deliver()), 0, 'below 50%: no alert');
  assert.equal((await spend(orgId, 1)).result, 'recorded'); // exactly 50%
  await deliver();
  assert.deepEqual((await budgetLetters(orgId)).map((l) => l.subject.match(/(\d+)%/)![1]), ['50']);
  assert.equal((await spend(orgId, 45)).result, 'recorded'); // 95%: the 80% alert
  assert.equal((await spend(orgId, 30)).result, 'recorded'); // 125%: the 100% alert; without a hard limit usage goes on
  assert.equal((await spend(orgId, 30)).result, 'recorded');
  await deliver();
  await deliver();
  const letters = await budgetLetters(orgId);
  assert.deepEqual(letters.map((l) => Number(l.subject.match(/(\d+)%/)![1])).sort((a, b) => a - b), [50, 80, 100]);
  const hundred = letters.find((l) => l.subject.includes('100%'))!;
  assert.match(hundred.body, /\$1\.25 of its \$1\.00 budget/);
  assert.match(hundred.body, /预算提醒|达到 100% 提醒/);
  const view = await budgetView(f.db, f.clock.nowMs(), orgId);
  assert.equal(view.spentMinor, 155);
  assert.deepEqual(view.alerts.map((a) => a.thresholdPercent), [50, 80, 100]);
  // A new (UTC) month: spend starts from zero, and each threshold may alert once more.
  clock().advanceMs(32 * 24 * 3_600_000);
  assert.equal((await spend(orgId, 60)).result, 'recorded');
  await deliver();
  assert.equal((await budgetLetters(orgId)).length, 4);
  assert.equal((await budgetView(f.db, f.clock.nowMs(), orgId)).spentMinor, 60);
});

test('concurrent usage sends each threshold once and a hard limit is never overrun', async () => {
  const { orgId } = await f.newOrg('Racing');
  await f.grant(orgId, 10_000);
  await saveBudget(f.db, f.clock, orgId, { monthlyBudgetMinor: 500, hardLimit: true });
  const outcomes = await Promise.all(Array.from({ length: 40 }, () => spend(orgId, 20)));
  const recorded = outcomes.filter((o) => o.result === 'recorded').length;
  assert.equal(recorded, 25, 'exactly the budget is spent: 25 × 20 cents = $5');
  assert.ok(outcomes.every((o) => o.result === 'recorded' || o.result === 'budget_exceeded'));
  assert.equal((await creditBalance(f.db, orgId))!.available_minor, 10_000 - 500);
  await Promise.all([deliver(), deliver()]);
  assert.equal((await budgetLetters(orgId)).length, 3);
  const rows = await f.db.all('SELECT * FROM billing_budget_alerts WHERE org_id = ?', [orgId]);
  assert.equal(rows.length, 3);
});

test('a hard limit refuses usage past the budget (streams included) and changes nothing; a new month or a higher budget lets it through', async () => {
  const { orgId } = await f.newOrg('Capped');
  await f.grant(orgId, 10_000);
  await saveBudget(f.db, f.clock, orgId, { monthlyBudgetMinor: 100, hardLimit: true });
  assert.equal((await spend(orgId, 60)).result, 'recorded');
  const refused = await spend(orgId, 41);
  assert.equal(refused.result, 'budget_exceeded');
  if (refused.result === 'budget_exceeded') {
    assert.equal(refused.budgetMinor, 100);
    assert.equal(refused.resetsAtMs, Date.UTC(new Date(f.clock.nowMs()).getUTCFullYear(), new Date(f.clock.nowMs()).getUTCMonth() + 1, 1));
  }
  assert.equal(await readUsage(f.db, orgId, `b-${events}`), null, 'a refused event is not recorded');
  assert.equal((await creditBalance(f.db, orgId))!.available_minor, 10_000 - 60);
  // A stream's hold counts against the budget while it is held.
  const held = await reserveUsage(f.db, f.deps, { orgId, usageEventId: 'stream-1', model: ECHO_MODEL, inputTokens: 30 * TOKENS_PER_CENT, outputTokens: 0 });
  assert.equal(held.result, 'reserved');
  assert.equal((await spend(orgId, 11)).result, 'budget_exceeded');
  assert.equal((await spend(orgId, 10)).result, 'recorded');
  await saveBudget(f.db, f.clock, orgId, { monthlyBudgetMinor: 200, hardLimit: true });
  assert.equal((await spend(orgId, 11)).result, 'recorded');
  // The stream ends having produced its whole reply: settling a hold is never refused, even past the budget.
  if (held.result !== 'reserved') throw new Error('unreachable');
  const settled = await recordUsage(f.db, f.deps, { orgId, usageEventId: 'stream-1', model: ECHO_MODEL, inputTokens: 30 * TOKENS_PER_CENT, outputTokens: 0 }, { hold: held.hold });
  assert.equal(settled.result, 'recorded');
  assert.equal((await budgetView(f.db, f.clock.nowMs(), orgId)).spentMinor, 60 + 10 + 11 + 30);
  clock().advanceMs(32 * 24 * 3_600_000);
  await saveBudget(f.db, f.clock, orgId, { monthlyBudgetMinor: 100, hardLimit: true });
  assert.equal((await spend(orgId, 100)).result, 'recorded');
});

test('the budget API validates its input and the merchant API refuses past a hard limit in OpenAI’s shape', async () => {
  const app: FastifyInstance = await createHttpServer({
    db: f.db,
    logger: createLogger({ level: 'silent' }),
    version: 'test',
    routes: [
      { plugin: merchantApiRoutes(f.db, f.deps), prefix: '/merchant/v1' },
      { plugin: budgetRoutes(f), prefix: '/billing/v1' },
    ],
  });
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const { orgId, apiKey } = await f.newOrg('Over HTTP');
    await f.grant(orgId, 10_000);
    const call = async (method: string, body?: unknown) => {
      const response = await fetch(`${url}/billing/v1/budget`, {
        method,
        headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as any };
    };
    for (const [body, code] of [
      [{ monthly_budget: 0 }, 'budget_amount_invalid'],
      [{ monthly_budget: 100, alert_thresholds: [50, 50] }, 'budget_thresholds_invalid'],
      [{ monthly_budget: 100, alert_thresholds: [120] }, 'budget_thresholds_invalid'],
    ] as const) {
      const answer = await call('POST', body);
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.equal(answer.body.error.code, code);
    }
    assert.equal((await call('POST', { monthly_budget: 'lots' })).status, 400);
    assert.equal((await call('GET')).body.monthly_budget, null, 'a refused request changed nothing');
    const saved = await call('POST', { monthly_budget: 1, alert_thresholds: [100], hard_limit: true });
    assert.equal(saved.status, 200);
    assert.deepEqual(saved.body.alert_thresholds, [100]);
    assert.equal(saved.body.hard_limit, true);
    const openai = new OpenAI({ apiKey, baseURL: `${url}/merchant/v1`, maxRetries: 0 });
    const ask = () => openai.chat.completions.create({ model: ECHO_MODEL, messages: [{ role: 'user', content: 'Hello there, budget.' }] });
    await ask();
    const error = await ask().then(
      () => assert.fail('expected a refusal'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof OpenAI.RateLimitError);
    assert.equal(error.code, 'billing_hard_limit_reached');
    assert.equal(error.type, 'insufficient_quota');
    assert.match(error.message, /monthly budget of \$0\.01/);
    assert.equal((await call('GET')).body.alerts_sent.length, 1);
    assert.equal((await call('DELETE')).body.monthly_budget, null);
    await ask();
  } finally {
    await app.close();
  }
});
