/**
 * A recurring price's periods, as Stripe counts them: every period is
 * measured from the billing cycle anchor, not from the previous period's
 * end, so a subscription anchored on the 31st renews on Feb 28 (29), then
 * on Mar 31 again — never drifting to the 28th. Months and years keep the
 * anchor's time of day in UTC; a day past the end of a month is clamped to
 * its last day. Pure: time is passed in.
 */

export type RecurringInterval = 'day' | 'week' | 'month' | 'year';

export const RECURRING_INTERVALS: readonly RecurringInterval[] = ['day', 'week', 'month', 'year'];

/** Stripe's limit: a price may recur at most every three years (36 months, 156 weeks, 1095 days). */
export const MAX_INTERVAL_COUNT: Readonly<Record<RecurringInterval, number>> = { day: 1095, week: 156, month: 36, year: 3 };

const DAY_MS = 24 * 60 * 60 * 1000;

/** The moment `cycles` periods of `count` × `interval` after the anchor. */
export function periodBoundary(anchorMs: number, interval: RecurringInterval, count: number, cycles: number): number {
  const steps = count * cycles;
  if (interval === 'day') return anchorMs + steps * DAY_MS;
  if (interval === 'week') return anchorMs + steps * 7 * DAY_MS;
  const months = interval === 'month' ? steps : steps * 12;
  const anchor = new Date(anchorMs);
  const totalMonths = anchor.getUTCFullYear() * 12 + anchor.getUTCMonth() + months;
  const year = Math.floor(totalMonths / 12);
  const month = totalMonths - year * 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(anchor.getUTCDate(), lastDay);
  return Date.UTC(year, month, day, anchor.getUTCHours(), anchor.getUTCMinutes(), anchor.getUTCSeconds(), anchor.getUTCMilliseconds());
}

/** Period `cycle` (0 is the first): its start and end. */
export function billingPeriod(anchorMs: number, interval: RecurringInterval, count: number, cycle: number): { startMs: number; endMs: number } {
  return { startMs: periodBoundary(anchorMs, interval, count, cycle), endMs: periodBoundary(anchorMs, interval, count, cycle + 1) };
}
