import type { BillingServices } from '../billing-services.ts';
import { findAttempt } from '../payments/payment-attempts.ts';
import { findPlan, type Plan } from '../subscriptions/plans.ts';
import type { Subscription } from '../subscriptions/subscription-store.ts';
import { amountObject } from './billing-objects.ts';
import { paymentWithReceipt } from './payment-answer.ts';

/** Subscriptions and plans as billing's API shows them. */

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function planObject(plan: Plan) {
  return {
    id: plan.id,
    object: 'billing.plan',
    name: plan.name,
    amount: amountObject(plan.amountMinor, plan.currency),
    interval: 'month',
    interval_count: plan.intervalMonths,
  };
}

/** A subscription with its plan and latest payment (read from the database). */
export async function subscriptionObject(services: BillingServices, sub: Subscription) {
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
