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
 *
 * A budget several clients share (a publishable key's, a mailbox's) must
 * not be one that a single client can spend for all of them: give each
 * client a budget of its own in front of it and take from both with
 * `takeFromEach`, keeping the shared one as a ceiling well above any one
 * client's (SECURITY.md, "Rate limits: whose budget is whose").
 *
 * The address is `request.ip`: the socket's peer, since the server sets no
 * `trustProxy` — a client's X-Forwarded-For is never believed, so forging
 * one buys no fresh budget.
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

  /** Takes one request from `address`'s bucket (an IPv6 address counts by its /64), or says how long until one is free. */
  take(address: string): RateLimitDecision {
    const decision = takeFromEach([[this, clientKey(address)]]);
    return decision.ok ? decision : { ok: false, retryAfterMs: decision.retryAfterMs };
  }

  /** How long until `key`'s bucket (the key as it is) holds a whole request; 0 when it does now. Takes nothing. */
  waitMs(key: string): number {
    const bucket = this.#refilled(key);
    return bucket.tokens >= 1 ? 0 : Math.ceil((1 - bucket.tokens) * this.#msPerToken);
  }

  /** Takes one request from `key`'s bucket (the key as it is); only after `waitMs(key)` said 0, in the same tick. */
  consume(key: string): void {
    const bucket = this.#refilled(key);
    if (bucket.tokens < 1) throw new Error(`rate limit ${this.policy.name}: consume() without a request in the bucket`);
    bucket.tokens -= 1;
  }

  /** `key`'s bucket refilled up to now, moved to the most recently seen end (forgetting the oldest past `maxClients`). */
  #refilled(key: string): Bucket {
    const nowMs = this.#clock.nowMs();
    const bucket = this.#buckets.get(key) ?? { tokens: this.policy.burst, atMs: nowMs };
    this.#buckets.delete(key);
    // A clock that stepped back refills nothing and takes nothing away.
    const elapsedMs = Math.max(0, nowMs - bucket.atMs);
    bucket.tokens = Math.min(this.policy.burst, bucket.tokens + elapsedMs / this.#msPerToken);
    bucket.atMs = nowMs;
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > this.#maxClients) this.#buckets.delete(this.#buckets.keys().next().value!);
    return bucket;
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

/** A refusal of `takeFromEach`: the limit that refused (the one with the longest wait) and that wait. */
export type MultiRateLimitDecision = { readonly ok: true } | { readonly ok: false; readonly retryAfterMs: number; readonly limiter: RateLimiter };

/**
 * One request from several budgets at once, all or nothing: refused when any
 * bucket is spent, and then nothing is taken from any — so a client refused
 * by its own budget takes nothing from a budget it shares with others (a
 * publishable key's ceiling, a mailbox's), and a request refused by a shared
 * ceiling costs its client nothing. Keys are used as they are: build them
 * with `clientKey`/`networkKey` (e.g. `${keyHash} ${clientKey(ip)}`).
 * Synchronous, so no other request can run between the check and the take.
 */
export function takeFromEach(takes: readonly (readonly [RateLimiter, string])[]): MultiRateLimitDecision {
  let refusal: { retryAfterMs: number; limiter: RateLimiter } | undefined;
  for (const [limiter, key] of takes) {
    const waitMs = limiter.waitMs(key);
    if (waitMs > 0 && (refusal === undefined || waitMs > refusal.retryAfterMs)) refusal = { retryAfterMs: waitMs, limiter };
  }
  if (refusal !== undefined) return { ok: false, ...refusal };
  for (const [limiter, key] of takes) limiter.consume(key);
  return { ok: true };
}

/** The address a limit counts: an IPv6 address by its /64 (a client usually holds a whole /64), anything else as it is. */
export function clientKey(address: string): string {
  const text = typeof address === 'string' && address !== '' ? address.slice(0, 64) : 'unknown';
  if (!isIPv6(text) || /^::ffff:\d/i.test(text)) return text;
  return `${expandIPv6(text).slice(0, 4).join(':')}::/64`;
}

/**
 * The network a client's address belongs to, for budgets that one holder of
 * many addresses must not multiply: an IPv6 address by its /48 (what a site,
 * or anyone with a free tunnel, is given: a home's /56 holds 256 /64s, each a
 * client to `clientKey`), anything else as `clientKey` counts it.
 */
export function networkKey(address: string): string {
  const key = clientKey(address);
  if (!key.endsWith('::/64')) return key;
  return `${key.split(':').slice(0, 3).join(':')}::/48`;
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
