import type Stripe from 'stripe';
import type { Tx } from '../../platform/db/database.ts';
import { addRefunded, findAttempt, type PaymentAttempt } from '../payments/payment-attempts.ts';
import type { BillingPaymentDeps } from '../payments/payment-deps.ts';
import { removeRefundedCredits } from '../payments/credit-refunds.ts';
import { findAdjustment, insertAdjustment, refundAdjustmentId } from './credit-adjustments.ts';
import { applyFailedRefund, lockRefundsOf, MONEY_STAYED } from './failed-refunds.ts';

/**
 * Refunds made at the provider outside billing (the merchant's operator
 * with the Stripe API, CLI or dashboard): each succeeded refund of a credit
 * payment takes back the credits it paid for — through the very path
 * billing's own refunds take (removeRefundedCredits: the purchase's lot
 * first, then the oldest, the rest as debt, which pauses usage). Each is
 * also written as a refund of the payment (`source = 'provider'`), so the
 * payment's `refunded` and its invoice's status show it as they show
 * billing's own, and as a credit adjustment saying why.
 *
 * A refund billing made itself is left to billing's own path, which has
 * taken (or, while it is still `processing`, will take) its credits: it is
 * known by its provider id once recorded, and before that by the billing
 * refund its metadata names.
 *
 * A refund the provider failed — after it succeeded, or before billing saw
 * it succeed — is failed-refunds.ts's: the credits it took come back, once,
 * whoever made it; one that took none gives none.
 */

const PAGE_LIMIT = 100;
/** A charge has at most a few refunds; this bounds a provider that answers without end. */
const REFUNDS_MAX = 1_000;

/** The payment intent's refunds as the provider has them now (the event is only the news; its snapshot may be older than another's). */
export async function currentRefunds(stripe: Stripe, paymentIntentId: string): Promise<Stripe.Refund[]> {
  const refunds: Stripe.Refund[] = [];
  for await (const refund of stripe.refunds.list({ payment_intent: paymentIntentId, limit: PAGE_LIMIT })) {
    refunds.push(refund);
    if (refunds.length >= REFUNDS_MAX) break;
  }
  return refunds;
}

/**
 * In the caller's transaction, with the payment's row locked (so two runs
 * about the same payment take turns): applies every succeeded refund not
 * applied yet, and every failure not applied yet. Returns the provider
 * refunds applied now.
 */
export async function applyProviderRefunds(tx: Tx, deps: BillingPaymentDeps, attempt: PaymentAttempt, refunds: readonly Stripe.Refund[], eventId: string): Promise<string[]> {
  const locked = (await findAttempt(tx, attempt.id, { lock: true }))!;
  if (refunds.some((refund) => refund.status !== null && MONEY_STAYED.has(refund.status))) await lockRefundsOf(tx, locked.id);
  const applied: string[] = [];
  // Oldest first, so the credit history reads in the order the money went back.
  for (const refund of [...refunds].sort((a, b) => a.created - b.created || a.id.localeCompare(b.id))) {
    if (refund.currency.toUpperCase() !== locked.currency) continue;
    if (refund.status !== null && MONEY_STAYED.has(refund.status)) {
      if (await applyFailedRefund(tx, deps, locked, refund, eventId)) applied.push(`${refund.id} (failed: credits given back)`);
      continue;
    }
    if (refund.status !== 'succeeded') continue;
    if (await isBillingsOwn(tx, refund)) continue;
    if ((await findAdjustment(tx, refundAdjustmentId(refund.id))) !== null) continue;
    const nowMs = deps.clock.nowMs();
    const id = deps.ids.next('bre');
    const reason = `Refunded at the payment provider (${refund.id}${refund.reason ? `, ${refund.reason}` : ''})`;
    await tx.run(
      `INSERT INTO billing_refunds (id, org_id, attempt_id, amount_minor, currency, reason, status, provider_refund_id, created_at_ms, finished_at_ms, source)
       VALUES (?, ?, ?, ?, ?, ?, 'succeeded', ?, ?, ?, 'provider')`,
      [id, locked.orgId, locked.id, refund.amount, locked.currency, reason, refund.id, nowMs, nowMs],
    );
    await addRefunded(tx, locked.id, refund.amount);
    const removed = await removeRefundedCredits(tx, deps, { id, orgId: locked.orgId, attemptId: locked.id, amountMinor: refund.amount }, 'provider_refund');
    await tx.run('UPDATE billing_refunds SET credits_removed_minor = ?, debt_minor = ? WHERE id = ?', [removed.fromCreditsMinor, removed.asDebtMinor, id]);
    await insertAdjustment(tx, {
      id: refundAdjustmentId(refund.id),
      orgId: locked.orgId,
      attemptId: locked.id,
      kind: 'provider_refund',
      providerObjectId: refund.id,
      providerEventId: eventId,
      amountMinor: refund.amount,
      currency: locked.currency,
      creditsRemovedMinor: removed.fromCreditsMinor,
      debtMinor: removed.asDebtMinor,
      creditsRestoredMinor: 0,
      debtCancelledMinor: 0,
      detail: refund.reason ?? null,
      createdAtMs: nowMs,
    });
    applied.push(refund.id);
  }
  return applied;
}

/** Billing's own refund: recorded under its provider id, or named in its metadata by a billing refund that succeeded or is still being sent. */
async function isBillingsOwn(tx: Tx, refund: Stripe.Refund): Promise<boolean> {
  const recorded = await tx.get('SELECT id FROM billing_refunds WHERE provider_refund_id = ?', [refund.id]);
  if (recorded !== undefined) return true;
  const named = refund.metadata?.cardlane_billing_refund;
  if (typeof named !== 'string') return false;
  // A billing refund that failed took no credits (and moved no money by billing's account): if the provider did make this one, it is taken here.
  const row = await tx.get<{ status: string }>('SELECT status FROM billing_refunds WHERE id = ?', [named]);
  return row !== undefined && row.status !== 'failed';
}
