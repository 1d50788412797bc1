// A worker process for jobs-processes.test.ts: opens the database at argv[2],
// drains the `drain` queue with a Worker, recording each job it handles into
// `drained` (whose primary key turns a double run into a failed attempt),
// and exits once no job is ready or running. Prints "ready" when it can
// start, waits for "go" on stdin so that the processes overlap, and prints a
// JSON summary at the end.
import { systemClock } from '../../../src/platform/clock.ts';
import { openDatabase } from '../../../src/platform/db/open.ts';
import { Worker } from '../../../src/platform/jobs/index.ts';

const [location, workerId] = process.argv.slice(2);
if (!location || !workerId) throw new Error('usage: jobs-drain-worker.ts <database> <worker id>');
// Bounds the whole run; the parent has its own, longer bound and reports a hang.
const DEADLINE_MS = 120_000;
const deadline = setTimeout(() => {
  console.error(`${workerId}: did not finish within ${DEADLINE_MS} ms`);
  process.exit(3);
}, DEADLINE_MS);

const db = openDatabase(location, { poolSize: 6 });
let handled = 0;
const errors: string[] = [];
const worker = new Worker({
  db,
  clock: systemClock,
  workerId,
  concurrency: 4,
  pollIntervalMs: 10,
  leaseMs: 60_000,
  logger: {
    warn: (details, message) => errors.push(`${message} ${JSON.stringify(details)}`),
    error: (details, message) => errors.push(`${message} ${JSON.stringify(details)}`),
  },
});
worker.register('drain', async (job) => {
  // A pause outside any transaction, like a handler calling out would make:
  // it leaves gaps in which the other process can take SQLite's write lock,
  // whose busy wait is not fair and would otherwise let one process take all.
  await new Promise((resolve) => setTimeout(resolve, 1));
  await db.transaction((tx) => tx.run('INSERT INTO drained (job_id, worker) VALUES (?, ?)', [job.id, workerId]));
  handled += 1;
});

console.log('ready');
await new Promise<void>((resolve) => {
  process.stdin.on('data', (chunk) => {
    if (String(chunk).includes('go')) resolve();
  });
});
process.stdin.pause();

worker.start();
for (;;) {
  const row = await db.get<{ n: number }>("SELECT COUNT(*) AS n FROM jobs WHERE queue = 'drain' AND state IN ('ready', 'running')");
  if (Number(row!.n) === 0) break;
  await new Promise((resolve) => setTimeout(resolve, 20));
}
const { drained } = await worker.stop();
await db.close();
clearTimeout(deadline);
console.log(JSON.stringify({ workerId, handled, drained, errors: errors.slice(0, 10) }));
