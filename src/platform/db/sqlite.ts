import BetterSqlite3 from 'better-sqlite3';
import { closeSync, fsync, fsyncSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Compilable } from 'kysely';
import { makePrivateDir, touchPrivateFile } from '../data-dir.ts';
import { createBuilder } from './builder.ts';
import { isReadOnly, type Database, type Row, type Sql, type TransactionOptions, type Tx } from './database.ts';
import { Mutex } from './mutex.ts';
import { CommitGroup } from './sqlite-commit-group.ts';
import { withRetries } from './retry.ts';
import { countCommit, countStatement, countTransaction } from './statement-tally.ts';
import { StatementCache } from './statement-cache.ts';
import { REWIND_AT_FRAMES, WalCheckpointer } from './wal-checkpointer.ts';

const STATEMENT_CACHE_SIZE = 500;
const BUSY_TIMEOUT_MS = 10_000;
const CACHE_KIB = 64 * 1024;
/**
 * The writer's own checkpoints, on the main thread: every this many WAL
 * frames without the checkpoint thread (wal-checkpointer.ts); with it, only
 * a safety net well past the length at which the thread rewinds the WAL.
 */
const WAL_AUTOCHECKPOINT_PAGES = 10_000;
const WAL_SAFETY_NET_PAGES = 2 * REWIND_AT_FRAMES;
/** Bounds how long the first transaction of a group waits for its COMMIT (and how much one failed COMMIT takes down). */
const MAX_TRANSACTIONS_PER_COMMIT = 256;
const SAVEPOINT = 'cardlane_tx';

type Statement = BetterSqlite3.Statement<unknown[], unknown>;

