import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { StepFacts, StepId, StoryStep } from '../../src/demo/story/story-facts.ts';
import type { StoryResult } from '../../src/demo/story/story.ts';
import { e2eWorkspace, EXIT_BOUND_MS, spawnCardlane } from '../support/cli.ts';
import { testDatabaseKind } from '../support/databases.ts';
import { assertPlusSteps } from '../support/story-plus.ts';

const { workDir, location } = e2eWorkspace('demo-story');

// `cardlane demo story` as a person runs it: it starts Cardlane itself in the
// data directory, tells the seed's story step by step, and stops. Run twice
// on the same data directory (the second time in Chinese), then audited by
// `cardlane audit` in a process of its own.

// A bound, not an expectation: the story takes seconds; a hang must fail.
const STORY_BOUND_MS = 180_000;

const dataDir = join(workDir, 'data');
const dbArgs = testDatabaseKind() === 'postgres' ? ['--database', location.url] : [];

async function story(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnCardlane(['demo', 'story', '--data-dir', dataDir, ...dbArgs, ...args], { cwd: workDir });
  const { code } = await child.waitForExit(STORY_BOUND_MS);
  return { code, stdout: child.stdout(), stderr: child.stderr() };
}

test('cardlane demo story --json: every step of the seed’s story, as the seed tells it', { timeout: STORY_BOUND_MS + 60_000 }, async () => {
  const run = await story(['--json']);
  assert.equal(run.code, 0, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  const lines = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  const result = lines.at(-1) as unknown as StoryResult;
  assert.equal(result.object, 'demo_story');
  assert.equal(result.ok, true);
  assert.equal(result.error, null);
  // Each step was printed as it ended, then the whole story.
  assert.deepEqual(
    lines.slice(0, -1).map((l) => l.step),
    result.steps.map((s) => s.step),
  );
  assert.ok(lines.slice(0, -1).every((l) => l.object === 'demo_story.step'));
  const facts = <Id extends StepId>(id: Id): StepFacts[Id] => {
    const step = result.steps.find((s): s is StoryStep<Id> => s.step === id);
    assert.ok(step, `step ${id}`);
    return step.facts;
  };

  // The stage: the demo merchant refuses prepaid cards on customer-initiated payments.
  const setup = facts('setup');
  assert.equal(setup.merchant.name, 'Acme AI');
  assert.equal(setup.rule.applies_to, 'customer_initiated');
  assert.match(setup.organization.id, /^org_/);

  // The cardholder: invite code, KYC, a CNY top-up, a card with the fee waived and $15.00 on it.
  assert.equal(facts('sign_up').invite_code_used, facts('referrer').invite_code);
  assert.equal(facts('sign_up').opening_fee_waived, true);
  assert.equal(facts('kyc').status, 'approved');
  const topUp = facts('top_up');
  assert.equal(topUp.status, 'credited');
  assert.ok(topUp.cny_amount_fen > 0 && topUp.usd_amount >= 1500, JSON.stringify(topUp));
  assert.deepEqual([facts('card_opened').opening_fee, facts('card_opened').fee_waived], [0, true]);
  assert.equal(facts('card_loaded').card_available, 1500);
  assert.equal(facts('card_loaded').wallet_available, topUp.usd_amount - 1500);

  // The customer adds the card: the $5.00 verification hold is approved and kept for hours (the demo merchant's setting).
  assert.deepEqual(setup.verification, { amount: 500, release_after_hours: 6 });
  const added = facts('card_added');
  assert.equal(added.funding, 'prepaid');
  assert.equal(added.verification.hold, 500);
  assert.equal(added.verification.issuer_amount, 500, 'the hold appears at the issuer');
  assert.deepEqual([added.verification.held_now, added.card_available, added.card_held], [500, 1000, 500]);

  // $10.00 of credits by hand: declined by the merchant's rule, never on the card; the doctor names the cause and the seed's remedy.
  const declined = facts('purchase_declined');
  assert.deepEqual([declined.amount, declined.initiator, declined.http_status, declined.code, declined.decline_code], [1000, 'customer', 402, 'card_declined', 'card_not_supported']);
  assert.equal(declined.on_card_statement, false);
  assert.deepEqual([declined.doctor.view, declined.doctor.decided_by, declined.doctor.seed_cause, declined.doctor.reached_issuer], ['merchant', 'acquirer_rule', 'card_type', false]);
  assert.equal(declined.doctor.seed_remedy.recommended, true);
  assert.equal(declined.doctor.seed_remedy.keep_on_card, 1500);
  assert.ok(!('rule' in declined.doctor), 'the customer is not shown the rule’s internals');
  assert.equal(declined.cardholder_doctor.view, 'cardholder');
  assert.ok(declined.cardholder_doctor.notes.some((n) => /never reached the card issuer/.test(n)), JSON.stringify(declined.cardholder_doctor.notes));

  // Default card + auto-recharge: the recharge of $10.00 runs merchant-initiated with the $5.00 hold still on the card — the seed's $15.
  const recharged = facts('recharge_succeeded');
  assert.deepEqual([recharged.amount, recharged.initiator, recharged.status], [1000, 'merchant', 'succeeded']);
  assert.deepEqual([recharged.card_available_before, recharged.card_held_before, recharged.card_available], [1000, 500, 0]);

  // Spending until insufficient_quota; the recharge the falling balance set off is declined at the issuer (51).
  const spending = facts('spending');
  assert.deepEqual([spending.refused_status, spending.refused_with, spending.spent], [429, 'insufficient_quota', 1000]);
  assert.deepEqual(
    [spending.recharge?.amount, spending.recharge?.initiator, spending.recharge?.status, spending.recharge?.decline_code, spending.recharge?.network_decline_code],
    [1000, 'merchant', 'failed', 'insufficient_funds', '51'],
  );

  // The doctor's advice is what works: load the shortfall, turn auto-recharge on again or wait, and not by hand.
  const explained = facts('recharge_declined_explained');
  assert.deepEqual([explained.doctor.decided_by, explained.doctor.iso_code, explained.doctor.initiated_by], ['issuer', '51', 'merchant']);
  assert.equal(explained.cardholder_doctor.recovery?.load_at_least, 1000);
  assert.equal(explained.cardholder_doctor.recovery?.manual_payment_refused, true);

  // The second half: the card is loaded again, the recharge succeeds, the API answers, the hold ends, what is left is withdrawn.
  assert.equal(facts('card_reloaded').card_available, 1000);
  assert.deepEqual([facts('recharge_recovered').status, facts('recharge_recovered').credit_balance], ['succeeded', 1000]);
  assert.equal(facts('api_answers').credit_balance, 900);
  assert.deepEqual([facts('hold_released').released, facts('hold_released').card_held], [500, 0]);

  // ChatGPT Plus on the prepaid card: the first payment is customer-initiated and passes the scoped rule; four accounts, not five; the renewals are merchant-initiated.
  assertPlusSteps(facts);
  const withdrawn = facts('withdrawn');
  assert.equal(withdrawn.status, 'paid');
  assert.equal(withdrawn.payout + withdrawn.fee, withdrawn.amount);
  assert.deepEqual([withdrawn.card_available, withdrawn.wallet_available], [0, 0]);

  // The card's statement and the billing history agree to the cent.
  const reconciled = facts('reconciled');
  assert.equal(reconciled.agree, true, reconciled.problems.join('\n'));
  assert.deepEqual([reconciled.billing_total_net, reconciled.card_total_net, reconciled.credits_bought, reconciled.credit_balance], [18_000, 18_000, 2000, 900]);
  assert.equal(reconciled.organizations.length, 5, 'the story’s organization and the four Plus accounts');

  assert.equal(facts('audit').ok, true);
});

test('cardlane demo story --lang zh-CN: the same story again, narrated in Chinese, in the same data directory; then cardlane audit passes', { timeout: STORY_BOUND_MS + 60_000 }, async () => {
  const run = await story(['--lang', 'zh-CN']);
  assert.equal(run.code, 0, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  const out = run.stdout;
  for (const expected of [
    /^ 1\. 准备$/m,
    /用邀请码注册/,
    /免除 2 美元开卡费/,
    /验证预授权：\$5\.00 由发卡行批准.*目前仍冻结 \$5\.00/,
    /HTTP 402 card_declined \/ card_not_supported/,
    /原文列出的原因：第二种，卡片类型不受支持/,
    /诊断推荐原文的解决方法/,
    /自动充值任务的下一次运行从默认卡扣款 \$10\.00|自动充值任务自己的运行从默认卡扣款 \$10\.00/,
    /被拒绝——insufficient_funds，发卡行代码 51/,
    /HTTP 429 insufficient_quota/,
    /卡内余额不足/,
    /分毫不差/,
    /笔转账：通过——所有不变量均成立/,
    /规则豁免了 Plus 订阅（metadata\[product\]=plus）/,
    /这张卡现在为 .+ 的 4 个账户付款：已达到每个商户最多 4 个账户的上限/,
    /发卡行代码 57/,
    /此卡在该商户绑定的账户已达上限/,
    /续费任务为四个订阅扣款，商户发起/,
    /^故事完全按原文的描述运行完毕，并走完了恢复、ChatGPT Plus 订阅和提现。$/m,
  ]) {
    assert.match(out, expected);
  }
  // Every step's narration line is Chinese, apart from ids, codes and amounts.
  const narration = out.split('\n').filter((line) => /^ {4}\S/.test(line));
  assert.ok(narration.length >= 16);
  assert.ok(narration.every((line) => /\p{Script=Han}/u.test(line)), narration.filter((line) => !/\p{Script=Han}/u.test(line)).join('\n'));

  const audit = spawnCardlane(['audit', '--data-dir', dataDir, ...dbArgs], { cwd: workDir });
  const audited = await audit.waitForExit(EXIT_BOUND_MS);
  assert.equal(audited.code, 0, `${audit.stdout()}\n${audit.stderr()}`);
  assert.match(audit.stdout(), /PASSED/);
});
