import type { FailureClass } from '../payments/payment-attempts.ts';
import { periodOf } from './periods.ts';
import type { CancelReason, Subscription } from './subscription-store.ts';

/**
 * What happens to a subscription, as pure functions from one state to the
 * next (time passed in): the store saves the result under the row's lock.
 *
 * The retry schedule (dunning): a renewal charge that fails makes the
 * subscription `past_due` and is tried again 1 day later, then 3 days after
 * that, then 5 days after that; a fourth failure cancels it with reason
 * `payment_failed` — 9 days after the period ended when every try ran on
 * time. A hard decline (the card will never pay: closed, restricted, the
 * merchant's own rule) is not sent to that card again — card networks
 * penalize retrying those — but the slots still pass, so the customer has
 * the same nine days to set another default card, which is tried at once.
 * Processor failures (the provider or the issuer's systems were down) are
 * nobody's card's fault: they are retried hourly without using the
 * schedule, up to a day's worth, after which one counts as a failure.
 */

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/**
 * A subscription whose first payment has not succeeded this long after it
 * was created ends (as at Stripe, where it becomes `incomplete_expired`):
 * the customer may retry within the window on the same subscription, and
 * after it subscribes afresh. Here it is canceled with reason
 * `payment_failed`.
 */
export const INCOMPLETE_EXPIRES_AFTER_MS = 23 * HOUR_MS;

/** The wait after the 1st, 2nd and 3rd failed renewal charge of a period; one more failure cancels. */
export const RETRY_DELAYS_MS: readonly number[] = [1 * DAY_MS, 3 * DAY_MS, 5 * DAY_MS];
export const PROCESSOR_RETRY_DELAY_MS = HOUR_MS;
export const MAX_PROCESSOR_RETRIES = 24;

/** Why a renewal did not pay: the attempt's failure class, or `no_card` when the organization had no default card to charge. */
export interface RenewalProblem {
  readonly failureClass: FailureClass | 'no_card';
  /** The decline code (or `payment_method_required`), for the customer's page. */
  readonly code: string | null;
  /** The card that failed, if one was charged. */
  readonly cardId: string | null;
}

export function newSubscription(input: Pick<Subscription, 'id' | 'orgId' | 'planId' | 'amountMinor' | 'currency' | 'intervalMonths'>, nowMs: number): Subscription {
  return {
    ...input,
    status: 'incomplete',
    anchorMs: null,
    periodIndex: 0,
    currentPeriodStartMs: null,
    currentPeriodEndMs: null,
    nextChargeAtMs: null,
    pendingAttemptId: null,
    latestAttemptId: null,
    failedCharges: 0,
    processorFailures: 0,
    pastDueSinceMs: null,
    declinedCardId: null,
    lastFailureCode: null,
    cancelAtPeriodEnd: false,
    cancelRequestedAtMs: null,
    endedAtMs: null,
    cancelReason: null,
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
  };
}

/** A payment for the subscription was written `processing` and is about to be sent. */
export function paymentStarted(sub: Subscription, attemptId: string, nowMs: number): Subscription {
  assert(sub.pendingAttemptId === null, `subscription ${sub.id} already has payment ${sub.pendingAttemptId} in flight`);
  assert(sub.status !== 'canceled', `subscription ${sub.id} is canceled`);
  return { ...sub, pendingAttemptId: attemptId, latestAttemptId: attemptId, updatedAtMs: nowMs };
}

/**
 * The first payment succeeded: the subscription starts, anchored when the
 * customer subscribed (not when a late answer arrived), so the periods do
 * not depend on how long the provider took.
 */
export function firstPaymentSucceeded(sub: Subscription, attempt: { id: string; createdAtMs: number }, nowMs: number): Subscription {
  assert(sub.status === 'incomplete' && sub.pendingAttemptId === attempt.id, `subscription ${sub.id} does not expect first payment ${attempt.id}`);
  const period = periodOf(attempt.createdAtMs, sub.intervalMonths, 0);
  return {
    ...sub,
    status: 'active',
    anchorMs: attempt.createdAtMs,
    periodIndex: 0,
    currentPeriodStartMs: period.startMs,
    currentPeriodEndMs: period.endMs,
    nextChargeAtMs: period.endMs,
    pendingAttemptId: null,
    lastFailureCode: null,
    updatedAtMs: nowMs,
  };
}

/** The first payment failed: nothing starts; the attempt keeps the decline and the customer may try again. */
export function firstPaymentFailed(sub: Subscription, attempt: { id: string; code: string | null }, nowMs: number): Subscription {
  assert(sub.status === 'incomplete' && sub.pendingAttemptId === attempt.id, `subscription ${sub.id} does not expect first payment ${attempt.id}`);
  return { ...sub, pendingAttemptId: null, lastFailureCode: attempt.code, updatedAtMs: nowMs };
}

