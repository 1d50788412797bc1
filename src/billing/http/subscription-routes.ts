import type { FastifyPluginAsync } from 'fastify';
import { endpoint, registerEndpoints, type AnyEndpoint } from '../../platform/http/typed-route.ts';
import { BillingError } from '../errors.ts';
import type { BillingServices } from '../billing-services.ts';
import { listActivePlans } from '../subscriptions/plans.ts';
import { findSubscription, listSubscriptions } from '../subscriptions/subscription-store.ts';
import { organizationAuth, orgOf } from './billing-auth.ts';
import { cancelBody, idParams, subscribeBody, subscriptionsQuery } from './billing-schemas.ts';
import { paymentAnswer, paymentClientKey } from './payment-answer.ts';
import { planObject, subscriptionObject } from './subscription-objects.ts';

const TAG = ['billing'];

/**
 * Subscriptions on the billing page's API (`/billing/v1`, an organization's
 * API key or member session): the plans, subscribing with the default card,
 * the organization's subscriptions, cancel (now or at period end) and taking
 * a cancellation at period end back. A declined first payment answers 402
 * with the same card error as a declined purchase (the payment inside names
 * the subscription, which stays `incomplete`).
 */
export function subscriptionEndpoints(services: BillingServices): AnyEndpoint[] {
  const { db } = services.deps;
  const auth = organizationAuth(db, services.deps.clock);
  const mine = async (orgId: string, id: string) => {
    const sub = await findSubscription(db, id);
    if (sub === null || sub.orgId !== orgId) throw new BillingError('resource_missing', `No subscription ${id}.`);
    return sub;
  };
  return [
    endpoint({
      method: 'GET',
      url: '/plans',
      auth,
      schema: { tags: TAG, summary: 'Plans one can subscribe to' },
      handler: async () => ({ object: 'list', data: (await listActivePlans(db)).map(planObject) }),
    }),

    endpoint({
      method: 'POST',
      url: '/subscriptions',
      auth,
      schema: {
        tags: TAG,
        summary: 'Subscribe to a plan; the first period is paid now with the default card. Send an Idempotency-Key to make retries safe',
        body: subscribeBody,
      },
      handler: async (request, reply) => {
        const clientKey = paymentClientKey(request.headers);
        const result = await services.subscriptions.subscribe(orgOf(request).id, { planId: request.body.plan, clientKey });
        if (result.attempt.status === 'failed') return paymentAnswer(services, result.attempt, reply);
        reply.status(result.attempt.status === 'processing' ? 202 : 201);
        return subscriptionObject(services, result.subscription);
      },
    }),

    endpoint({
      method: 'GET',
      url: '/subscriptions',
      auth,
      schema: { tags: TAG, summary: "The organization's subscriptions, newest first, ended ones included", querystring: subscriptionsQuery },
      handler: async (request) => {
        const { limit = 20, before } = request.query;
        const rows = await listSubscriptions(db, orgOf(request).id, { limit: limit + 1, before: before ?? null });
        const page = rows.slice(0, limit);
        return { object: 'list', data: await Promise.all(page.map((sub) => subscriptionObject(services, sub))), has_more: rows.length > limit };
      },
    }),

    endpoint({
      method: 'GET',
      url: '/subscriptions/:id',
      auth,
      schema: { tags: TAG, summary: 'One subscription', params: idParams },
      handler: async (request) => subscriptionObject(services, await mine(orgOf(request).id, request.params.id)),
    }),

    endpoint({
      method: 'POST',
      url: '/subscriptions/:id/cancel',
      auth,
      // The body is optional: no body is `{}` (cancel now).
      optionalBody: true,
      schema: { tags: TAG, summary: 'Cancel now, or (at_period_end) when the paid period ends', params: idParams, body: cancelBody },
      handler: async (request) => {
        const sub = await services.subscriptions.cancel(orgOf(request).id, request.params.id, { atPeriodEnd: request.body.at_period_end });
        return subscriptionObject(services, sub);
      },
    }),

    endpoint({
      method: 'POST',
      url: '/subscriptions/:id/resume',
      auth,
      schema: { tags: TAG, summary: 'Take back a cancellation at period end, while the period lasts', params: idParams },
      handler: async (request) => subscriptionObject(services, await services.subscriptions.resume(orgOf(request).id, request.params.id)),
    }),
  ];
}

export function subscriptionRoutes(services: BillingServices): FastifyPluginAsync {
  return async (app) => registerEndpoints(app, subscriptionEndpoints(services));
}
