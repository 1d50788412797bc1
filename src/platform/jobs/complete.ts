import type { Sql } from '../db/database.ts';
import type { Job } from './job.ts';
import { assertTimeMs } from './job.ts';

/**
 * Marks a claimed job done. The update is fenced by the worker id *and* the
 * attempt number: if our lease expired and the job was claimed again (even
 * by a worker with the same id), this attempt no longer owns it and the call
 * returns false instead of overwriting the newer attempt's state.
 *
 * Pass the handler's own transaction to finish the job atomically with its
 * effects (exactly-once effects); the worker's own later call then finds the
 * job already done and returns false, which is harmless.
 */
export async function complete(sql: Sql, job: Job, nowMs: number): Promise<boolean> {
  assertTimeMs('nowMs', nowMs);
  const changed = await sql.run(
    `UPDATE jobs SET state = 'done', finished_at_ms = ?, locked_by = NULL, lease_until_ms = NULL
     WHERE id = ? AND state = 'running' AND locked_by = ? AND attempts = ?`,
    [nowMs, job.id, job.lockedBy, job.attempts],
  );
  return changed === 1;
}