/**
 * One SQLite file in WAL mode with durable commits: no transaction is
 * acknowledged before its WAL frames are on disk, so an acknowledged payment
 * survives a power loss.
 *
 * How: `synchronous = NORMAL` makes a COMMIT write the WAL without an fsync,
 * and the fsync is then done by us, on the WAL file, off the main thread
 * (libuv's pool); the transaction's promise settles only when it returns.
 * Same guarantee as `synchronous = FULL`, but the event loop keeps working
 * while the disk syncs, and the next commit group forms meanwhile — with
 * FULL, better-sqlite3 blocks the whole process for every fsync.
 * Checkpoints still sync the database file themselves (SQLite does that in
 * NORMAL too), and they run on a thread of their own (wal-checkpointer.ts):
 * on the committing thread, one COMMIT in every few thousand pages would
 * stop the process for the 10–40 ms of copying and syncing. An in-memory
 * database has nothing to sync.
 *
 * better-sqlite3 is synchronous and a connection has one transaction at a
 * time, so every transaction holds a mutex for its whole life; reads outside
 * a transaction go to a second, read-only connection and never wait for it.
 * Writers take the lock at BEGIN (IMMEDIATE) so that two processes sharing a
 * file queue on the busy timeout instead of failing at their first write.
 *
 * Group commit: a transaction that finishes leaves the physical transaction
 * open for the ones that start before the next turn of the event loop, and
 * one COMMIT then makes them all durable (see sqlite-commit-group.ts and
 * #scheduleCommit). While the previous group's fsync is running, the open
 * group waits for it and keeps taking members (classic group commit): one
 * fsync at a time, each carrying everything that finished during the last.
 * Many concurrent callers then share one fsync, which is what lets the
 * authorization path outrun the disk.
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
  #commitScheduled = false;
  /** WAL fsyncs running in the thread pool; the open group waits for them (#scheduleCommit). */
  #syncsInFlight = 0;
  /** Called when the last running fsync returns (close() waits for it). */
  #onSyncsDone: Array<() => void> = [];
  #logicalCommits = 0;
  #physicalCommits = 0;
  /** The WAL file, opened on first use (it exists once the first transaction has written). */
  #walFd: number | null = null;
  /** The open physical transaction's group, or null when none is open. */
  #group: CommitGroup | null = null;
  /** Copies the WAL into the database file off the main thread; null in memory. */
  readonly #checkpointer: WalCheckpointer | null;

  constructor(readonly filename: string) {
    const inMemory = filename === ':memory:';
    if (!inMemory) {
      // Private from the first byte: SQLite gives the -wal and -shm files the database file's mode (see data-dir.ts).
      makePrivateDir(dirname(filename));
      touchPrivateFile(filename);
    }
    const writer = new BetterSqlite3(filename);
    writer.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (!inMemory) writer.pragma('journal_mode = WAL');
    // Durability comes from our fsync of the WAL after each commit group (#syncWal).
    writer.pragma(inMemory ? 'synchronous = FULL' : 'synchronous = NORMAL');
    writer.pragma('foreign_keys = ON');
    // Statement journals and sorts in memory, not in temporary files: a
    // multi-row INSERT otherwise spills to disk and costs twice as much.
    writer.pragma('temp_store = MEMORY');
    writer.pragma(`cache_size = -${CACHE_KIB}`);
    // Checkpoints are the checkpoint thread's job (see the class comment);
    // the writer's own are a safety net until that thread fails.
    if (!inMemory) writer.pragma(`wal_autocheckpoint = ${WAL_SAFETY_NET_PAGES}`);
    this.#writer = new Connection(writer);
    this.#checkpointer = inMemory
      ? null
      : new WalCheckpointer(
          filename,
          (fn) => this.#withWritersPaused(fn),
          () => {
            if (writer.open) writer.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
          },
        );
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
      countTransaction();
      const release = await this.#mutex.lock();
      let durable: Promise<void>;
      let result: T;
      try {
        if (this.#group === null) {
          this.#writer.control('BEGIN IMMEDIATE');
          this.#group = new CommitGroup();
        }
        const group = this.#group;
        this.#writer.control(`SAVEPOINT ${SAVEPOINT}`);
        const tx = new SqliteTx(this.#writer);
        try {
          result = await fn(tx);
          tx.throwIfWriteFailed();
          tx.close();
          this.#writer.control(`RELEASE ${SAVEPOINT}`);
        } catch (error) {
          tx.close();
          this.#undoLogical();
          throw error;
        }
        durable = group.join(options.moreQueued);
        if (group.size >= MAX_TRANSACTIONS_PER_COMMIT) this.#commitGroup();
        else this.#scheduleCommit();
      } catch (error) {
        // A failed logical transaction must not strand the finished ones before it.
        this.#scheduleCommit();
        release();
        throw error;
      }
      release();
      await durable;
      return result;
    }, options.maxAttempts);
  }

  /** How well group commit is working: transactions committed, the COMMITs (fsyncs) that carried them, and the checkpoint thread's work. */
  get commitStats(): { readonly transactions: number; readonly commits: number; readonly checkpoints: WalCheckpointer['stats'] | null } {
    return { transactions: this.#logicalCommits, commits: this.#physicalCommits, checkpoints: this.#checkpointer?.stats ?? null };
  }

  /** Undoes the current logical transaction only; if SQLite already rolled back the physical one, the group is lost. */
  #undoLogical(): void {
    if (this.#writer.db.inTransaction) {
      this.#writer.control(`ROLLBACK TO ${SAVEPOINT}`);
      this.#writer.control(`RELEASE ${SAVEPOINT}`);
      return;
    }
    const group = this.#group;
    this.#group = null;
    group?.lost(new Error('SQLite rolled the transaction back'));
  }

  /**
   * Commits the open group after the current turn of the event loop: the
   * requests that became ready meanwhile start their transactions first and
   * join the group, so under load one fsync serves many of them, while a
   * lone transaction waits only one turn. (better-sqlite3's COMMIT blocks the
   * thread, so nothing can join during it: the joining has to happen before.)
   *
   * While an fsync of the WAL is running, the group stays open until it
   * returns (#walSynced schedules it then): a COMMIT now would only start a
   * second fsync behind the first, where waiting lets everything that
   * finishes meanwhile share the next one. The wait is bounded by the fsync
   * and by MAX_TRANSACTIONS_PER_COMMIT; nobody in the open group has been
   * acknowledged, so holding it changes when they are, never what.
   */
  #scheduleCommit(): void {
    if (this.#group === null || this.#commitScheduled || this.#syncsInFlight > 0) return;
    this.#commitScheduled = true;
    setImmediate(async () => {
      const release = await this.#mutex.lock();
      this.#commitScheduled = false;
      try {
        this.#commitGroup();
      } finally {
        release();
      }
    });
  }

  /** Commits the open group, if any, and settles its members. Called with the mutex held. */
  #commitGroup(): void {
    const group = this.#group;
    if (group === null) return;
    this.#group = null;
    if (group.size === 0) {
      // Only failed transactions ran in it: nothing to make durable.
      if (this.#writer.db.inTransaction) this.#writer.control('ROLLBACK');
      return;
    }
    try {
      this.#writer.control('COMMIT');
      this.#physicalCommits += 1;
      countCommit();
      this.#logicalCommits += group.size;
    } catch (error) {
      if (this.#writer.db.inTransaction) this.#writer.control('ROLLBACK');
      group.lost(error);
      return;
    }
    this.#syncWal(group);
    this.#checkpointer?.committed();
  }

  /** For the checkpointer: the open group committed, and no transaction begins until `fn` settles. */
  async #withWritersPaused(fn: () => Promise<void>): Promise<void> {
    const release = await this.#mutex.lock();
    try {
      this.#commitGroup();
      await fn();
    } finally {
      release();
    }
  }

  /**
   * Makes a committed group durable and only then settles it. An fsync that
   * fails leaves the data's fate unknown (it is committed for readers, but
   * may not survive a power loss): the members get the error, loudly, rather
   * than an acknowledgement that could be false.
   */
  #syncWal(group: CommitGroup): void {
    if (this.filename === ':memory:') {
      group.committed();
      return;
    }
    this.#walFd ??= openSync(`${this.filename}-wal`, 'r');
    if (group.size === 1 && this.#mutex.waiting === 0 && !group.moreQueued()) {
      // A lone transaction with nobody waiting: syncing right here is faster
      // than a round trip through the thread pool, and there is nothing the
      // event loop could get on with meanwhile. (A group commit with work
      // queued behind it has: the next batch, decided while the disk syncs.)
      try {
        fsyncSync(this.#walFd);
      } catch (error) {
        group.failed(new Error(`fsync of the SQLite WAL failed; recent commits may not be durable: ${(error as Error).message}`));
        return;
      }
      group.committed();
      return;
    }
    this.#syncsInFlight += 1;
    fsync(this.#walFd, (error) => {
      if (error) group.failed(new Error(`fsync of the SQLite WAL failed; recent commits may not be durable: ${error.message}`));
      else group.committed();
      this.#walSynced();
    });
  }

  /** An fsync returned: the group that waited for it (see #scheduleCommit) commits now. */
  #walSynced(): void {
    this.#syncsInFlight -= 1;
    if (this.#syncsInFlight > 0) return;
    this.#scheduleCommit();
    for (const done of this.#onSyncsDone.splice(0)) done();
  }

  /** Settles once no fsync of the WAL is running, so that its file can be closed. */
  #syncsDone(): Promise<void> {
    if (this.#syncsInFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#onSyncsDone.push(resolve));
  }

  /**
   * Direct access to the writer for work that must not go through the async
   * layer (benchmark ceilings, bulk maintenance). Holds the mutex.
   */
  async withRawWriter<T>(fn: (db: BetterSqlite3.Database) => T): Promise<T> {
    const release = await this.#mutex.lock();
    try {
      this.#commitGroup();
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
    await this.#checkpointer?.stop();
    const release = await this.#mutex.lock();
    try {
      this.#commitGroup();
      await this.#syncsDone();
      if (this.#reader !== this.#writer) this.#reader.db.close();
      this.#writer.db.close();
      if (this.#walFd !== null) closeSync(this.#walFd);
      this.#walFd = null;
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
  /** A queued write's error (`write`), thrown by every later statement and by `settle`. */
  #failure: { readonly error: unknown } | null = null;

  constructor(readonly connection: Connection) {}

  close(): void {
    this.#open = false;
  }

  #check(): void {
    if (!this.#open) throw new Error('this transaction has already ended');
    if (this.#failure !== null) throw this.#failure.error;
  }

  /** SQLite answers at once; the write is run now, and a failure kept to fail the transaction as on PostgreSQL. */
  write(sql: string, params: readonly unknown[] = []): void {
    this.#check();
    try {
      this.connection.run(sql, params);
    } catch (error) {
      this.#failure = { error };
    }
  }

  async settle(): Promise<void> {
    this.throwIfWriteFailed();
  }

  /** Throws the error of a queued write that failed; called before the transaction commits. */
  throwIfWriteFailed(): void {
    if (this.#failure !== null) throw this.#failure.error;
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

/** A cached statement; a reader returns rows as arrays, made into objects by `toRow`. */
interface Prepared {
  readonly statement: Statement;
  readonly toRow: ((values: unknown[]) => unknown) | null;
}

class Connection {
  readonly #statements = new StatementCache<string, Prepared>(STATEMENT_CACHE_SIZE);
  readonly #control = new Map<string, Statement>();

  constructor(readonly db: BetterSqlite3.Database) {}

  exec(sql: string): void {
    this.db.exec(sql);
  }

  /**
   * BEGIN, SAVEPOINT, RELEASE, COMMIT… as statements prepared once: `exec`
   * parses its text every time, which cost as much as a payment's whole
   * group of transaction-control statements' work (measured in the payment
   * benchmark's profile). Not counted as statements (statement-tally.ts).
   */
  control(sql: string): void {
    let statement = this.#control.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.#control.set(sql, statement);
    }
    statement.run();
  }

  all<R>(sql: string, params: readonly unknown[]): R[] {
    const { statement, toRow } = this.#prepare(sql);
    const values = toSqliteValues(params);
    if (toRow === null) {
      statement.run(...values);
      return [];
    }
    const rows = statement.all(...values) as unknown[][];
    for (let i = 0; i < rows.length; i++) rows[i] = toRow(rows[i]!) as unknown[];
    return rows as R[];
  }

  run(sql: string, params: readonly unknown[]): number {
    const { statement, toRow } = this.#prepare(sql);
    const values = toSqliteValues(params);
    if (toRow !== null) return statement.all(...values).length;
    return statement.run(...values).changes;
  }

  #prepare(sql: string): Prepared {
    countStatement(sql);
    let prepared = this.#statements.get(sql);
    if (!prepared) {
      const statement = this.db.prepare(sql);
      if (statement.reader) statement.raw(true);
      prepared = { statement, toRow: statement.reader ? rowBuilder(statement.columns().map((column) => column.name)) : null };
      this.#statements.set(sql, prepared);
    }
    return prepared;
  }
}

/**
 * Makes a row object from a row read as an array. better-sqlite3 builds each
 * row object through V8's C++ API, about 1 µs a row of a dozen columns; an
 * object literal compiled once per statement costs next to nothing
 * (measured: 200 account rows in 300 µs instead of 490). Later columns win
 * over earlier ones of the same name, as in better-sqlite3's own objects.
 */
function rowBuilder(names: readonly string[]): (values: unknown[]) => unknown {
  const fields = names.map((name, i) => `${JSON.stringify(name)}: v[${i}]`).join(', ');
  return new Function('v', `return { ${fields} };`) as (values: unknown[]) => unknown;
}

/**
 * The parameters as SQLite takes them: booleans become 0/1. The caller's
 * array is copied only when it has one, which on the hot path it almost
 * never has. (Spread into arguments, not passed as one array: better-sqlite3
 * reads an array's elements through the V8 API, measured 8% slower.)
 */
function toSqliteValues(params: readonly unknown[]): unknown[] {
  for (let i = 0; i < params.length; i++) {
    const value = params[i];
    if (value === undefined) throw new TypeError('undefined is not a SQL value; pass null');
    if (typeof value === 'boolean') return params.map(toSqliteValue);
  }
  return params as unknown[];
}

function toSqliteValue(value: unknown): unknown {
  if (value === undefined) throw new TypeError('undefined is not a SQL value; pass null');
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}


export type { Sql };
