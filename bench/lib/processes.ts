import { fork, type ChildProcess } from 'node:child_process';
import type { Workload } from './loop.ts';
import type { Meter, MeterData } from './stats.ts';
import type { LedgerWorkload } from './workload.ts';

/** What a worker process runs: the ledger, or the raw-INSERT ceiling. */
export type WorkerJob = { clients: number; accounts: number } & (
  | { kind: 'ledger'; workload: LedgerWorkload; url: string }
  | { kind: 'raw'; url: string; table: string; rowsPerCommit: number }
);

export type ToWorker = WorkerJob | { type: 'run'; seconds: number } | { type: 'close' };
export type FromWorker = { type: 'ready' } | { type: 'ran'; meter: MeterData; cpuUs: number; rssMb: number } | { type: 'closed' };

const WORKER = new URL('./pg-worker.ts', import.meta.url);

/**
 * `processes` worker processes running the same job, driven together: every
 * `run` starts them at the same moment and returns when the last is done.
 */
export async function workerProcesses(processes: number, job: WorkerJob): Promise<Workload> {
  const children = Array.from({ length: processes }, () =>
    fork(WORKER, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  );
  const inboxes = children.map(inbox);
  const rss = children.map(() => 0);
  const all = async <T extends FromWorker['type']>(message: ToWorker, reply: T) => {
    for (const child of children) child.send(message);
    return Promise.all(inboxes.map((next) => expect(next, reply)));
  };
  try {
    for (const child of children) child.send(job);
    await Promise.all(inboxes.map((next) => expect(next, 'ready')));
  } catch (error) {
    kill(children);
    throw error;
  }
  return {
    async run(seconds: number, meter: Meter) {
      const results = await all({ type: 'run', seconds }, 'ran');
      results.forEach((result, i) => {
        meter.merge(result.meter);
        rss[i] = result.rssMb;
      });
      return results.reduce((sum, result) => sum + result.cpuUs, 0);
    },
    rssMb: () => rss.reduce((a, b) => a + b, 0),
    async close() {
      try {
        await all({ type: 'close' }, 'closed');
      } finally {
        kill(children);
      }
    },
  };
}

/** Only our own children, by handle; one that already exited ignores this. */
function kill(children: readonly ChildProcess[]): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill();
}

/** A queue of one child's messages; rejects when the child is gone first. */
function inbox(child: ChildProcess): () => Promise<FromWorker> {
  const queue: FromWorker[] = [];
  const waiting: Array<{ resolve(m: FromWorker): void; reject(e: Error): void }> = [];
  let gone: Error | null = null;
  child.on('message', (message: FromWorker) => {
    const waiter = waiting.shift();
    if (waiter) waiter.resolve(message);
    else queue.push(message);
  });
  child.on('close', (code) => {
    gone = new Error(`benchmark worker ${child.pid} exited (${code}) before answering`);
    for (const waiter of waiting.splice(0)) waiter.reject(gone);
  });
  return () => {
    const queued = queue.shift();
    if (queued) return Promise.resolve(queued);
    if (gone) return Promise.reject(gone);
    return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  };
}

async function expect<T extends FromWorker['type']>(next: () => Promise<FromWorker>, type: T): Promise<Extract<FromWorker, { type: T }>> {
  const message = await next();
  if (message.type !== type) throw new Error(`benchmark worker sent ${message.type}, expected ${type}`);
  return message as Extract<FromWorker, { type: T }>;
}
