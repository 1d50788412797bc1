import { lookupAccounts } from '../../ledger/index.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database, Sql, Tx } from '../../platform/db/database.ts';
import type { IdGenerator } from '../../platform/ids.ts';
import { BILLING_CURRENCY, orgCreditsAccount } from '../billing-ledger.ts';
import { BillingError } from '../errors.ts';
import { notify } from '../notifications/notification-outbox.ts';
import { budgetMonth, type BudgetMonth } from './budget-month.ts';
import { budgetAlertNotice } from './budget-notice.ts';

/**
 * An organization's monthly budget: e-mail alerts when this month's usage
 * reaches each threshold (a percentage of the budget), once per threshold
 * per month, and optionally a hard limit that refuses usage which would take
 * the month past the budget.
 *
 * Both happen inside the usage transaction (metering.ts): the budget row is
 * locked first, so concurrent requests of one organization are judged one
 * after another against what the others committed, and an alert is a row
 * keyed (organization, month, threshold) written with its notification — a
 * replay or a second process writes nothing more.
 */

export const DEFAULT_ALERT_THRESHOLDS: readonly number[] = [50, 80, 100];
const MAX_THRESHOLDS = 10;

export interface Budget {
  readonly orgId: string;
  readonly monthlyBudgetMinor: number;
  readonly currency: string;
  /** Percentages of the budget, ascending, each 1–100. */
  readonly alertThresholds: readonly number[];
  readonly hardLimit: boolean;
  readonly updatedAtMs: number;
}

export interface BudgetInput {
  readonly monthlyBudgetMinor: number;
  readonly alertThresholds?: readonly number[];
  readonly hardLimit?: boolean;
}

function fromRow(row: any): Budget {
  return {
    orgId: row.org_id,
    monthlyBudgetMinor: Number(row.monthly_budget_minor),
    currency: row.currency,
    alertThresholds: String(row.alert_thresholds)
      .split(',')
      .filter((part) => part !== '')
      .map(Number),
    hardLimit: Number(row.hard_limit) === 1,
    updatedAtMs: Number(row.updated_at_ms),
  };
}

export async function readBudget(sql: Sql, orgId: string, options: { lock?: boolean } = {}): Promise<Budget | null> {
  const row = await sql.get(
    `SELECT org_id, monthly_budget_minor, currency, alert_thresholds, hard_limit, updated_at_ms FROM billing_budgets WHERE org_id = ? ${options.lock ? sql.forUpdate : ''}`,
    [orgId],
  );
  return row === undefined ? null : fromRow(row);
}

/** Validates and saves the budget (replacing any); alerts already sent this month stay sent. */
export async function saveBudget(db: Database, clock: Clock, orgId: string, input: BudgetInput): Promise<Budget> {
  if (!Number.isSafeInteger(input.monthlyBudgetMinor) || input.monthlyBudgetMinor <= 0) {
    throw new BillingError('budget_amount_invalid', 'A monthly budget is a whole number of cents above zero.', { param: 'monthly_budget' });
  }
  const thresholds = [...(input.alertThresholds ?? DEFAULT_ALERT_THRESHOLDS)];
  const valid = thresholds.length <= MAX_THRESHOLDS && thresholds.every((pct) => Number.isInteger(pct) && pct >= 1 && pct <= 100) && new Set(thresholds).size === thresholds.length;
  if (!valid) {
    throw new BillingError('budget_thresholds_invalid', `Alert thresholds are up to ${MAX_THRESHOLDS} different whole percentages from 1 to 100.`, { param: 'alert_thresholds' });
  }
  thresholds.sort((a, b) => a - b);
  const budget: Budget = { orgId, monthlyBudgetMinor: input.monthlyBudgetMinor, currency: BILLING_CURRENCY, alertThresholds: thresholds, hardLimit: input.hardLimit ?? false, updatedAtMs: clock.nowMs() };
  await db.run(
    `INSERT INTO billing_budgets (org_id, monthly_budget_minor, currency, alert_thresholds, hard_limit, updated_at_ms) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (org_id) DO UPDATE SET monthly_budget_minor = excluded.monthly_budget_minor, alert_thresholds = excluded.alert_thresholds,
       hard_limit = excluded.hard_limit, updated_at_ms = excluded.updated_at_ms`,
    [orgId, budget.monthlyBudgetMinor, budget.currency, thresholds.join(','), budget.hardLimit ? 1 : 0, budget.updatedAtMs],
  );
  return budget;
}

export async function removeBudget(db: Database, orgId: string): Promise<boolean> {
  return (await db.run('DELETE FROM billing_budgets WHERE org_id = ?', [orgId])) > 0;
}

