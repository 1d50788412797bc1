import type { Compilable, Kysely } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

export type Row = Record<string, unknown>;

/**
 * Something SQL can run on: the database itself (each statement on its own)
 * or an open transaction. Statements are written once with `?` placeholders;
 * the PostgreSQL side rewrites them to `$1, $2, …` and both sides cache their
 * prepared statements, which is what keeps the ledger's hot path fast.
 *
 * Values are numbers (safe integers), strings or null. Booleans are stored as
 * 0/1 so that both dialects read back the same thing.
 */
export interface Sql {
  readonly dialect: Dialect;
  /** `FOR UPDATE` on PostgreSQL; empty on SQLite, whose writers are already serialized. */
  readonly forUpdate: string;
  /** `FOR UPDATE SKIP LOCKED` on PostgreSQL; empty on SQLite. */
  readonly forUpdateSkipLocked: string;
  all<R = Row>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  get<R = Row>(sql: string, params?: readonly unknown[]): Promise<R | undefined>;
  /** Runs a statement and returns the number of rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /** Runs a query built with `db.builder` (Kysely, used only to build SQL). */
  execute<R>(query: Compilable<R>): Promise<R[]>;
}

export interface Tx extends Sql {
  readonly isTransaction: true;
  /**
   * Queues a write whose answer the caller does not need — no row count, no
   * rows: the INSERT of a new record, a balance delta. It runs in order with
   * everything else on this transaction, so a later read sees it; on
   * PostgreSQL it goes out without waiting for its answer, so a run of
   * writes costs one round trip instead of one each (the payment path's
   * limit there: issue 15). If it fails, the transaction fails with its
   * error: every later statement and the commit throw it, on both databases.
   */
  write(sql: string, params?: readonly unknown[]): void;
  /**
   * Waits for the answers of the writes queued so far and throws the first
   * failure's error. The commit does this by itself; call it only where what
   * comes next must not start on a write that may have failed.
   */
  settle(): Promise<void>;
  /** Runs one or more statements with no parameters and no caching (DDL). */
  exec(sql: string): Promise<void>;
}

export interface TransactionOptions {
  /** How often a transaction that lost a race (deadlock, serialization, unique race) is re-run. */
  readonly maxAttempts?: number;
  /**
   * For callers that coalesce concurrent work (group commit): whether more of
   * it is queued behind this transaction, asked when it is made durable. When
   * it is, SQLite syncs the WAL off the main thread even for a lone
   * transaction, so the queued work is decided while the disk syncs.
   */
  readonly moreQueued?: () => boolean;
  /**
   * On PostgreSQL, may run together with other requests' fusable
   * transactions in one physical transaction, their inserts merged
   * (`fused-transactions.ts`, issue 15). Only for a transaction every row of
   * whose changes it inserts, locks `FOR UPDATE`, or changes by one
   * compare-and-set or increment statement. SQLite ignores it: its
   * transactions already share commits.
   */
  readonly fuse?: boolean;
}

export interface Database extends Sql {
  readonly isTransaction: false;
  /** Typed query builder; never executes by itself. Run what it builds with `execute`. */
  readonly builder: Kysely<any>;
  /**
   * Runs `fn` in one transaction and commits, or rolls back if it throws. A
   * transaction that lost a race is re-run from the start, so `fn` must only
   * touch the database (call the outside world before or after, never inside).
   */
  transaction<T>(fn: (tx: Tx) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Runs read-only `fn` on one consistent snapshot of the whole database,
   * without blocking writers (audits and reports that read many tables).
   */
  snapshot<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
  /** Cheap liveness check used by /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Where the data lives, with any password removed; for humans. */
  readonly description: string;
}

/**
 * Thrown inside a transaction when it lost a race that a fresh attempt will
 * resolve (for example two requests inserting the same new id at once).
 */
export class RetryableConflict extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RetryableConflict';
  }
}

/** Runs `fn` in the caller's transaction if there is one, else in a new one. */
export function inTransaction<T>(sql: Sql, fn: (tx: Tx) => Promise<T>): Promise<T> {
  if (isTx(sql)) return fn(sql);
  return (sql as Database).transaction(fn);
}

export function isTx(sql: Sql): sql is Tx {
  return (sql as Tx).isTransaction === true;
}

/** Whether a statement only reads (a SELECT, or a WITH … SELECT that changes nothing): run on its own, it commits nothing. */
export function isReadOnly(sql: string): boolean {
  return /^\s*(SELECT|WITH\s[\s\S]*\bSELECT\b(?![\s\S]*\b(INSERT|UPDATE|DELETE)\b))/i.test(sql) && !/\bRETURNING\b/i.test(sql);
}

/** Placeholder list for an IN clause: `(?, ?, ?)`. */
export function placeholders(count: number): string {
  if (count < 1) throw new Error('an IN list needs at least one value');
  return `(${new Array(count).fill('?').join(', ')})`;
}
