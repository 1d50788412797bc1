import { placeholders, type Sql, type Tx } from '../../platform/db/database.ts';
import { utcYearMonth } from '../expiry.ts';

/**
 * A card's approved purchase amounts in its current UTC day and UTC month,
 * for the per-day and per-month limits. Kept as a counter row per card (not
 * summed from the authorizations) so that a busy card's check costs the
 * same as an idle one's. Periods are indices (days since the epoch; months
 * since year 0), so a counter from an earlier period reads as zero.
 *
 * What counts: what the card actually spent or still holds. The approved
 * amount of every purchase and every approved incremental authorization is
 * added in the period of its approval; what is released without being spent
 * is given back to the period it was counted in (spend-release.ts): a
 * reversal, full or partial, a stand-in advice that releases a late
 * approval, an expired hold, and the rest of a hold a final clearing did not
 * take. So a cardholder whose payment failed and was reversed can retry it
 * at once instead of being declined "limit exceeded" for money that never
 * left. Verifications do not count.
 *
 * A merchant's refund does NOT give the limit back, as at most issuers: the
 * limit bounds what the card pays out in a day or a month, and a refund is
 * a new credit from the merchant (often weeks later, in another period), not
 * an undoing of the payment. Restoring it would let a stolen card, or a
 * merchant colluding with one, cycle purchase-and-refund past any limit.
 * The refunded money is back on the card to spend within the next period.
 *
 * The counter is kept only while the card has a per-day or per-month limit
 * (most cards have none, and a row written per approval is a page written
 * per approval). When a limit is set, `rebuildSpend` (spend-release.ts)
 * recomputes the counter from the records, so spending from before the
 * limit counts, and releases from before it do not.
 */
export interface SpendCounters {
  readonly dayIndex: number;
  readonly dayUsdMinor: number;
  readonly monthIndex: number;
  readonly monthUsdMinor: number;
}

const DAY_MS = 86_400_000;

export const NO_SPEND: SpendCounters = { dayIndex: -1, dayUsdMinor: 0, monthIndex: -1, monthUsdMinor: 0 };

export function periodsOf(nowMs: number): { dayIndex: number; monthIndex: number } {
  const { year, month } = utcYearMonth(nowMs);
  return { dayIndex: Math.floor(nowMs / DAY_MS), monthIndex: year * 12 + (month - 1) };
}

/** What was spent so far today and this month (UTC). */
export function spentNow(counters: SpendCounters, nowMs: number): { day: number; month: number } {
  const { dayIndex, monthIndex } = periodsOf(nowMs);
  return {
    day: counters.dayIndex === dayIndex ? counters.dayUsdMinor : 0,
    month: counters.monthIndex === monthIndex ? counters.monthUsdMinor : 0,
  };
}

export function addSpend(counters: SpendCounters, amountUsdMinor: number, nowMs: number): SpendCounters {
  const { dayIndex, monthIndex } = periodsOf(nowMs);
  const spent = spentNow(counters, nowMs);
  return { dayIndex, dayUsdMinor: spent.day + amountUsdMinor, monthIndex, monthUsdMinor: spent.month + amountUsdMinor };
}

export async function loadSpend(sql: Sql, cardIds: readonly string[]): Promise<Map<string, SpendCounters>> {
  const found = new Map<string, SpendCounters>();
  if (cardIds.length === 0) return found;
  const rows = await sql.all<{ card_id: string; day_index: number; day_usd_minor: number; month_index: number; month_usd_minor: number }>(
    `SELECT card_id, day_index, day_usd_minor, month_index, month_usd_minor FROM issuer_card_spend WHERE card_id IN ${placeholders(cardIds.length)}`,
    cardIds,
  );
  for (const row of rows) {
    found.set(row.card_id, {
      dayIndex: Number(row.day_index),
      dayUsdMinor: Number(row.day_usd_minor),
      monthIndex: Number(row.month_index),
      monthUsdMinor: Number(row.month_usd_minor),
    });
  }
  return found;
}

/** Writes the counters as computed under the card's lock. */
export async function saveSpend(tx: Tx, cardId: string, counters: SpendCounters, nowMs: number): Promise<void> {
  await tx.run(
    `INSERT INTO issuer_card_spend (card_id, day_index, day_usd_minor, month_index, month_usd_minor, updated_at_ms) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (card_id) DO UPDATE SET day_index = excluded.day_index, day_usd_minor = excluded.day_usd_minor,
       month_index = excluded.month_index, month_usd_minor = excluded.month_usd_minor, updated_at_ms = excluded.updated_at_ms`,
    [cardId, counters.dayIndex, counters.dayUsdMinor, counters.monthIndex, counters.monthUsdMinor, nowMs],
  );
}

export function tracksSpend(limits: { readonly perDayUsdMinor: number | null; readonly perMonthUsdMinor: number | null }): boolean {
  return limits.perDayUsdMinor !== null || limits.perMonthUsdMinor !== null;
}
