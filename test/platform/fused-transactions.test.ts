import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Tx } from '../../src/platform/db/database.ts';
import { statementTally } from '../../src/platform/db/statement-tally.ts';
import { FUNDING, ledgerFixture, USD, type LedgerFixture } from '../support/ledger-fixture.ts';
import { testDatabaseKind } from '../support/databases.ts';

/**
 * Transactions that opt in to fusion (`{ fuse: true }`) run together in one
 * physical PostgreSQL transaction (src/platform/db/fused-transactions.ts).
 * Whatever fusion does, each must keep what a transaction of its own
 * gives: all or nothing, its own order, and no lost update on a row it
 * locked. On SQLite the option changes nothing, and the same expectations
 * hold.
 */
const onPostgres = testDatabaseKind() === 'postgres';
const FUSE = { fuse: true } as const;

describe('fused transactions', () => {
  let f: LedgerFixture;
  before(async () => {
    f = await ledgerFixture();
    await f.db.transaction((tx) => tx.exec('CREATE TABLE fusion_rows (id TEXT PRIMARY KEY, owner TEXT NOT NULL, amount BIGINT NOT NULL)'));
    await f.db.transaction((tx) => tx.exec('CREATE TABLE fusion_counters (id TEXT PRIMARY KEY, n BIGINT NOT NULL)'));
  });
  after(async () => {
    await f.cleanup();
  });

  const insertRow = (tx: Tx, id: string, amount: number) => tx.write('INSERT INTO fusion_rows (id, owner, amount) VALUES (?, ?, ?)', [id, `owner-${id}`, amount]);
  const rowCount = async (prefix: string) => Number((await f.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM fusion_rows WHERE id LIKE ?', [`${prefix}%`]))!.n);

  test('concurrent transactions commit together, each exactly once, their inserts merged', async () => {
    const before = { ...statementTally };
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        f.db.transaction(async (tx) => {
          insertRow(tx, `together-${i}`, i);
          insertRow(tx, `together-${i}-b`, i);
          const row = await tx.get<{ amount: number }>('SELECT amount FROM fusion_rows WHERE id = ?', [`together-${i}`]);
          return row!.amount;
        }, FUSE),
      ),
    );
    assert.deepEqual(results, Array.from({ length: 16 }, (_, i) => i));
    assert.equal(await rowCount('together-'), 32);
    if (onPostgres) {
      assert.ok(statementTally.fusedMembers - before.fusedMembers >= 2, 'some of them ran fused');
      // 16 × (2 inserts + 1 read) = 48 statements alone; merged inserts carry several members' rows in one.
      assert.ok(statementTally.statements - before.statements < 48, `ran ${statementTally.statements - before.statements} statements`);
    }
  });

  test('a member that throws is rolled back alone: the others commit, it gets its own error', async () => {
    const before = { ...statementTally };
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        f.db.transaction(async (tx) => {
          insertRow(tx, `thrower-${i}`, i);
          await tx.get('SELECT amount FROM fusion_rows WHERE id = ?', [`thrower-${i}`]);
          if (i === 3) throw new Error('member 3 refuses');
          return i;
        }, FUSE),
      ),
    );
    assert.deepEqual(
      outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : (outcome.reason as Error).message)),
      [0, 1, 2, 'member 3 refuses', 4, 5, 6, 7],
    );
    assert.equal(await rowCount('thrower-'), 7);
    assert.equal(await rowCount('thrower-3'), 0);
    if (onPostgres) assert.ok(statementTally.fusionsAbandoned - before.fusionsAbandoned >= 1, 'the group with member 3 was abandoned and run again alone');
  });

  test('a transaction alone in its group that throws is not run again: its error stands, nothing is written', async () => {
    let runs = 0;
    await assert.rejects(
      f.db.transaction(async (tx) => {
        runs += 1;
        insertRow(tx, 'lonely', 1);
        await tx.get('SELECT amount FROM fusion_rows WHERE id = ?', ['lonely']);
        throw new Error('refused by its own rule');
      }, FUSE),
      /refused by its own rule/,
    );
    assert.equal(runs, 1);
    assert.equal(await rowCount('lonely'), 0);
  });

  test('a statement that fails in one member (a duplicate id) fails that member only', async () => {
    await f.db.run('INSERT INTO fusion_rows (id, owner, amount) VALUES (?, ?, ?)', ['dup-5', 'first', 1]);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        f.db.transaction(async (tx) => {
          insertRow(tx, `dup-${i}`, i);
          await tx.settle();
          return i;
        }, FUSE),
      ),
    );
    assert.deepEqual(
      outcomes.map((outcome) => outcome.status),
      ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
    );
    assert.equal(await rowCount('dup-'), 8);
    assert.equal((await f.db.get<{ owner: string }>('SELECT owner FROM fusion_rows WHERE id = ?', ['dup-5']))!.owner, 'first');
  });

  test('members that lock the same row FOR UPDATE lose no update (read, then write what was read plus one)', async () => {
    await f.db.run('INSERT INTO fusion_counters (id, n) VALUES (?, ?)', ['shared', 0]);
    await Promise.all(
      Array.from({ length: 16 }, () =>
        f.db.transaction(async (tx) => {
          const row = await tx.get<{ n: number }>(`SELECT id, n FROM fusion_counters WHERE id = ? ${tx.forUpdate}`, ['shared']);
          tx.write('UPDATE fusion_counters SET n = ? WHERE id = ?', [Number(row!.n) + 1, 'shared']);
        }, FUSE),
      ),
    );
    assert.equal(Number((await f.db.get<{ n: number }>('SELECT n FROM fusion_counters WHERE id = ?', ['shared']))!.n), 16);
  });

  test('holds on one card that affords 5 of 16, each in a fused transaction: exactly 5 succeed', async () => {
    await f.accounts([FUNDING('fuse_bank'), USD('fuse_card'), USD('fuse_shop', { flags: [] })]);
    const [funded] = await f.ledger.createTransfers(f.db, [{ id: 'fuse_fund', debit_account_id: 'fuse_bank', credit_account_id: 'fuse_card', amount: 500, code: 1 }]);
    assert.equal(funded!.result, 'ok');
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        f.db.transaction(async (tx) => {
          const [result] = await f.ledger.createTransfers(tx, [
            { id: `fuse_pay_${i}`, debit_account_id: 'fuse_card', credit_account_id: 'fuse_shop', amount: 100, code: 2 },
          ]);
          return result!.result;
        }, FUSE),
      ),
    );
    assert.equal(results.filter((result) => result === 'ok').length, 5, JSON.stringify(results));
    const card = await f.ledger.getBalance(f.db, 'fuse_card');
    assert.equal(card!.available, 0);
    await f.assertAudit();
  });
});
