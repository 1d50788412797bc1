import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { SqliteDatabase } from '../../src/platform/db/sqlite.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';

// SQLite's group commit: transactions that overlap share one COMMIT, each in
// a savepoint of its own. These run on SQLite only (PostgreSQL groups commits itself).
let t: TestDatabase;
beforeEach(async () => {
  t = await createTestDatabase();
});
afterEach(async () => t.cleanup());

const sqliteOnly = { skip: process.env.CARDLANE_TEST_DATABASE?.startsWith('postgres') ? 'SQLite group commit' : false };

test('a failing transaction in a group is undone alone; the others commit', sqliteOnly, async () => {
  const db = t.db;
  await db.run('CREATE TABLE g (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
  const results = await Promise.allSettled(
    Array.from({ length: 30 }, (_, i) =>
      db.transaction(async (tx) => {
        await tx.run('INSERT INTO g (id, v) VALUES (?, ?)', [i, `row ${i}`]);
        if (i % 3 === 1) throw new Error(`refuse ${i}`);
        return i;
      }),
    ),
  );
  assert.deepEqual(
    results.map((r) => r.status),
    Array.from({ length: 30 }, (_, i) => (i % 3 === 1 ? 'rejected' : 'fulfilled')),
  );
  const rows = await db.all<{ id: number }>('SELECT id FROM g ORDER BY id');
  assert.deepEqual(rows.map((r) => r.id), Array.from({ length: 30 }, (_, i) => i).filter((i) => i % 3 !== 1));
});

test('an acknowledged transaction is committed and visible to another connection', sqliteOnly, async () => {
  const db = t.db as SqliteDatabase;
  await db.run('CREATE TABLE g (id INTEGER PRIMARY KEY)');
  await Promise.all(Array.from({ length: 50 }, (_, i) => db.transaction((tx) => tx.run('INSERT INTO g (id) VALUES (?)', [i]))));
  // A separate connection sees only committed data: every acknowledged row must be there.
  const other = new BetterSqlite3(db.filename, { readonly: true });
  try {
    assert.equal((other.prepare('SELECT COUNT(*) AS n FROM g').get() as { n: number }).n, 50);
  } finally {
    other.close();
  }
});

test('overlapping transactions share commits: far fewer WAL syncs than transactions', sqliteOnly, async () => {
  const db = t.db as SqliteDatabase;
  await db.run('CREATE TABLE g (id INTEGER PRIMARY KEY)');
  const before = db.commitStats;
  await Promise.all(Array.from({ length: 500 }, (_, i) => db.transaction((tx) => tx.run('INSERT INTO g (id) VALUES (?)', [i]))));
  const after = db.commitStats;
  const rows = await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM g');
  assert.equal(rows!.n, 500);
  assert.equal(after.transactions - before.transactions, 500);
  // All 500 were queued before the first finished, so they fill groups of up to 256.
  assert.ok(after.commits - before.commits <= 4, `expected at most 4 COMMITs for 500 overlapping transactions, got ${after.commits - before.commits}`);
  // One at a time, each commits alone.
  for (let i = 500; i < 505; i++) await db.transaction((tx) => tx.run('INSERT INTO g (id) VALUES (?)', [i]));
  assert.equal(db.commitStats.commits - after.commits, 5);
});
