import type { Tx } from '../../platform/db/database.ts';
import { BillingError } from '../errors.ts';
import type { ChargeRunner } from '../payments/charge-runner.ts';
import { findAttemptByClientKey, insertAttempt, type PaymentAttempt } from '../payments/payment-attempts.ts';
import type { BillingPaymentDeps } from '../payments/payment-deps.ts';
import { defaultPaymentMethod, type DefaultCardListener } from '../payments/payment-methods.ts';
import { findPlan } from './plans.ts';
import { cancelAtPeriodEnd, canceled, newSubscription, paymentStarted, resumed } from './subscription-states.ts';
import { findLiveSubscription, findSubscription, insertSubscription, retryPastDueNow, saveSubscription, type Subscription } from './subscription-store.ts';
import { SubscriptionRenewals, type RenewalRun } from './renewals.ts';
import { lockOrganization } from '../organizations.ts';

/**
 * Subscriptions, ChatGPT Plus style: subscribe to a plan with the default
 * card — the first payment is customer-initiated, made now; every renewal is
 * merchant-initiated (off-session), made by the renewal job when a period
 * ends. One live subscription per organization and plan. Cancel now, or at
 * the end of the paid period (and take that back until then).
 */

export interface SubscribeResult {
  readonly subscription: Subscription;
  /** The first payment (or, for a retried request, the payment it made). */
  readonly attempt: PaymentAttempt;
}

export class Subscriptions {
  readonly renewals: SubscriptionRenewals;

  constructor(
    private readonly deps: BillingPaymentDeps,
    private readonly runner: ChargeRunner,
  ) {
    this.renewals = new SubscriptionRenewals(deps, runner);
  }

  /**
   * Subscribes and pays the first period. A subscription whose first payment
   * failed (incomplete) is paid again on the current default card rather than
   * duplicated; one whose first payment is still in flight answers that
   * payment. With a `clientKey` (the request's Idempotency-Key) a retried
   * request answers the first one's payment instead of paying again.
   */
  async subscribe(orgId: string, input: { planId: string; clientKey?: string | null }): Promise<SubscribeResult> {
    const attemptId = await this.deps.db.transaction(async (tx) => {
      await lockOrganization(tx, orgId);
      // Under the organization's lock, so a retried request racing the first one still finds its payment.
      const earlier = input.clientKey ? await findAttemptByClientKey(tx, orgId, input.clientKey) : null;
      if (earlier !== null) {
        const sub = earlier.kind === 'subscription' && earlier.subscriptionId !== null ? await findSubscription(tx, earlier.subscriptionId) : null;
        if (sub === null || sub.planId !== input.planId) throw new BillingError('idempotency_key_reused', 'This Idempotency-Key was used for another request.');
        return earlier.id;
      }
      const plan = await findPlan(tx, input.planId);
      if (plan === null || !plan.active) throw new BillingError('resource_missing', `No plan ${input.planId}.`, { param: 'plan' });
      const live = await findLiveSubscription(tx, orgId, plan.id, { lock: true });
      if (live !== null && live.status !== 'incomplete') {
        throw new BillingError('subscription_exists', `This organization already has a ${live.status} ${plan.name} subscription (${live.id}).`, { extra: { subscription: live.id } });
      }
      if (live?.pendingAttemptId) return live.pendingAttemptId;
      const card = await defaultPaymentMethod(tx, orgId);
      if (card === null) throw new BillingError('payment_method_required', 'Set a default card first: the subscription is paid with it.', { param: 'payment_method' });
      const nowMs = this.deps.clock.nowMs();
      const sub =
        live ??
        newSubscription({ id: this.deps.ids.next('sub'), orgId, planId: plan.id, amountMinor: plan.amountMinor, currency: plan.currency, intervalMonths: plan.intervalMonths }, nowMs);
      if (live === null) await insertSubscription(tx, sub);
      const attempt = await insertAttempt(tx, {
        id: this.deps.ids.next('bpa'),
        orgId,
        kind: 'subscription',
        amountMinor: sub.amountMinor,
        currency: sub.currency,
        paymentMethodId: card.id,
        initiator: 'customer',
        subscriptionId: sub.id,
        clientKey: input.clientKey ?? null,
        createdAtMs: nowMs,
      });
      await saveSubscription(tx, paymentStarted(sub, attempt.id, nowMs));
      return attempt.id;
    });
    return this.pay(attemptId);
  }

  /**
   * Cancels now, or — `atPeriodEnd`, for an active subscription — when the
   * paid period ends. A past-due subscription's paid period is already over,
   * so it ends now either way. Canceling a canceled subscription answers it.
   */
  async cancel(orgId: string, subscriptionId: string, input: { atPeriodEnd?: boolean } = {}): Promise<Subscription> {
    return this.change(orgId, subscriptionId, (sub, nowMs) => {
      if (sub.status === 'canceled') return sub;
      if (input.atPeriodEnd && sub.status === 'active') return cancelAtPeriodEnd(sub, nowMs);
      if (sub.pendingAttemptId !== null) {
        throw new BillingError('subscription_payment_processing', `A payment for ${sub.id} is being processed; cancel again once it has finished (in a minute at most).`);
      }
      return canceled(sub, 'requested', nowMs);
    });
  }

  /** Takes back a cancellation at period end, while the period lasts. */
  async resume(orgId: string, subscriptionId: string): Promise<Subscription> {
    return this.change(orgId, subscriptionId, (sub, nowMs) => {
      if (sub.status === 'canceled') throw new BillingError('subscription_canceled', `Subscription ${sub.id} has ended; subscribe again.`);
      return resumed(sub, nowMs);
    });
  }

  /** Renews, retries and ends what is due now (the background task's work). */
  runDue(): Promise<RenewalRun> {
    return this.renewals.runDue();
  }

  private async pay(attemptId: string): Promise<SubscribeResult> {
    const attempt = await this.runner.run(attemptId);
    const subscription = await findSubscription(this.deps.db, attempt.subscriptionId!);
    return { subscription: subscription!, attempt };
  }

  private async change(orgId: string, subscriptionId: string, next: (sub: Subscription, nowMs: number) => Subscription): Promise<Subscription> {
    return this.deps.db.transaction(async (tx) => {
      const sub = await findSubscription(tx, subscriptionId, { lock: true });
      if (sub === null || sub.orgId !== orgId) throw new BillingError('resource_missing', `No subscription ${subscriptionId}.`);
      const changed = next(sub, this.deps.clock.nowMs());
      if (changed !== sub) await saveSubscription(tx, changed);
      return changed;
    });
  }
}

/**
 * A new default card: past-due subscriptions are tried on it at the renewal
 * job's next run instead of waiting for their next scheduled retry (the
 * card is new, so the schedule's patience is not needed to give it a chance).
 */
export function subscriptionCardListener(deps: Pick<BillingPaymentDeps, 'clock'>): DefaultCardListener {
  return {
    async defaultChanged(tx, orgId, paymentMethodId) {
      if (paymentMethodId !== null) await retryPastDueNow(tx, orgId, deps.clock.nowMs());
    },
  };
}
