import { finishAttempt, findAttempt, type PaymentAttempt } from './payment-attempts.ts';
import type { AttemptHandler, BillingPaymentDeps } from './payment-deps.ts';
import { providerCustomerId } from './provider-customers.ts';
import { outcomeOfError, outcomeOfIntent, type ProviderOutcome } from './provider-outcome.ts';

/**
 * Charges a card for an attempt already written `processing`: one
 * PaymentIntent, confirmed at once, keyed by the attempt's id; then finishes
 * the attempt and runs its kind's handler in one transaction. Calling it
 * again for the same attempt (the sweep, after a crash) sends the same
 * idempotency key, so the provider answers what it did the first time.
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
    const outcome = await this.charge(attempt);
    return this.finish(attempt, outcome);
  }

  private async charge(attempt: PaymentAttempt): Promise<ProviderOutcome> {
    const stripe = this.deps.provider.stripe();
    try {
      const customer = await providerCustomerId(this.deps, attempt.orgId);
      const intent = await stripe.paymentIntents.create(
        {
          amount: attempt.amountMinor,
          currency: attempt.currency.toLowerCase(),
          customer,
          payment_method: attempt.paymentMethodId,
          confirm: true,
          ...(attempt.initiator === 'merchant' ? { off_session: true } : {}),
          description: describeAttempt(attempt),
          metadata: { cardlane_billing_attempt: attempt.id, cardlane_org_id: attempt.orgId, kind: attempt.kind },
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
    if (outcome.kind === 'unknown') return attempt;
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

const DESCRIPTIONS: Record<PaymentAttempt['kind'], string> = {
  verification: 'Card verification',
  purchase: 'API credits',
  auto_recharge: 'API credits (auto-recharge)',
  subscription: 'Subscription',
};

function describeAttempt(attempt: PaymentAttempt): string {
  return DESCRIPTIONS[attempt.kind];
}
