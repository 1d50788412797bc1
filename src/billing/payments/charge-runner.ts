import type Stripe from 'stripe';
import { ATTEMPT_DESCRIPTIONS, claimAttemptSend, finishAttempt, findAttempt, recordProviderIntent, releaseAttemptSend, STUCK_AFTER_MS, type PaymentAttempt } from './payment-attempts.ts';
import type { AttemptHandler, BillingPaymentDeps } from './payment-deps.ts';
import { providerCustomerId } from './provider-customers.ts';
import { findSubscription } from '../subscriptions/subscription-store.ts';
import { outcomeOfError, outcomeOfIntent, type ProviderOutcome } from './provider-outcome.ts';

/**
 * Charges a card for an attempt already written `processing`: one
 * PaymentIntent, confirmed at once, keyed by the attempt's id; then finishes
 * the attempt and runs its kind's handler in one transaction. Calling it
 * again for the same attempt (the sweep, after a crash) sends the same
 * idempotency key, so the provider answers what it did the first time; a
 * payment it left `processing` is read by its id, and a late re-send first
 * looks the earlier payment up (earlierIntent). Never two sends of one
 * attempt at once (claimAttemptSend).
 *
 * Customer-initiated attempts are sent as such; merchant-initiated ones
 * (auto-recharge, renewals) with `off_session: true`, which is what makes
 * them MIT at the acquirer and its network.
 */
export class ChargeRunner {
  constructor(
    private readonly deps: BillingPaymentDeps,
    private readonly handlers: Partial<Record<PaymentAttempt['kind'], AttemptHandler>>,
  ) {}

  async run(attemptId: string): Promise<PaymentAttempt> {
    const attempt = await findAttempt(this.deps.db, attemptId);
    if (attempt === null) throw new Error(`no billing payment attempt ${attemptId}`);
    if (attempt.status !== 'processing') return attempt;
    // Another request, job or sweep is sending this attempt now: answer it as it stands rather than send its key twice at once.
    const lease = await claimAttemptSend(this.deps.db, attempt.id, this.deps.clock.nowMs());
    if (lease === null) return attempt;
    try {
      // As it is now: the previous sender may have recorded the provider's intent.
      const current = (await findAttempt(this.deps.db, attempt.id)) ?? attempt;
      return await this.finish(current, await this.charge(current));
    } finally {
      await releaseAttemptSend(this.deps.db, attempt.id, lease);
    }
  }

  private async charge(attempt: PaymentAttempt): Promise<ProviderOutcome> {
    const stripe = this.deps.provider.stripe();
    try {
      // The provider left this payment `processing` last time: read it. Creating it again would only replay that snapshot — or, once the key expired, pay again.
      if (attempt.providerIntentId !== null) return await outcomeOfIntent(stripe, await stripe.paymentIntents.retrieve(attempt.providerIntentId));
      const customer = await providerCustomerId(this.deps, attempt.orgId);
      // A re-send (the sweep, a late retry) first looks for the payment an earlier send made: the idempotency key replays it only
      // while the provider keeps the key (24 h), and not at all if the provider dropped the key after acting (a 5xx); sent again
      // then, the same attempt was a second payment.
      if (this.deps.clock.nowMs() - attempt.createdAtMs >= STUCK_AFTER_MS) {
        const earlier = await earlierIntent(stripe, customer, attempt);
        if (earlier !== null) return await outcomeOfIntent(stripe, earlier);
      }
      const intent = await stripe.paymentIntents.create(
        {
          amount: attempt.amountMinor,
          currency: attempt.currency.toLowerCase(),
          customer,
          payment_method: attempt.paymentMethodId,
          confirm: true,
          ...(attempt.initiator === 'merchant' ? { off_session: true } : {}),
          description: ATTEMPT_DESCRIPTIONS[attempt.kind],
          metadata: { cardlane_billing_attempt: attempt.id, cardlane_org_id: attempt.orgId, kind: attempt.kind, ...(await productOf(this.deps.db, attempt)) },
        },
        { idempotencyKey: `cardlane-billing-${attempt.id}` },
      );
      return await outcomeOfIntent(stripe, intent);
    } catch (error) {
      return outcomeOfError(stripe, error);
    }
  }

  /** Records the outcome (once: a finished attempt is left as it is) and runs the handler (by default the kind's) with it. */
  async finish(attempt: PaymentAttempt, outcome: ProviderOutcome, handler: AttemptHandler | undefined = this.handlers[attempt.kind]): Promise<PaymentAttempt> {
    if (outcome.kind === 'unknown') {
      if (outcome.intentId === undefined || attempt.providerIntentId !== null) return attempt;
      await recordProviderIntent(this.deps.db, attempt.id, outcome.intentId);
      return (await findAttempt(this.deps.db, attempt.id)) ?? attempt;
    }
    return this.deps.db.transaction(async (tx) => {
      const current = await findAttempt(tx, attempt.id, { lock: true });
      if (current === null || current.status !== 'processing') return current ?? attempt;
      const nowMs = this.deps.clock.nowMs();
      const finished =
        outcome.kind === 'succeeded'
          ? await finishAttempt(tx, current, { status: 'succeeded', amountMinor: outcome.amountMinor, providerIntentId: outcome.intentId, providerChargeId: outcome.chargeId }, nowMs)
          : await finishAttempt(tx, current, { status: 'failed', failure: outcome.failure, failureClass: outcome.failureClass, providerIntentId: outcome.intentId }, nowMs);
      if (finished === null) return current;
      if (finished.status === 'succeeded') await handler?.succeeded?.(tx, finished);
      else await handler?.failed?.(tx, finished);
      return finished;
    });
  }
}

/**
 * The provider's payment for this attempt (named in its metadata), if an
 * earlier send made one that went anywhere; newest first, back to a minute
 * before the attempt was written. An intent never confirmed (left
 * `requires_confirmation`, or without a payment method and no error) took
 * no money and is passed over: the attempt is then sent afresh.
 */
async function earlierIntent(stripe: Stripe, customer: string, attempt: PaymentAttempt): Promise<Stripe.PaymentIntent | null> {
  const since = Math.floor(attempt.createdAtMs / 1000) - 60;
  for await (const intent of stripe.paymentIntents.list({ customer, limit: 100 })) {
    if (intent.created < since) return null;
    if (intent.metadata?.cardlane_billing_attempt !== attempt.id) continue;
    if (intent.status === 'requires_confirmation' || (intent.status === 'requires_payment_method' && !intent.last_payment_error)) continue;
    return intent;
  }
  return null;
}

/**
 * A subscription payment names its plan as `metadata[product]` (e.g. `plus`),
 * so the merchant's risk rules can tell it apart, as Radar rules do
 * (`except_when[metadata][product]=plus`).
 */
async function productOf(db: BillingPaymentDeps['db'], attempt: PaymentAttempt): Promise<{ product?: string }> {
  if (attempt.kind !== 'subscription' || attempt.subscriptionId === null) return {};
  const sub = await findSubscription(db, attempt.subscriptionId);
  return sub === null ? {} : { product: sub.planId };
}
