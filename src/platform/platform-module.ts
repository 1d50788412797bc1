import { idempotencyMigrations, pruneIdempotencyKeys } from './idempotency.ts';
import { jobMigrations, pruneJobs } from './jobs/index.ts';
import type { ModuleDescription, Runtime } from './module.ts';
import { secretStoreMigrations } from './secrets/secret-store.ts';

/** Finished jobs are kept this long for inspection, then deleted (dead ones are kept). */
const FINISHED_JOB_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
const PRUNE_INTERVAL_MS = 60 * 60 * 1000;

/** The platform's own tables (idempotency keys, jobs, the deployment's sealed secrets) and their upkeep, described like any module's. */
export const platformModule: ModuleDescription<Runtime, Record<string, never>> = {
  name: 'platform',
  migrations: [...idempotencyMigrations, ...jobMigrations, ...secretStoreMigrations],
  errorCodes: {},
  build({ db, clock }) {
    return {
      routes: [],
      tasks: [
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
      ],
      api: {},
    };
  },
};
