import { BILLING_CURRENCY } from '../billing-ledger.ts';
import type { BillingServices } from '../billing-services.ts';
import type { AutoRechargeView } from '../auto-recharge/auto-recharge.ts';
import { pauseMessage } from '../auto-recharge/recharge-notices.ts';
import type { SandboxLetter } from '../notifications/sandbox-mailbox.ts';
import { explainFailure } from '../payments/decline-explanation.ts';
import { amountObject } from './billing-objects.ts';
import { paymentWithReceipt } from './payment-answer.ts';

/**
 * Auto-recharge as billing's API shows it. The status is what the page must
 * show — off, active or paused with its reason — never just the owner's
 * switch: `enabled` can be true while a pause stops every recharge.
 */
export async function autoRechargeObject(services: BillingServices, view: AutoRechargeView) {
  const { config } = services.deps;
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

/** A notification as delivered to the organization's sandbox mailbox. */
export function notificationObject(letter: SandboxLetter) {
  return {
    id: letter.id,
    object: 'billing.notification',
    notification: letter.notificationId,
    kind: letter.kind,
    to: letter.to,
    subject: letter.subject,
    body: letter.body,
    received_at: new Date(letter.receivedAtMs).toISOString(),
  };
}
