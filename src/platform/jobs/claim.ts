import type { Sql } from '../db/database.ts';
import { inTransaction, placeholders } from '../db/database.ts';
import type { Job, JobRow } from './job.ts';
import {
  assertIntegerIn,
  assertQueueName,
  assertTimeMs,
  assertWorkerId,
  JOB_CLAIM_MAX_BATCH,
  JOB_COLUMNS,
  JOB_LEASE_MAX_MS,
  JOB_LEASE_MIN_MS,
  toJob,
} from './job.ts';

export interface ClaimOptions {
  readonly queues: readonly string[];
  readonly workerId: string;
  readonly limit: number;
  /** How long the job is ours; past it, another worker may take it (we are presumed dead). */
  readonly leaseMs: number;
  readonly nowMs: number;
  /**
   * Fair sharing between groups (`groupKey` at enqueue): at most this many
   * jobs of one group running at once, counting those other workers hold
   * under a live lease, and the due jobs are taken round-robin — every
   * group's oldest before any group's second — so one group's backlog cannot
   * take every slot. Jobs without a group are not capped. Exact on SQLite
   * (claims are serialized); on PostgreSQL two claims at the same moment may
   * each see the other's rows as not yet running, so the cap can be passed by
   * at most one claim's share per concurrent claimer.
   */
  readonly maxRunningPerGroup?: number;
}

// Queues one claim may name; a worker serves a handful.
const CLAIM_MAX_QUEUES = 64;
const CLAIM_MAX_RUNNING_PER_GROUP = 10_000;

/**
 * Takes up to `limit` jobs that are due — ready with run_at_ms passed, or
 * running under a lease that has expired because its worker died — and marks
 * them running under `workerId` until now + leaseMs. The attempt is counted
 * here, at claim time, so that a job which kills its worker every time still
 * reaches max_attempts and stops, instead of crashing workers forever.
 *
 * On PostgreSQL `FOR UPDATE SKIP LOCKED` lets several processes claim from
 * the same table at once: each skips the rows another is claiming, so no job
 * is taken twice and nobody waits. The pick is a MATERIALIZED CTE rather than
 * an `IN (SELECT … LIMIT …)` sub-select because the planner may re-scan a
 * sub-select, and with SKIP LOCKED a re-scan can pick other rows and take
 * more than `limit`; a materialized CTE runs exactly once. On SQLite the
 * fragment is empty; the claim's transaction holds the write lock, which
 * serializes claimers even across processes.
 */
export async function claim(sql: Sql, options: ClaimOptions): Promise<Job[]> {
  const { queues, workerId, limit, leaseMs, nowMs } = options;
  if (queues.length === 0) return [];
  assertIntegerIn('number of queues', queues.length, 1, CLAIM_MAX_QUEUES);
  for (const queue of queues) assertQueueName(queue);
  assertWorkerId(workerId);
  assertIntegerIn('limit', limit, 1, JOB_CLAIM_MAX_BATCH);
  assertIntegerIn('leaseMs', leaseMs, JOB_LEASE_MIN_MS, JOB_LEASE_MAX_MS);
  assertTimeMs('nowMs', nowMs);
  const perGroup = options.maxRunningPerGroup;
  if (perGroup !== undefined) assertIntegerIn('maxRunningPerGroup', perGroup, 1, CLAIM_MAX_RUNNING_PER_GROUP);
  const inQueues = placeholders(queues.length);

  return inTransaction(sql, async (tx) => {
    // A job whose last allowed attempt died with its worker is not run again.
    await tx.run(
      `WITH picked AS MATERIALIZED (
         SELECT id FROM jobs
         WHERE state = 'running' AND lease_until_ms <= ? AND attempts >= max_attempts AND queue IN ${inQueues}
         LIMIT ? ${tx.forUpdateSkipLocked}
       )
       UPDATE jobs SET state = 'dead', finished_at_ms = ?, locked_by = NULL, lease_until_ms = NULL,
         last_error = 'the worker running the final attempt stopped before finishing (lease expired)'
       WHERE id IN (SELECT id FROM picked)`,
      [nowMs, ...queues, JOB_CLAIM_MAX_BATCH, nowMs],
    );
    const due = `queue IN ${inQueues}
           AND ((state = 'ready' AND run_at_ms <= ?)
             OR (state = 'running' AND lease_until_ms <= ? AND attempts < max_attempts))`;
    const rows =
      perGroup === undefined
        ? await tx.all<JobRow>(
            `WITH picked AS MATERIALIZED (
               SELECT id FROM jobs
               WHERE ${due}
               ORDER BY run_at_ms, id
               LIMIT ? ${tx.forUpdateSkipLocked}
             )
             UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = ?, lease_until_ms = ?
             WHERE id IN (SELECT id FROM picked)
             RETURNING ${JOB_COLUMNS}`,
            [...queues, nowMs, nowMs, limit, workerId, nowMs + leaseMs],
          )
        : await tx.all<JobRow>(
            // A due job's turn in its group is its place among the group's due jobs plus the group's jobs running
            // under a live lease; taking turns in order is the round-robin, and the cap is a bound on the turn.
            // The window function sits in its own CTE because PostgreSQL allows no FOR UPDATE beside one.
            `WITH busy AS (
               SELECT group_key, COUNT(*) AS n FROM jobs
               WHERE state = 'running' AND lease_until_ms > ? AND group_key IS NOT NULL AND queue IN ${inQueues}
               GROUP BY group_key
             ),
             ranked AS (
               SELECT j.id, j.run_at_ms, j.group_key,
                 ROW_NUMBER() OVER (PARTITION BY j.group_key ORDER BY j.run_at_ms, j.id) + COALESCE(b.n, 0) AS turn
               FROM jobs j LEFT JOIN busy b ON b.group_key = j.group_key
               WHERE j.queue IN ${inQueues}
                 AND ((j.state = 'ready' AND j.run_at_ms <= ?)
                   OR (j.state = 'running' AND j.lease_until_ms <= ? AND j.attempts < j.max_attempts))
             ),
             picked AS MATERIALIZED (
               SELECT id FROM jobs WHERE id IN (
                 SELECT id FROM ranked
                 WHERE group_key IS NULL OR turn <= ?
                 ORDER BY CASE WHEN group_key IS NULL THEN 1 ELSE turn END, run_at_ms, id
                 LIMIT ?
               ) ${tx.forUpdateSkipLocked}
             )
             UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = ?, lease_until_ms = ?
             WHERE id IN (SELECT id FROM picked)
             RETURNING ${JOB_COLUMNS}`,
            [nowMs, ...queues, ...queues, nowMs, nowMs, perGroup, limit, workerId, nowMs + leaseMs],
          );
    // RETURNING has no defined order; hand jobs out oldest-due first.
    return rows.map(toJob).sort((a, b) => a.runAtMs - b.runAtMs || a.id - b.id);
  });
}
