import type { TestContext } from 'node:test';
import { closeConnections } from './fuzz-request.ts';
import { startFuzzTarget } from './fuzz-target.ts';
import { FUZZ_RUNS, FUZZ_SEED, Fuzzer } from './fuzzer.ts';
import type { Operation } from './operations.ts';

/**
 * Starts a Cardlane, makes a few objects to aim at, and fuzzes every
 * operation `filter` picks, one sub-test per operation so each failure is
 * reported on its own with its reproducing request.
 */
export async function fuzzOperations(t: TestContext, filter: (operation: Operation) => boolean): Promise<void> {
  const target = await startFuzzTarget();
  const started = Date.now();
  try {
    const fuzzer = await Fuzzer.start(target);
    await fuzzer.seedObjects();
    const operations = fuzzer.operations(filter);
    for (const operation of operations) {
      await t.test(operation.id, async () => {
        await fuzzer.fuzz(operation);
      });
    }
    const { requests, refused, ok, skipped } = fuzzer.counts;
    t.diagnostic(
      `${operations.length} operations, ${requests} requests (${ok} accepted, ${refused} refused, ${skipped} not sendable) in ${((Date.now() - started) / 1000).toFixed(1)} s; seed ${FUZZ_SEED}, ${FUZZ_RUNS} runs per operation`,
    );
  } finally {
    closeConnections();
    await target.close();
  }
}
