import type { FastifyPluginAsync } from 'fastify';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { endpoint, registerEndpoints, type AnyEndpoint } from '../../platform/http/typed-route.ts';
import { describeAdjustment, listAdjustments, type CreditAdjustment } from '../provider-events/credit-adjustments.ts';
import { organizationAuth, orgOf } from './billing-auth.ts';
import { amountObject } from './billing-objects.ts';

const TAG = ['billing'];
const LIST_MAX = 100;

export const creditAdjustmentsQuery = { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: LIST_MAX } } } as const;

export function creditAdjustmentObject(adjustment: CreditAdjustment) {
  return {
    id: adjustment.id,
    object: 'billing.credit_adjustment',
    kind: adjustment.kind,
    payment: adjustment.attemptId,
    provider_object: adjustment.providerObjectId,
    provider_event: adjustment.providerEventId,
    amount: amountObject(adjustment.amountMinor, adjustment.currency),
    credits_removed: amountObject(adjustment.creditsRemovedMinor, adjustment.currency),
    debt: amountObject(adjustment.debtMinor, adjustment.currency),
    credits_restored: amountObject(adjustment.creditsRestoredMinor, adjustment.currency),
    debt_cancelled: amountObject(adjustment.debtCancelledMinor, adjustment.currency),
    reason: adjustment.detail,
    description: describeAdjustment(adjustment),
    created_at: new Date(adjustment.createdAtMs).toISOString(),
  };
}

/** Credits the payment provider's events took away or gave back (refunds made outside billing, disputes, refunds that failed), newest first, mounted at `/billing/v1`. */
export function creditAdjustmentEndpoints(deps: { readonly db: Database; readonly clock: Clock }): AnyEndpoint[] {
  const { db, clock } = deps;
  return [
    endpoint({
      method: 'GET',
      url: '/credit_adjustments',
      auth: organizationAuth(db, clock),
      schema: { tags: TAG, summary: 'Credits removed by refunds made at the payment provider and by disputes, and given back by won disputes and failed refunds, with why (en, zh-CN)', querystring: creditAdjustmentsQuery },
      handler: async (request) => ({ object: 'list', data: (await listAdjustments(db, orgOf(request).id, request.query.limit ?? 20)).map(creditAdjustmentObject) }),
    }),
  ];
}

export function creditAdjustmentRoutes(deps: { readonly db: Database; readonly clock: Clock }): FastifyPluginAsync {
  return async (app) => registerEndpoints(app, creditAdjustmentEndpoints(deps));
}
