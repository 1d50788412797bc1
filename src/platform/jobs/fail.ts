import type { Sql } from '../db/database.ts';
import type { BackoffPolicy } from './backoff.ts';
import { backoffMs, DEFAULT_BACKOFF } from './backoff.ts';
import type { Job } from './job.ts';
import { assertTimeMs, describeError, truncateError } from './job.ts';

export type FailOutcome = 'retry' | 'dead' | 'lost';

/**
 * Records a failed attempt: back to ready after an exponential back-off, or
 * dead once max_attempts is used up (kept for a human to look at; never run
 * again by itself). Fenced like `complete`: returns 'lost' if the job is no
 * longer ours.
 */
export async function fail(
  sql: Sql,
  job: Job,
  error: unknown,
  nowMs: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
): Promise<FailOutcome> {
  assertTimeMs('nowMs', nowMs);
  const message = truncateError(typeof error === 'string' ? error : describeError(error));
  const dead = job.attempts >= job.maxAttempts;
  const changed = dead
    ? await sql.run(
        `UPDATE jobs SET state = 'dead', last_error = ?, finished_at_ms = ?, locked_by = NULL, lease_until_ms = NULL
         WHERE id = ? AND state = 'running' AND locked_by = ? AND attempts = ?`,
        [message, nowMs, job.id, job.lockedBy, job.attempts],
      )
    : await sql.run(
        `UPDATE jobs SET state = 'ready', last_error = ?, run_at_ms = ?, locked_by = NULL, lease_until_ms = NULL
         WHERE id = ? AND state = 'running' AND locked_by = ? AND attempts = ?`,
        [message, nowMs + backoffMs(job.attempts, policy), job.id, job.lockedBy, job.attempts],
      );
  if (changed !== 1) return 'lost';
  return dead ? 'dead' : 'retry';
}
