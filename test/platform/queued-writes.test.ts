import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { renderDdl } from '../../src/platform/db/migrations.ts';
import { tallyStatements } from '../../src/platform/db/statement-tally.ts';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from '../support/databases.ts';

/**
 * `tx.write`: a write queued without waiting for its answer (on PostgreSQL
 * it is pipelined behind the statements before it). What must hold on both
 * databases: it runs in order (a later read sees it), and when it fails the
 * whole transaction fails with its error and nothing of it is kept — never
 * a commit of the writes around it.
 */
describe(`queued writes (${testDatabaseKind()})`, () => {
  let t: TestDatabase;
  before(async () => {
    t = await createTestDatabase();
    await t.db.transaction((tx) =>
      tx.exec(renderDdl(tx.dialect, 'CREATE TABLE queued (id TEXT PRIMARY KEY, amount BIGINT NOT NULL CHECK (amount >= 0))')),
    );
  });
  after(() => t.cleanup());

  const count = async (prefix: string) =>
    Number((await t.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM queued WHERE id LIKE ?', [`${prefix}%`]))!.n);

  test('queued writes run in order: a read after them sees them, and they commit with the transaction', async () => {
    const seen = await t.db.transaction(async (tx) => {
      for (let i = 0; i < 5; i++) tx.write('INSERT INTO queued (id, amount) VALUES (?, ?)', [`order-${i}`, i]);
      tx.write('UPDATE queued SET amount = amount + 10 WHERE id = ?', ['order-4']);
      return tx.get<{ amount: number }>('SELECT amount FROM queued WHERE id = ?', ['order-4']);
    });
    assert.equal(Number(seen!.amount), 14);
    assert.equal(await count('order-'), 5);
  });

  test('a queued write that fails fails the transaction with its own error at commit, and nothing of it is kept', async () => {
    await assert.rejects(
      t.db.transaction(async (tx) => {
        tx.write('INSERT INTO queued (id, amount) VALUES (?, ?)', ['commit-1', 1]);
        tx.write('INSERT INTO queued (id, amount) VALUES (?, ?)', ['commit-2', -1]); // the CHECK refuses it
        tx.write('INSERT INTO queued (id, amount) VALUES (?, ?)', ['commit-3', 3]);
      }),
      (error: Error) => /check/i.test(error.message),
    );
    assert.equal(await count('commit-'), 0);
  });

  test('a statement awaited after a failed queued write throws the write’s error (a unique violation, code kept for retries)', async () => {
    await t.db.transaction(async (tx) => tx.write('INSERT INTO queued (id, amount) VALUES (?, ?)', ['dup-1', 1]));
    let reachedAfterRead = false;
    await assert.rejects(
      t.db.transaction(
        async (tx) => {
          tx.write('INSERT INTO queued (id, amount) VALUES (?, ?)', ['dup-2', 2]);
          tx.write('INSERT INTO queued (id, amount) VALUES (?, ?)', ['dup-1', 1]);
          await tx.get('SELECT amount FROM queued WHERE id = ?', ['dup-2']);
          reachedAfterRead = true;
        },
        { maxAttempts: 1 },
      ),
      (error: Error & { code?: string }) => /unique|duplicate/i.test(error.message) && (t.db.dialect === 'sqlite' || error.code === '23505'),
    );
    assert.equal(reachedAfterRead, false);
    assert.equal(await count('dup-'), 1);
  });

  test('a value the database cannot take (an object) is refused at the call, and nothing of the transaction is kept', async () => {
    // pg would try to serialize it itself and fail inside the driver without sending anything: the COMMIT queued
    // behind it would then have committed the writes before it while the caller was told the transaction failed.
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    await assert.rejects(
      t.db.transaction(
        async (tx) => {
          tx.write('INSERT INTO queued (id, amount) VALUES (?, ?)', ['object-1', 1]);
          tx.write('INSERT INTO queued (id, amount) VALUES (?, ?)', ['object-2', circular]);
        },
        { maxAttempts: 1 },
      ),
    );
    assert.equal(await count('object-'), 0);
    // The connection is as good as before: the same statement runs on it.
    await t.db.transaction(async (tx) => tx.write('INSERT INTO queued (id, amount) VALUES (?, ?)', ['object-3', 3]));
    assert.equal(await count('object-'), 1);
  });

  test('the transaction is usable after: the next one on the same connection commits normally', async () => {
    for (let i = 0; i < 3; i++) {
      await assert.rejects(t.db.transaction(async (tx) => tx.write('INSERT INTO queued (id, amount) VALUES (?, ?)', [`after-bad-${i}`, -5])));
    }
    await t.db.transaction(async (tx) => tx.write('INSERT INTO queued (id, amount) VALUES (?, ?)', ['after-good', 5]));
    assert.equal(await count('after-bad-'), 0);
    assert.equal(await count('after-good'), 1);
  });

  test('a queued write is a statement like any other in the tally', async () => {
    const tally = await tallyStatements(() =>
      t.db.transaction(async (tx) => {
        tx.write('INSERT INTO queued (id, amount) VALUES (?, ?)', ['tally-1', 1]);
        tx.write('INSERT INTO queued (id, amount) VALUES (?, ?)', ['tally-2', 2]);
      }),
    );
    assert.equal(tally.statements, 2);
    assert.equal(tally.transactions, 1);
  });
});
