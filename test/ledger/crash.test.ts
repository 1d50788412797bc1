import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openDatabase } from '../../src/platform/db/open.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { systemClock } from '../../src/platform/clock.ts';
import { auditLedger } from '../../src/ledger/audit.ts';
import { FUNDING, ledgerFixture, USD, type LedgerFixture } from '../support/ledger-fixture.ts';
import { spawnTs } from '../support/processes.ts';

/**
 * A writer is killed with SIGKILL in the middle of a stream of transfers.
 * Every transfer it acknowledged (its commit returned) must be there after
 * the restart, and the ledger must audit clean: no half-written transfer.
 */
const ACKS_BEFORE_KILL = 300;

describe('crash safety', () => {
  let f: LedgerFixture;
  before(async () => {
    f = await ledgerFixture();
  });
  after(async () => {
    await f.cleanup();
  });

  test('SIGKILL mid-stream loses no acknowledged transfer and leaves the ledger consistent', async () => {
    await f.accounts([FUNDING('crash_bank'), USD('crash_card'), USD('crash_shop', { flags: [] })]);
    await f.ledger.createTransfers(f.db, [
      { id: 'crash_fund', debit_account_id: 'crash_bank', credit_account_id: 'crash_card', amount: 10_000_000, code: 1 },
    ]);

    const child = spawnTs('test/ledger/workers/stream-writer.ts', [f.location]);
    const acked: string[] = [];
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    await new Promise<void>((resolve, reject) => {
      let buffer = '';
      const timer = setTimeout(() => reject(new Error(`writer too slow or failed:\n${stderr}`)), 120_000);
      child.stdout!.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const lines = buffer.split('\n');
        buffer = lines.pop()!;
        for (const line of lines) if (line.startsWith('ack ')) acked.push(line.slice(4));
        if (acked.length >= ACKS_BEFORE_KILL && child.exitCode === null && !child.killed) {
          child.kill('SIGKILL');
        }
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        if (signal === 'SIGKILL') resolve();
        else reject(new Error(`writer exited by itself (${code}):\n${stderr}`));
      });
    });

    // "Restart": a fresh connection to the same data, as a new process would have.
    const reopened = openDatabase(f.location);
    try {
      const ledger = new Ledger(systemClock);
      const found = await ledger.lookupTransfers(reopened, acked);
      assert.equal(found.length, acked.length, 'every acknowledged transfer survives');
      const report = await auditLedger(reopened, { nowMs: systemClock.nowMs() });
      assert.ok(report.ok, JSON.stringify(report.checks.filter((c) => !c.ok), null, 2));
      assert.ok(report.stats.transfers >= acked.length + 1);
    } finally {
      await reopened.close();
    }
  });
});
