import { closeSync, copyFileSync, existsSync, fsyncSync, openSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';

/**
 * A grown database (`npm run bench:grow`) is opened by the benchmarks on a
 * copy, so one generation serves any number of runs and every run starts
 * from the same data. Its secrets are sealed under this master key, which
 * the generator and every benchmark server use (fresh databases too, so the
 * two differ only by their data). A benchmark key, never a deployment's.
 */
export const BENCH_MASTER_KEY = 'b3e1c0ffee5eed0fbe11c4a2d1a4e0b3e1c0ffee5eed0fbe11c4a2d1a4e0beef';

export function isPostgresUrl(database: string): boolean {
  return /^postgres(ql)?:\/\//.test(database);
}

/** A SQLite grown database copied to `dir` (with its WAL, if one was left): the path of the copy. */
export function copySqliteDatabase(file: string, dir: string): string {
  if (!existsSync(file)) throw new Error(`no grown SQLite database at ${file} (make one with npm run bench:grow)`);
  const copy = join(dir, 'grown.db');
  const copied = [copy];
  copyFileSync(file, copy);
  for (const suffix of ['-wal', '-shm']) {
    if (!existsSync(`${file}${suffix}`)) continue;
    copyFileSync(`${file}${suffix}`, `${copy}${suffix}`);
    copied.push(`${copy}${suffix}`);
  }
  // On disk before anything is measured: left to the kernel's write-back, the copy's hundreds of megabytes would be
  // written during the grown run and slow its fsyncs — a cost of the copy, not of the data (measured: grown ÷ fresh
  // 0.70 with the copy unsynced, its disk ceiling down 13% beside it).
  for (const path of copied) {
    const fd = openSync(path, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
  return copy;
}

/**
 * A new PostgreSQL database on the server of `adminUrl`, empty or a copy of
 * `template` (a grown database: PostgreSQL copies its files, seconds for a
 * million transfers). `drop` removes it.
 */
export async function createPostgresDatabase(adminUrl: string, template: string | null = null): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `cardlane_bench_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const templateName = template === null ? null : databaseName(template);
  // A template must have no other session: connect to the maintenance database when it is the one named.
  const adminAt = new URL(adminUrl);
  if (templateName !== null && databaseName(adminUrl) === templateName) adminAt.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: adminAt.toString() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}${templateName === null ? '' : ` TEMPLATE ${quoteIdentifier(templateName)}`}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const again = new pg.Client({ connectionString: adminAt.toString() });
      await again.connect();
      await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await again.end();
    },
  };
}

export function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  if (name === '') throw new Error(`the PostgreSQL URL names no database: ${url}`);
  return name;
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
