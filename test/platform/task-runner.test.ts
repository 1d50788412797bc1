import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../src/platform/logger.ts';
import { startTasks } from '../../src/platform/task-runner.ts';

/** Resolves when `condition` holds; fails after a generous bound rather than hanging the suite. */
async function eventually(condition: () => boolean, what: string, boundMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > boundMs) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function capturingLogger() {
  const lines: Array<Record<string, any>> = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => lines.push(JSON.parse(line)) } });
  return { logger, lines };
}

test('a task runs repeatedly, never overlapping itself, and stop waits for the run in progress', async () => {
  const { logger } = capturingLogger();
  let active = 0;
  let maxActive = 0;
  let runs = 0;
  let finishedRuns = 0;
  const runner = startTasks(
    [
      {
        name: 'slow',
        intervalMs: 1,
        async run() {
          active++;
          maxActive = Math.max(maxActive, active);
          runs++;
          // Longer than the interval: a naive setInterval would overlap.
          await new Promise((resolve) => setTimeout(resolve, 20));
          active--;
          finishedRuns++;
        },
      },
    ],
    logger,
  );
  assert.deepEqual(runner.names, ['slow']);
  await eventually(() => runs >= 3, 'three runs');
  await runner.stop();
  assert.equal(maxActive, 1);
  assert.equal(active, 0, 'stop waited for the run in progress');
  const afterStop = runs;
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(runs, afterStop, 'nothing runs after stop');
  assert.equal(finishedRuns, runs);
});

test('a failing task is logged, not thrown, keeps its schedule, and reports recovery', async () => {
  const { logger, lines } = capturingLogger();
  let calls = 0;
  const runner = startTasks(
    [
      {
        name: 'flaky',
        intervalMs: 1,
        async run() {
          calls++;
          if (calls <= 3) throw new Error(`attempt ${calls} failed`);
        },
      },
    ],
    logger,
  );
  await eventually(() => calls >= 5, 'five calls');
  await runner.stop();
  const failures = lines.filter((line) => line.msg === 'background task failed');
  assert.equal(failures.length, 1, 'repeated failures are rate-limited in the log');
  assert.equal(failures[0]!.task, 'flaky');
  assert.equal(failures[0]!.err.message, 'attempt 1 failed');
  const recovered = lines.find((line) => line.msg === 'background task recovered');
  assert.equal(recovered?.failures, 3);
});

test('invalid task lists are refused up front', () => {
  const { logger } = capturingLogger();
  const run = async () => undefined;
  assert.throws(() => startTasks([{ name: 'a', intervalMs: 10, run }, { name: 'a', intervalMs: 10, run }], logger), /two background tasks/);
  assert.throws(() => startTasks([{ name: 'a', intervalMs: 0, run }], logger), /interval/);
  assert.throws(() => startTasks([{ name: 'a', intervalMs: 1.5, run }], logger), /interval/);
});
