import { isIPv6 } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../clock.ts';
import { AppError } from '../errors.ts';

/**
 * A per-client-address limit for routes anyone may call without a
 * credential (sign-in, provider callbacks, public pages): a token bucket
 * per address, in this process's memory. `burst` requests may come at
 * once; then one more every `windowMs / perWindow`. Above it: 429
 * `rate_limited` with Retry-After, before the route reads its body or the
 * database.
 *
 * In memory and per process on purpose: the limit exists to make flooding
 * and guessing cost the caller, and it must cost this server nothing — no
 * write per request. With N processes behind a balancer the effective limit
 * is N times as high; the limits that must hold exactly (codes sent per
 * phone or address, wrong codes per code) are kept in the database by the
 * routes themselves.
 *
 * The table of addresses is bounded (`maxClients`): when full, the address
 * seen longest ago is forgotten, so a flood of addresses costs bounded
 * memory and at worst gives a forgotten address a fresh bucket. IPv6
 * clients are counted by their /64, which one client usually holds whole.
 */
export interface RateLimitPolicy {
  /** Names the limit in logs. */
  readonly name: string;
  /** Requests one address may make at once. */
  readonly burst: number;
  /** Sustained rate: this many requests… */
  readonly perWindow: number;
  /** …per this many milliseconds. */
  readonly windowMs: number;
  /** Addresses remembered at most (default 10,000). */
  readonly maxClients?: number;
}

export type RateLimitDecision = { readonly ok: true } | { readonly ok: false; readonly retryAfterMs: number };

const DEFAULT_MAX_CLIENTS = 10_000;

interface Bucket {
  tokens: number;
  atMs: number;
}

export class RateLimiter {
  readonly policy: RateLimitPolicy;
  readonly #clock: Clock;
  readonly #maxClients: number;
  readonly #msPerToken: number;
  /** In least-recently-seen order (a Map keeps insertion order; a seen address is moved to the end). */
  readonly #buckets = new Map<string, Bucket>();

  constructor(policy: RateLimitPolicy, clock: Clock) {
    for (const [name, value] of [['burst', policy.burst], ['perWindow', policy.perWindow], ['windowMs', policy.windowMs], ['maxClients', policy.maxClients ?? 1]] as const) {
      if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`rate limit ${policy.name}: ${name} must be a whole number above 0`);
    }
    this.policy = policy;
    this.#clock = clock;
    this.#maxClients = policy.maxClients ?? DEFAULT_MAX_CLIENTS;
    this.#msPerToken = policy.windowMs / policy.perWindow;
  }

  /** Takes one request from `address`'s bucket, or says how long until one is free. */
  take(address: string): RateLimitDecision {
    const key = clientKey(address);
    const nowMs = this.#clock.nowMs();
    const bucket = this.#buckets.get(key) ?? { tokens: this.policy.burst, atMs: nowMs };
    this.#buckets.delete(key);
    // A clock that stepped back refills nothing and takes nothing away.
    const elapsedMs = Math.max(0, nowMs - bucket.atMs);
    bucket.tokens = Math.min(this.policy.burst, bucket.tokens + elapsedMs / this.#msPerToken);
    bucket.atMs = nowMs;
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > this.#maxClients) this.#buckets.delete(this.#buckets.keys().next().value!);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil((1 - bucket.tokens) * this.#msPerToken) };
  }

  /** Addresses currently remembered (for tests of the bound). */
  get size(): number {
    return this.#buckets.size;
  }

  /**
   * A Fastify hook (`onRequest`, so before the body is read) that refuses
   * a request over the limit: 429 `rate_limited`, Retry-After in seconds.
   */
  readonly hook = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const decision = this.take(request.ip);
    if (decision.ok) return;
    const retryAfterS = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
    reply.header('retry-after', String(retryAfterS));
    request.log.info({ rate_limit: this.policy.name, retry_after_s: retryAfterS }, 'rate limited');
    throw new AppError('rate_limited', `Too many requests from this address; retry in ${retryAfterS} s.`);
  };

  /** For a route's OpenAPI description. */
  describe(): string {
    const { burst, perWindow, windowMs } = this.policy;
    return `Rate-limited per client address: ${burst} at once, then ${perWindow} per ${formatWindow(windowMs)} (429 rate_limited with Retry-After).`;
  }
}

/** The address a limit counts: an IPv6 address by its /64 (a client usually holds a whole /64), anything else as it is. */
export function clientKey(address: string): string {
  const text = typeof address === 'string' && address !== '' ? address.slice(0, 64) : 'unknown';
  if (!isIPv6(text) || /^::ffff:\d/i.test(text)) return text;
  return `${expandIPv6(text).slice(0, 4).join(':')}::/64`;
}

function expandIPv6(address: string): string[] {
  const [head = '', tail] = address.split('%')[0]!.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = Array.from({ length: Math.max(0, 8 - left.length - right.length) }, () => '0');
  return [...left, ...(tail === undefined ? [] : zeros), ...right].map((group) => group.toLowerCase().replace(/^0+(?=.)/, ''));
}

function formatWindow(ms: number): string {
  if (ms % 3_600_000 === 0) return ms === 3_600_000 ? 'hour' : `${ms / 3_600_000} hours`;
  if (ms % 60_000 === 0) return ms === 60_000 ? 'minute' : `${ms / 60_000} minutes`;
  return `${ms / 1000} s`;
}
