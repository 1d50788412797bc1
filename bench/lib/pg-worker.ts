/**
 * A worker process for the multi-process PostgreSQL scenarios: on a 2-core
 * machine one Node process may be what limits throughput (the pg protocol
 * and the ledger's own work run on one thread), so 2 processes × 8 clients
 * shows whether the database or the client limits 16 clients.
 *
 * Protocol over the IPC channel (see processes.ts): a WorkerJob → 'ready';
 * then any number of { run, seconds } → 'ran' with what was measured; then
 * 'close' → 'closed', and the process exits.
 */
import type { Sql } from '../../src/platform/db/database.ts';
import { openDatabase } from '../../src/platform/db/open.ts';
import { systemClock } from '../../src/platform/clock.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { closedLoop, type Workload } from './loop.ts';
import { closeRawClients, connectRawClients, rawInsertStep } from './pg-ceiling.ts';
import type { FromWorker, ToWorker, WorkerJob } from './processes.ts';
import { Meter } from './stats.ts';
import { ledgerStep, TransferMaker } from './workload.ts';

async function open(job: WorkerJob): Promise<Workload> {
  if (job.kind === 'ledger') {
    const db = openDatabase(job.url, { poolSize: job.clients });
    const step = ledgerStep(job.workload, new Ledger(systemClock), db as Sql, new TransferMaker(job.accounts));
    return closedLoop(job.clients, step, () => db.close());
  }
  const clients = await connectRawClients(job.url, job.clients);
  return closedLoop(job.clients, rawInsertStep(clients, job.table, job.rowsPerCommit, job.accounts), () => closeRawClients(clients));
}

function send(message: FromWorker): Promise<void> {
  return new Promise((resolve, reject) => process.send!(message, (error: Error | null) => (error ? reject(error) : resolve())));
}

/** Messages in arrival order, whether or not we were waiting when they came. */
const mailbox: ToWorker[] = [];
let wake: (() => void) | null = null;
process.on('message', (message: ToWorker) => {
  mailbox.push(message);
  wake?.();
});
async function receive(): Promise<ToWorker> {
  while (mailbox.length === 0) await new Promise<void>((resolve) => (wake = resolve));
  return mailbox.shift()!;
}

async function main(): Promise<void> {
  const workload = await open((await receive()) as WorkerJob);
  await send({ type: 'ready' });
  for (;;) {
    const message = await receive();
    if ('type' in message && message.type === 'run') {
      const meter = new Meter();
      const before = process.cpuUsage();
      await workload.run(message.seconds, meter);
      const used = process.cpuUsage(before);
      await send({ type: 'ran', meter: meter.data(), cpuUs: used.user + used.system, rssMb: workload.rssMb() });
    } else if ('type' in message && message.type === 'close') {
      await workload.close();
      await send({ type: 'closed' });
      process.disconnect();
      return;
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`pg-worker: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
