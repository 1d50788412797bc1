import type { Clock } from '../../platform/clock.ts';
import { clientKey, networkKey, RateLimiter, takeFromEach, type RateLimitPolicy } from '../../platform/http/rate-limit.ts';
import { AcquirerError } from '../errors.ts';
import type { StripeCall } from '../stripe/route.ts';

/**
 * How fast a publishable key may create payment methods. A publishable key
 * is public (it sits in the merchant's web page), so anyone may call this
 * endpoint with it: unlimited, it let a script vault card after card and
 * flush the CVCs held for the moments between tokenizing and charging.
 * Calls with a secret key come from the merchant's own server and are not
 * limited here.
 *
 * Three budgets, in process memory with the platform's token buckets, taken
 * all or none (a refused call costs no budget):
 * - per client address (one browser or script), whatever the key;
 * - per key and network (an IPv6 /48; an IPv4 address is its own), so one
 *   holder of many IPv6 /64s — a home's /56 is 256 of them — counts once;
 * - per key, a ceiling for the merchant's checkout as a whole, since card
 *   testing from many addresses is real. It is many times what one client
 *   or network may take: the key's budget used to be 60 a minute, which
 *   three clients (or one IPv6 household) could spend, and then none of the
 *   merchant's customers could add a card (billing's page adds every card
 *   with its merchant's publishable key).
 */
export interface PaymentMethodRateLimits {
  readonly perClientAddress: RateLimitPolicy;
  readonly perPublishableKeyAndNetwork: RateLimitPolicy;
  readonly perPublishableKey: RateLimitPolicy;
}

export const PAYMENT_METHOD_RATE_LIMITS: PaymentMethodRateLimits = {
  // A person adds a few cards: 20 at once, then 20 a minute, is already generous.
  perClientAddress: { name: 'acquirer.payment_methods.address', burst: 20, perWindow: 20, windowMs: 60_000, maxClients: 50_000 },
  // An office or a household behind one network: three people's worth at one shop.
  perPublishableKeyAndNetwork: { name: 'acquirer.payment_methods.publishable_key_network', burst: 60, perWindow: 60, windowMs: 60_000, maxClients: 50_000 },
  // A checkout's peak: 300 cards at once, then five a second, sustained — fifteen clients' budgets, five networks'.
  perPublishableKey: { name: 'acquirer.payment_methods.publishable_key', burst: 300, perWindow: 300, windowMs: 60_000, maxClients: 100_000 },
};

export type PaymentMethodRateGate = (call: StripeCall) => void;

/** Throws Stripe's 429 `rate_limit` (type `rate_limit_error`) once any of the budgets is spent. */
export function paymentMethodRateGate(clock: Clock, limits: PaymentMethodRateLimits = PAYMENT_METHOD_RATE_LIMITS): PaymentMethodRateGate {
  const byAddress = new RateLimiter(limits.perClientAddress, clock);
  const byKeyAndNetwork = new RateLimiter(limits.perPublishableKeyAndNetwork, clock);
  const byKey = new RateLimiter(limits.perPublishableKey, clock);
  return (call) => {
    if (call.keyKind !== 'publishable') return;
    const decision = takeFromEach([
      [byAddress, clientKey(call.clientAddress)],
      [byKeyAndNetwork, `${call.apiKeyHash} ${networkKey(call.clientAddress)}`],
      [byKey, call.apiKeyHash],
    ]);
    if (decision.ok) return;
    const scope = decision.limiter === byKey ? 'with this publishable key' : decision.limiter === byAddress ? 'from this address' : 'from this network with this publishable key';
    throw refusal(scope, decision.retryAfterMs);
  };
}

function refusal(scope: string, retryAfterMs: number): Error {
  return new AcquirerError('rate_limit', `Too many payment methods created too quickly ${scope}; retry in ${Math.max(1, Math.ceil(retryAfterMs / 1000))} s.`);
}
