import type { Clock } from './platform/clock.ts';
import type { Config } from './platform/config.ts';
import type { Database } from './platform/db/database.ts';
import type { BackgroundTask } from './platform/task-runner.ts';

/**
 * Every periodic task a running Cardlane has; `runtime.ts` runs them and
 * stops them on shutdown. One list, so what runs in the background can be
 * read in one place. Each task must be safe to run in several processes at
 * once (on PostgreSQL several Cardlanes may share a database): claim work
 * with `FOR UPDATE SKIP LOCKED` or make it idempotent.
 *
 * To come: the ledger's expiry sweeper (config.ledger.sweepIntervalMs), the
 * journal sealer (config.ledger.sealIntervalMs), and the job queue's worker.
 */
export function backgroundTasks(db: Database, clock: Clock, config: Config): BackgroundTask[] {
  return [];
}
