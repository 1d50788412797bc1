import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { ManualClock } from '../../src/platform/clock.ts';
import { claim, enqueue, Worker } from '../../src/platform/jobs/index.ts';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from '../support/databases.ts';

/**
 * Fair sharing of a worker between groups (tenants): one group's backlog of
 * slow jobs must not take every slot. Asserted on which jobs are claimed and
 * in what order, never on elapsed time.
 */

/** Waits for a condition with a bound on the number of looks; never asserts on elapsed time. */
async function eventually(condition: () => boolean, what: string, looks = 6_000): Promise<void> {
  for (let i = 0; i < looks; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.fail(`gave up waiting until ${what}`);
}

describe(`jobs shared fairly between groups (${testDatabaseKind()})`, () => {
  let t: TestDatabase;
  let clock: ManualClock;
  before(async () => {
    t = await createTestDatabase();
  });
  after(() => t.cleanup());
  beforeEach(async () => {
    clock = new ManualClock();
    await t.db.run('DELETE FROM jobs');
  });

  const add = (group: string | null, payload: string) =>
    enqueue(t.db, { queue: 'fair', payload, nowMs: clock.nowMs(), ...(group === null ? {} : { groupKey: group }) });

  test('a claim takes each group in turn, up to the cap, counting what is already running', async () => {
    for (let i = 0; i < 20; i++) await add('a', `a${i}`);
    await add('b', 'b0');
    await add('b', 'b1');
    await add('b', 'b2');
    await add(null, 'free');
    const options = { queues: ['fair'], workerId: 'w1', limit: 8, leaseMs: 60_000, nowMs: clock.nowMs(), maxRunningPerGroup: 2 };
    const first = await claim(t.db, options);
    assert.deepEqual(first.map((job) => job.payload).sort(), ['a0', 'a1', 'b0', 'b1', 'free']);
    // Both groups are at their cap while those run: nothing more is handed out, however many are due.
    assert.deepEqual(await claim(t.db, { ...options, workerId: 'w2' }), []);
    // Without a cap the old order (oldest first) holds.
    const { maxRunningPerGroup: _cap, ...uncapped } = options;
    assert.deepEqual((await claim(t.db, { ...uncapped, workerId: 'w3', limit: 3 })).map((job) => job.payload), ['a2', 'a3', 'a4']);
  });

  test('a run with a group cap: one group of jobs that never finish does not hold up another group', async () => {
    const worker = new Worker({ db: t.db, clock, workerId: 'w1', concurrency: 8, pollIntervalMs: 10, maxRunningPerGroup: 2 });
    const started: string[] = [];
    let release!: () => void;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    worker.register('fair', async (job) => {
      started.push(job.payload as string);
      if ((job.payload as string).startsWith('slow')) await stuck;
    });
    // The slow tenant's 32 jobs are all older than the other tenant's one.
    for (let i = 0; i < 32; i++) await add('slow', `slow${i}`);
    await add('quick', 'quick');
    const run = worker.runOnce();
    await eventually(() => started.includes('quick'), "the quick tenant's job has started");
    assert.equal(started.filter((name) => name.startsWith('slow')).length, 2, 'the slow tenant holds only its two slots');
    release();
    const summary = await run;
    assert.equal(summary.succeeded, 33);
  });
});
