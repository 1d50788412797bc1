import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { addCalendarMonths, daysInMonth, periodOf } from '../../src/billing/subscriptions/periods.ts';
import {
  MAX_PROCESSOR_RETRIES,
  newSubscription,
  paymentStarted,
  PROCESSOR_RETRY_DELAY_MS,
  renewalFailed,
  renewalSucceeded,
  RETRY_DELAYS_MS,
} from '../../src/billing/subscriptions/subscription-states.ts';
import type { Subscription } from '../../src/billing/subscriptions/subscription-store.ts';

// Billing periods (calendar months from the anchor) and the retry schedule, as pure rules.

const DAY = 86_400_000;
const utc = (y: number, m: number, d: number, h = 0) => Date.UTC(y, m - 1, d, h);
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

test('the anchor day is kept through short months: Jan 31 → Feb 28/29 → Mar 31 → Apr 30', () => {
  const anchor = utc(2026, 1, 31, 12);
  assert.deepEqual([0, 1, 2, 3, 4].map((n) => day(addCalendarMonths(anchor, n))), ['2026-01-31', '2026-02-28', '2026-03-31', '2026-04-30', '2026-05-31']);
  assert.equal(day(addCalendarMonths(utc(2028, 1, 31), 1)), '2028-02-29', 'leap year');
  assert.equal(day(addCalendarMonths(utc(2026, 12, 15), 1)), '2027-01-15', 'over the year end');
  assert.equal(day(addCalendarMonths(utc(2024, 2, 29), 12)), '2025-02-28', 'a leap day a year on');
  assert.deepEqual(periodOf(anchor, 1, 1), { startMs: utc(2026, 2, 28, 12), endMs: utc(2026, 3, 31, 12) });
});

// Anchors from 1970 to 2199, at any millisecond.
const anchorArb = fc.integer({ min: 0, max: Date.UTC(2199, 11, 31) });

test('property: period boundaries keep the anchor day (clamped to the month end) and its time of day, exactly n months on', () => {
  fc.assert(
    fc.property(anchorArb, fc.integer({ min: 0, max: 600 }), (anchorMs, n) => {
      const anchor = new Date(anchorMs);
      const at = new Date(addCalendarMonths(anchorMs, n));
      const months = at.getUTCFullYear() * 12 + at.getUTCMonth() - (anchor.getUTCFullYear() * 12 + anchor.getUTCMonth());
      assert.equal(months, n);
      assert.equal(at.getUTCDate(), Math.min(anchor.getUTCDate(), daysInMonth(at.getUTCFullYear(), at.getUTCMonth())));
      assert.equal(anchorMs % DAY, at.getTime() % DAY, 'same time of day');
    }),
    { numRuns: 2000 },
  );
});

test('property: periods follow one another without gap or overlap, each 28 to 31 days (monthly) long', () => {
  fc.assert(
    fc.property(anchorArb, fc.integer({ min: 0, max: 600 }), (anchorMs, index) => {
      const period = periodOf(anchorMs, 1, index);
      const next = periodOf(anchorMs, 1, index + 1);
      assert.equal(period.endMs, next.startMs);
      const days = (period.endMs - period.startMs) / DAY;
      assert.ok(Number.isInteger(days) && days >= 28 && days <= 31, `${days} days`);
    }),
    { numRuns: 2000 },
  );
});

test('property: an interval of k months is k monthly periods', () => {
  fc.assert(
    fc.property(anchorArb, fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 40 }), (anchorMs, k, index) => {
      assert.deepEqual(periodOf(anchorMs, k, index), { startMs: periodOf(anchorMs, 1, index * k).startMs, endMs: periodOf(anchorMs, 1, (index + 1) * k - 1).endMs });
    }),
  );
});

// The retry schedule, on a subscription whose renewal charge is in flight.

