import type { FastifyPluginAsync } from 'fastify';
import { endpoint, registerEndpoints, type AnyEndpoint } from '../../platform/http/typed-route.ts';
import type { BillingServices } from '../billing-services.ts';
import { readSandboxMailbox } from '../notifications/sandbox-mailbox.ts';
import { autoRechargeObject, notificationObject } from './auto-recharge-objects.ts';
import { organizationAuth, orgOf } from './billing-auth.ts';
import { autoRechargeBody, notificationsQuery } from './billing-schemas.ts';

const TAG = ['billing'];

/**
 * Auto-recharge settings and status, and the organization's notifications
 * (the sandbox mailbox), mounted at `/billing/v1` next to billingRoutes.
 */
export function autoRechargeEndpoints(services: BillingServices): AnyEndpoint[] {
  const { db } = services.deps;
  const auth = organizationAuth(db, services.deps.clock);
  return [
    endpoint({
      method: 'GET',
      url: '/auto_recharge',
      auth,
      schema: { tags: TAG, summary: 'Auto-recharge: the rule, and whether it is off, active or paused (and why)' },
      handler: async (request) => autoRechargeObject(services, await services.autoRecharge.view(orgOf(request).id)),
    }),

    endpoint({
      method: 'POST',
      url: '/auto_recharge',
      auth,
      schema: {
        tags: TAG,
        summary: 'Set auto-recharge up: below `threshold`, charge the default card to bring the balance to `target`; turning it on again ends a pause',
        body: autoRechargeBody,
      },
      handler: async (request) => {
        const body = request.body;
        const view = await services.autoRecharge.configure(orgOf(request).id, {
          enabled: body.enabled,
          ...(body.threshold === undefined ? {} : { thresholdMinor: body.threshold }),
          ...(body.target === undefined ? {} : { targetMinor: body.target }),
          ...(body.monthly_limit === undefined ? {} : { monthlyLimitMinor: body.monthly_limit }),
        });
        return autoRechargeObject(services, view);
      },
    }),

    endpoint({
      method: 'GET',
      url: '/notifications',
      auth,
      schema: { tags: TAG, summary: "The organization's notifications as delivered to its sandbox mailbox, newest first", querystring: notificationsQuery },
      handler: async (request) => {
        const letters = await readSandboxMailbox(db, orgOf(request).id, request.query.limit ?? 20);
        return { object: 'list', data: letters.map(notificationObject) };
      },
    }),
  ];
}

export function autoRechargeRoutes(services: BillingServices): FastifyPluginAsync {
  return async (app) => registerEndpoints(app, autoRechargeEndpoints(services));
}
