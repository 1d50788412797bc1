import { hostname } from 'node:os';
import { Worker, type WorkerLogger } from '../../platform/jobs/index.ts';
import type { BackgroundTask } from '../../platform/task-runner.ts';
import type { AcquirerDeps } from '../acquirer-deps.ts';
import { webhookDeliveryHandler } from './webhook-delivery.ts';
import { WEBHOOK_BACKOFF, WEBHOOK_QUEUE } from './webhook-outbox.ts';

/**
 * The background task that sends webhooks: each run delivers every
 * delivery that is due, `concurrency` at a time (a slow endpoint holds one
 * slot for at most the time-out). Safe in several processes at once: jobs
 * are claimed with SKIP LOCKED on PostgreSQL.
 *
 * The slots are shared fairly between merchants: deliveries are grouped by
 * merchant, claimed round-robin (every merchant's oldest first), and one
 * merchant has at most WEBHOOK_MAX_IN_FLIGHT_PER_MERCHANT of them in flight.
 * A merchant whose endpoints never answer so slows only its own webhooks;
 * everyone else's go out through the other slots.
 */

export interface WebhookTaskOptions {
  readonly intervalMs?: number;
  readonly concurrency?: number;
  /** Per POST; default 10 s. */
  readonly timeoutMs?: number;
  /** Until the connection is up; default 3 s. */
  readonly connectTimeoutMs?: number;
  readonly workerId?: string;
  readonly logger?: WorkerLogger;
}

const DEFAULT_INTERVAL_MS = 1_000;
const DEFAULT_CONCURRENCY = 8;
/**
 * A quarter of the default slots: a merchant's deliveries still go out two at
 * a time when everything else is idle (its backlog drains, each slot turning
 * over as fast as its receiver answers), while four merchants with broken
 * receivers are needed to fill every slot, and then only until their
 * endpoints are disabled (webhook-endpoint-health.ts).
 */
export const WEBHOOK_MAX_IN_FLIGHT_PER_MERCHANT = 2;
// One run stops after this many jobs so a flood of events cannot keep it from yielding to the next interval's bookkeeping.
const MAX_JOBS_PER_RUN = 1_000;

export function acquirerWebhookWorker(deps: AcquirerDeps, options: WebhookTaskOptions = {}): Worker {
  return new Worker({
    db: deps.db,
    clock: deps.clock,
    workerId: options.workerId ?? `${hostname()}:${process.pid}:acquirer-webhooks`,
    concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
    backoff: WEBHOOK_BACKOFF,
    maxJobsPerRun: MAX_JOBS_PER_RUN,
    maxRunningPerGroup: WEBHOOK_MAX_IN_FLIGHT_PER_MERCHANT,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  }).register(
    WEBHOOK_QUEUE,
    webhookDeliveryHandler(deps, {
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
    }),
  );
}

export function acquirerWebhookTask(deps: AcquirerDeps, options: WebhookTaskOptions = {}): BackgroundTask {
  const worker = acquirerWebhookWorker(deps, options);
  return {
    name: 'acquirer.deliver-webhooks',
    intervalMs: options.intervalMs ?? DEFAULT_INTERVAL_MS,
    run: async () => void (await worker.runOnce()),
  };
}
