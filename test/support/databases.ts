import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Database } from '../../src/platform/db/database.ts';
import { migrate } from '../../src/platform/db/migrations.ts';
import { openDatabase } from '../../src/platform/db/open.ts';
import type { PostgresDatabase } from '../../src/platform/db/postgres.ts';
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
 * schema on the PostgreSQL server named by CARDLANE_TEST_DATABASE (see migratedTestLocation).
 */
export async function createTestDatabase(options: { poolSize?: number } = {}): Promise<TestDatabase> {
  const location = await migratedTestLocation();
  const db = openDatabase(location.url, options.poolSize ? { poolSize: options.poolSize } : {});
  return {
    db,
    location: location.url,
    async cleanup() {
      await db.close();
      await location.remove();
    },
  };
}

/**
 * A location holding a database with every migration applied, not yet opened. On SQLite a copy of a template file
 * migrated once per test process (a copy takes a few milliseconds, migrating ~70 ms, and most tests start from a new
 * database); on PostgreSQL a new schema, migrated. (A template there — `CREATE DATABASE … TEMPLATE` — was measured
 * and dropped: each copy writes the template's 12 MB, catalogs included, through the WAL, and under the suite's
 * load that made the PostgreSQL tests slower, not faster.)
 */
export async function migratedTestLocation(): Promise<{ url: string; remove(): Promise<void> }> {
  if (isPostgres()) {
    const location = newTestLocation();
    const db = openDatabase(location.url);
    try {
      await migrate(db, allMigrations, 0);
    } finally {
      await db.close();
    }
    return { url: location.url, remove: () => dropSchema(location.url) };
  }
  const template = await sqliteTemplate();
  const dir = mkdtempSync(join(tmpdir(), 'cardlane-test-'));
  const file = join(dir, 'cardlane.db');
  copyFileSync(template, file);
  return { url: file, remove: async () => rmSync(dir, { recursive: true, force: true }) };
}

async function dropSchema(url: string): Promise<void> {
  const db = openDatabase(url) as PostgresDatabase;
  try {
    await db.dropSchema();
  } finally {
    await db.close();
  }
}

let sqliteTemplateFile: Promise<string> | null = null;

/** This process's SQLite template: migrated once, closed (so its WAL is folded into the file), then only copied. */
function sqliteTemplate(): Promise<string> {
  sqliteTemplateFile ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cardlane-template-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'cardlane.db');
    const db = openDatabase(file);
    await migrate(db, allMigrations, 0);
    await db.close();
    return file;
  })();
  return sqliteTemplateFile;
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
