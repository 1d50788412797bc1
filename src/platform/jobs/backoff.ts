import { assertIntegerIn } from './job.ts';

/**
 * How long a failed job waits before its next attempt: base · 2^(attempt−1),
 * capped. Deterministic on purpose (no jitter): tests drive it with a
 * ManualClock, and jobs already spread out because each one's wait starts
 * from the moment it failed, while SKIP LOCKED keeps claimers from piling
 * onto the same rows.
 */
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, capMs: 60 * 60 * 1000 };

const BACKOFF_MAX_MS = 7 * 24 * 60 * 60 * 1000;

export function backoffMs(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  assertIntegerIn('attempt', attempt, 1, Number.MAX_SAFE_INTEGER);
  assertIntegerIn('backoff baseMs', policy.baseMs, 1, BACKOFF_MAX_MS);
  assertIntegerIn('backoff capMs', policy.capMs, policy.baseMs, BACKOFF_MAX_MS);
  // Past 2^40 the cap has long been reached; stopping there keeps the product a safe integer.
  const exponent = Math.min(attempt - 1, 40);
  return Math.min(policy.capMs, policy.baseMs * 2 ** exponent);
}
