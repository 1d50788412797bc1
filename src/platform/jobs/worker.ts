import type { Clock } from '../clock.ts';
import type { Database } from '../db/database.ts';
import type { BackoffPolicy } from './backoff.ts';
import { DEFAULT_BACKOFF } from './backoff.ts';
import { claim } from './claim.ts';
import { complete } from './complete.ts';
import { fail } from './fail.ts';
import type { Job } from './job.ts';
import {
  assertIntegerIn,
  assertQueueName,
  assertWorkerId,
  describeError,
  JOB_CLAIM_MAX_BATCH,
  JOB_LEASE_MAX_MS,
  JOB_LEASE_MIN_MS,
} from './job.ts';
import { renewLease } from './lease.ts';

/**
 * Runs outside any transaction and opens its own. Delivery is at least once:
 * a worker that dies after the handler's effects commit but before the job
 * is marked done leaves it to be run again when the lease expires, so make
 * effects idempotent — or call `complete(tx, job, nowMs)` inside the
 * handler's own transaction to finish the job atomically with them.
 */
export type JobHandler = (job: Job) => Promise<void>;

/** The part of a pino logger the worker uses. */
export interface WorkerLogger {
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface WorkerOptions {
  readonly db: Database;
  readonly clock: Clock;
  /** Unique among live workers (e.g. `host:pid:n`); written into each claimed row. */
  readonly workerId: string;
  /** Handlers running at once. */
  readonly concurrency?: number;
  /** How long an idle worker sleeps between looks at the table. */
  readonly pollIntervalMs?: number;
  readonly leaseMs?: number;
  readonly backoff?: BackoffPolicy;
  /** How long stop() waits for running handlers before giving up on them (their leases will expire). */
  readonly stopTimeoutMs?: number;
  /** Bounds one runOnce(), in case handlers keep enqueueing work that is due at once. */
  readonly maxJobsPerRun?: number;
  /** Fair sharing between the groups jobs were enqueued with (see `maxRunningPerGroup` in claim.ts). */
  readonly maxRunningPerGroup?: number;
  readonly logger?: WorkerLogger;
}

export interface RunSummary {
  readonly claimed: number;
  readonly succeeded: number;
  readonly retried: number;
  readonly dead: number;
  /** Finished after the lease had been lost to another worker; its outcome was not recorded. */
  readonly lost: number;
}

const DEFAULT_CONCURRENCY = 4;
const MAX_CONCURRENCY = 256;
const DEFAULT_POLL_INTERVAL_MS = 1_000;
const MIN_POLL_INTERVAL_MS = 5;
const MAX_POLL_INTERVAL_MS = 60_000;
const DEFAULT_LEASE_MS = 60_000;
const DEFAULT_STOP_TIMEOUT_MS = 30_000;
const MAX_STOP_TIMEOUT_MS = 10 * 60 * 1000;
const DEFAULT_MAX_JOBS_PER_RUN = 10_000;

const silentLogger: WorkerLogger = { warn: () => undefined, error: () => undefined };

type Outcome = 'succeeded' | 'retried' | 'dead' | 'lost' | 'unrecorded';

/**
 * Polls the jobs table for the queues it has handlers for and runs at most
 * `concurrency` handlers at a time. Time for run_at, leases and back-off comes
 * from the injected Clock; only the waiting between polls uses real timers.
 * Use either `runOnce()` (tests, simulations) or `start()`/`stop()`, not both.
 */
export class Worker {
  readonly #db: Database;
  readonly #clock: Clock;
  readonly #workerId: string;
  readonly #concurrency: number;
  readonly #pollIntervalMs: number;
  readonly #leaseMs: number;
  readonly #backoff: BackoffPolicy;
  readonly #stopTimeoutMs: number;
  readonly #maxJobsPerRun: number;
  readonly #maxRunningPerGroup: number | undefined;
  readonly #logger: WorkerLogger;
  readonly #handlers = new Map<string, JobHandler>();
  readonly #inFlight = new Map<number, { job: Job; done: Promise<Outcome> }>();
  #running = false;
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #wakeOnSlot = false;
  #renewTimer: NodeJS.Timeout | null = null;

