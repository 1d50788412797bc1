import type Stripe from 'stripe';
import type { Tx } from '../../platform/db/database.ts';
import { grantCredits, removeCredits } from '../billing-ledger.ts';
import { findLot } from '../credit-lots/credit-lots.ts';
import { creditExpiry, creditTransferId } from '../payments/credit-purchases.ts';
import { findAttempt, type PaymentAttempt } from '../payments/payment-attempts.ts';
import type { BillingPaymentDeps } from '../payments/payment-deps.ts';
import { disputeAdjustmentId, findAdjustment, insertAdjustment } from './credit-adjustments.ts';

/**
 * Disputes (chargebacks) of credit payments. A chargeback takes the money
 * back from the merchant, so the credits it bought leave the balance as a
 * refund's do (the purchase's lot first, the rest as debt, which pauses
 * usage); a dispute the merchant wins gives the money back, and with it the
 * credits (a grant, which pays any debt first, expiring when the purchase's
 * credits would have). Inquiries (`warning_*`) move no money and change
 * nothing — unless one becomes a chargeback.
 *
 * The dispute is reconciled from its current state, read from the provider,
 * not from the event that brought the news: each step (withdrawn,
 * reinstated) happens once, keyed by the dispute, so duplicated events,
 * events in any order and concurrent runs all end in the same place — a
 * "closed, won" seen before "created" withdraws and then reinstates.
 */

/** What the dispute now says about the money: withdrawn (a chargeback), and given back (won). */
export function disputeMoney(dispute: Pick<Stripe.Dispute, 'status'>): { withdrawn: boolean; reinstated: boolean } {
  const withdrawn = !dispute.status.startsWith('warning_');
  return { withdrawn, reinstated: withdrawn && dispute.status === 'won' };
}

/** In the caller's transaction, the payment's row locked: the steps of this dispute not applied yet. Returns the steps applied now. */
export async function applyDispute(tx: Tx, deps: BillingPaymentDeps, attempt: PaymentAttempt, dispute: Stripe.Dispute, eventId: string): Promise<string[]> {
  const locked = (await findAttempt(tx, attempt.id, { lock: true }))!;
  if (dispute.currency.toUpperCase() !== locked.currency || !Number.isSafeInteger(dispute.amount) || dispute.amount <= 0) return [];
  const money = disputeMoney(dispute);
  const applied: string[] = [];
  const nowMs = deps.clock.nowMs();
  const base = { orgId: locked.orgId, attemptId: locked.id, providerObjectId: dispute.id, providerEventId: eventId, amountMinor: dispute.amount, currency: locked.currency, detail: dispute.reason, debtCancelledMinor: 0, createdAtMs: nowMs };
  const withdrawnId = disputeAdjustmentId(dispute.id, 'withdrawn');
  if (money.withdrawn && (await findAdjustment(tx, withdrawnId)) === null) {
    const removed = await removeCredits(tx, deps, {
      orgId: locked.orgId,
      amountMinor: dispute.amount,
      reason: 'dispute',
      transferId: `bill:dispute:${dispute.id}`,
      fromLotId: creditTransferId(locked.id),
    });
    await insertAdjustment(tx, { ...base, id: withdrawnId, kind: 'dispute_withdrawn', creditsRemovedMinor: removed.fromCreditsMinor, debtMinor: removed.asDebtMinor, creditsRestoredMinor: 0 });
    applied.push('withdrawn');
  }
  const reinstatedId = disputeAdjustmentId(dispute.id, 'reinstated');
  if (money.reinstated && (await findAdjustment(tx, reinstatedId)) === null) {
    // The credits come back as they were bought: expiring when the purchase's would have (an expired date is expired by the next run).
    const lot = await findLot(tx, creditTransferId(locked.id));
    const expiresAtMs = lot !== null ? lot.expiresAtMs : creditExpiry(nowMs, deps.config.creditExpiryDays);
    const outcome = await grantCredits(tx, deps, { orgId: locked.orgId, amountMinor: dispute.amount, reason: 'dispute_won', transferId: `bill:dispute-won:${dispute.id}`, expiresAtMs });
    if (outcome.result !== 'ok') throw new Error(`credits given back for ${dispute.id}: ${outcome.result}`);
    await insertAdjustment(tx, { ...base, id: reinstatedId, kind: 'dispute_reinstated', creditsRemovedMinor: 0, debtMinor: 0, creditsRestoredMinor: dispute.amount });
    applied.push('reinstated');
  }
  return applied;
}
