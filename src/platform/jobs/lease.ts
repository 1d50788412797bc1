import type { Sql } from '../db/database.ts';
import type { Job } from './job.ts';
import { assertIntegerIn, assertTimeMs, JOB_LEASE_MAX_MS, JOB_LEASE_MIN_MS } from './job.ts';

/**
 * Extends the lease of a job still being worked on, so a handler that runs
 * longer than one lease is not presumed dead and run twice. Returns false if
 * the job is no longer ours (the lease had already expired and it was taken).
 */
export async function renewLease(sql: Sql, job: Job, leaseMs: number, nowMs: number): Promise<boolean> {
  assertIntegerIn('leaseMs', leaseMs, JOB_LEASE_MIN_MS, JOB_LEASE_MAX_MS);
  assertTimeMs('nowMs', nowMs);
  const changed = await sql.run(
    `UPDATE jobs SET lease_until_ms = ?
     WHERE id = ? AND state = 'running' AND locked_by = ? AND attempts = ? AND lease_until_ms > ?`,
    [nowMs + leaseMs, job.id, job.lockedBy, job.attempts, nowMs],
  );
  return changed === 1;
}
