import type { AuthenticationResponse } from '../../network/messages.ts';
import type { AcquirerDeps } from '../acquirer-deps.ts';
import { openPan } from '../cards/vault.ts';
import type { AttemptSpec } from './card-attempt.ts';
import type { Charge } from './charge-store.ts';

/**
 * 3-D Secure at the acquirer. When an issuer answers a customer-initiated
 * authorization with 1A ("additional authentication required", Stripe's
 * `authentication_required`), the acquirer asks the network's directory
 * server to authenticate the cardholder for that payment:
 *
 *  - frictionless: the issuer authenticates at once; the payment is sent
 *    again, now carrying the authentication value and ECI;
 *  - challenge: the intent waits in `requires_action`, its `next_action`
 *    a `redirect_to_url` to the issuer's challenge page; the page sends the
 *    browser back to AUTHENTICATION_RETURN_PATH, which asks the network for
 *    the result and continues the payment (or fails it), then redirects to
 *    the merchant's `return_url` as Stripe does;
 *  - anything else: the 1A stands as a decline (`authentication_required`).
 *
 * A merchant-initiated payment is never challenged (the customer is not
 * there): its 1A is a decline, and the merchant must bring the customer back.
 *
 * Exactly once: the authentication's id is derived from the attempt's
 * network id, so asking again after a crash is a repeat at the issuer (the
 * same challenge, never a second); the payment continues only from
 * `requires_action` with that same id, under the intent's lock, and the
 * retry is a new attempt with its own network id.
 */

/** Where an issuer's challenge page sends the browser back (a path on this server; `:id` is the authentication id). */
export const AUTHENTICATION_RETURN_PATH = '/acquirer/3ds/return';

export function authenticationIdFor(charge: Charge): string {
  return `${charge.networkId}.3ds`;
}

/** Asks the network to authenticate the cardholder for this attempt; null when the network offers no 3-D Secure. */
export async function requestAuthentication(deps: AcquirerDeps, spec: AttemptSpec, charge: Charge): Promise<AuthenticationResponse | null> {
  if (deps.network.authenticate === undefined) return null;
  const id = authenticationIdFor(charge);
  return deps.network.authenticate({
    type: 'authentication',
    id,
    purpose: spec.purpose,
    card: { pan: openPan(deps.vaultKey, spec.pm.panSealed), expMonth: spec.pm.expMonth, expYear: spec.pm.expYear, cvv2: null },
    amount: { minor: spec.amountMinor, currency: spec.currency.toUpperCase() },
    merchant: {
      acquirerId: deps.acquirerId,
      merchantId: spec.merchant.id,
      name: spec.merchant.statementDescriptor,
      mcc: spec.merchant.mcc,
      country: spec.merchant.country,
    },
    notificationUrl: `${AUTHENTICATION_RETURN_PATH}/${encodeURIComponent(id)}`,
    sentAtMs: deps.clock.nowMs(),
  });
}

/** Where an authentication stands now, asked of the card's issuer through the network. */
export async function authenticationResult(deps: AcquirerDeps, panSealed: string, id: string): Promise<AuthenticationResponse | null> {
  if (deps.network.authenticationResult === undefined) return null;
  return deps.network.authenticationResult(openPan(deps.vaultKey, panSealed), id);
}

/** Stripe's `last_payment_error` when the customer failed or abandoned the challenge. */
export function authenticationFailure(paymentMethodId: string, reason: string): Record<string, unknown> {
  return {
    type: 'invalid_request_error',
    code: 'payment_intent_authentication_failure',
    decline_code: null,
    message:
      'The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.',
    doc_url: 'https://docs.stripe.com/error-codes/payment-intent-authentication-failure',
    // Cardlane's own addition: why (`too_many_wrong_codes`, `declined_by_cardholder`, `abandoned`, …), for the doctor.
    authentication_reason: reason,
    payment_method: { id: paymentMethodId, object: 'payment_method', type: 'card' },
  };
}
