import type Stripe from 'stripe';
import type { Tx } from '../../platform/db/database.ts';
import { findRefund, giveBackRefundedCredits, markRefundFailed, type CreditRefund } from '../payments/credit-refunds.ts';
import type { PaymentAttempt } from '../payments/payment-attempts.ts';
import type { BillingPaymentDeps } from '../payments/payment-deps.ts';
import { failedRefundAdjustmentId, insertAdjustment } from './credit-adjustments.ts';

/**
 * Refunds the provider failed. Stripe can fail a refund after it `succeeded`
 * (or while `pending`): status `failed` with a `failure_reason` such as
 * `expired_or_canceled_card` or `lost_or_stolen_card`, announced by
 * `refund.failed`, `refund.updated` and `charge.refund.updated`; the money
 * goes back to the merchant's balance (the refund's
 * `failure_balance_transaction`). Cardlane's acquirer fails refunds its
 * issuer refuses the same way. A `canceled` refund moved no money either.
 *
 * What billing does depends on its own record of the refund, the provider's
 * or its own, locked with its payment:
 *
 * - it took the credits (`succeeded`): they are given back — the debt it
 *   booked cancelled, the rest as credits — the refund is marked failed, the
 *   payment's refunded amount goes down, and a `provider_refund_failed`
 *   credit adjustment says why;
 * - billing's own refund still `processing`: it is failed as billing's own
 *   path would (nothing was taken, nothing is given), so an answer that
 *   path read before the failure can no longer take the credits;
 * - a provider refund billing never took: it is recorded as failed, so a run
 *   that read the provider before the failure (when it still said
 *   `succeeded`) finds it known and takes nothing.
 *
 * Each happens once: the refund leaves `succeeded` or `processing` under the
 * payment's lock, and the adjustment's key is the provider's refund.
 */

/** The refund's statuses after which the money is the merchant's again. */
export const MONEY_STAYED: ReadonlySet<string> = new Set(['failed', 'canceled']);

/**
 * Locks every billing refund of the payment (its row is already locked), before any credits move: billing's own
 * path locks a refund and then the credit lots, so taking the refunds later would wait on it in the other order.
 */
export async function lockRefundsOf(tx: Tx, attemptId: string): Promise<void> {
  await tx.all(`SELECT id FROM billing_refunds WHERE attempt_id = ? ORDER BY id ${tx.forUpdate}`, [attemptId]);
}

/**
 * In the caller's transaction, the payment's row and its refunds locked (lockRefundsOf): what the provider's failure
 * of `refund` changes. Returns true when credits were given back now.
 */
export async function applyFailedRefund(tx: Tx, deps: BillingPaymentDeps, attempt: PaymentAttempt, refund: Stripe.Refund, eventId: string): Promise<boolean> {
  const nowMs = deps.clock.nowMs();
  const why = refund.failure_reason ?? `refund ${refund.status}`;
  const own = await billingRefundOf(tx, attempt, refund);
  if (own === null) {
    await tx.run(
      `INSERT INTO billing_refunds (id, org_id, attempt_id, amount_minor, currency, reason, status, provider_refund_id, failure_message, created_at_ms, finished_at_ms, source)
       VALUES (?, ?, ?, ?, ?, ?, 'failed', ?, ?, ?, ?, 'provider')`,
      [deps.ids.next('bre'), attempt.orgId, attempt.id, refund.amount, attempt.currency, `Refund at the payment provider (${refund.id}) ${refund.status}`, refund.id, why.slice(0, 500), nowMs, nowMs],
    );
    return false;
  }
  if (own.status === 'failed') return false;
  if (own.status === 'processing') {
    // Billing's own refund, not finished in billing yet: it took nothing. Its reservation on the payment is freed.
    await markRefundFailed(tx, own, refund.id, why, nowMs);
    return false;
  }
  if (own.creditsRemovedMinor === null || own.debtMinor === null) throw new Error(`refund ${own.id} succeeded without a record of the credits it took`);
  const given = await giveBackRefundedCredits(tx, deps, { ...own, creditsRemovedMinor: own.creditsRemovedMinor, debtMinor: own.debtMinor });
  await markRefundFailed(tx, own, refund.id, why, nowMs);
  await insertAdjustment(tx, {
    id: failedRefundAdjustmentId(refund.id),
    orgId: own.orgId,
    attemptId: own.attemptId,
    kind: 'provider_refund_failed',
    providerObjectId: refund.id,
    providerEventId: eventId,
    amountMinor: own.amountMinor,
    currency: own.currency,
    creditsRemovedMinor: 0,
    debtMinor: 0,
    creditsRestoredMinor: given.creditsRestoredMinor,
    debtCancelledMinor: given.debtCancelledMinor,
    detail: refund.failure_reason ?? null,
    createdAtMs: nowMs,
  });
  return true;
}

/**
 * Billing's record of the provider's refund: the one recorded under its id (the provider's own, or billing's once the
 * provider answered), else billing's own refund its metadata names that is still waiting for that answer.
 */
async function billingRefundOf(tx: Tx, attempt: PaymentAttempt, refund: Stripe.Refund): Promise<CreditRefund | null> {
  const recorded = await tx.get<{ id: string }>('SELECT id FROM billing_refunds WHERE provider_refund_id = ? AND attempt_id = ?', [refund.id, attempt.id]);
  if (recorded !== undefined) return findRefund(tx, recorded.id);
  const named = refund.metadata?.cardlane_billing_refund;
  if (typeof named !== 'string') return null;
  const waiting = await tx.get<{ id: string }>(`SELECT id FROM billing_refunds WHERE id = ? AND attempt_id = ? AND status = 'processing' AND provider_refund_id IS NULL`, [named, attempt.id]);
  return waiting === undefined ? null : findRefund(tx, waiting.id);
}
