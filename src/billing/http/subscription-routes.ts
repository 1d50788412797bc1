import type { FastifyPluginAsync } from 'fastify';
import { BillingError } from '../errors.ts';
import type { BillingServices } from '../billing-services.ts';
import { findAttempt } from '../payments/payment-attempts.ts';
import { findPlan, listActivePlans, type Plan } from '../subscriptions/plans.ts';
import { findSubscription, listSubscriptions, type Subscription } from '../subscriptions/subscription-store.ts';
import { orgOf, requireOrganization } from './billing-auth.ts';
import { amountObject } from './billing-objects.ts';
import { paymentAnswer, paymentWithReceipt } from './billing-routes.ts';

/**
 * Subscriptions on the billing page's API (`/billing/v1`, an organization's
 * API key): the plans, subscribing with the default card, the
 * organization's subscriptions, cancel (now or at period end) and taking a
 * cancellation at period end back. A declined first payment answers 402
 * with the same card error as a declined purchase (the payment inside names
 * the subscription, which stays `incomplete`).
 */

const TAG = ['billing'];
const ID = { type: 'string', minLength: 1, maxLength: 120 } as const;
const idParams = { type: 'object', required: ['id'], properties: { id: ID } } as const;
const LIST_LIMIT_MAX = 100;
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function planObject(plan: Plan) {
  return {
    id: plan.id,
    object: 'billing.plan',
    name: plan.name,
    amount: amountObject(plan.amountMinor, plan.currency),
    interval: 'month',
    interval_count: plan.intervalMonths,
  };
}

async function subscriptionObject(services: BillingServices, sub: Subscription) {
  const db = services.deps.db;
  // Plans are never deleted (subscriptions reference them), only closed to new subscribers.
  const plan = (await findPlan(db, sub.planId))!;
  const latest = sub.latestAttemptId === null ? null : await findAttempt(db, sub.latestAttemptId);
  return {
    id: sub.id,
    object: 'billing.subscription',
    plan: planObject(plan),
    status: sub.status,
    price: amountObject(sub.amountMinor, sub.currency),
    current_period_start: iso(sub.currentPeriodStartMs),
    current_period_end: iso(sub.currentPeriodEndMs),
    // When the next charge (renewal or retry) is due; null when none is (incomplete, canceled, or ending with its period).
    next_payment_at: sub.status === 'canceled' || sub.cancelAtPeriodEnd ? null : iso(sub.nextChargeAtMs),
    past_due_since: iso(sub.pastDueSinceMs),
    failed_payments: sub.failedCharges,
    last_failure_code: sub.lastFailureCode,
    cancel_at_period_end: sub.cancelAtPeriodEnd,
    cancel_requested_at: iso(sub.cancelRequestedAtMs),
    ended_at: iso(sub.endedAtMs),
    cancellation_reason: sub.cancelReason,
    latest_payment: latest === null ? null : await paymentWithReceipt(services, latest),
    created_at: iso(sub.createdAtMs),
  };
}

export function subscriptionRoutes(services: BillingServices): FastifyPluginAsync {
  const { db } = services.deps;
  const mine = async (orgId: string, id: string) => {
    const sub = await findSubscription(db, id);
    if (sub === null || sub.orgId !== orgId) throw new BillingError('resource_missing', `No subscription ${id}.`);
    return sub;
  };
  return async (app) => {
    requireOrganization(app, db, services.deps.clock);

    app.get('/plans', { schema: { tags: TAG, summary: 'Plans one can subscribe to' } }, async () => ({ object: 'list', data: (await listActivePlans(db)).map(planObject) }));

    app.post<{ Body: { plan: string } }>(
      '/subscriptions',
      {
        schema: {
          tags: TAG,
          summary: 'Subscribe to a plan; the first period is paid now with the default card. Send an Idempotency-Key to make retries safe',
          body: { type: 'object', required: ['plan'], additionalProperties: false, properties: { plan: ID } },
        },
      },
      async (request, reply) => {
        const clientKey = request.headers['idempotency-key'];
        if (clientKey !== undefined && (typeof clientKey !== 'string' || clientKey.length === 0 || clientKey.length > 255)) {
          throw new BillingError('parameter_invalid', 'Idempotency-Key is 1 to 255 characters.', { param: 'Idempotency-Key' });
        }
        const result = await services.subscriptions.subscribe(orgOf(request).id, { planId: request.body.plan, clientKey: clientKey ?? null });
        if (result.attempt.status === 'failed') return paymentAnswer(services, result.attempt, reply);
        reply.status(result.attempt.status === 'processing' ? 202 : 201);
        return subscriptionObject(services, result.subscription);
      },
    );

    app.get<{ Querystring: { limit?: number; before?: string } }>(
      '/subscriptions',
      {
        schema: {
          tags: TAG,
          summary: "The organization's subscriptions, newest first, ended ones included",
          querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: LIST_LIMIT_MAX }, before: ID } },
        },
      },
      async (request) => {
        const limit = request.query.limit ?? 20;
        const rows = await listSubscriptions(db, orgOf(request).id, { limit: limit + 1, before: request.query.before ?? null });
        const page = rows.slice(0, limit);
        return { object: 'list', data: await Promise.all(page.map((sub) => subscriptionObject(services, sub))), has_more: rows.length > limit };
      },
    );

    app.get<{ Params: { id: string } }>('/subscriptions/:id', { schema: { tags: TAG, summary: 'One subscription', params: idParams } }, async (request) =>
      subscriptionObject(services, await mine(orgOf(request).id, request.params.id)),
    );

    app.post<{ Params: { id: string }; Body: { at_period_end?: boolean } | undefined }>(
      '/subscriptions/:id/cancel',
      {
        schema: {
          tags: TAG,
          summary: 'Cancel now, or (at_period_end) when the paid period ends',
          params: idParams,
          body: { type: 'object', additionalProperties: false, properties: { at_period_end: { type: 'boolean', default: false } } },
        },
        // The body is optional: no body is `{}` (cancel now).
        preValidation: async (request) => {
          request.body ??= {};
        },
      },
      async (request) => {
        const sub = await services.subscriptions.cancel(orgOf(request).id, request.params.id, { atPeriodEnd: request.body?.at_period_end ?? false });
        return subscriptionObject(services, sub);
      },
    );

    app.post<{ Params: { id: string } }>(
      '/subscriptions/:id/resume',
      { schema: { tags: TAG, summary: 'Take back a cancellation at period end, while the period lasts', params: idParams } },
      async (request) => subscriptionObject(services, await services.subscriptions.resume(orgOf(request).id, request.params.id)),
    );
  };
}
