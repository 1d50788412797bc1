import BetterSqlite3 from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Compilable } from 'kysely';
import { createBuilder } from './builder.ts';
import type { Database, Row, Sql, TransactionOptions, Tx } from './database.ts';
import { Mutex } from './mutex.ts';
import { withRetries } from './retry.ts';
import { LruCache } from './statement-cache.ts';

const STATEMENT_CACHE_SIZE = 500;
const BUSY_TIMEOUT_MS = 10_000;
const CACHE_KIB = 64 * 1024;
const WAL_AUTOCHECKPOINT_PAGES = 10_000;

type Statement = BetterSqlite3.Statement<unknown[], unknown>;

/**
 * One SQLite file in WAL mode with durable commits (`synchronous = FULL`: in
 * WAL mode NORMAL may lose the last commits on power loss, and an
 * acknowledged payment must survive that).
 *
 * better-sqlite3 is synchronous and a connection has one transaction at a
 * time, so every transaction holds a mutex for its whole life; reads outside
 * a transaction go to a second, read-only connection and never wait for it.
 * Writers take the lock at BEGIN (IMMEDIATE) so that two processes sharing a
 * file queue on the busy timeout instead of failing at their first write.
 */
export class SqliteDatabase implements Database {
  readonly dialect = 'sqlite' as const;
  readonly isTransaction = false as const;
  readonly forUpdate = '';
  readonly forUpdateSkipLocked = '';
  readonly builder = createBuilder('sqlite');
  readonly description: string;
  readonly #writer: Connection;
  readonly #reader: Connection;
  readonly #mutex = new Mutex();

  constructor(readonly filename: string) {
    const inMemory = filename === ':memory:';
    if (!inMemory) mkdirSync(dirname(filename), { recursive: true });
    const writer = new BetterSqlite3(filename);
    writer.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (!inMemory) writer.pragma('journal_mode = WAL');
    writer.pragma('synchronous = FULL');
    writer.pragma('foreign_keys = ON');
    // Statement journals and sorts in memory, not in temporary files: a
    // multi-row INSERT otherwise spills to disk and costs twice as much.
    writer.pragma('temp_store = MEMORY');
    writer.pragma(`cache_size = -${CACHE_KIB}`);
    // Checkpoint less often: each checkpoint rewrites every page touched since
    // the last one, so fewer, larger checkpoints write hot pages (accounts) once.
    if (!inMemory) writer.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    this.#writer = new Connection(writer);
    if (inMemory) {
      this.#reader = this.#writer;
    } else {
      const reader = new BetterSqlite3(filename, { readonly: true });
      reader.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      this.#reader = new Connection(reader);
    }
    this.description = inMemory ? 'sqlite (in memory)' : `sqlite ${filename}`;
  }

  async all<R = Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    if (isReadOnly(sql)) return this.#reader.all<R>(sql, params);
    return this.transaction((tx) => tx.all<R>(sql, params));
  }

  async get<R = Row>(sql: string, params: readonly unknown[] = []): Promise<R | undefined> {
    return (await this.all<R>(sql, params))[0];
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return this.transaction((tx) => tx.run(sql, params));
  }

  async execute<R>(query: Compilable<R>): Promise<R[]> {
    const compiled = query.compile();
    return this.all<R>(compiled.sql, compiled.parameters);
  }

  async transaction<T>(fn: (tx: Tx) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    return withRetries(async () => {
      const release = await this.#mutex.lock();
      try {
        this.#writer.exec('BEGIN IMMEDIATE');
        const tx = new SqliteTx(this.#writer);
        try {
          const result = await fn(tx);
          tx.close();
          this.#writer.exec('COMMIT');
          return result;
        } catch (error) {
          tx.close();
          if (this.#writer.db.inTransaction) this.#writer.exec('ROLLBACK');
          throw error;
        }
      } finally {
        release();
      }
    }, options.maxAttempts);
  }

  /**
   * Direct access to the writer for work that must not go through the async
   * layer (benchmark ceilings, bulk maintenance). Holds the mutex.
   */
  async withRawWriter<T>(fn: (db: BetterSqlite3.Database) => T): Promise<T> {
    const release = await this.#mutex.lock();
    try {
      return fn(this.#writer.db);
    } finally {
      release();
    }
  }

  async snapshot<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    if (this.filename === ':memory:') return this.transaction(fn);
    // A connection of its own: a WAL read transaction sees one snapshot
    // from its first read to its end, while the writer goes on.
    const connection = new Connection(new BetterSqlite3(this.filename, { readonly: true }));
    try {
      connection.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      connection.exec('BEGIN');
      const view = new SqliteTx(connection);
      try {
        return await fn(view);
      } finally {
        view.close();
        connection.exec('COMMIT');
      }
    } finally {
      connection.db.close();
    }
  }

  async ping(): Promise<void> {
    this.#reader.all('SELECT 1', []);
  }

  async close(): Promise<void> {
    const release = await this.#mutex.lock();
    try {
      if (this.#reader !== this.#writer) this.#reader.db.close();
      this.#writer.db.close();
    } finally {
      release();
    }
  }
}

class SqliteTx implements Tx {
  readonly dialect = 'sqlite' as const;
  readonly isTransaction = true as const;
  readonly forUpdate = '';
  readonly forUpdateSkipLocked = '';
  #open = true;

  constructor(readonly connection: Connection) {}

  close(): void {
    this.#open = false;
  }

  #check(): void {
    if (!this.#open) throw new Error('this transaction has already ended');
  }

  async all<R = Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    this.#check();
    return this.connection.all<R>(sql, params);
  }

  async get<R = Row>(sql: string, params: readonly unknown[] = []): Promise<R | undefined> {
    this.#check();
    return this.connection.all<R>(sql, params)[0];
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    this.#check();
    return this.connection.run(sql, params);
  }

  async execute<R>(query: Compilable<R>): Promise<R[]> {
    const compiled = query.compile();
    return this.all<R>(compiled.sql, compiled.parameters);
  }

  async exec(sql: string): Promise<void> {
    this.#check();
    this.connection.exec(sql);
  }
}

class Connection {
  readonly #statements = new LruCache<string, Statement>(STATEMENT_CACHE_SIZE);

  constructor(readonly db: BetterSqlite3.Database) {}

  exec(sql: string): void {
    this.db.exec(sql);
  }

  all<R>(sql: string, params: readonly unknown[]): R[] {
    const statement = this.#prepare(sql);
    const values = params.map(toSqliteValue);
    if (statement.reader) return statement.all(...values) as R[];
    statement.run(...values);
    return [];
  }

  run(sql: string, params: readonly unknown[]): number {
    const statement = this.#prepare(sql);
    const values = params.map(toSqliteValue);
    if (statement.reader) return statement.all(...values).length;
    return statement.run(...values).changes;
  }

  #prepare(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }
}

function toSqliteValue(value: unknown): unknown {
  if (value === undefined) throw new TypeError('undefined is not a SQL value; pass null');
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

function isReadOnly(sql: string): boolean {
  return /^\s*(SELECT|WITH\s[\s\S]*\bSELECT\b(?![\s\S]*\b(INSERT|UPDATE|DELETE)\b))/i.test(sql) && !/\bRETURNING\b/i.test(sql);
}

export type { Sql };
