import type { Database, Dialect } from './database.ts';
import { PostgresDatabase } from './postgres.ts';

/**
 * A module owns its tables and ships its migrations. Ids are `module/NNN_name`
 * and are applied once, in the order given, at start-up. SQL is shared by both
 * dialects; `{{serial}}` becomes an auto-increment 64-bit key on each, never
 * reused; `{{rowid}}` the same for append-only tables, where SQLite's plain
 * rowid (no AUTOINCREMENT bookkeeping, one page less per commit) is enough.
 */
export interface Migration {
  readonly id: string;
  readonly sql: string;
}

const TOKENS: Record<Dialect, Record<string, string>> = {
  sqlite: { '{{serial}}': 'INTEGER PRIMARY KEY AUTOINCREMENT', '{{rowid}}': 'INTEGER PRIMARY KEY' },
  postgres: {
    '{{serial}}': 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY',
    '{{rowid}}': 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY',
  },
};

export function renderDdl(dialect: Dialect, sql: string): string {
  return sql.replace(/\{\{\w+\}\}/g, (token) => {
    const replacement = TOKENS[dialect][token];
    if (replacement === undefined) throw new Error(`unknown DDL token ${token}`);
    return replacement;
  });
}

// An arbitrary constant: the advisory lock that serializes migrating processes.
const MIGRATION_LOCK_KEY = 7_315_220_931;

/** Applies every migration not yet applied; safe when several processes start at once. */
export async function migrate(db: Database, migrations: readonly Migration[], nowMs: number): Promise<string[]> {
  if (db instanceof PostgresDatabase) await db.ensureSchema();
  assertUniqueIds(migrations);
  return db.transaction(async (tx) => {
    if (tx.dialect === 'postgres') await tx.run('SELECT pg_advisory_xact_lock(?)', [MIGRATION_LOCK_KEY]);
    await tx.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at_ms BIGINT NOT NULL)');
    const applied = new Set((await tx.all<{ id: string }>('SELECT id FROM schema_migrations')).map((row) => row.id));
    const newlyApplied: string[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.id)) continue;
      await tx.exec(renderDdl(tx.dialect, migration.sql));
      await tx.run('INSERT INTO schema_migrations (id, applied_at_ms) VALUES (?, ?)', [migration.id, nowMs]);
      newlyApplied.push(migration.id);
    }
    return newlyApplied;
  });
}

/**
 * Runs `work` (a first start's seeding) while holding the migrations' lock,
 * so that processes starting at once on one PostgreSQL database seed one
 * after another: the second finds what the first made instead of making
 * its own. The lock is held by a transaction of its own while `work` uses
 * other connections. On SQLite the one writer already orders the seeding
 * transactions, and a transaction held open here would block them.
 */
export async function withStartupLock<T>(db: Database, work: () => Promise<T>): Promise<T> {
  if (db.dialect !== 'postgres') return work();
  return db.transaction(async (tx) => {
    await tx.run('SELECT pg_advisory_xact_lock(?)', [MIGRATION_LOCK_KEY]);
    return work();
  });
}

function assertUniqueIds(migrations: readonly Migration[]): void {
  const seen = new Set<string>();
  for (const { id } of migrations) {
    if (seen.has(id)) throw new Error(`duplicate migration id ${id}`);
    seen.add(id);
  }
}
