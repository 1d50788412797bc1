import { RetryableConflict } from './database.ts';

const DEFAULT_MAX_ATTEMPTS = 8;

/** PostgreSQL serialization failure, deadlock; SQLite busy/locked. */
function isRetryable(error: unknown): boolean {
  if (error instanceof RetryableConflict) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40001' || code === '40P01' || code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

/**
 * Re-runs a transaction that lost a race, with a short randomized back-off so
 * that two losers do not collide again in lock step. Bounded: after
 * `maxAttempts` the last error is thrown.
 */
export async function withRetries<T>(attempt: () => Promise<T>, maxAttempts = DEFAULT_MAX_ATTEMPTS): Promise<T> {
  for (let attemptNumber = 1; ; attemptNumber++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isRetryable(error) || attemptNumber >= maxAttempts) throw error;
      const backoffMs = Math.min(50, 2 ** attemptNumber) * Math.random();
      await new Promise((resolve) => setTimeout(resolve, backoffMs));
    }
  }
}
