import type { Sql } from '../db/database.ts';
import { assertIntegerIn, assertTimeMs } from './job.ts';

export interface PruneJobsOptions {
  /** Done jobs that finished before this are deleted; dead jobs are kept for inspection. */
  readonly finishedBeforeMs: number;
  readonly batchSize?: number;
  readonly maxBatches?: number;
}

const PRUNE_DEFAULT_BATCH = 1_000;
const PRUNE_MAX_BATCH = 10_000;
const PRUNE_DEFAULT_MAX_BATCHES = 100;

/**
 * Deletes finished jobs in bounded batches (each its own transaction when
 * given a Database), so the table holds recent history and not all of it.
 * Returns how many were deleted; a full count means there may be more.
 */
export async function pruneJobs(sql: Sql, options: PruneJobsOptions): Promise<number> {
  assertTimeMs('finishedBeforeMs', options.finishedBeforeMs);
  const batchSize = options.batchSize ?? PRUNE_DEFAULT_BATCH;
  const maxBatches = options.maxBatches ?? PRUNE_DEFAULT_MAX_BATCHES;
  assertIntegerIn('batchSize', batchSize, 1, PRUNE_MAX_BATCH);
  assertIntegerIn('maxBatches', maxBatches, 1, Number.MAX_SAFE_INTEGER);
  let total = 0;
  for (let batch = 0; batch < maxBatches; batch++) {
    const deleted = await sql.run(
      `DELETE FROM jobs WHERE id IN (
         SELECT id FROM jobs WHERE state = 'done' AND finished_at_ms < ? ORDER BY finished_at_ms LIMIT ?
       )`,
      [options.finishedBeforeMs, batchSize],
    );
    total += deleted;
    if (deleted < batchSize) break;
  }
  return total;
}
