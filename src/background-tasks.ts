import { Ledger } from './ledger/ledger.ts';
import type { Clock } from './platform/clock.ts';
import type { Config } from './platform/config.ts';
import type { Database } from './platform/db/database.ts';
import { pruneIdempotencyKeys } from './platform/idempotency.ts';
import { pruneJobs } from './platform/jobs/index.ts';
import type { BackgroundTask } from './platform/task-runner.ts';

/** Finished jobs are kept this long for inspection, then deleted (dead ones are kept). */
const FINISHED_JOB_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
const PRUNE_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Every periodic task a running Cardlane has; `runtime.ts` runs them and
 * stops them on shutdown. One list, so what runs in the background can be
 * read in one place. Each task must be safe to run in several processes at
 * once (on PostgreSQL several Cardlanes may share a database): claim work
 * with `FOR UPDATE SKIP LOCKED`, lock in the one order, or be idempotent.
 */
export function backgroundTasks(db: Database, clock: Clock, config: Config): BackgroundTask[] {
  const ledger = new Ledger(clock);
  return [
    {
      // Holds past their timeout already hold nothing; this makes the stored
      // balances and the holds' statuses say so, and journals each expiry.
      name: 'ledger.expire-holds',
      intervalMs: config.ledger.sweepIntervalMs,
      run: async () => void (await ledger.expireDue(db)),
    },
    {
      name: 'ledger.seal-journal',
      intervalMs: config.ledger.sealIntervalMs,
      run: async () => void (await ledger.sealJournal(db)),
    },
    {
      name: 'platform.prune-idempotency-keys',
      intervalMs: PRUNE_INTERVAL_MS,
      run: async () => void (await pruneIdempotencyKeys(db, { nowMs: clock.nowMs() })),
    },
    {
      name: 'platform.prune-finished-jobs',
      intervalMs: PRUNE_INTERVAL_MS,
      run: async () => void (await pruneJobs(db, { finishedBeforeMs: clock.nowMs() - FINISHED_JOB_RETENTION_MS })),
    },
  ];
}
