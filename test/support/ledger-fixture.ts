import assert from 'node:assert/strict';
import { ManualClock } from '../../src/platform/clock.ts';
import { auditLedger } from '../../src/ledger/audit.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import type { AccountInput } from '../../src/ledger/types.ts';
import { createTestDatabase, type TestDatabase } from './databases.ts';

export const START_MS = Date.UTC(2026, 10, 25, 12, 0, 0);

export interface LedgerFixture extends TestDatabase {
  readonly clock: ManualClock;
  readonly ledger: Ledger;
  /** Runs the full audit and fails the test with its report if any invariant is broken. */
  assertAudit(): Promise<void>;
  accounts(inputs: readonly AccountInput[]): Promise<void>;
}

export async function ledgerFixture(): Promise<LedgerFixture> {
  const base = await createTestDatabase();
  const clock = new ManualClock(START_MS);
  const ledger = new Ledger(clock);
  return {
    ...base,
    clock,
    ledger,
    async assertAudit() {
      const report = await auditLedger(base.db, { nowMs: clock.nowMs() });
      assert.ok(report.ok, `audit failed:\n${JSON.stringify(report.checks.filter((c) => !c.ok), null, 2)}`);
    },
    async accounts(inputs) {
      const outcomes = await ledger.createAccounts(base.db, inputs);
      assert.deepEqual(
        outcomes.map((o) => o.result),
        inputs.map(() => 'ok'),
      );
    },
  };
}

/** A USD book: an operator's funding account, and accounts that cannot go below zero. */
export const USD = (id: string, options: Partial<AccountInput> = {}): AccountInput => ({
  id,
  ledger: 1,
  currency: 'USD',
  code: 1,
  flags: ['debits_must_not_exceed_credits'],
  ...options,
});

export const FUNDING = (id = 'funding'): AccountInput => ({ id, ledger: 1, currency: 'USD', code: 9 });
