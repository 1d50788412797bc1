/**
 * What a job is, and the limits every entry point checks. Limits keep one bad
 * producer from filling the table with huge rows or a worker from holding a
 * job forever (TIGER_STYLE: put a limit on everything).
 */

export type JobState = 'ready' | 'running' | 'done' | 'dead';

/** A claimed job, as a handler sees it. */
export interface Job {
  readonly id: number;
  readonly queue: string;
  /** The enqueued payload, parsed from JSON. */
  readonly payload: unknown;
  /** Including the current one: 1 on the first run. */
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly runAtMs: number;
  readonly createdAtMs: number;
  readonly uniqueKey: string | null;
  /** The worker holding the job; with `attempts`, the fence for complete/fail. */
  readonly lockedBy: string;
  readonly leaseUntilMs: number;
  /** The previous attempt's error, if it failed. */
  readonly lastError: string | null;
}

/** Payloads carry ids and small parameters; the data they point to lives in its own tables. */
export const JOB_PAYLOAD_MAX_BYTES = 65_536;
export const JOB_UNIQUE_KEY_MAX_CHARS = 255;
export const JOB_GROUP_KEY_MAX_CHARS = 255;
export const JOB_ERROR_MAX_CHARS = 2_000;
export const JOB_DEFAULT_MAX_ATTEMPTS = 10;
export const JOB_MAX_ATTEMPTS_LIMIT = 100;
/** Rows one claim may take; a worker never needs more than its concurrency. */
export const JOB_CLAIM_MAX_BATCH = 1_000;
/** Leases outside this range are either too short to do anything or too long to notice a dead worker. */
export const JOB_LEASE_MIN_MS = 1_000;
export const JOB_LEASE_MAX_MS = 24 * 60 * 60 * 1000;
export const WORKER_ID_MAX_CHARS = 128;

const QUEUE_PATTERN = /^[a-z][a-z0-9_.:-]{0,63}$/;

export function assertQueueName(queue: unknown): asserts queue is string {
  if (typeof queue !== 'string' || !QUEUE_PATTERN.test(queue)) {
    throw new RangeError(`invalid queue name ${JSON.stringify(queue)}: lower-case letters, digits and _.:- (max 64)`);
  }
}

export function assertWorkerId(workerId: unknown): asserts workerId is string {
  if (typeof workerId !== 'string' || workerId.length === 0 || workerId.length > WORKER_ID_MAX_CHARS) {
    throw new RangeError(`worker id must be 1 to ${WORKER_ID_MAX_CHARS} characters`);
  }
}

export function assertTimeMs(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer number of milliseconds, got ${String(value)}`);
  }
}

export function assertIntegerIn(name: string, value: unknown, min: number, max: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
}

/** Keeps the head of an error, where the message is; stacks are for logs, not rows. */
export function truncateError(text: string): string {
  return text.length <= JOB_ERROR_MAX_CHARS ? text : `${text.slice(0, JOB_ERROR_MAX_CHARS - 1)}…`;
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  try {
    return `non-error thrown: ${String(error)}`;
  } catch {
    return 'non-error thrown';
  }
}

/** The columns every query that returns jobs selects, in the shape `toJob` reads. */
export const JOB_COLUMNS =
  'id, queue, payload, attempts, max_attempts, run_at_ms, created_at_ms, unique_key, locked_by, lease_until_ms, last_error';

export interface JobRow {
  id: number;
  queue: string;
  payload: string;
  attempts: number;
  max_attempts: number;
  run_at_ms: number;
  created_at_ms: number;
  unique_key: string | null;
  locked_by: string | null;
  lease_until_ms: number | null;
  last_error: string | null;
}

export function toJob(row: JobRow): Job {
  if (row.locked_by === null || row.lease_until_ms === null) throw new Error(`job ${row.id} was returned by a claim without a lock`);
  return {
    id: Number(row.id),
    queue: row.queue,
    payload: JSON.parse(row.payload) as unknown,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    runAtMs: row.run_at_ms,
    createdAtMs: row.created_at_ms,
    uniqueKey: row.unique_key,
    lockedBy: row.locked_by,
    leaseUntilMs: row.lease_until_ms,
    lastError: row.last_error,
  };
}
