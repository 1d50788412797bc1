/**
 * Billing periods in calendar months, in UTC. Every boundary is computed
 * from the subscription's anchor — the instant its first payment succeeded —
 * never from the previous boundary, so the anchor's day survives short
 * months: Jan 31 → Feb 28 (29 in a leap year) → Mar 31 → Apr 30 → May 31.
 * The time of day is the anchor's too. (Chaining would drift: Jan 31 →
 * Feb 28 → Mar 28 → … for ever.)
 */

export interface Period {
  readonly startMs: number;
  readonly endMs: number;
}

// Date.UTC maps years 0–99 to 1900–1999; billing never needs them.
const MIN_YEAR = 1970;
const MAX_YEAR = 9999;

/** The instant `months` calendar months after `anchorMs`: the anchor's day (clamped to the month's last day) and time of day. */
export function addCalendarMonths(anchorMs: number, months: number): number {
  if (!Number.isSafeInteger(anchorMs) || !Number.isSafeInteger(months) || months < 0) throw new RangeError(`addCalendarMonths(${anchorMs}, ${months})`);
  const anchor = new Date(anchorMs);
  const monthNumber = anchor.getUTCFullYear() * 12 + anchor.getUTCMonth() + months;
  const year = Math.floor(monthNumber / 12);
  const month = monthNumber % 12;
  if (anchor.getUTCFullYear() < MIN_YEAR || year > MAX_YEAR) throw new RangeError(`a billing date must fall between ${MIN_YEAR} and ${MAX_YEAR}`);
  const day = Math.min(anchor.getUTCDate(), daysInMonth(year, month));
  return Date.UTC(year, month, day, anchor.getUTCHours(), anchor.getUTCMinutes(), anchor.getUTCSeconds(), anchor.getUTCMilliseconds());
}

/** Days in a month (`month` 0–11) of a year, leap years included. */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

/** Period number `index` (0 = the first) of a subscription anchored at `anchorMs` that renews every `intervalMonths` months. */
export function periodOf(anchorMs: number, intervalMonths: number, index: number): Period {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`period index ${index}`);
  return { startMs: addCalendarMonths(anchorMs, index * intervalMonths), endMs: addCalendarMonths(anchorMs, (index + 1) * intervalMonths) };
}
