/**
 * A budget month is a calendar month in UTC, as auto-recharge's monthly
 * limit and OpenAI's usage limits: every organization's month starts at the
 * same instant, so "this month's spend" is one range of the usage events and
 * needs no time zone stored per organization. The page shows the reset in
 * the reader's own time.
 */
export interface BudgetMonth {
  /** `2026-12`: the key of the month's alerts. */
  readonly key: string;
  readonly startMs: number;
  readonly endMs: number;
}

export function budgetMonth(nowMs: number): BudgetMonth {
  const now = new Date(nowMs);
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  return { key: `${year}-${String(month + 1).padStart(2, '0')}`, startMs: Date.UTC(year, month, 1), endMs: Date.UTC(year, month + 1, 1) };
}
