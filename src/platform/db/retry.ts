import { RetryableConflict } from './database.ts';

const DEFAULT_MAX_ATTEMPTS = 8;

/** Why a transaction lost a race that a fresh attempt resolves. */
export type LostRace = 'deadlock' | 'serialization' | 'busy' | 'conflict';

/**
 * Process-wide count of transactions that lost a race, by why (each is
 * re-run, or fails at its last attempt). The re-run hides a lost race from
 * the caller, yet a deadlock costs its loser about a second (PostgreSQL's
 * `deadlock_timeout`) before it is even detected: tests read this to show
 * that paths which take locks in one order never deadlock.
 */
export const lostRaces: Record<LostRace, number> = { deadlock: 0, serialization: 0, busy: 0, conflict: 0 };

/** PostgreSQL serialization failure, deadlock; SQLite busy/locked; a conflict the code itself found. Null: not a lost race. */
function lostRaceOf(error: unknown): LostRace | null {
  if (error instanceof RetryableConflict) return 'conflict';
  const code = (error as { code?: unknown } | null)?.code;
  if (code === '40P01') return 'deadlock';
  if (code === '40001') return 'serialization';
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return 'busy';
  return null;
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
      const lost = lostRaceOf(error);
      if (lost === null) throw error;
      lostRaces[lost] += 1;
      if (attemptNumber >= maxAttempts) throw error;
      const backoffMs = Math.min(50, 2 ** attemptNumber) * Math.random();
      await new Promise((resolve) => setTimeout(resolve, backoffMs));
    }
  }
}
