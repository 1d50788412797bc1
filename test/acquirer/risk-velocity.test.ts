import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { evaluatePreAuthorization } from '../../src/acquirer/risk/evaluate.ts';
import { ATTEMPT_RETENTION_MS, countAttemptsSince, pruneRiskAttempts } from '../../src/acquirer/risk/risk-attempts.ts';
import { START_MS } from '../support/ledger-fixture.ts';
import { FINGERPRINT, outcomeOf, riskFixture, type RiskFixture } from './risk-support.ts';

let f: RiskFixture;
beforeEach(async () => {
  f = await riskFixture();
});
afterEach(async () => f.cleanup());

const BLOCKED = 'rule_velocity/card_velocity_exceeded';

test('velocity: at most 2 attempts per card in 10 s; the window\'s edges, and blocked attempts count too', async () => {
  const merchantId = await f.newMerchant();
  await f.addRule(merchantId, { condition: { kind: 'velocity', per: 'card_fingerprint', max_attempts: 2, window_seconds: 10 } });
  // [ms after the start, expected outcome, why]
  const steps: ReadonlyArray<readonly [number, string, string]> = [
    [0, 'allow', 'first attempt'],
    [1_000, 'allow', 'second attempt'],
    [9_999, BLOCKED, 'third attempt within 10 s'],
    [10_000, BLOCKED, 'the attempt at 0 is exactly 10 s old and out; 1 000 and the blocked 9 999 are in'],
    [20_000, 'allow', 'the attempt at 10 000 is exactly 10 s old: nothing in the window'],
    [29_999, 'allow', 'one earlier attempt in the window'],
    [30_000, 'allow', 'the attempt at 20 000 is exactly 10 s old and out: only 29 999 is in'],
    [30_001, BLOCKED, 'two earlier attempts in the window (29 999 and 30 000)'],
  ];
  for (const [atMs, expected, why] of steps) {
    f.clock.setMs(START_MS + atMs);
    assert.equal(outcomeOf(await f.pre(f.input(merchantId))), expected, `at +${atMs} ms: ${why}`);
  }
  assert.equal(outcomeOf(await f.pre(f.input(merchantId, { card: { fingerprint: 'fpSOMEOTHERcard01' } }))), 'allow', 'another card is counted apart');
  // Attempts are counted per merchant: the same card elsewhere starts afresh.
  const elsewhere = await f.newMerchant();
  await f.addRule(elsewhere, { condition: { kind: 'velocity', per: 'card_fingerprint', max_attempts: 2, window_seconds: 10 } });
  assert.equal(outcomeOf(await f.pre(f.input(elsewhere))), 'allow');
});

test('velocity counts attempts made before the rule existed, and every rule kind\'s attempts', async () => {
  const merchantId = await f.newMerchant();
  await f.addRule(merchantId, { condition: { kind: 'card_funding', in: ['prepaid'] } });
  for (let i = 0; i < 3; i++) {
    assert.equal(outcomeOf(await f.pre(f.input(merchantId, { card: { funding: 'prepaid' } }))), 'rule_card_funding/card_not_supported');
    f.clock.advanceMs(1_000);
  }
  await f.addRule(merchantId, { condition: { kind: 'velocity', per: 'card_fingerprint', max_attempts: 3, window_seconds: 3_600 } });
  const decision = await f.pre(f.input(merchantId, { card: { funding: 'credit' } }));
  assert.equal(outcomeOf(decision), BLOCKED, 'three blocked prepaid attempts with this card count');
  assert.equal(decision.action === 'block' && decision.block.predicate, ':total_attempts_per_card_fingerprint_last_3600s: > 3');
});

test('velocity under concurrency: of 8 simultaneous attempts with a limit of 3, exactly 3 pass', async () => {
  const merchantId = await f.newMerchant();
  await f.addRule(merchantId, { condition: { kind: 'velocity', per: 'card_fingerprint', max_attempts: 3, window_seconds: 60 } });
  const decisions = await Promise.all(
    Array.from({ length: 8 }, () => f.db.transaction((tx) => evaluatePreAuthorization(tx, f.input(merchantId)))),
  );
  assert.equal(decisions.filter((d) => d.action === 'allow').length, 3);
  assert.equal(decisions.filter((d) => outcomeOf(d) === BLOCKED).length, 5);
});

test('a blocked attempt rolls back with its transaction; old attempts are pruned after the longest window', async () => {
  const merchantId = await f.newMerchant();
  await assert.rejects(
    f.db.transaction(async (tx) => {
      await evaluatePreAuthorization(tx, f.input(merchantId));
      throw new Error('the payment failed later in the same transaction');
    }),
  );
  assert.equal(await countAttemptsSince(f.db, merchantId, 'card_fingerprint', FINGERPRINT, 0, 100), 0);

  await f.pre(f.input(merchantId));
  f.clock.advanceMs(ATTEMPT_RETENTION_MS);
  await f.pre(f.input(merchantId));
  assert.equal(await countAttemptsSince(f.db, merchantId, 'card_fingerprint', FINGERPRINT, 0, 100), 2);
  assert.equal(await pruneRiskAttempts(f.db, f.clock.nowMs()), 0, 'exactly the retention old: kept');
  f.clock.advanceMs(1);
  assert.equal(await pruneRiskAttempts(f.db, f.clock.nowMs()), 1);
  assert.equal(await countAttemptsSince(f.db, merchantId, 'card_fingerprint', FINGERPRINT, 0, 100), 1);
  assert.equal(await countAttemptsSince(f.db, merchantId, 'card_fingerprint', FINGERPRINT, 0, 0), 0, 'the count stops at its cap');
});
