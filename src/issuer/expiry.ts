import type { RandomSource } from '../platform/ids.ts';

/**
 * Card expiry. A card issued in month M of year Y expires between M/(Y+3)
 * and M/(Y+5), drawn per card (randomCardExpiry), and is valid through the
 * last millisecond of that month in UTC: it is expired from 00:00:00.000
 * UTC on the first day of the following month. (Networks
 * treat the printed expiry as "valid through"; using UTC gives one answer
 * everywhere.)
 *
 * Pure arithmetic on `nowMs`; nothing here reads the clock.
 */

export const CARD_VALIDITY_YEARS = 3;

export interface CardExpiry {
  /** 1–12. */
  readonly expMonth: number;
  /** Four digits. */
  readonly expYear: number;
}

/** The expiry of a card issued at `nowMs`: same month, `years` later. */
export function cardExpiry(nowMs: number, years = CARD_VALIDITY_YEARS): CardExpiry {
  if (!Number.isSafeInteger(years) || years < 1) throw new RangeError(`validity must be a whole number of years ≥ 1, got ${years}`);
  const { year, month } = utcYearMonth(nowMs);
  return { expMonth: month, expYear: year + years };
}

/** How many months a card's validity may run past its program's minimum: its expiry is drawn, per card, from that range. */
export const EXPIRY_SPREAD_MONTHS = 24;

/**
 * The expiry of a card issued at `nowMs`: `years` × 12 to that plus
 * EXPIRY_SPREAD_MONTHS months later (36–60 by default), the month drawn at
 * random for each card. A fixed "issued + 3 years" would let anyone who can
 * guess when a card was issued guess its expiry; 25 equally likely
 * expiries per issue month make a guess cost the card-testing limit
 * (authorization/decline-limiter.ts) far more than it can pay.
 */
export function randomCardExpiry(nowMs: number, random: RandomSource, years = CARD_VALIDITY_YEARS): CardExpiry {
  const first = cardExpiry(nowMs, years);
  const months = uniformBelow(random, EXPIRY_SPREAD_MONTHS + 1);
  const index = first.expYear * 12 + (first.expMonth - 1) + months;
  return { expMonth: (index % 12) + 1, expYear: Math.floor(index / 12) };
}

/** 0 ≤ n < bound, uniformly: rejection sampling on 32-bit draws, so no value is favoured. */
function uniformBelow(random: RandomSource, bound: number): number {
  const limit = Math.floor(0x1_0000_0000 / bound) * bound;
  for (;;) {
    const bytes = random(4);
    const value = ((bytes[0]! << 24) >>> 0) + (bytes[1]! << 16) + (bytes[2]! << 8) + bytes[3]!;
    if (value < limit) return value % bound;
  }
}

/** The first millisecond at which a card with this expiry is expired. */
export function expiresAtMs(expMonth: number, expYear: number): number {
  checkExpiry(expMonth, expYear);
  // Date.UTC takes a 0-based month, so passing expMonth names the following month (12 rolls over to January).
  return Date.UTC(expYear, expMonth, 1);
}

export function isExpired(expMonth: number, expYear: number, nowMs: number): boolean {
  checkNow(nowMs);
  return nowMs >= expiresAtMs(expMonth, expYear);
}

/** `MM/YY`, as printed on a card. */
export function formatExpiry(expMonth: number, expYear: number): string {
  checkExpiry(expMonth, expYear);
  return `${String(expMonth).padStart(2, '0')}/${String(expYear % 100).padStart(2, '0')}`;
}

/** UTC calendar year and month (1–12) of an epoch millisecond, without a Date object (Hinnant's civil_from_days). */
export function utcYearMonth(nowMs: number): { year: number; month: number } {
  checkNow(nowMs);
  const days = Math.floor(nowMs / 86_400_000);
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return { year, month };
}

function checkExpiry(expMonth: number, expYear: number): void {
  if (!Number.isInteger(expMonth) || expMonth < 1 || expMonth > 12) throw new RangeError(`expiry month must be 1–12, got ${expMonth}`);
  if (!Number.isInteger(expYear) || expYear < 1970 || expYear > 9999) throw new RangeError(`expiry year must be four digits, got ${expYear}`);
}

function checkNow(nowMs: number): void {
  if (!Number.isSafeInteger(nowMs) || nowMs < 0) throw new RangeError(`nowMs must be a whole non-negative epoch millisecond, got ${nowMs}`);
}
