import type { ChargeRunner } from '../payments/charge-runner.ts';
import { insertAttempt } from '../payments/payment-attempts.ts';
import type { BillingPaymentDeps } from '../payments/payment-deps.ts';
import { defaultPaymentMethod } from '../payments/payment-methods.ts';
import { endedWithPeriod, INCOMPLETE_EXPIRES_AFTER_MS, incompleteExpired, paymentStarted, renewalFailed } from './subscription-states.ts';
import { claimDueSubscription, claimExpiredIncomplete, dueSubscriptionIds, expiredIncompleteIds, saveSubscription } from './subscription-store.ts';

/** How often the background task looks for due renewals: a renewal is late by at most this. */
export const RENEWAL_SWEEP_INTERVAL_MS = 60 * 1000;
/** Subscriptions handled per run; the rest wait for the next run. */
export const RENEWAL_BATCH = 50;

export interface RenewalRun {
  /** Renewal charges started (each finished by now unless the provider's answer was lost). */
  readonly charged: number;
  readonly renewed: number;
  readonly failed: number;
  /** Periods that could not be charged at all (no default card, or only the card that refused for good): the schedule moved on. */
  readonly skipped: number;
  /** Subscriptions canceled at period end whose period is over. */
  readonly ended: number;
  /** Incomplete subscriptions whose first payment was not made good in time: canceled. */
  readonly expired: number;
}

/** What the job did with one due subscription. */
export type Claim = { readonly kind: 'charge'; readonly attemptId: string } | { readonly kind: 'skipped' } | { readonly kind: 'ended' };

/**
 * The renewal job. Each due subscription is claimed in its own transaction
 * under its row lock (SKIP LOCKED on PostgreSQL, so a second process passes
 * it by; SQLite's writers are serialized), re-checked, and given its
 * payment: the attempt row is written `processing` and its id stored on the
 * subscription in that same transaction, before the provider is called. A
 * subscription with a payment in flight is never claimed again, so two
 * processes — or a run and a retry after a crash — cannot charge one period
 * twice; an attempt whose answer was lost is finished by the stuck-payment
 * sweep with its own idempotency key, and the subscription handler moves the
 * subscription then.
 */
export class SubscriptionRenewals {
  constructor(
    private readonly deps: BillingPaymentDeps,
    private readonly runner: ChargeRunner,
  ) {}

  async runDue(): Promise<RenewalRun> {
    const expired = await this.expireIncomplete();
    const claims = await this.claimDue();
    let renewed = 0;
    let failed = 0;
    const attemptIds = claims.flatMap((claim) => (claim.kind === 'charge' ? [claim.attemptId] : []));
    for (const attemptId of attemptIds) {
      const attempt = await this.runner.run(attemptId);
      if (attempt.status === 'succeeded') renewed++;
      if (attempt.status === 'failed') failed++;
    }
    return {
      charged: attemptIds.length,
      renewed,
      failed,
      skipped: claims.filter((claim) => claim.kind === 'skipped').length,
      ended: claims.filter((claim) => claim.kind === 'ended').length,
      expired,
    };
  }

  /** Ends the incomplete subscriptions past INCOMPLETE_EXPIRES_AFTER_MS, each under its row lock. */
  async expireIncomplete(limit = RENEWAL_BATCH): Promise<number> {
    const nowMs = this.deps.clock.nowMs();
    const createdBeforeMs = nowMs - INCOMPLETE_EXPIRES_AFTER_MS;
    let expired = 0;
    for (const id of await expiredIncompleteIds(this.deps.db, createdBeforeMs, limit)) {
      const ended = await this.deps.db.transaction(async (tx) => {
        const sub = await claimExpiredIncomplete(tx, id, createdBeforeMs);
        if (sub === null) return false;
        await saveSubscription(tx, incompleteExpired(sub, nowMs));
        return true;
      });
      if (ended) expired += 1;
    }
    return expired;
  }

  /** Claims what is due now — ends, skips, or starts a payment for each — without calling the provider yet. */
  async claimDue(limit = RENEWAL_BATCH): Promise<Claim[]> {
    const nowMs = this.deps.clock.nowMs();
    const claims: Claim[] = [];
    for (const id of await dueSubscriptionIds(this.deps.db, nowMs, limit)) {
      const claim = await this.claim(id, nowMs);
      if (claim !== null) claims.push(claim);
    }
    return claims;
  }

  private claim(id: string, nowMs: number): Promise<Claim | null> {
    return this.deps.db.transaction(async (tx) => {
      const sub = await claimDueSubscription(tx, id, nowMs);
      if (sub === null) return null;
      if (sub.cancelAtPeriodEnd && sub.status === 'active') {
        await saveSubscription(tx, endedWithPeriod(sub, nowMs));
        return { kind: 'ended' };
      }
      const card = await defaultPaymentMethod(tx, sub.orgId);
      if (card === null || card.id === sub.declinedCardId) {
        // Nothing worth sending: the slot passes as a failed try, so a subscription nobody pays for still ends on schedule.
        const problem = card === null ? { failureClass: 'no_card' as const, code: 'payment_method_required', cardId: null } : { failureClass: 'hard' as const, code: sub.lastFailureCode, cardId: card.id };
        await saveSubscription(tx, renewalFailed(sub, problem, nowMs));
        return { kind: 'skipped' };
      }
      const attempt = await insertAttempt(tx, {
        id: this.deps.ids.next('bpa'),
        orgId: sub.orgId,
        kind: 'subscription',
        amountMinor: sub.amountMinor,
        currency: sub.currency,
        paymentMethodId: card.id,
        initiator: 'merchant',
        subscriptionId: sub.id,
        createdAtMs: nowMs,
      });
      await saveSubscription(tx, paymentStarted(sub, attempt.id, nowMs));
      return { kind: 'charge', attemptId: attempt.id };
    });
  }
}
