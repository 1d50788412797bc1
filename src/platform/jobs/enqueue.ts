import type { Sql } from '../db/database.ts';
import { RetryableConflict } from '../db/database.ts';
import {
  assertIntegerIn,
  assertQueueName,
  assertTimeMs,
  JOB_DEFAULT_MAX_ATTEMPTS,
  JOB_GROUP_KEY_MAX_CHARS,
  JOB_MAX_ATTEMPTS_LIMIT,
  JOB_PAYLOAD_MAX_BYTES,
  JOB_UNIQUE_KEY_MAX_CHARS,
} from './job.ts';

export interface EnqueueOptions {
  readonly queue: string;
  /** Any JSON value; stored as JSON text, at most JOB_PAYLOAD_MAX_BYTES. */
  readonly payload: unknown;
  /** Time from the caller's Clock; stamped as created_at_ms and the default run_at_ms. */
  readonly nowMs: number;
  /** Not before this time; default now. */
  readonly runAtMs?: number;
  /**
   * At most one ready or running job per (queue, uniqueKey): enqueueing again
   * meanwhile is a no-op. A job that is already running has read its inputs,
   * so work that arrives during its run is only seen if the handler re-checks
   * at its end or the producer does not dedupe.
   */
  readonly uniqueKey?: string;
  readonly maxAttempts?: number;
  /**
   * Who the job is for (e.g. a tenant), when a worker should share its slots
   * fairly between such groups (`maxRunningPerGroup` in claim.ts). At most
   * JOB_GROUP_KEY_MAX_CHARS characters.
   */
  readonly groupKey?: string;
}

export interface EnqueueResult {
  /** False when an active job with the same unique key already existed. */
  readonly enqueued: boolean;
  /** The new job, or the existing one the enqueue was folded into. */
  readonly id: number;
}

// An insert that lost to a job which then finished before we could read it is tried again this many times.
const DEDUPE_ATTEMPTS = 3;

/**
 * Adds a job. Given the caller's transaction this is the outbox: the job
 * commits with the effects that called for it, or not at all, so no effect
 * goes without its follow-up and no follow-up runs for a rolled-back effect.
 */
export async function enqueue(sql: Sql, options: EnqueueOptions): Promise<EnqueueResult> {
  assertQueueName(options.queue);
  assertTimeMs('nowMs', options.nowMs);
  const runAtMs = options.runAtMs ?? options.nowMs;
  assertTimeMs('runAtMs', runAtMs);
  const maxAttempts = options.maxAttempts ?? JOB_DEFAULT_MAX_ATTEMPTS;
  assertIntegerIn('maxAttempts', maxAttempts, 1, JOB_MAX_ATTEMPTS_LIMIT);
  const uniqueKey = options.uniqueKey ?? null;
  if (uniqueKey !== null && (typeof uniqueKey !== 'string' || uniqueKey.length === 0 || uniqueKey.length > JOB_UNIQUE_KEY_MAX_CHARS)) {
    throw new RangeError(`uniqueKey must be 1 to ${JOB_UNIQUE_KEY_MAX_CHARS} characters`);
  }
  const groupKey = options.groupKey ?? null;
  if (groupKey !== null && (typeof groupKey !== 'string' || groupKey.length === 0 || groupKey.length > JOB_GROUP_KEY_MAX_CHARS)) {
    throw new RangeError(`groupKey must be 1 to ${JOB_GROUP_KEY_MAX_CHARS} characters`);
  }
  const payload = serializePayload(options.payload);

  for (let attempt = 0; attempt < DEDUPE_ATTEMPTS; attempt++) {
    // Without a conflict target, DO NOTHING covers the partial unique index on
    // both dialects (its predicate need not be repeated); the id is a serial,
    // so the unique index is the only constraint that can conflict.
    const inserted = await sql.get<{ id: number }>(
      `INSERT INTO jobs (queue, payload, state, run_at_ms, attempts, max_attempts, unique_key, group_key, created_at_ms)
       VALUES (?, ?, 'ready', ?, 0, ?, ?, ?, ?)
       ON CONFLICT DO NOTHING
       RETURNING id`,
      [options.queue, payload, runAtMs, maxAttempts, uniqueKey, groupKey, options.nowMs],
    );
    if (inserted !== undefined) return { enqueued: true, id: Number(inserted.id) };
    const existing = await sql.get<{ id: number }>(
      `SELECT id FROM jobs WHERE queue = ? AND unique_key = ? AND state IN ('ready', 'running')`,
      [options.queue, uniqueKey],
    );
    if (existing !== undefined) return { enqueued: false, id: Number(existing.id) };
  }
  throw new RetryableConflict(`job ${options.queue}/${uniqueKey} kept finishing while being enqueued`);
}

function serializePayload(payload: unknown): string {
  const text = JSON.stringify(payload === undefined ? null : payload);
  if (text === undefined) throw new TypeError('job payload must be a JSON value');
  if (Buffer.byteLength(text, 'utf8') > JOB_PAYLOAD_MAX_BYTES) {
    throw new RangeError(`job payload is larger than ${JOB_PAYLOAD_MAX_BYTES} bytes; store the data and enqueue its id`);
  }
  return text;
}
