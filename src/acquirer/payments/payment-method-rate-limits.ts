import type { Clock } from '../../platform/clock.ts';
import { RateLimiter, type RateLimitPolicy } from '../../platform/http/rate-limit.ts';
import { AcquirerError } from '../errors.ts';
import type { StripeCall } from '../stripe/route.ts';

/**
 * How fast a publishable key may create payment methods. A publishable key
 * is public (it sits in the merchant's web page), so anyone may call this
 * endpoint with it: unlimited, it let a script vault card after card and
 * flush the CVCs held for the moments between tokenizing and charging.
 * Limited per client address (one browser or script) and per publishable
 * key (one merchant's checkout as a whole), in process memory with the
 * platform's token buckets. Calls with a secret key come from the
 * merchant's own server and are not limited here.
 */
export interface PaymentMethodRateLimits {
  readonly perClientAddress: RateLimitPolicy;
  readonly perPublishableKey: RateLimitPolicy;
}

export const PAYMENT_METHOD_RATE_LIMITS: PaymentMethodRateLimits = {
  // A person adds a few cards: 20 at once, then 20 a minute, is already generous.
  perClientAddress: { name: 'acquirer.payment_methods.address', burst: 20, perWindow: 20, windowMs: 60_000, maxClients: 50_000 },
  // A checkout's peak: 60 cards at once, then one a second, sustained.
  perPublishableKey: { name: 'acquirer.payment_methods.publishable_key', burst: 60, perWindow: 60, windowMs: 60_000 },
};

export type PaymentMethodRateGate = (call: StripeCall) => void;

/** Throws Stripe's 429 `rate_limit` (type `rate_limit_error`) once either limit is spent. */
export function paymentMethodRateGate(clock: Clock, limits: PaymentMethodRateLimits = PAYMENT_METHOD_RATE_LIMITS): PaymentMethodRateGate {
  const byAddress = new RateLimiter(limits.perClientAddress, clock);
  const byKey = new RateLimiter(limits.perPublishableKey, clock);
  return (call) => {
    if (call.keyKind !== 'publishable') return;
    // The address first: a flood from one address refused there takes nothing from the key's bucket, which the merchant's other customers share.
    const address = byAddress.take(call.clientAddress);
    if (!address.ok) throw refusal('from this address', address.retryAfterMs);
    const key = byKey.take(call.apiKeyHash);
    if (!key.ok) throw refusal('with this publishable key', key.retryAfterMs);
  };
}

function refusal(scope: string, retryAfterMs: number): Error {
  return new AcquirerError('rate_limit', `Too many payment methods created too quickly ${scope}; retry in ${Math.max(1, Math.ceil(retryAfterMs / 1000))} s.`);
}
