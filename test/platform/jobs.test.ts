import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { ManualClock } from '../../src/platform/clock.ts';
import type { Database } from '../../src/platform/db/database.ts';
import {
  backoffMs,
  claim,
  complete,
  enqueue,
  fail,
  JOB_ERROR_MAX_CHARS,
  JOB_PAYLOAD_MAX_BYTES,
  pruneJobs,
  renewLease,
  Worker,
} from '../../src/platform/jobs/index.ts';
import type { Job } from '../../src/platform/jobs/index.ts';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from '../support/databases.ts';

interface JobRowView {
  id: number;
  state: string;
  attempts: number;
  run_at_ms: number;
  last_error: string | null;
  locked_by: string | null;
}

async function jobRow(db: Database, id: number): Promise<JobRowView> {
  const row = await db.get<JobRowView>('SELECT id, state, attempts, run_at_ms, last_error, locked_by FROM jobs WHERE id = ?', [id]);
  assert.ok(row, `job ${id} exists`);
  return row;
}

async function count(db: Database, where = '1 = 1', params: unknown[] = []): Promise<number> {
  return Number((await db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM jobs WHERE ${where}`, params))!.n);
}

/** Waits for a condition with a bound on the number of looks; never asserts on elapsed time. */
async function eventually(condition: () => Promise<boolean>, what: string, looks = 2_000): Promise<void> {
  for (let i = 0; i < looks; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.fail(`gave up waiting until ${what}`);
}

describe(`durable jobs (${testDatabaseKind()})`, () => {
  let t: TestDatabase;
  let clock: ManualClock;
  before(async () => {
    t = await createTestDatabase();
  });
  after(() => t.cleanup());
  beforeEach(async () => {
    clock = new ManualClock();
    // Each test starts from an empty table so that claims only see its own jobs.
    await t.db.run('DELETE FROM jobs');
  });

  test('a job enqueued in a rolled-back transaction leaves nothing; a committed one stays', async () => {
    await assert.rejects(
      t.db.transaction(async (tx) => {
        await enqueue(tx, { queue: 'mail', payload: { to: 'a' }, nowMs: clock.nowMs() });
        throw new Error('effects failed');
      }),
      /effects failed/,
    );
    assert.equal(await count(t.db), 0);
    const { id } = await t.db.transaction((tx) => enqueue(tx, { queue: 'mail', payload: { to: 'b' }, nowMs: clock.nowMs() }));
    const [job] = await claim(t.db, { queues: ['mail'], workerId: 'w1', limit: 10, leaseMs: 5_000, nowMs: clock.nowMs() });
    assert.equal(job?.id, id);
    assert.deepEqual(job?.payload, { to: 'b' });
    assert.equal(job?.attempts, 1);
  });

  test('a unique key folds enqueues into the ready or running job, and frees up once it is done', async () => {
    const nowMs = clock.nowMs();
    const first = await enqueue(t.db, { queue: 'sweep', payload: 1, nowMs, uniqueKey: 'acct_1' });
    const again = await enqueue(t.db, { queue: 'sweep', payload: 2, nowMs, uniqueKey: 'acct_1' });
    assert.deepEqual(again, { enqueued: false, id: first.id });
    const otherQueue = await enqueue(t.db, { queue: 'other', payload: 3, nowMs, uniqueKey: 'acct_1' });
    const otherKey = await enqueue(t.db, { queue: 'sweep', payload: 4, nowMs, uniqueKey: 'acct_2' });
    assert.ok(otherQueue.enqueued && otherKey.enqueued);

    const [job] = await claim(t.db, { queues: ['sweep'], workerId: 'w1', limit: 1, leaseMs: 5_000, nowMs });
    assert.equal(job?.id, first.id);
    assert.deepEqual(await enqueue(t.db, { queue: 'sweep', payload: 5, nowMs, uniqueKey: 'acct_1' }), {
      enqueued: false,
      id: first.id,
    });
    assert.ok(await complete(t.db, job!, nowMs));
    const after = await enqueue(t.db, { queue: 'sweep', payload: 6, nowMs, uniqueKey: 'acct_1' });
    assert.equal(after.enqueued, true);
    assert.notEqual(after.id, first.id);
    // Within one transaction too.
    await t.db.transaction(async (tx) => {
      const a = await enqueue(tx, { queue: 'tx', payload: 1, nowMs, uniqueKey: 'k' });
      const b = await enqueue(tx, { queue: 'tx', payload: 1, nowMs, uniqueKey: 'k' });
      assert.deepEqual([a.enqueued, b.enqueued, b.id], [true, false, a.id]);
    });
  });

  test('bad input is refused before it reaches the table', async () => {
    const nowMs = clock.nowMs();
    await assert.rejects(enqueue(t.db, { queue: 'mail', payload: 'x'.repeat(JOB_PAYLOAD_MAX_BYTES), nowMs }), /larger than/);
    await assert.rejects(enqueue(t.db, { queue: 'Bad Queue', payload: 1, nowMs }), /invalid queue name/);
    await assert.rejects(enqueue(t.db, { queue: 'mail', payload: 1, nowMs, maxAttempts: 0 }), /maxAttempts/);
    await assert.rejects(enqueue(t.db, { queue: 'mail', payload: 1, nowMs, uniqueKey: 'k'.repeat(256) }), /uniqueKey/);
    await assert.rejects(enqueue(t.db, { queue: 'mail', payload: 1, nowMs: 1.5 }), /nowMs/);
    await assert.rejects(claim(t.db, { queues: ['mail'], workerId: 'w', limit: 5_000, leaseMs: 5_000, nowMs }), /limit/);
    await assert.rejects(claim(t.db, { queues: ['mail'], workerId: 'w', limit: 1, leaseMs: 10, nowMs }), /leaseMs/);
    assert.equal(await count(t.db), 0);
  });

  test('jobs run when due, not before', async () => {
    const worker = new Worker({ db: t.db, clock, workerId: 'w1' });
    const seen: unknown[] = [];
    worker.register('later', async (job) => void seen.push(job.payload));
    await enqueue(t.db, { queue: 'later', payload: 'now', nowMs: clock.nowMs() });
    await enqueue(t.db, { queue: 'later', payload: 'in a minute', nowMs: clock.nowMs(), runAtMs: clock.nowMs() + 60_000 });
    assert.equal((await worker.runOnce()).succeeded, 1);
    clock.advanceMs(59_999);
    assert.equal((await worker.runOnce()).claimed, 0);
    clock.advanceMs(1);
    assert.equal((await worker.runOnce()).succeeded, 1);
    assert.deepEqual(seen, ['now', 'in a minute']);
    assert.equal(await count(t.db, "state = 'done'"), 2);
  });

  test('failures back off exponentially, then the job is dead with a bounded error', async () => {
    const policy = { baseMs: 1_000, capMs: 3_000 };
    assert.deepEqual([1, 2, 3, 4, 60].map((n) => backoffMs(n, policy)), [1_000, 2_000, 3_000, 3_000, 3_000]);
    const worker = new Worker({ db: t.db, clock, workerId: 'w1', backoff: policy });
    let calls = 0;
    worker.register('flaky', async () => {
      calls += 1;
      throw new Error(`attempt ${calls} ${'x'.repeat(10_000)}`);
    });
    const { id } = await enqueue(t.db, { queue: 'flaky', payload: null, nowMs: clock.nowMs(), maxAttempts: 4 });
    const start = clock.nowMs();

    assert.equal((await worker.runOnce()).retried, 1);
    let row = await jobRow(t.db, id);
    assert.deepEqual([row.state, row.attempts, row.run_at_ms, row.locked_by], ['ready', 1, start + 1_000, null]);
    assert.ok(row.last_error!.startsWith('Error: attempt 1'));
    assert.ok(row.last_error!.length <= JOB_ERROR_MAX_CHARS);

    clock.advanceMs(999);
    assert.equal((await worker.runOnce()).claimed, 0, 'not before its back-off is over');
    clock.advanceMs(1);
    assert.equal((await worker.runOnce()).retried, 1);
    row = await jobRow(t.db, id);
    assert.deepEqual([row.state, row.attempts, row.run_at_ms], ['ready', 2, clock.nowMs() + 2_000]);

    clock.advanceMs(2_000);
    await worker.runOnce();
    row = await jobRow(t.db, id);
    assert.deepEqual([row.state, row.attempts, row.run_at_ms], ['ready', 3, clock.nowMs() + 3_000], 'capped');

    clock.advanceMs(3_000);
    assert.equal((await worker.runOnce()).dead, 1);
    row = await jobRow(t.db, id);
    assert.deepEqual([row.state, row.attempts], ['dead', 4]);
    assert.ok(row.last_error!.startsWith('Error: attempt 4'));
    assert.equal(row.last_error!.length, JOB_ERROR_MAX_CHARS);

    clock.advanceMs(24 * 60 * 60 * 1000);
    assert.equal((await worker.runOnce()).claimed, 0, 'a dead job is never run again by itself');
    assert.equal(calls, 4);
  });

  test('an expired lease lets another worker take the job; the first can no longer settle it', async () => {
    const { id } = await enqueue(t.db, { queue: 'slow', payload: null, nowMs: clock.nowMs(), maxAttempts: 3 });
    const options = { queues: ['slow'], limit: 10, leaseMs: 5_000 };
    const [byA] = await claim(t.db, { ...options, workerId: 'a', nowMs: clock.nowMs() });
    assert.equal(byA?.id, id);
    assert.deepEqual(await claim(t.db, { ...options, workerId: 'b', nowMs: clock.nowMs() }), []);

    clock.advanceMs(4_000);
    assert.ok(await renewLease(t.db, byA!, 5_000, clock.nowMs()), 'a live worker keeps its job');
    clock.advanceMs(4_999);
    assert.deepEqual(await claim(t.db, { ...options, workerId: 'b', nowMs: clock.nowMs() }), []);
    clock.advanceMs(1);
    const [byB] = await claim(t.db, { ...options, workerId: 'b', nowMs: clock.nowMs() });
    assert.equal(byB?.id, id);
    assert.equal(byB?.attempts, 2);

    assert.equal(await complete(t.db, byA!, clock.nowMs()), false);
    assert.equal(await fail(t.db, byA!, new Error('late'), clock.nowMs()), 'lost');
    assert.equal(await renewLease(t.db, byA!, 5_000, clock.nowMs()), false);
    // The same worker id claiming again is still a different attempt.
    clock.advanceMs(5_000);
    const [byBAgain] = await claim(t.db, { ...options, workerId: 'b', nowMs: clock.nowMs() });
    assert.equal(byBAgain?.attempts, 3);
    assert.equal(await complete(t.db, byB!, clock.nowMs()), false);
    assert.equal(await complete(t.db, byBAgain!, clock.nowMs()), true);
    assert.equal((await jobRow(t.db, id)).state, 'done');
  });

  test('a job whose final attempt lost its worker is dead, not run again', async () => {
    const { id } = await enqueue(t.db, { queue: 'crashy', payload: null, nowMs: clock.nowMs(), maxAttempts: 1 });
    const options = { queues: ['crashy'], limit: 10, leaseMs: 1_000 };
    assert.equal((await claim(t.db, { ...options, workerId: 'a', nowMs: clock.nowMs() })).length, 1);
    clock.advanceMs(1_000);
    assert.deepEqual(await claim(t.db, { ...options, workerId: 'b', nowMs: clock.nowMs() }), []);
    const row = await jobRow(t.db, id);
    assert.deepEqual([row.state, row.attempts], ['dead', 1]);
    assert.match(row.last_error!, /lease expired/);
  });

  test('a handler may complete its job inside its own transaction, atomically with its effects', async () => {
    const worker = new Worker({ db: t.db, clock, workerId: 'w1' });
    worker.register('atomic', (job: Job) =>
      t.db.transaction(async (tx) => {
        assert.ok(await complete(tx, job, clock.nowMs()));
      }),
    );
    const { id } = await enqueue(t.db, { queue: 'atomic', payload: null, nowMs: clock.nowMs() });
    assert.deepEqual(await worker.runOnce(), { claimed: 1, succeeded: 1, retried: 0, dead: 0, lost: 0 });
    assert.equal((await jobRow(t.db, id)).state, 'done');
  });

  test('start() polls with bounded concurrency; stop() waits for handlers in flight', async () => {
    const worker = new Worker({ db: t.db, clock, workerId: 'w1', concurrency: 3, pollIntervalMs: 10 });
    let running = 0;
    let maxRunning = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    worker.register('batch', async (job) => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      if (job.payload === 'blocker') await gate;
      await new Promise((resolve) => setImmediate(resolve));
      running -= 1;
    });
    for (let i = 0; i < 30; i++) await enqueue(t.db, { queue: 'batch', payload: i, nowMs: clock.nowMs() });
    worker.start();
    await eventually(async () => (await count(t.db, "state = 'done'")) === 30, 'all 30 jobs are done');
    assert.ok(maxRunning <= 3, `at most 3 at once, saw ${maxRunning}`);

    const { id } = await enqueue(t.db, { queue: 'batch', payload: 'blocker', nowMs: clock.nowMs() });
    await eventually(async () => worker.inFlight === 1, 'the blocker is running');
    const stopped = worker.stop();
    release();
    assert.deepEqual(await stopped, { drained: true });
    assert.equal((await jobRow(t.db, id)).state, 'done');
  });

  test('stop() gives up on a stuck handler after its bound and leaves the job to its lease', async () => {
    const worker = new Worker({ db: t.db, clock, workerId: 'w1', pollIntervalMs: 10, stopTimeoutMs: 20 });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    worker.register('stuck', () => gate);
    const { id } = await enqueue(t.db, { queue: 'stuck', payload: null, nowMs: clock.nowMs() });
    worker.start();
    await eventually(async () => worker.inFlight === 1, 'the stuck job is running');
    assert.deepEqual(await worker.stop(), { drained: false });
    assert.equal((await jobRow(t.db, id)).state, 'running');
    release();
    await eventually(async () => (await jobRow(t.db, id)).state === 'done', 'the released handler finishes');
  });

  test('pruning deletes old done jobs in batches and keeps dead and recent ones', async () => {
    const worker = new Worker({ db: t.db, clock, workerId: 'w1' });
    worker.register('p', async (job) => {
      if (job.payload === 'bad') throw new Error('bad');
    });
    for (let i = 0; i < 5; i++) await enqueue(t.db, { queue: 'p', payload: i, nowMs: clock.nowMs() });
    await enqueue(t.db, { queue: 'p', payload: 'bad', nowMs: clock.nowMs(), maxAttempts: 1 });
    await worker.runOnce();
    clock.advanceMs(1_000);
    await enqueue(t.db, { queue: 'p', payload: 'recent', nowMs: clock.nowMs() });
    await worker.runOnce();
    assert.equal(await pruneJobs(t.db, { finishedBeforeMs: clock.nowMs(), batchSize: 2 }), 5);
    assert.equal(await count(t.db, "state = 'dead'"), 1);
    assert.equal(await count(t.db, "state = 'done'"), 1);
  });

  test('PostgreSQL: claimers on separate connections never take the same job', {
    skip: testDatabaseKind() !== 'postgres' && 'SQLite claimers are serialized by the write lock',
  }, async () => {
    const total = 300;
    await t.db.transaction(async (tx) => {
      for (let i = 0; i < total; i++) await enqueue(tx, { queue: 'shared', payload: i, nowMs: clock.nowMs() });
    });
    const seen = new Map<number, string>();
    const claimer = async (name: string) => {
      for (;;) {
        const jobs = await claim(t.db, { queues: ['shared'], workerId: name, limit: 7, leaseMs: 60_000, nowMs: clock.nowMs() });
        if (jobs.length === 0) return;
        for (const job of jobs) {
          assert.equal(seen.get(job.id), undefined, `job ${job.id} claimed by ${seen.get(job.id)} and ${name}`);
          seen.set(job.id, name);
          assert.ok(await complete(t.db, job, clock.nowMs()));
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, i) => claimer(`c${i}`)));
    assert.equal(seen.size, total);
    assert.equal(await count(t.db, "state = 'done'"), total);
  });
});
