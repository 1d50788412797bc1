import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { monthlyLimitReached, rechargeAmount, utcMonth, type RechargeRule, type RechargeState } from '../../src/billing/auto-recharge/recharge-amount.ts';
import { afterFailure, DECLINES_BEFORE_PAUSE, NO_FAILURES, RECHARGE_BACKOFF, type FailureCounts } from '../../src/billing/auto-recharge/recharge-failures.ts';
import { pauseMessage } from '../../src/billing/auto-recharge/recharge-notices.ts';
import { explainFailure } from '../../src/billing/payments/decline-explanation.ts';
import type { AutoRechargeSettings } from '../../src/billing/auto-recharge/recharge-settings.ts';
import { rechargeStatus } from '../../src/billing/auto-recharge/recharge-status.ts';
import type { FailureClass, PaymentFailure } from '../../src/billing/payments/payment-attempts.ts';

// The pure rules of auto-recharge: how much, what a failure does next, and what the page shows.

const HOUR = 60 * 60 * 1000;
const RULE: RechargeRule = { thresholdMinor: 500, targetMinor: 2_000, monthlyLimitMinor: null, minimumMinor: 1_000, maximumMinor: 100_000 };
const STATE: RechargeState = { balanceMinor: 0, inFlightMinor: 0, usedThisMonthMinor: 0 };

