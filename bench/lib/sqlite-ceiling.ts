import { rmSync } from 'node:fs';
import type BetterSqlite3 from 'better-sqlite3';
import { openDatabase } from '../../src/platform/db/open.ts';
import { SqliteDatabase } from '../../src/platform/db/sqlite.ts';
import { CEILING_WHAT_ROW, CeilingRows, ceilingInsertSql, ceilingTableDdl } from './ceiling-row.ts';
import type { Workload } from './loop.ts';
import type { Meter } from './stats.ts';

/**
 * The SQLite ceiling: a fresh file opened by `openDatabase` — so the pragmas
 * the ledger runs with (WAL, cache, temp store) — with `synchronous = FULL`,
 * SQLite's own fsync per commit, which is the durability Cardlane gives
 * (Cardlane gets it by syncing the WAL itself after each commit group), and a prepared
 * better-sqlite3 INSERT in a tight synchronous loop, `rowsPerCommit` rows per
 * transaction. No async layer, no mutex hand-offs: the best this file system
 * and this SQLite can do per durable commit.
 */
export async function openSqliteCeiling(options: { file: string; rowsPerCommit: number; accounts: number }): Promise<Workload & { what: string }> {
  const db = openDatabase(options.file);
  if (!(db instanceof SqliteDatabase)) throw new Error('expected a SQLite database');
  const commit = await db.withRawWriter((raw) => {
    raw.pragma('synchronous = FULL');
    growWal(raw);
    raw.exec(ceilingTableDdl('sqlite', 'bench_ceiling'));
    return makeCommit(raw, options.rowsPerCommit, new CeilingRows(options.accounts));
  });
  const pragmas = await db.withRawWriter((raw) => ({
    journal: String(raw.pragma('journal_mode', { simple: true })),
    synchronous: Number(raw.pragma('synchronous', { simple: true })),
  }));
  return {
    what: `${CEILING_WHAT_ROW}; ${options.rowsPerCommit} row(s) per transaction; better-sqlite3 prepared statement, fresh file, journal_mode=${pragmas.journal}, synchronous=${pragmas.synchronous === 2 ? 'FULL' : pragmas.synchronous}`,
    // Synchronous on purpose: the event loop is not part of the ceiling.
    run: (seconds, meter) =>
      db.withRawWriter((): number => {
        const deadline = performance.now() + seconds * 1000;
        while (performance.now() < deadline) commit(meter);
        return 0;
      }),
    rssMb: () => process.memoryUsage().rss / 2 ** 20,
    async close() {
      await db.close();
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${options.file}${suffix}`, { force: true });
    },
  };
}

/**
 * A fresh file's WAL grows with each commit, and an fsync that also has to
 * record a new file size costs more than one that overwrites. The ledger's
 * file reached its steady state during account setup (big transactions, then
 * a checkpoint, after which commits overwrite the WAL from its start); this
 * puts the ceiling's file in the same state, so that the ceiling is not
 * handicapped by a cost the ledger does not pay.
 */
function growWal(raw: BetterSqlite3.Database): void {
  raw.exec('CREATE TABLE bench_filler (x BLOB)');
  const insert = raw.prepare('INSERT INTO bench_filler (x) VALUES (randomblob(4000))');
  raw.transaction(() => {
    for (let i = 0; i < 2_000; i++) insert.run();
  })();
  raw.exec('DROP TABLE bench_filler');
  raw.pragma('wal_checkpoint(PASSIVE)');
}

function makeCommit(raw: BetterSqlite3.Database, rowsPerCommit: number, rows: CeilingRows): (meter: Meter) => void {
  const insert = raw.prepare(ceilingInsertSql('sqlite', 'bench_ceiling', rowsPerCommit));
  // better-sqlite3's transaction(): BEGIN … COMMIT around the function, as the ledger's writer does.
  const inTransaction = raw.transaction((params: unknown[]) => insert.run(...params));
  return (meter) => {
    const params = rows.params(rowsPerCommit);
    const started = performance.now();
    inTransaction(params);
    meter.record(performance.now() - started, rowsPerCommit);
  };
}
