import Stripe from 'stripe';
import { classifyFailure } from './decline-class.ts';
import type { FailureClass, PaymentFailure } from './payment-attempts.ts';

/**
 * What one provider call settled: it succeeded, it failed for good (with the
 * provider's whole answer), or nobody knows yet — the answer was lost, the
 * provider was down, or the payment is still processing — in which case the
 * attempt stays `processing` and the sweep asks again with the same
 * idempotency key.
 */
export type ProviderOutcome =
  | { readonly kind: 'succeeded'; readonly intentId: string; readonly chargeId: string | null; readonly amountMinor?: number }
  | { readonly kind: 'failed'; readonly failure: PaymentFailure; readonly failureClass: FailureClass; readonly intentId: string | null }
  /** `intentId`: the provider's intent is known but not finished (`processing`); it is read again later, never re-created. */
  | { readonly kind: 'unknown'; readonly reason: string; readonly intentId?: string };

/** A PaymentIntent's state after `confirm: true`. */
export async function outcomeOfIntent(stripe: Stripe, intent: Stripe.PaymentIntent): Promise<ProviderOutcome> {
  const chargeId = typeof intent.latest_charge === 'string' ? intent.latest_charge : (intent.latest_charge?.id ?? null);
  switch (intent.status) {
    case 'succeeded':
      return { kind: 'succeeded', intentId: intent.id, chargeId, amountMinor: intent.amount_received };
    case 'processing':
      return { kind: 'unknown', reason: `payment ${intent.id} is still processing`, intentId: intent.id };
    default: {
      // requires_action (3-D Secure) or requires_payment_method (declined without raising): billing cannot finish it unattended.
      const error = intent.last_payment_error;
      const failure = error
        ? await failureFromBody(stripe, error as unknown as Record<string, unknown>)
        : syntheticFailure('authentication_required', `The payment needs the customer's action (status ${intent.status}).`);
      return { kind: 'failed', failure, failureClass: classifyFailure(failure), intentId: intent.id };
    }
  }
}

/**
 * A card verification's SetupIntent after `confirm: true`, when it did not
 * succeed (success needs the card's details, read by the caller). Two states
 * are worth waiting for: `processing`, and `requires_action` — the bank wants
 * 3-D Secure, which the customer completes in the browser and billing then
 * reads (PaymentMethods.complete). Anything else — a failure answered
 * without an error, a cancel — will not change by asking again, so the card
 * is not added.
 */
export async function outcomeOfUnfinishedSetup(stripe: Stripe, intent: Stripe.SetupIntent): Promise<ProviderOutcome> {
  if (intent.status === 'processing') return { kind: 'unknown', reason: `card verification ${intent.id} is still processing`, intentId: intent.id };
  if (intent.status === 'requires_action') return { kind: 'unknown', reason: `card verification ${intent.id} waits for the customer's 3-D Secure challenge`, intentId: intent.id };
  const error = intent.last_setup_error;
  const failure = error
    ? await failureFromBody(stripe, error as unknown as Record<string, unknown>)
    : syntheticFailure('authentication_required', `The card verification needs the customer's action (status ${intent.status}).`);
  return { kind: 'failed', failure, failureClass: classifyFailure(failure), intentId: intent.id };
}

/** A verification whose challenge the customer never finished, given up by billing (the set-up intent is cancelled at the provider). */
export function abandonedChallenge(intentId: string): ProviderOutcome {
  const failure = syntheticFailure('authentication_required', 'The card verification was given up: the bank asked for 3-D Secure and the challenge was not completed.');
  return { kind: 'failed', failure: { ...failure, provider_error: { ...failure.provider_error, authentication_reason: 'abandoned' } }, failureClass: classifyFailure(failure), intentId };
}

/** An error the SDK raised for a provider call. */
export async function outcomeOfError(stripe: Stripe, error: unknown): Promise<ProviderOutcome> {
  if (!(error instanceof Stripe.errors.StripeError)) throw error;
  if (
    error instanceof Stripe.errors.StripeConnectionError ||
    error instanceof Stripe.errors.StripeAPIError ||
    error instanceof Stripe.errors.StripeRateLimitError ||
    (error instanceof Stripe.errors.StripeIdempotencyError && error.statusCode === 409) ||
    (error.statusCode !== undefined && error.statusCode >= 500)
  ) {
    return { kind: 'unknown', reason: `${error.type}: ${error.message}` };
  }
  if (error instanceof Stripe.errors.StripeAuthenticationError || error instanceof Stripe.errors.StripePermissionError) {
    // Billing's own keys are wrong: an operator must fix them; no card is at fault and nothing was charged.
    throw error;
  }
  const raw = (error.raw ?? {}) as Record<string, unknown>;
  const failure = await failureFromBody(stripe, raw);
  const intent = (raw.payment_intent ?? raw.setup_intent) as { id?: string } | undefined;
  return { kind: 'failed', failure, failureClass: classifyFailure(failure), intentId: intent?.id ?? null };
}

async function failureFromBody(stripe: Stripe, body: Record<string, unknown>): Promise<PaymentFailure> {
  const chargeId = typeof body.charge === 'string' ? body.charge : null;
  return {
    type: text(body.type) ?? 'api_error',
    code: text(body.code),
    decline_code: text(body.decline_code),
    message: text(body.message) ?? 'The payment failed.',
    network_decline_code: text(body.network_decline_code),
    charge: chargeId,
    outcome: chargeId === null ? null : await chargeOutcome(stripe, chargeId),
    provider_error: stripBulk(body),
  };
}

/** The charge's outcome, or null if it cannot be read now (it is a nicety for the doctor, not a condition). */
async function chargeOutcome(stripe: Stripe, chargeId: string): Promise<Record<string, unknown> | null> {
  try {
    const charge = await stripe.charges.retrieve(chargeId);
    return (charge.outcome as unknown as Record<string, unknown> | null) ?? null;
  } catch {
    return null;
  }
}

function syntheticFailure(code: string, message: string): PaymentFailure {
  return { type: 'card_error', code, decline_code: code, message, network_decline_code: null, charge: null, outcome: null, provider_error: { code, message } };
}

// The error body embeds whole objects (the intent, the payment method); their ids are enough.
function stripBulk(body: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (key === 'headers' || key === 'requestId' || key === 'statusCode') continue;
    copy[key] = value !== null && typeof value === 'object' && 'id' in value ? (value as { id: unknown }).id : value;
  }
  return copy;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}