describe('rechargeAmount', () => {
  const cases: [string, Partial<RechargeRule>, Partial<RechargeState>, ReturnType<typeof rechargeAmount>][] = [
    ['below the threshold: up to the target', {}, { balanceMinor: 0 }, { action: 'charge', amountMinor: 2_000, cappedBy: null }],
    ['exactly at the threshold: not below, no recharge', {}, { balanceMinor: 500 }, { action: 'skip', reason: 'above_threshold' }],
    ['one cent below the threshold: the minimum, since the target needs less', {}, { balanceMinor: 499 }, { action: 'charge', amountMinor: 1_501, cappedBy: null }],
    ['the minimum when the target needs less', { targetMinor: 1_200 }, { balanceMinor: 400 }, { action: 'charge', amountMinor: 1_000, cappedBy: null }],
    ['a recharge in flight counts as balance', {}, { balanceMinor: 0, inFlightMinor: 2_000 }, { action: 'skip', reason: 'above_threshold' }],
    ['a small recharge in flight: only the rest', {}, { balanceMinor: 0, inFlightMinor: 400 }, { action: 'charge', amountMinor: 1_600, cappedBy: null }],
    ['a negative balance (refund debt) is brought up to the target too', {}, { balanceMinor: -700 }, { action: 'charge', amountMinor: 2_700, cappedBy: null }],
    ['never more than the largest payment', { maximumMinor: 5_000 }, { balanceMinor: -9_000 }, { action: 'charge', amountMinor: 5_000, cappedBy: 'maximum' }],
    ['monthly limit with room: the whole recharge', { monthlyLimitMinor: 5_000 }, { usedThisMonthMinor: 3_000 }, { action: 'charge', amountMinor: 2_000, cappedBy: null }],
    ['monthly limit: only the remainder, which meets the minimum', { monthlyLimitMinor: 5_000 }, { usedThisMonthMinor: 3_900 }, { action: 'charge', amountMinor: 1_100, cappedBy: 'monthly_limit' }],
    ['monthly limit: a remainder below the minimum is no recharge', { monthlyLimitMinor: 5_000 }, { usedThisMonthMinor: 4_100 }, { action: 'skip', reason: 'monthly_limit_reached' }],
    ['monthly limit used up', { monthlyLimitMinor: 5_000 }, { usedThisMonthMinor: 5_000 }, { action: 'skip', reason: 'monthly_limit_reached' }],
    ['above the threshold the limit does not matter', { monthlyLimitMinor: 5_000 }, { balanceMinor: 600, usedThisMonthMinor: 5_000 }, { action: 'skip', reason: 'above_threshold' }],
  ];
  for (const [name, rule, state, expected] of cases) {
    test(name, () => assert.deepEqual(rechargeAmount({ ...RULE, ...rule }, { ...STATE, ...state }), expected));
  }

  test('refuses impossible rules and amounts', () => {
    assert.throws(() => rechargeAmount({ ...RULE, targetMinor: 500 }, STATE), RangeError);
    assert.throws(() => rechargeAmount({ ...RULE, minimumMinor: 0 }, STATE), RangeError);
    assert.throws(() => rechargeAmount(RULE, { ...STATE, balanceMinor: 1.5 }), RangeError);
    assert.throws(() => rechargeAmount(RULE, { ...STATE, inFlightMinor: -1 }), RangeError);
  });

  const rules = fc
    .record({
      thresholdMinor: fc.integer({ min: 0, max: 50_000 }),
      span: fc.integer({ min: 1, max: 50_000 }),
      monthlyLimitMinor: fc.option(fc.integer({ min: 1, max: 200_000 }), { nil: null }),
      minimumMinor: fc.integer({ min: 1, max: 5_000 }),
      maximumExtra: fc.integer({ min: 0, max: 100_000 }),
    })
    .map(
      ({ thresholdMinor, span, monthlyLimitMinor, minimumMinor, maximumExtra }): RechargeRule => ({
        thresholdMinor,
        targetMinor: thresholdMinor + span,
        monthlyLimitMinor,
        minimumMinor,
        maximumMinor: minimumMinor + maximumExtra,
      }),
    );
  const states = fc.record({
    balanceMinor: fc.integer({ min: -100_000, max: 100_000 }),
    inFlightMinor: fc.integer({ min: 0, max: 20_000 }),
    usedThisMonthMinor: fc.integer({ min: 0, max: 200_000 }),
  });

  test('property: a recharge happens only below the threshold, is between the minimum and the maximum, and never passes the monthly limit', () => {
    fc.assert(
      fc.property(rules, states, (rule, state) => {
        const decision = rechargeAmount(rule, state);
        const effective = state.balanceMinor + state.inFlightMinor;
        if (effective >= rule.thresholdMinor) return assert.deepEqual(decision, { action: 'skip', reason: 'above_threshold' });
        if (decision.action === 'skip') {
          assert.equal(decision.reason, 'monthly_limit_reached');
          assert.ok(rule.monthlyLimitMinor !== null && rule.monthlyLimitMinor - state.usedThisMonthMinor < rule.minimumMinor);
          return;
        }
        assert.ok(Number.isSafeInteger(decision.amountMinor));
        assert.ok(decision.amountMinor >= rule.minimumMinor, 'at least the minimum');
        assert.ok(decision.amountMinor <= rule.maximumMinor, 'at most the largest payment');
        if (rule.monthlyLimitMinor !== null) assert.ok(state.usedThisMonthMinor + decision.amountMinor <= rule.monthlyLimitMinor, 'within the monthly limit');
      }),
    );
  });

  test('property: uncapped, a recharge reaches the target and overshoots it only to meet the minimum', () => {
    fc.assert(
      fc.property(rules, states, (rule, state) => {
        const decision = rechargeAmount(rule, state);
        if (decision.action !== 'charge' || decision.cappedBy !== null) return;
        const needed = rule.targetMinor - state.balanceMinor - state.inFlightMinor;
        assert.equal(decision.amountMinor, Math.max(needed, rule.minimumMinor));
      }),
    );
  });

  test('property: the limit is reached exactly when a recharge that is needed cannot be made, and no partial recharge is ever below the minimum', () => {
    fc.assert(
      fc.property(rules, states, (rule, state) => {
        const below = { ...state, balanceMinor: rule.thresholdMinor - 1, inFlightMinor: 0 };
        const decision = rechargeAmount(rule, below);
        assert.equal(decision.action === 'skip', monthlyLimitReached(rule, state.usedThisMonthMinor));
      }),
    );
  });

  test('property: more in flight never means a larger recharge', () => {
    fc.assert(
      fc.property(rules, states, fc.integer({ min: 0, max: 20_000 }), (rule, state, more) => {
        const amount = (s: RechargeState) => {
          const d = rechargeAmount(rule, s);
          return d.action === 'charge' ? d.amountMinor : 0;
        };
        assert.ok(amount({ ...state, inFlightMinor: state.inFlightMinor + more }) <= amount(state));
      }),
    );
  });

  test('calendar months in UTC', () => {
    assert.deepEqual(utcMonth(Date.UTC(2026, 0, 31, 23, 59, 59, 999)), { startMs: Date.UTC(2026, 0, 1), endMs: Date.UTC(2026, 1, 1) });
    assert.deepEqual(utcMonth(Date.UTC(2026, 11, 15)), { startMs: Date.UTC(2026, 11, 1), endMs: Date.UTC(2027, 0, 1) });
    assert.deepEqual(utcMonth(Date.UTC(2026, 1, 1)), { startMs: Date.UTC(2026, 1, 1), endMs: Date.UTC(2026, 2, 1) });
  });
});