/** What the organization's usage cost in the month, in cents (usage events are written in the same transaction as their debit). */
export async function spentInMonth(sql: Sql, orgId: string, month: BudgetMonth): Promise<number> {
  const row = await sql.get<{ total: number | string | null }>(
    'SELECT SUM(amount_minor) AS total FROM billing_usage_events WHERE org_id = ? AND created_at_ms >= ? AND created_at_ms < ?',
    [orgId, month.startMs, month.endMs],
  );
  return Number(row?.total ?? 0);
}

export type BudgetGate = { readonly result: 'allowed' } | { readonly result: 'budget_exceeded'; readonly budgetMinor: number; readonly currency: string; readonly resetsAtMs: number };

/**
 * Inside a usage transaction, before its debit or hold: locks the budget row
 * (so one organization's requests are judged in turn) and, under a hard
 * limit, refuses usage that would take this month's spend — with what other
 * streams still hold, which may yet be spent — past the budget.
 */
export async function gateUsage(tx: Tx, deps: { ids: IdGenerator; clock: Clock }, orgId: string, priceMinor: number): Promise<BudgetGate> {
  const nowMs = deps.clock.nowMs();
  const budget = await readBudget(tx, orgId, { lock: true });
  if (budget === null || !budget.hardLimit) return { result: 'allowed' };
  const month = budgetMonth(nowMs);
  const [credits] = await lookupAccounts(tx, [orgCreditsAccount(orgId)]);
  const held = credits?.debits_pending ?? 0;
  if ((await spentInMonth(tx, orgId, month)) + held + priceMinor <= budget.monthlyBudgetMinor) return { result: 'allowed' };
  // Refused: the month's budget is used up as far as it can be, so every threshold not told yet is told now (the 100% one too,
  // though the spend may stop a few cents short of it). The refusal commits these letters, and nothing else.
  await sendBudgetAlerts(tx, deps, orgId, { limitReached: true });
  return { result: 'budget_exceeded', budgetMinor: budget.monthlyBudgetMinor, currency: budget.currency, resetsAtMs: month.endMs };
}

/** Inside a usage transaction, after its event is written: one alert for each threshold this month's spend has reached and that was not sent yet. */
export async function sendBudgetAlerts(tx: Tx, deps: { ids: IdGenerator; clock: Clock }, orgId: string, options: { limitReached?: boolean } = {}): Promise<number> {
  const budget = await readBudget(tx, orgId);
  if (budget === null) return 0;
  const nowMs = deps.clock.nowMs();
  const month = budgetMonth(nowMs);
  const spent = await spentInMonth(tx, orgId, month);
  let sent = 0;
  for (const pct of budget.alertThresholds) {
    // Integer arithmetic: spent/budget ≥ pct/100 without rounding.
    if (!options.limitReached && spent * 100 < budget.monthlyBudgetMinor * pct) break;
    const letter = budgetAlertNotice({ thresholdPercent: pct, budgetMinor: budget.monthlyBudgetMinor, spentMinor: spent, currency: budget.currency, monthKey: month.key, hardLimit: budget.hardLimit });
    const notice = await notify(tx, deps, { orgId, kind: 'budget.alert', dedupKey: `budget:${orgId}:${month.key}:${pct}`, ...letter });
    const inserted = await tx.run(
      `INSERT INTO billing_budget_alerts (org_id, month, threshold_percent, budget_minor, spent_minor, notification_id, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (org_id, month, threshold_percent) DO NOTHING`,
      [orgId, month.key, pct, budget.monthlyBudgetMinor, spent, notice.id, nowMs],
    );
    sent += inserted;
  }
  return sent;
}

export interface BudgetView {
  readonly budget: Budget | null;
  readonly month: BudgetMonth;
  readonly spentMinor: number;
  readonly alerts: readonly { readonly thresholdPercent: number; readonly spentMinor: number; readonly sentAtMs: number }[];
}

export async function budgetView(sql: Sql, nowMs: number, orgId: string): Promise<BudgetView> {
  const month = budgetMonth(nowMs);
  const alerts = await sql.all<any>('SELECT threshold_percent, spent_minor, created_at_ms FROM billing_budget_alerts WHERE org_id = ? AND month = ? ORDER BY threshold_percent', [orgId, month.key]);
  return {
    budget: await readBudget(sql, orgId),
    month,
    spentMinor: await spentInMonth(sql, orgId, month),
    alerts: alerts.map((row) => ({ thresholdPercent: Number(row.threshold_percent), spentMinor: Number(row.spent_minor), sentAtMs: Number(row.created_at_ms) })),
  };
}
