import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Database } from '../../src/platform/db/database.ts';
import { migrate } from '../../src/platform/db/migrations.ts';
import { openDatabase } from '../../src/platform/db/open.ts';
import { PostgresDatabase } from '../../src/platform/db/postgres.ts';
import { allMigrations } from '../../src/app/modules.ts';

/** The database the suite runs on: "sqlite" (default) or a postgres:// URL. */
export function testDatabaseKind(): 'sqlite' | 'postgres' {
  return isPostgres() ? 'postgres' : 'sqlite';
}

function isPostgres(): boolean {
  return /^postgres(ql)?:\/\//.test(process.env.CARDLANE_TEST_DATABASE ?? '');
}

export interface TestDatabase {
  readonly db: Database;
  /** A location another process can open to reach the same data. */
  readonly location: string;
  cleanup(): Promise<void>;
}

/**
 * A fresh, migrated database for one test: a temporary SQLite file, or a new
 * schema on the PostgreSQL server named by CARDLANE_TEST_DATABASE.
 */
export async function createTestDatabase(options: { poolSize?: number; nowMs?: number } = {}): Promise<TestDatabase> {
  const location = newTestLocation();
  const db = openDatabase(location.url, options.poolSize ? { poolSize: options.poolSize } : {});
  await migrate(db, allMigrations, options.nowMs ?? 0);
  return {
    db,
    location: location.url,
    async cleanup() {
      if (db instanceof PostgresDatabase) await db.dropSchema();
      await db.close();
      location.remove();
    },
  };
}

/** A location for a new, empty database (not opened, not migrated). */
export function newTestLocation(): { url: string; remove(): void } {
  if (isPostgres()) {
    const url = new URL(process.env.CARDLANE_TEST_DATABASE!);
    url.searchParams.set('schema', `t_${randomBytes(6).toString('hex')}`);
    return { url: url.toString(), remove: () => undefined };
  }
  const dir = mkdtempSync(join(tmpdir(), 'cardlane-test-'));
  return { url: join(dir, 'cardlane.db'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
