import type { Clock } from '../../platform/clock.ts';
import { RateLimiter } from '../../platform/http/rate-limit.ts';

/**
 * The API's request rate limit per API key, as Stripe limits each account
 * (429 `rate_limit`, which the official SDKs raise as `StripeRateLimitError`).
 * It exists so an integrator can test their client's 429 handling against
 * Cardlane; it is off by default in the sandbox (`acquirer.apiRequestsPerSecond`
 * is 0), because the simulator, the benchmarks and the billing module call
 * this API far faster than any one merchant would. A token bucket per key in
 * process memory (the platform's RateLimiter): `n` requests at once, then
 * `n` a second.
 */
export type ApiRateGate = (apiKeyHash: string) => { readonly ok: true } | { readonly ok: false; readonly retryAfterMs: number };

/** The gate for `requestsPerSecond` per key; undefined (no limit) for 0. */
export function apiRateGate(clock: Clock, requestsPerSecond: number): ApiRateGate | undefined {
  if (requestsPerSecond <= 0) return undefined;
  const limiter = new RateLimiter({ name: 'acquirer.api.key', burst: requestsPerSecond, perWindow: requestsPerSecond, windowMs: 1_000, maxClients: 100_000 }, clock);
  return (apiKeyHash) => limiter.take(apiKeyHash);
}
