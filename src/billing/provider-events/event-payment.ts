import type Stripe from 'stripe';
import type { Sql } from '../../platform/db/database.ts';
import { findAttempt, type PaymentAttempt } from '../payments/payment-attempts.ts';

/**
 * Which of billing's payments a provider object (a charge, a refund, a
 * dispute) belongs to, and whether billing can act on it now. Billing keeps
 * the provider's payment intent on each attempt; an attempt whose answer was
 * lost has none yet, so the intent's own metadata (billing names its attempt
 * there) is the way back.
 */

export type PaymentLookup =
  | { readonly kind: 'ready'; readonly attempt: PaymentAttempt }
  /** Billing has not finished this payment yet (its answer was lost): the credits are not granted yet, so nothing can be taken back yet. */
  | { readonly kind: 'wait'; readonly note: string }
  | { readonly kind: 'ignore'; readonly note: string };

/** Credit purchases and recharges granted credits; a subscription payment bought a period, not credits. */
const CREDIT_KINDS = new Set<PaymentAttempt['kind']>(['purchase', 'auto_recharge']);

export async function paymentOfIntent(db: Sql, stripe: Stripe, paymentIntentId: string | null): Promise<PaymentLookup> {
  if (paymentIntentId === null) return { kind: 'ignore', note: 'no payment intent' };
  let attempt = await attemptByIntent(db, paymentIntentId);
  if (attempt === null) {
    const intent = await stripe.paymentIntents.retrieve(paymentIntentId);
    const named = intent.metadata?.cardlane_billing_attempt;
    attempt = typeof named === 'string' ? await findAttempt(db, named) : null;
  }
  if (attempt === null) return { kind: 'ignore', note: `payment ${paymentIntentId} is not one of billing's` };
  if (!CREDIT_KINDS.has(attempt.kind)) return { kind: 'ignore', note: `${attempt.id} is a ${attempt.kind} payment: it bought no credits` };
  if (attempt.status === 'processing') return { kind: 'wait', note: `${attempt.id} is still processing in billing` };
  if (attempt.status !== 'succeeded') return { kind: 'ignore', note: `${attempt.id} ${attempt.status} in billing: it granted no credits` };
  return { kind: 'ready', attempt };
}

async function attemptByIntent(db: Sql, paymentIntentId: string): Promise<PaymentAttempt | null> {
  const row = await db.get<{ id: string }>('SELECT id FROM billing_payment_attempts WHERE provider_intent_id = ?', [paymentIntentId]);
  return row === undefined ? null : findAttempt(db, row.id);
}

/** An id field that may come expanded (`{ id }`) or as a string. */
export function idOf(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string') return (value as { id: string }).id;
  return null;
}