/** A renewal paid the next period (late or not, the period starts where the last one ended: the anchor's day is kept). */
export function renewalSucceeded(sub: Subscription, attemptId: string, nowMs: number): Subscription {
  assert((sub.status === 'active' || sub.status === 'past_due') && sub.pendingAttemptId === attemptId, `subscription ${sub.id} does not expect renewal ${attemptId}`);
  const index = sub.periodIndex + 1;
  const period = periodOf(sub.anchorMs!, sub.intervalMonths, index);
  return {
    ...sub,
    status: 'active',
    periodIndex: index,
    currentPeriodStartMs: period.startMs,
    currentPeriodEndMs: period.endMs,
    nextChargeAtMs: period.endMs,
    pendingAttemptId: null,
    failedCharges: 0,
    processorFailures: 0,
    pastDueSinceMs: null,
    declinedCardId: null,
    lastFailureCode: null,
    updatedAtMs: nowMs,
  };
}

/** A renewal did not pay (a failed charge, or none could be made): retry on the schedule, or cancel once it is used up. */
export function renewalFailed(sub: Subscription, problem: RenewalProblem, nowMs: number): Subscription {
  assert(sub.status === 'active' || sub.status === 'past_due', `subscription ${sub.id} is ${sub.status}, not renewing`);
  const base: Subscription = { ...sub, pendingAttemptId: null, lastFailureCode: problem.code, updatedAtMs: nowMs };
  if (problem.failureClass === 'processor' && sub.processorFailures < MAX_PROCESSOR_RETRIES) {
    return { ...base, processorFailures: sub.processorFailures + 1, nextChargeAtMs: nowMs + PROCESSOR_RETRY_DELAY_MS };
  }
  const failedCharges = sub.failedCharges + 1;
  const declinedCardId = problem.failureClass === 'hard' && problem.cardId !== null ? problem.cardId : sub.declinedCardId;
  const failed: Subscription = { ...base, failedCharges, processorFailures: 0, declinedCardId };
  if (failedCharges > RETRY_DELAYS_MS.length) return canceled(failed, 'payment_failed', nowMs);
  return { ...failed, status: 'past_due', pastDueSinceMs: sub.pastDueSinceMs ?? nowMs, nextChargeAtMs: nowMs + RETRY_DELAYS_MS[failedCharges - 1]! };
}

/** An incomplete subscription past INCOMPLETE_EXPIRES_AFTER_MS ends: its first payment failed and was not made good in time. */
export function incompleteExpired(sub: Subscription, nowMs: number): Subscription {
  assert(sub.status === 'incomplete' && sub.createdAtMs + INCOMPLETE_EXPIRES_AFTER_MS <= nowMs, `subscription ${sub.id} has not expired`);
  return canceled(sub, 'payment_failed', nowMs);
}

/** Ends the subscription now. Never with a payment in flight: its answer would have nowhere to go. */
export function canceled(sub: Subscription, reason: CancelReason, nowMs: number): Subscription {
  assert(sub.status !== 'canceled', `subscription ${sub.id} is already canceled`);
  assert(sub.pendingAttemptId === null, `subscription ${sub.id} has payment ${sub.pendingAttemptId} in flight`);
  return {
    ...sub,
    status: 'canceled',
    nextChargeAtMs: null,
    cancelRequestedAtMs: reason === 'requested' ? (sub.cancelRequestedAtMs ?? nowMs) : sub.cancelRequestedAtMs,
    endedAtMs: nowMs,
    cancelReason: reason,
    updatedAtMs: nowMs,
  };
}

/** Asked to stop renewing: it stays active, paid up, until the current period ends. */
export function cancelAtPeriodEnd(sub: Subscription, nowMs: number): Subscription {
  assert(sub.status === 'active', `only an active subscription can end with its period; ${sub.id} is ${sub.status}`);
  if (sub.cancelAtPeriodEnd) return sub;
  return { ...sub, cancelAtPeriodEnd: true, cancelRequestedAtMs: nowMs, updatedAtMs: nowMs };
}

/** Takes back a cancellation at period end. */
export function resumed(sub: Subscription, nowMs: number): Subscription {
  if (!sub.cancelAtPeriodEnd || sub.status === 'canceled') return sub;
  return { ...sub, cancelAtPeriodEnd: false, cancelRequestedAtMs: null, updatedAtMs: nowMs };
}

/** The period of a subscription canceled at period end is over: it ends at the period's end, not when the job got to it. */
export function endedWithPeriod(sub: Subscription, nowMs: number): Subscription {
  assert(sub.cancelAtPeriodEnd && sub.status === 'active' && sub.pendingAttemptId === null, `subscription ${sub.id} is not ending with its period`);
  return { ...canceled(sub, 'requested', nowMs), endedAtMs: sub.currentPeriodEndMs };
}

function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}