describe('afterFailure', () => {
  const NOW = Date.UTC(2026, 0, 1);
  const run = (classes: FailureClass[]) => {
    let counts: FailureCounts = NO_FAILURES;
    return classes.map((failureClass) => {
      const after = afterFailure(counts, failureClass, NOW);
      counts = after;
      return after;
    });
  };

  test('soft declines back off 1 h, 2 h, then pause at the third', () => {
    const [first, second, third] = run(['soft', 'soft', 'soft']);
    assert.deepEqual(first, { declinesInARow: 1, failuresInARow: 1, pause: null, nextAttemptAtMs: NOW + HOUR });
    assert.deepEqual(second, { declinesInARow: 2, failuresInARow: 2, pause: null, nextAttemptAtMs: NOW + 2 * HOUR });
    assert.deepEqual(third, { declinesInARow: 3, failuresInARow: 3, pause: 'repeated_declines', nextAttemptAtMs: null });
  });

  test('a hard decline pauses at once', () => {
    assert.deepEqual(run(['hard'])[0], { declinesInARow: 1, failuresInARow: 1, pause: 'hard_decline', nextAttemptAtMs: null });
  });

  test('processor failures back off but do not count toward the pause', () => {
    const results = run(['soft', 'processor', 'processor', 'soft', 'processor']);
    assert.deepEqual(
      results.map((r) => [r.declinesInARow, r.pause, r.nextAttemptAtMs === null ? null : (r.nextAttemptAtMs - NOW) / HOUR]),
      [
        [1, null, 1],
        [1, null, 2],
        [1, null, 4],
        [2, null, 8],
        [2, null, 16],
      ],
    );
  });

  test('property: only a hard decline or the third decline in a row pauses; processor failures never do; waits double up to a day', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom<FailureClass>('soft', 'hard', 'processor'), { minLength: 1, maxLength: 40 }), (classes) => {
        let counts: FailureCounts = NO_FAILURES;
        let lastWait = 0;
        for (const failureClass of classes) {
          const after = afterFailure(counts, failureClass, NOW);
          const shouldPause = failureClass === 'hard' || (failureClass === 'soft' && counts.declinesInARow + 1 >= DECLINES_BEFORE_PAUSE);
          assert.equal(after.pause !== null, shouldPause);
          if (failureClass === 'processor') assert.equal(after.declinesInARow, counts.declinesInARow);
          if (after.pause !== null) return; // a person resumes it, with fresh counts
          const wait = after.nextAttemptAtMs! - NOW;
          assert.ok(wait >= RECHARGE_BACKOFF.baseMs && wait <= RECHARGE_BACKOFF.capMs);
          assert.ok(wait >= lastWait, 'waits never shrink within a run of failures');
          lastWait = wait;
          counts = after;
        }
      }),
    );
  });
});

