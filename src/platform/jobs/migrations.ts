import type { Migration } from '../db/migrations.ts';

/**
 * One table for every queue, on both databases. Rows are never updated by
 * anyone but the worker that holds them (fenced by `locked_by` and
 * `attempts`), so a claim is one UPDATE of rows nobody else can touch.
 *
 * The partial unique index is the dedupe rule: at most one ready or running
 * job per (queue, unique_key); once done or dead, the key is free again.
 * The two other partial indexes serve the claim's two cases (due to run,
 * lease expired) without scanning the done jobs that pile up until pruning.
 */
export const jobMigrations: readonly Migration[] = [
  {
    id: 'platform/002_jobs',
    sql: `
      CREATE TABLE jobs (
        id {{serial}},
        queue TEXT NOT NULL,
        payload TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('ready', 'running', 'done', 'dead')),
        run_at_ms BIGINT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        max_attempts INTEGER NOT NULL CHECK (max_attempts >= 1),
        locked_by TEXT,
        lease_until_ms BIGINT,
        last_error TEXT,
        unique_key TEXT,
        created_at_ms BIGINT NOT NULL,
        finished_at_ms BIGINT
      );
      CREATE UNIQUE INDEX jobs_unique_active ON jobs (queue, unique_key)
        WHERE unique_key IS NOT NULL AND state IN ('ready', 'running');
      CREATE INDEX jobs_ready_due ON jobs (queue, run_at_ms) WHERE state = 'ready';
      CREATE INDEX jobs_running_lease ON jobs (lease_until_ms) WHERE state = 'running';
      CREATE INDEX jobs_finished ON jobs (finished_at_ms) WHERE state = 'done';
    `,
  },
  {
    // A producer may name a group (a tenant, say) so that claims can share the workers fairly between groups; see claim.ts.
    id: 'platform/003_jobs_group_key',
    sql: `
      ALTER TABLE jobs ADD COLUMN group_key TEXT;
      CREATE INDEX jobs_running_group ON jobs (queue, group_key) WHERE state = 'running';
    `,
  },
];
