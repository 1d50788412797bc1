import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { SqliteDatabase } from '../../src/platform/db/sqlite.ts';
import { REWIND_AT_FRAMES, WalCheckpointer } from '../../src/platform/db/wal-checkpointer.ts';

// The checkpoint thread: it copies the WAL into the database file beside the
// writer, and once the WAL is long it rewinds it, without losing or
// reordering a committed row. SQLite files only (PostgreSQL has no WAL of ours).
const sqliteOnly = { skip: process.env.CARDLANE_TEST_DATABASE?.startsWith('postgres') ? 'SQLite WAL' : false };

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cardlane-wal-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Frames now in the WAL, as a second connection sees it (a PASSIVE checkpoint reports it). */
function walFrames(file: string): number {
  const probe = new BetterSqlite3(file);
  try {
    return (probe.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number }>)[0]!.log;
  } finally {
    probe.close();
  }
}

test('under steady writes the thread keeps the WAL short and every committed row survives', sqliteOnly, async () => {
  const file = join(dir, 'wal.db');
  // 64 KiB a row, one row a commit: about 17 WAL frames a commit, so the WAL
  // passes the rewind length about every thousand commits.
  const commits = Math.ceil((2.5 * REWIND_AT_FRAMES) / 16);
  const body = Buffer.alloc(64 * 1024, 7);
  const db = new SqliteDatabase(file);
  try {
    await db.run('CREATE TABLE big (id INTEGER PRIMARY KEY, body BLOB NOT NULL)');
    for (let i = 0; i < commits; i++) await db.transaction((tx) => tx.run('INSERT INTO big (id, body) VALUES (?, ?)', [i, body]));
    // A bound, not an expectation: the thread rewinds within milliseconds on an idle machine, but
    // a loaded CI box may take seconds.
    // What matters is that the WAL ends short, not how many rewinds it took: a thread starved of CPU
    // may rewind once, later, over a longer WAL.
    const deadline = Date.now() + 60_000;
    const short = () => db.commitStats.checkpoints!.rewinds >= 1 && walFrames(file) <= REWIND_AT_FRAMES + 2_000;
    while (!short() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));

    const stats = db.commitStats.checkpoints!;
    assert.equal(stats.failure, null);
    assert.ok(stats.rewinds >= 1, `the WAL was rewound ${stats.rewinds} times`);
    // Had nothing rewound it, the WAL would hold every frame written (2.5 × the rewind length).
    assert.ok(walFrames(file) <= REWIND_AT_FRAMES + 2_000, `the WAL holds ${walFrames(file)} frames`);
    const count = await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM big');
    assert.equal(count?.n, commits);
  } finally {
    // Also when an assertion failed: a checkpoint thread left running would keep the test process from ever exiting.
    await db.close();
  }

  const reopened = new BetterSqlite3(file, { readonly: true });
  try {
    assert.equal((reopened.prepare('SELECT COUNT(*) AS n FROM big').get() as { n: number }).n, commits);
    assert.equal(reopened.pragma('integrity_check', { simple: true }), 'ok');
  } finally {
    reopened.close();
  }
});

test('a quiet database never starts the thread', sqliteOnly, async () => {
  const db = new SqliteDatabase(join(dir, 'quiet.db'));
  await db.run('CREATE TABLE t (id INTEGER PRIMARY KEY)');
  for (let i = 0; i < 20; i++) await db.run('INSERT INTO t (id) VALUES (?)', [i]);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(db.commitStats.checkpoints, { passes: 0, rewinds: 0, failure: null });
  await db.close();
});

test('a thread that cannot work gives up once and hands checkpoints back to the writer', sqliteOnly, async () => {
  const reasons: string[] = [];
  const checkpointer = new WalCheckpointer(join(dir, 'missing', 'no.db'), async (fn) => fn(), (reason) => reasons.push(reason));
  for (let i = 0; i < 200; i++) checkpointer.committed();
  const deadline = Date.now() + 5_000;
  while (reasons.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(reasons.length, 1);
  assert.match(checkpointer.stats.failure ?? '', /no such file|unable to open|directory/i);
  for (let i = 0; i < 200; i++) checkpointer.committed();
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(reasons.length, 1);
  await checkpointer.stop();
});
