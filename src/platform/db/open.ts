import type { Database } from './database.ts';
import { PostgresDatabase } from './postgres.ts';
import { SqliteDatabase } from './sqlite.ts';

export interface OpenOptions {
  readonly poolSize?: number;
}

/**
 * `postgres://…` or `postgresql://…` opens PostgreSQL; anything else is a
 * SQLite file path (`sqlite:` prefix optional, `:memory:` for a throw-away).
 */
export function openDatabase(location: string, options: OpenOptions = {}): Database {
  if (/^postgres(ql)?:\/\//.test(location)) {
    return new PostgresDatabase({ url: location, ...(options.poolSize ? { poolSize: options.poolSize } : {}) });
  }
  return new SqliteDatabase(location.replace(/^sqlite:(\/\/)?/, ''));
}

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//.test(location);
}