  constructor(options: WorkerOptions) {
    assertWorkerId(options.workerId);
    this.#db = options.db;
    this.#clock = options.clock;
    this.#workerId = options.workerId;
    this.#concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    this.#pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    this.#leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.#backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.#stopTimeoutMs = options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
    this.#maxJobsPerRun = options.maxJobsPerRun ?? DEFAULT_MAX_JOBS_PER_RUN;
    this.#maxRunningPerGroup = options.maxRunningPerGroup;
    this.#logger = options.logger ?? silentLogger;
    assertIntegerIn('concurrency', this.#concurrency, 1, Math.min(MAX_CONCURRENCY, JOB_CLAIM_MAX_BATCH));
    assertIntegerIn('pollIntervalMs', this.#pollIntervalMs, MIN_POLL_INTERVAL_MS, MAX_POLL_INTERVAL_MS);
    assertIntegerIn('leaseMs', this.#leaseMs, JOB_LEASE_MIN_MS, JOB_LEASE_MAX_MS);
    assertIntegerIn('stopTimeoutMs', this.#stopTimeoutMs, 0, MAX_STOP_TIMEOUT_MS);
    assertIntegerIn('maxJobsPerRun', this.#maxJobsPerRun, 1, Number.MAX_SAFE_INTEGER);
  }

  register(queue: string, handler: JobHandler): this {
    assertQueueName(queue);
    if (this.#handlers.has(queue)) throw new Error(`queue ${queue} already has a handler`);
    this.#handlers.set(queue, handler);
    return this;
  }

  /**
   * Processes every job that is due now (by the Clock), `concurrency` at a
   * time, until none is left. Jobs that fail are rescheduled into the future
   * and so are not picked up again within the same run.
   *
   * A slot is refilled as soon as its job ends, not when the whole batch has:
   * one slow job holds only its own slot, and jobs a group cap held back are
   * claimed as their group's running jobs end. While slots are free and
   * something is still running, the table is looked at again every poll
   * interval, so work that becomes due meanwhile is not kept waiting behind
   * a slow job.
   */
  async runOnce(): Promise<RunSummary> {
    const totals = { claimed: 0, succeeded: 0, retried: 0, dead: 0, lost: 0 };
    const running = new Set<Promise<void>>();
    try {
      for (;;) {
        const free = Math.min(this.#concurrency - running.size, this.#maxJobsPerRun - totals.claimed);
        const jobs = free > 0 ? await this.#claim(free) : [];
        totals.claimed += jobs.length;
        for (const job of jobs) {
          const done: Promise<void> = this.#run(job).then((outcome) => {
            if (outcome !== 'unrecorded') totals[outcome] += 1;
            running.delete(done);
          });
          running.add(done);
        }
        if (running.size === 0) break;
        const slotsLeft = running.size < this.#concurrency && totals.claimed < this.#maxJobsPerRun;
        let timer: NodeJS.Timeout | undefined;
        const poll = slotsLeft ? new Promise<void>((resolve) => (timer = setTimeout(resolve, this.#pollIntervalMs))) : null;
        await Promise.race(poll === null ? [...running] : [...running, poll]);
        clearTimeout(timer);
      }
    } finally {
      // #run never throws; if a claim did, the jobs already running still finish and record their outcomes.
      await Promise.all(running);
    }
    return totals;
  }

  /** Starts polling in the background. */
  start(): void {
    if (this.#running) throw new Error('worker already started');
    if (this.#handlers.size === 0) throw new Error('worker has no handlers');
    this.#running = true;
    this.#loop = this.#pollLoop();
    // Renew well before expiry so one slow renewal does not cost the lease.
    this.#renewTimer = setInterval(() => void this.#renewLeases(), Math.max(1, Math.floor(this.#leaseMs / 3)));
  }

  /**
   * Stops claiming and waits up to stopTimeoutMs for running handlers.
   * Returns whether they all finished; those that did not keep running in
   * the background, and their jobs will be re-run after their leases expire.
   */
  async stop(): Promise<{ drained: boolean }> {
    if (!this.#running) return { drained: this.#inFlight.size === 0 };
    this.#running = false;
    this.#wake?.();
    await this.#loop;
    this.#loop = null;
    const pending = [...this.#inFlight.values()].map((entry) => entry.done);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), this.#stopTimeoutMs)));
    const result = await Promise.race([Promise.allSettled(pending).then(() => 'drained' as const), timedOut]);
    clearTimeout(timer);
    if (this.#renewTimer) clearInterval(this.#renewTimer);
    this.#renewTimer = null;
    return { drained: result === 'drained' };
  }

  /** Handlers running right now. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  async #pollLoop(): Promise<void> {
    while (this.#running) {
      const free = this.#concurrency - this.#inFlight.size;
      let saturated = free === 0;
      if (free > 0) {
        const jobs = await this.#claim(free).catch((error: unknown) => {
          this.#logger.error({ err: describeError(error), workerId: this.#workerId }, 'claiming jobs failed');
          return [] as Job[];
        });
        for (const job of jobs) this.#launch(job);
        // A full batch suggests more are due: look again as soon as a slot frees up.
        saturated = jobs.length === free;
      }
      if (!this.#running) break;
      if (saturated && this.#inFlight.size < this.#concurrency) continue;
      await this.#sleep(saturated ? MAX_POLL_INTERVAL_MS : this.#pollIntervalMs, saturated);
    }
  }

  /** Waits for the poll interval; when waiting for a slot, a finished handler ends the wait early, and stop() always does. */
  #sleep(ms: number, wakeOnSlot: boolean): Promise<void> {
    return new Promise<void>((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.#wake = null;
        this.#wakeOnSlot = false;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.#wake = finish;
      this.#wakeOnSlot = wakeOnSlot;
    });
  }

  #launch(job: Job): void {
    const done = this.#run(job).finally(() => {
      this.#inFlight.delete(job.id);
      if (this.#wakeOnSlot) this.#wake?.();
    });
    this.#inFlight.set(job.id, { job, done });
  }

  #claim(limit: number): Promise<Job[]> {
    return claim(this.#db, {
      queues: [...this.#handlers.keys()],
      workerId: this.#workerId,
      limit,
      leaseMs: this.#leaseMs,
      nowMs: this.#clock.nowMs(),
      ...(this.#maxRunningPerGroup === undefined ? {} : { maxRunningPerGroup: this.#maxRunningPerGroup }),
    });
  }

  /** Never throws: every failure ends up in the job row or, if the database is unreachable, in the log. */
  async #run(job: Job): Promise<Outcome> {
    const handler = this.#handlers.get(job.queue);
    let handlerError: unknown = null;
    let failed = false;
    try {
      if (handler === undefined) throw new Error(`no handler for queue ${job.queue}`);
      await handler(job);
    } catch (error) {
      failed = true;
      handlerError = error;
    }
    try {
      if (!failed) {
        if (await complete(this.#db, job, this.#clock.nowMs())) return 'succeeded';
        // Either the handler completed it in its own transaction, or we lost the lease.
        const state = await this.#db.get<{ state: string; locked_by: string | null; attempts: number }>(
          'SELECT state, locked_by, attempts FROM jobs WHERE id = ?',
          [job.id],
        );
        if (state?.state === 'done' && state.attempts === job.attempts) return 'succeeded';
        this.#logger.warn({ jobId: job.id, queue: job.queue, workerId: this.#workerId }, 'job finished after its lease was lost');
        return 'lost';
      }
      const outcome = await fail(this.#db, job, handlerError, this.#clock.nowMs(), this.#backoff);
      const details = { jobId: job.id, queue: job.queue, attempt: job.attempts, err: describeError(handlerError) };
      if (outcome === 'dead') this.#logger.error(details, 'job failed its last attempt and is dead');
      else if (outcome === 'retry') this.#logger.warn(details, 'job failed; will retry');
      else this.#logger.warn(details, 'job failed after its lease was lost');
      return outcome === 'retry' ? 'retried' : outcome;
    } catch (error) {
      this.#logger.error({ jobId: job.id, err: describeError(error) }, 'could not record job outcome; it will run again after its lease');
      return 'unrecorded';
    }
  }

  async #renewLeases(): Promise<void> {
    for (const { job } of this.#inFlight.values()) {
      try {
        const renewed = await renewLease(this.#db, job, this.#leaseMs, this.#clock.nowMs());
        if (!renewed) this.#logger.warn({ jobId: job.id, workerId: this.#workerId }, 'lease could not be renewed; job may run twice');
      } catch (error) {
        this.#logger.error({ jobId: job.id, err: describeError(error) }, 'renewing a lease failed');
      }
    }
  }
}
