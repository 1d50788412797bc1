import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ManualClock } from '../../src/platform/clock.ts';
import { enqueue } from '../../src/platform/jobs/index.ts';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from '../support/databases.ts';

const JOB_COUNT = 500;
const PROCESS_COUNT = 2;
// A hang bound, not a performance assertion: a healthy run takes a few seconds.
const PROCESS_TIMEOUT_MS = 180_000;
const workerScript = fileURLToPath(new URL('./support/jobs-drain-worker.ts', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));

interface Summary {
  workerId: string;
  handled: number;
  drained: boolean;
  errors: string[];
}

interface Child {
  ready: Promise<void>;
  go(): void;
  done: Promise<Summary>;
}

function startWorkerProcess(location: string, workerId: string): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', workerScript, location, workerId], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += String(chunk)));
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  let summary: Summary | null = null;
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line === 'ready') markReady();
    else if (line.startsWith('{')) summary = JSON.parse(line) as Summary;
  });
  const done = new Promise<Summary>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${workerId} did not exit within ${PROCESS_TIMEOUT_MS} ms; stderr: ${stderr}`));
    }, PROCESS_TIMEOUT_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0 && summary) resolve(summary);
      else reject(new Error(`${workerId} exited with ${code}; stderr: ${stderr}`));
    });
  });
  // If the child dies before saying ready, do not wait for it forever.
  done.catch(() => markReady());
  return { ready, go: () => child.stdin.end('go\n'), done };
}

let t: TestDatabase;
before(async () => {
  t = await createTestDatabase();
});
after(() => t.cleanup());

test(`${PROCESS_COUNT} OS processes drain ${JOB_COUNT} jobs from one table, each exactly once (${testDatabaseKind()})`, async () => {
  const clock = new ManualClock(Date.now());
  await t.db.transaction(async (tx) => {
    await tx.exec('CREATE TABLE drained (job_id BIGINT PRIMARY KEY, worker TEXT NOT NULL)');
    for (let i = 0; i < JOB_COUNT; i++) await enqueue(tx, { queue: 'drain', payload: { n: i }, nowMs: clock.nowMs(), maxAttempts: 3 });
  });

  const children = Array.from({ length: PROCESS_COUNT }, (_, i) => startWorkerProcess(t.location, `proc-${i}`));
  await Promise.all(children.map((child) => child.ready));
  for (const child of children) child.go();
  const summaries = await Promise.all(children.map((child) => child.done));

  for (const summary of summaries) {
    assert.equal(summary.drained, true);
    assert.deepEqual(summary.errors, [], `${summary.workerId} logged problems`);
  }
  assert.equal(summaries.reduce((sum, s) => sum + s.handled, 0), JOB_COUNT, 'handler runs across processes');
  const drained = await t.db.get<{ n: number; distinct_ids: number }>(
    'SELECT COUNT(*) AS n, COUNT(DISTINCT job_id) AS distinct_ids FROM drained',
  );
  assert.equal(Number(drained!.n), JOB_COUNT);
  assert.equal(Number(drained!.distinct_ids), JOB_COUNT);
  const states = await t.db.all<{ state: string; attempts: number; n: number }>(
    "SELECT state, attempts, COUNT(*) AS n FROM jobs WHERE queue = 'drain' GROUP BY state, attempts",
  );
  assert.deepEqual(
    states.map((row) => ({ ...row, n: Number(row.n) })),
    [{ state: 'done', attempts: 1, n: JOB_COUNT }],
    'every job done on its first attempt',
  );
  // Not asserted (a fast process may legitimately take everything), but worth seeing.
  console.log(`# per process: ${summaries.map((s) => `${s.workerId}=${s.handled}`).join(', ')}`);
});
