import type { FastifyPluginAsync } from 'fastify';
import { BILLING_CURRENCY } from '../billing-ledger.ts';
import type { BillingServices } from '../billing-services.ts';
import type { AutoRechargeView } from '../auto-recharge/auto-recharge.ts';
import { pauseMessage } from '../auto-recharge/recharge-notices.ts';
import { explainFailure } from '../payments/decline-explanation.ts';
import { MAILBOX_PAGE_MAX, readSandboxMailbox } from '../notifications/sandbox-mailbox.ts';
import { orgOf, requireOrganization } from './billing-auth.ts';
import { amountObject } from './billing-objects.ts';
import { paymentWithReceipt } from './billing-routes.ts';

/**
 * Auto-recharge settings and status, and the organization's notifications
 * (the sandbox mailbox), mounted at `/billing/v1` next to billingRoutes.
 * The status is what the page must show — off, active or paused with its
 * reason — never just the owner's switch: `enabled` can be true while a
 * pause stops every recharge.
 */

const TAG = ['billing'];
const CENTS = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'US cents' } as const;

export function autoRechargeRoutes(services: BillingServices): FastifyPluginAsync {
  const { db, config } = services.deps;

  async function answer(view: AutoRechargeView) {
    const { settings, status } = view;
    const currency = settings?.currency ?? BILLING_CURRENCY;
    const lastFailure = view.lastAttempt?.status === 'failed' ? explainFailure(view.lastAttempt.failure, view.lastAttempt.failureClass) : null;
    const message = status.pausedReason === null ? null : pauseMessage(status.pausedReason, lastFailure);
    return {
      object: 'billing.auto_recharge',
      enabled: settings?.enabled ?? false,
      status: status.status,
      paused_reason: status.pausedReason,
      paused_message: message?.en ?? null,
      paused_message_zh: message?.zh ?? null,
      threshold: settings === null ? null : amountObject(settings.thresholdMinor, currency),
      target: settings === null ? null : amountObject(settings.targetMinor, currency),
      monthly_limit: settings?.monthlyLimitMinor == null ? null : amountObject(settings.monthlyLimitMinor, currency),
      used_this_month: amountObject(view.usedThisMonthMinor, currency),
      recharge_minimum: amountObject(config.rechargeMinimumMinor, currency),
      declines_in_a_row: settings?.declinesInARow ?? 0,
      in_flight_payment: view.inFlight?.id ?? null,
      last_payment: view.lastAttempt === null ? null : { ...(await paymentWithReceipt(services, view.lastAttempt)), explanation: lastFailure?.en ?? null },
      next_attempt_at: status.nextAttemptAtMs === null ? null : new Date(status.nextAttemptAtMs).toISOString(),
    };
  }

  return async (app) => {
    requireOrganization(app, db, services.deps.clock);

    app.get('/auto_recharge', { schema: { tags: TAG, summary: 'Auto-recharge: the rule, and whether it is off, active or paused (and why)' } }, async (request) =>
      answer(await services.autoRecharge.view(orgOf(request).id)),
    );

    app.post<{ Body: { enabled: boolean; threshold?: number; target?: number; monthly_limit?: number | null } }>(
      '/auto_recharge',
      {
        schema: {
          tags: TAG,
          summary: 'Set auto-recharge up: below `threshold`, charge the default card to bring the balance to `target`; turning it on again ends a pause',
          body: {
            type: 'object',
            required: ['enabled'],
            additionalProperties: false,
            properties: {
              enabled: { type: 'boolean' },
              threshold: CENTS,
              target: CENTS,
              // A type list, not anyOf: with type coercion on, anyOf would read null as the integer 0.
              monthly_limit: { type: ['integer', 'null'], minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'US cents a calendar month (UTC), or null for no limit' },
            },
          },
        },
      },
      async (request) => {
        const body = request.body;
        const view = await services.autoRecharge.configure(orgOf(request).id, {
          enabled: body.enabled,
          ...(body.threshold === undefined ? {} : { thresholdMinor: body.threshold }),
          ...(body.target === undefined ? {} : { targetMinor: body.target }),
          ...(body.monthly_limit === undefined ? {} : { monthlyLimitMinor: body.monthly_limit }),
        });
        return answer(view);
      },
    );

    app.get<{ Querystring: { limit?: number } }>(
      '/notifications',
      {
        schema: {
          tags: TAG,
          summary: "The organization's notifications as delivered to its sandbox mailbox, newest first",
          querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: MAILBOX_PAGE_MAX } } },
        },
      },
      async (request) => {
        const letters = await readSandboxMailbox(db, orgOf(request).id, request.query.limit ?? 20);
        return {
          object: 'list',
          data: letters.map((letter) => ({
            id: letter.id,
            object: 'billing.notification',
            notification: letter.notificationId,
            kind: letter.kind,
            to: letter.to,
            subject: letter.subject,
            body: letter.body,
            received_at: new Date(letter.receivedAtMs).toISOString(),
          })),
        };
      },
    );
  };
}
