import type { FastifyPluginAsync } from 'fastify';
import { endpoint, registerEndpoints, type AnyEndpoint } from '../../platform/http/typed-route.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { budgetView, removeBudget, saveBudget, type BudgetView } from '../budgets/budgets.ts';
import { organizationAuth, orgOf } from './billing-auth.ts';
import { amountObject } from './billing-objects.ts';

const TAG = ['billing'];

export const budgetBody = {
  type: 'object',
  required: ['monthly_budget'],
  additionalProperties: false,
  properties: {
    monthly_budget: { type: 'integer', description: 'US cents a calendar month (UTC)' },
    alert_thresholds: { type: 'array', maxItems: 10, items: { type: 'integer' }, description: 'Percentages of the budget that send an e-mail once a month each; default [50, 80, 100]' },
    hard_limit: { type: 'boolean', default: false, description: 'Refuse usage that would go past the budget' },
  },
} as const;

const iso = (ms: number) => new Date(ms).toISOString();

export function budgetObject(view: BudgetView) {
  const { budget } = view;
  return {
    object: 'billing.budget',
    monthly_budget: budget === null ? null : amountObject(budget.monthlyBudgetMinor, budget.currency),
    alert_thresholds: budget?.alertThresholds ?? [],
    hard_limit: budget?.hardLimit ?? false,
    month: view.month.key,
    month_starts_at: iso(view.month.startMs),
    resets_at: iso(view.month.endMs),
    spent_this_month: amountObject(view.spentMinor, budget?.currency ?? 'USD'),
    alerts_sent: view.alerts.map((alert) => ({ threshold_percent: alert.thresholdPercent, spent: amountObject(alert.spentMinor, budget?.currency ?? 'USD'), sent_at: iso(alert.sentAtMs) })),
  };
}

/** The organization's monthly budget, its alerts and hard limit (budgets.ts), mounted at `/billing/v1`. */
export function budgetEndpoints(deps: { readonly db: Database; readonly clock: Clock }): AnyEndpoint[] {
  const { db, clock } = deps;
  const auth = organizationAuth(db, clock);
  return [
    endpoint({
      method: 'GET',
      url: '/budget',
      auth,
      schema: { tags: TAG, summary: "The monthly budget, this month's spend and the alerts sent" },
      handler: async (request) => budgetObject(await budgetView(db, clock.nowMs(), orgOf(request).id)),
    }),
    endpoint({
      method: 'POST',
      url: '/budget',
      auth,
      schema: { tags: TAG, summary: 'Set the monthly budget, its alert thresholds and whether it is a hard limit', body: budgetBody },
      handler: async (request) => {
        const orgId = orgOf(request).id;
        const body = request.body;
        await saveBudget(db, clock, orgId, {
          monthlyBudgetMinor: body.monthly_budget,
          ...(body.alert_thresholds === undefined ? {} : { alertThresholds: body.alert_thresholds }),
          ...(body.hard_limit === undefined ? {} : { hardLimit: body.hard_limit }),
        });
        return budgetObject(await budgetView(db, clock.nowMs(), orgId));
      },
    }),
    endpoint({
      method: 'DELETE',
      url: '/budget',
      auth,
      schema: { tags: TAG, summary: 'Remove the budget (no alerts, no limit)' },
      handler: async (request) => {
        const orgId = orgOf(request).id;
        await removeBudget(db, orgId);
        return budgetObject(await budgetView(db, clock.nowMs(), orgId));
      },
    }),
  ];
}

export function budgetRoutes(deps: { readonly db: Database; readonly clock: Clock }): FastifyPluginAsync {
  return async (app) => registerEndpoints(app, budgetEndpoints(deps));
}