describe('rechargeStatus', () => {
  const NOW = Date.UTC(2026, 0, 10);
  const settings = (overrides: Partial<AutoRechargeSettings> = {}): AutoRechargeSettings => ({
    orgId: 'org_1',
    enabled: true,
    thresholdMinor: 500,
    targetMinor: 2_000,
    monthlyLimitMinor: null,
    currency: 'USD',
    inFlightAttemptId: null,
    lastAttemptId: null,
    declinesInARow: 0,
    failuresInARow: 0,
    nextAttemptAtMs: null,
    pausedAtMs: null,
    pausedReason: null,
    pausedByAttemptId: null,
    updatedAtMs: NOW,
    ...overrides,
  });
  const context = { hasDefaultCard: true, usedThisMonthMinor: 0, minimumMinor: 1_000, nowMs: NOW };
  const table: [string, AutoRechargeSettings | null, Partial<typeof context>, ReturnType<typeof rechargeStatus>][] = [
    ['never set up', null, {}, { status: 'off', pausedReason: null, nextAttemptAtMs: null }],
    ['turned off (even while paused)', settings({ enabled: false, pausedAtMs: NOW, pausedReason: 'hard_decline' }), {}, { status: 'off', pausedReason: null, nextAttemptAtMs: null }],
    ['on', settings(), {}, { status: 'active', pausedReason: null, nextAttemptAtMs: null }],
    ['on, backing off', settings({ nextAttemptAtMs: NOW + HOUR }), {}, { status: 'active', pausedReason: null, nextAttemptAtMs: NOW + HOUR }],
    ['on, back-off over', settings({ nextAttemptAtMs: NOW - 1 }), {}, { status: 'active', pausedReason: null, nextAttemptAtMs: null }],
    ['paused by a hard decline', settings({ pausedAtMs: NOW, pausedReason: 'hard_decline' }), {}, { status: 'paused', pausedReason: 'hard_decline', nextAttemptAtMs: null }],
    ['paused by repeated declines', settings({ pausedAtMs: NOW, pausedReason: 'repeated_declines' }), {}, { status: 'paused', pausedReason: 'repeated_declines', nextAttemptAtMs: null }],
    ['on but no default card: paused, not "on"', settings(), { hasDefaultCard: false }, { status: 'paused', pausedReason: 'no_default_card', nextAttemptAtMs: null }],
    [
      'monthly limit used up: paused until the month turns',
      settings({ monthlyLimitMinor: 3_000 }),
      { usedThisMonthMinor: 2_500 },
      { status: 'paused', pausedReason: 'monthly_limit_reached', nextAttemptAtMs: Date.UTC(2026, 1, 1) },
    ],
    ['monthly limit with a minimum left: active', settings({ monthlyLimitMinor: 3_000 }), { usedThisMonthMinor: 2_000 }, { status: 'active', pausedReason: null, nextAttemptAtMs: null }],
  ];
  for (const [name, s, ctx, expected] of table) test(name, () => assert.deepEqual(rechargeStatus(s, { ...context, ...ctx }), expected));
});

describe('explanations', () => {
  const failure = (decline_code: string, outcome: Record<string, unknown> | null = null): PaymentFailure => ({
    type: 'card_error',
    code: 'card_declined',
    decline_code,
    message: 'Your card was declined.',
    network_decline_code: null,
    charge: null,
    outcome,
    provider_error: {},
  });

  test('declines are explained in words, never as raw codes', () => {
    for (const code of ['insufficient_funds', 'do_not_honor', 'restricted_card', 'expired_card', 'authentication_required', 'fraudulent', 'generic_decline']) {
      const text = explainFailure(failure(code), 'soft');
      assert.doesNotMatch(text.en, /_/, `${code}: ${text.en}`);
      assert.ok(text.zh.length > 0);
    }
    assert.match(explainFailure(failure('insufficient_funds'), 'soft').en, /enough money/);
    assert.match(explainFailure(failure('processing_error'), 'processor').en, /could not be reached/);
    assert.match(explainFailure(failure('card_not_supported', { type: 'blocked', rule: 'rr_secret' }), 'hard').en, /cannot be used for this payment/);
    assert.doesNotMatch(explainFailure(failure('x', { type: 'blocked', rule: 'rr_secret' }), 'hard').en, /rr_secret/, "the merchant's rule is not named");
    for (const reason of ['hard_decline', 'repeated_declines', 'no_default_card', 'monthly_limit_reached'] as const) {
      assert.match(pauseMessage(reason, null).en, /^Paused/);
    }
  });
});
