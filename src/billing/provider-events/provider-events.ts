import Stripe from 'stripe';
import type { Tx } from '../../platform/db/database.ts';
import type { BillingPaymentDeps } from '../payments/payment-deps.ts';
import { deferEvent, finishEvent, keepEvent, lockPendingEvent, pendingEvents, type InboxEvent, type ProviderEvent } from './event-inbox.ts';
import { idOf, paymentOfIntent } from './event-payment.ts';
import { applyDispute } from './provider-disputes.ts';
import { readProviderEvents } from './provider-event-feed.ts';
import { applyProviderRefunds, currentRefunds } from './provider-refunds.ts';

/**
 * Billing's handling of its payment provider's events about money that went
 * back: refunds made outside billing, refunds that failed, and disputes
 * (provider-refunds.ts, failed-refunds.ts, provider-disputes.ts). Each run
 * reads new events into the inbox (provider-event-feed.ts) and handles what
 * is pending there.
 *
 * Exactly once: an event is handled in one transaction that locks its inbox
 * row (still `pending`?), then the payment's row, then makes its effects and
 * marks the event handled. Effects are keyed by the provider's objects
 * (refund, dispute step), not by the event, so two events about one refund
 * — or one event read twice into an inbox that forgot it — still take the
 * credits once. The provider is read before the transaction (never a call
 * inside one); a crash anywhere leaves the event pending for the next run.
 */

/** Pending events handled per run, oldest first. */
const HANDLE_BATCH = 100;

/** What an event asks for, decided from the provider's state before any transaction. */
type Plan = { readonly kind: 'wait' | 'ignore'; readonly note: string } | { readonly kind: 'apply'; apply(tx: Tx): Promise<string> };

export class ProviderEvents {
  constructor(private readonly deps: BillingPaymentDeps) {}

  /** One run of the `billing.provider-events` task: read new events, then handle the pending ones. */
  async sweep(): Promise<{ read: number; handled: number }> {
    const { read } = await readProviderEvents(this.deps.db, this.deps.provider.stripe(), this.deps.clock.nowMs());
    return { read, handled: await this.handlePending() };
  }

  /** Keeps events given by another way in (a webhook receiver; tests that deliver out of order and twice). */
  async receive(events: readonly ProviderEvent[]): Promise<number> {
    let kept = 0;
    for (const event of events) if (await keepEvent(this.deps.db, event, this.deps.clock.nowMs())) kept += 1;
    return kept;
  }

  /**
   * Handles pending events; one that fails is left pending with why (its
   * payment is still processing in billing, the provider could not be
   * read) and the rest go on. An unexpected error is thrown after the batch,
   * so the task's log shows it without it holding up the others.
   */
  async handlePending(limit = HANDLE_BATCH): Promise<number> {
    let handled = 0;
    let failure: unknown = null;
    for (const event of await pendingEvents(this.deps.db, limit)) {
      try {
        if (await this.handle(event)) handled += 1;
      } catch (error) {
        await deferEvent(this.deps.db, event.eventId, error instanceof Error ? error.message : String(error));
        if (!(error instanceof Stripe.errors.StripeError)) failure ??= error;
      }
    }
    if (failure !== null) throw failure;
    return handled;
  }

  /** True when this run finished the event (handled or ignored); false when it waits or another run had it. */
  private async handle(event: InboxEvent): Promise<boolean> {
    const stripe = this.deps.provider.stripe();
    // What to do is decided from the provider's current state, read before the transaction.
    const work = await this.plan(stripe, event);
    if (work.kind === 'wait') {
      await deferEvent(this.deps.db, event.eventId, work.note);
      return false;
    }
    const apply = work.kind === 'apply' ? work.apply : null;
    const ignored = work.kind === 'ignore' ? work.note : null;
    return this.deps.db.transaction(async (tx) => {
      if ((await lockPendingEvent(tx, event.eventId)) === null) return false;
      if (apply === null) await finishEvent(tx, event.eventId, 'ignored', ignored, this.deps.clock.nowMs());
      else await finishEvent(tx, event.eventId, 'handled', await apply(tx), this.deps.clock.nowMs());
      return true;
    });
  }

  private async plan(stripe: Stripe, event: InboxEvent): Promise<Plan> {
    if (event.type.startsWith('charge.dispute.')) {
      const dispute = await stripe.disputes.retrieve(event.objectId);
      const payment = await paymentOfIntent(this.deps.db, stripe, idOf(dispute.payment_intent));
      if (payment.kind !== 'ready') return payment;
      return { kind: 'apply', apply: async (tx) => describe('dispute', dispute.id, await applyDispute(tx, this.deps, payment.attempt, dispute, event.eventId)) };
    }
    // A charge (charge.refunded) or a refund (charge.refund.updated, refund.updated, refund.failed): either names the payment intent.
    const payment = await paymentOfIntent(this.deps.db, stripe, idOf(event.object.payment_intent));
    if (payment.kind !== 'ready') return payment;
    const refunds = await currentRefunds(stripe, payment.attempt.providerIntentId ?? idOf(event.object.payment_intent)!);
    return { kind: 'apply', apply: async (tx) => describe('refunds', payment.attempt.id, await applyProviderRefunds(tx, this.deps, payment.attempt, refunds, event.eventId)) };
  }
}

function describe(what: string, of: string, applied: readonly string[]): string {
  return applied.length === 0 ? `${what} of ${of}: nothing new` : `${what} of ${of}: applied ${applied.join(', ')}`;
}
