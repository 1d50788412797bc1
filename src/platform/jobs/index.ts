/** Durable jobs and the transactional outbox: one table, both databases. */
export { jobMigrations } from './migrations.ts';
export type { Job, JobState } from './job.ts';
export { JOB_PAYLOAD_MAX_BYTES, JOB_ERROR_MAX_CHARS, JOB_DEFAULT_MAX_ATTEMPTS } from './job.ts';
export { enqueue } from './enqueue.ts';
export type { EnqueueOptions, EnqueueResult } from './enqueue.ts';
export { claim } from './claim.ts';
export type { ClaimOptions } from './claim.ts';
export { complete } from './complete.ts';
export { fail } from './fail.ts';
export type { FailOutcome } from './fail.ts';
export { renewLease } from './lease.ts';
export { backoffMs, DEFAULT_BACKOFF } from './backoff.ts';
export type { BackoffPolicy } from './backoff.ts';
export { pruneJobs } from './prune.ts';
export type { PruneJobsOptions } from './prune.ts';
export { Worker } from './worker.ts';
export type { JobHandler, RunSummary, WorkerLogger, WorkerOptions } from './worker.ts';
