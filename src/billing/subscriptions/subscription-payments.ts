import type { Tx } from '../../platform/db/database.ts';
import { bookSubscriptionPayment } from '../billing-ledger.ts';
import type { PaymentAttempt } from '../payments/payment-attempts.ts';
import type { AttemptHandler, BillingPaymentDeps } from '../payments/payment-deps.ts';
import type { SubscriptionPeriod } from '../invoices/invoices.ts';
import { issueReceipt } from '../payments/receipts.ts';
import { findPlan } from './plans.ts';
import { firstPaymentFailed, firstPaymentSucceeded, renewalFailed, renewalSucceeded } from './subscription-states.ts';
import { findSubscription, saveSubscription, type Subscription } from './subscription-store.ts';

/**
 * The `subscription` kind's AttemptHandler: runs in the transaction that
 * finishes the payment (whoever finishes it — the request, the renewal job,
 * or the stuck-payment sweep after a lost answer), so the subscription
 * moves exactly once per payment. A first payment starts the subscription
 * or leaves it incomplete; a renewal pays the next period or goes through
 * the retry schedule. Every successful payment is booked in the ledger and
 * gets a receipt naming the period it paid.
 */
export function subscriptionPaymentHandler(deps: Pick<BillingPaymentDeps, 'ids' | 'clock' | 'ledger' | 'config'>): Required<AttemptHandler> {
  return {
    async succeeded(tx, attempt) {
      const sub = await lockSubscriptionOf(tx, attempt);
      const nowMs = attempt.finishedAtMs ?? deps.clock.nowMs();
      const next = sub.status === 'incomplete' ? firstPaymentSucceeded(sub, attempt, nowMs) : renewalSucceeded(sub, attempt.id, nowMs);
      await saveSubscription(tx, next);
      await bookSubscriptionPayment(tx, deps, { orgId: attempt.orgId, amountMinor: attempt.amountMinor, transferId: `bill:subscription:${attempt.id}` });
      await issueReceipt(tx, deps, attempt, await periodPaid(tx, next));
    },
    async failed(tx, attempt) {
      const sub = await lockSubscriptionOf(tx, attempt);
      const nowMs = attempt.finishedAtMs ?? deps.clock.nowMs();
      const code = attempt.failure?.decline_code ?? attempt.failure?.code ?? null;
      const next =
        sub.status === 'incomplete'
          ? firstPaymentFailed(sub, { id: attempt.id, code }, nowMs)
          : renewalFailed(sub, { failureClass: attempt.failureClass ?? 'soft', code, cardId: attempt.paymentMethodId }, nowMs);
      await saveSubscription(tx, next);
    },
  };
}

async function lockSubscriptionOf(tx: Tx, attempt: PaymentAttempt): Promise<Subscription> {
  if (attempt.subscriptionId === null) throw new Error(`subscription payment ${attempt.id} names no subscription`);
  // The organization before the subscription: the order every path that locks both keeps (subscribing, a new default card, the receipt).
  await tx.get(`SELECT id FROM billing_organizations WHERE id = ? ${tx.forUpdate}`, [attempt.orgId]);
  const sub = await findSubscription(tx, attempt.subscriptionId, { lock: true });
  if (sub === null) throw new Error(`payment ${attempt.id} names subscription ${attempt.subscriptionId}, which does not exist`);
  return sub;
}

/** The plan and the period the payment paid (the subscription as the payment left it). */
async function periodPaid(tx: Tx, sub: Subscription): Promise<SubscriptionPeriod> {
  const plan = await findPlan(tx, sub.planId);
  return { plan: plan?.name ?? sub.planId, startMs: sub.currentPeriodStartMs!, endMs: sub.currentPeriodEndMs! };
}