const T0 = utc(2026, 2, 1);
function renewing(overrides: Partial<Subscription> = {}): Subscription {
  const base = newSubscription({ id: 'sub_1', orgId: 'org_1', planId: 'plus', amountMinor: 2000, currency: 'USD', intervalMonths: 1 }, T0);
  const active: Subscription = { ...base, status: 'active', anchorMs: utc(2026, 1, 1), currentPeriodStartMs: utc(2026, 1, 1), currentPeriodEndMs: T0, nextChargeAtMs: T0 };
  return paymentStarted({ ...active, ...overrides }, 'bpa_1', T0);
}

test('table: each failure class moves the subscription as the schedule says', () => {
  const rows: Array<{ name: string; sub: Subscription; failureClass: 'soft' | 'hard' | 'processor' | 'no_card'; expect: Partial<Subscription> }> = [
    { name: 'first soft decline', sub: renewing(), failureClass: 'soft', expect: { status: 'past_due', failedCharges: 1, nextChargeAtMs: T0 + 1 * DAY, pastDueSinceMs: T0, declinedCardId: null } },
    { name: 'second', sub: renewing({ status: 'past_due', failedCharges: 1, pastDueSinceMs: T0 - DAY }), failureClass: 'soft', expect: { status: 'past_due', failedCharges: 2, nextChargeAtMs: T0 + 3 * DAY, pastDueSinceMs: T0 - DAY } },
    { name: 'third', sub: renewing({ status: 'past_due', failedCharges: 2 }), failureClass: 'soft', expect: { status: 'past_due', failedCharges: 3, nextChargeAtMs: T0 + 5 * DAY } },
    { name: 'fourth cancels', sub: renewing({ status: 'past_due', failedCharges: 3 }), failureClass: 'soft', expect: { status: 'canceled', cancelReason: 'payment_failed', endedAtMs: T0, nextChargeAtMs: null } },
    { name: 'hard decline: the card is remembered', sub: renewing(), failureClass: 'hard', expect: { status: 'past_due', failedCharges: 1, declinedCardId: 'pm_card', nextChargeAtMs: T0 + DAY } },
    { name: 'no default card uses a slot', sub: renewing(), failureClass: 'no_card', expect: { status: 'past_due', failedCharges: 1, lastFailureCode: 'x' } },
    { name: 'processor: hourly, schedule untouched, still active', sub: renewing(), failureClass: 'processor', expect: { status: 'active', failedCharges: 0, processorFailures: 1, nextChargeAtMs: T0 + PROCESSOR_RETRY_DELAY_MS } },
    { name: 'processor while past due', sub: renewing({ status: 'past_due', failedCharges: 2 }), failureClass: 'processor', expect: { status: 'past_due', failedCharges: 2, processorFailures: 1 } },
    { name: 'processor beyond its bound counts', sub: renewing({ processorFailures: MAX_PROCESSOR_RETRIES }), failureClass: 'processor', expect: { status: 'past_due', failedCharges: 1, processorFailures: 0 } },
  ];
  for (const row of rows) {
    const next = renewalFailed(row.sub, { failureClass: row.failureClass, code: 'x', cardId: row.failureClass === 'no_card' ? null : 'pm_card' }, T0);
    assert.equal(next.pendingAttemptId, null, row.name);
    for (const [key, value] of Object.entries(row.expect)) assert.deepEqual(next[key as keyof Subscription], value, `${row.name}: ${key}`);
  }
  assert.equal(RETRY_DELAYS_MS.length, 3);
});

test('a renewal that succeeds after failures is active again, paid from where the last period ended, the schedule reset', () => {
  const sub = renewing({ status: 'past_due', failedCharges: 2, pastDueSinceMs: T0, declinedCardId: 'pm_old', lastFailureCode: 'insufficient_funds' });
  const next = renewalSucceeded(sub, 'bpa_1', T0 + 4 * DAY);
  assert.deepEqual(
    [next.status, day(next.currentPeriodStartMs!), day(next.currentPeriodEndMs!), next.nextChargeAtMs, next.failedCharges, next.pastDueSinceMs, next.declinedCardId, next.periodIndex],
    ['active', '2026-02-01', '2026-03-01', utc(2026, 3, 1), 0, null, null, 1],
  );
  assert.throws(() => renewalSucceeded(next, 'bpa_1', T0), /does not expect/, 'a payment is applied once');
});
