import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auditLedger } from '../../src/ledger/audit.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { migrate } from '../../src/platform/db/migrations.ts';
import { openDatabase } from '../../src/platform/db/open.ts';
import { PostgresDatabase } from '../../src/platform/db/postgres.ts';
import { allMigrations } from '../../src/app/modules.ts';
import { newTestLocation } from '../support/databases.ts';

// Accounts' histories are chains through their transfers (rows.ts). A ledger
// written before the chains existed gets them from its migration, in the
// order its transfers were written, and reads and audits as one written since.

const CHAINS = 'ledger/002_account_history_chains';
const OPEN_ENTRIES = 'ledger/003_open_account_entries';

test('a ledger from before the history chains is chained by its migration, in the order it was written', async () => {
  const location = newTestLocation();
  const db = openDatabase(location.url);
  try {
    await migrate(db, allMigrations.filter((m) => m.id !== CHAINS && m.id !== OPEN_ENTRIES), 0);
    // The old schema, written as the old code did: accounts, then transfers in seq order.
    await db.transaction(async (tx) => {
      for (const id of ['bank', 'card', 'shop']) {
        await tx.run(
          `INSERT INTO ledger_accounts (id, ledger, currency, code, flags, metadata, debits_pending, debits_posted, credits_pending, credits_posted, next_expiry_ms, created_at_ms)
           VALUES (?, 1, 'USD', 1, 0, '{}', 0, 0, 0, 0, NULL, 0)`,
          [id],
        );
      }
      const transfers: Array<[string, string, string]> = [['t1', 'bank', 'card'], ['t2', 'card', 'shop'], ['t3', 'bank', 'shop'], ['t4', 'shop', 'card'], ['t5', 'card', 'bank']];
      for (const [id, debit, credit] of transfers) {
        await tx.run(
          `INSERT INTO ledger_transfers (id, debit_account_id, credit_account_id, amount, requested_amount, pending_id, ledger, currency, code, flags, timeout_ms, expires_at_ms, metadata, created_at_ms, pending_status, resolved_at_ms, resolved_by)
           VALUES (?, ?, ?, 10, 10, NULL, 1, 'USD', 1, 0, 0, NULL, '{}', 0, NULL, NULL, NULL)`,
          [id, debit, credit],
        );
      }
    });
    // These accounts have no limit: they are open accounts, whose history becomes entries (entries.ts).
    assert.deepEqual(await migrate(db, allMigrations, 0), [CHAINS, OPEN_ENTRIES]);

    const ledger = new Ledger(new ManualClock(1_000));
    const ids = async (account: string) => (await ledger.listAccountTransfers(db, account, { limit: 100 })).data.map((t) => t.id);
    assert.deepEqual(await ids('card'), ['t5', 't4', 't2', 't1']);
    assert.deepEqual(await ids('bank'), ['t5', 't3', 't1']);
    assert.deepEqual(await ids('shop'), ['t4', 't3', 't2']);
    // New transfers continue the migrated chains.
    const [next] = await ledger.createTransfers(db, [{ id: 't6', debit_account_id: 'shop', credit_account_id: 'bank', amount: 1, code: 1 }]);
    assert.equal(next?.result, 'ok');
    assert.deepEqual(await ids('shop'), ['t6', 't4', 't3', 't2']);
    assert.deepEqual(await ids('bank'), ['t6', 't5', 't3', 't1']);
    const page = await ledger.listAccountTransfers(db, 'card', { limit: 2 });
    assert.deepEqual([page.data.map((t) => t.id), page.has_more], [['t5', 't4'], true]);
    const rest = await ledger.listAccountTransfers(db, 'card', { limit: 2, after: page.next_cursor });
    assert.deepEqual([rest.data.map((t) => t.id), rest.has_more], [['t2', 't1'], false]);
    await assert.rejects(ledger.listAccountTransfers(db, 'bank', { after: page.next_cursor }), (e: any) => e.code === 'cursor_invalid', "another account's transfer is not a cursor here");

    const report = await auditLedger(db, { nowMs: 1_000 });
    const histories = report.checks.find((c) => /history chain/.test(c.name));
    assert.deepEqual(histories?.failures, []);
  } finally {
    if (db instanceof PostgresDatabase) await db.dropSchema();
    await db.close();
    location.remove();
  }
});
