import type { Compilable } from 'kysely';
import type { Database, Sql, TransactionOptions, Tx } from '../src/platform/db/database.ts';

/**
 * A Database handle that can "lose its process": after `crash()` (or when
 * the armed operation count is reached) nothing more reaches the database
 * through it. Statements inside an open transaction throw, so the real
 * transaction rolls back and its connection/lock is freed; every other call
 * (and the transaction call itself, whatever its outcome) never resolves, so
 * the code that was running stops at that await, as a killed process does.
 * What was committed before stays; the simulator then opens a fresh handle
 * on the same data and rebuilds the program.
 *
 * Counting "operations" (each statement, each transaction/snapshot start)
 * lets a seed put a crash after the Nth one, so crashes land at any await
 * that touches the database, not only between requests.
 *
 * It also plays a slow issuer: work touching the issuers' tables (a
 * statement, or a whole transaction) is done and committed at once, but
 * its answer comes back real milliseconds late, since the network's
 * time-out is a real timer (src/network/call-with-timeout.ts). So the
 * issuer has decided (cleared, held) while the network has stopped waiting.
 */
export class CrashedError extends Error {
  constructor() {
    super('simulated crash: this process is gone');
    this.name = 'CrashedError';
  }
}

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

/** Statements of the issuers (Cardlane's and the test bank), slowed while an issuer time-out is being played. */
const ISSUER_SQL = /issuer_authorization|test_bank_/i;

export class CrashableDatabase implements Database {
  readonly isTransaction = false as const;
  readonly #inner: Database;
  #ops = 0;
  #crashAtOp = Infinity;
  #crashed = false;
  #inFlight = 0;
  #lastActivity = 0;
  #onCrash: Array<() => void> = [];
  /** Real milliseconds added to each issuer statement; 0 = normal. */
  slowIssuerMs = 0;

  constructor(inner: Database) {
    this.#inner = inner;
  }

  /** The real handle, for the simulator's own reads (invariants), which must neither count nor crash. */
  get inner(): Database {
    return this.#inner;
  }
  get dialect() {
    return this.#inner.dialect;
  }
  get forUpdate() {
    return this.#inner.forUpdate;
  }
  get forUpdateSkipLocked() {
    return this.#inner.forUpdateSkipLocked;
  }
  get builder() {
    return this.#inner.builder;
  }
  get description() {
    return this.#inner.description;
  }
  get crashed(): boolean {
    return this.#crashed;
  }
  get operations(): number {
    return this.#ops;
  }
  /** Statements started and not yet settled (for waiting until late work is done). */
  get inFlight(): number {
    return this.#inFlight;
  }
  /** performance.now() of the last statement start or end. */
  get lastActivity(): number {
    return this.#lastActivity;
  }

  /** Crash when the operation count reaches `op` (absolute). */
  armCrashAt(op: number): void {
    this.#crashAtOp = op;
  }
  disarm(): void {
    this.#crashAtOp = Infinity;
  }

  crash(): void {
    if (this.#crashed) return;
    this.#crashed = true;
    for (const listener of this.#onCrash.splice(0)) listener();
  }

  /** Resolves when this handle crashes. */
  whenCrashed(): Promise<void> {
    if (this.#crashed) return Promise.resolve();
    return new Promise((resolve) => this.#onCrash.push(resolve));
  }

  /** Counts one operation; true when the process is (now) gone. */
  #tick(): boolean {
    if (this.#crashed) return true;
    this.#ops += 1;
    if (this.#ops >= this.#crashAtOp) this.crash();
    return this.#crashed;
  }

  async #call<T>(inTx: boolean, sql: string | null, run: () => Promise<T>): Promise<T> {
    if (this.#tick()) {
      if (inTx) throw new CrashedError();
      return never();
    }
    this.#inFlight += 1;
    this.#lastActivity = performance.now();
    try {
      const value = await run();
      // The issuer did its work (committed, locks freed); its answer is what is late.
      if (this.slowIssuerMs > 0 && sql !== null && ISSUER_SQL.test(sql)) {
        await new Promise((resolve) => setTimeout(resolve, this.slowIssuerMs));
      }
      // An answer that comes back after the crash belongs to a dead process.
      if (this.#crashed) {
        if (inTx) throw new CrashedError();
        return never();
      }
      return value;
    } finally {
      this.#inFlight -= 1;
      this.#lastActivity = performance.now();
    }
  }

  /** Inside a transaction statements are never slowed (that would hold the writer's lock); the transaction's answer is, via `seen`. */
  #wrapSql(inner: Sql, inTx: boolean, seen: (sql: string) => void = () => undefined): Sql {
    const text = (sql: string) => {
      seen(sql);
      return inTx ? null : sql;
    };
    return {
      dialect: inner.dialect,
      forUpdate: inner.forUpdate,
      forUpdateSkipLocked: inner.forUpdateSkipLocked,
      all: (sql, params) => this.#call(inTx, text(sql), () => inner.all(sql, params)),
      get: (sql, params) => this.#call(inTx, text(sql), () => inner.get(sql, params)),
      run: (sql, params) => this.#call(inTx, text(sql), () => inner.run(sql, params)),
      execute: <R>(query: Compilable<R>) => {
        const sql = query.compile().sql;
        return this.#call(inTx, text(sql), () => inner.execute(query));
      },
    } as Sql;
  }

  #wrapTx(tx: Tx, issuerWork: () => void): Tx {
    const sql = this.#wrapSql(tx, true, (text) => {
      if (ISSUER_SQL.test(text)) issuerWork();
    });
    return {
      ...sql,
      isTransaction: true,
      exec: (text: string) => this.#call(true, null, () => tx.exec(text)),
      // A queued write is an operation like a statement: a crash can land on it, and then nothing more is sent.
      write: (text: string, params?: readonly unknown[]) => {
        if (ISSUER_SQL.test(text)) issuerWork();
        if (this.#tick()) throw new CrashedError();
        tx.write(text, params);
      },
      settle: () => this.#call(true, null, () => tx.settle()),
    } as Tx;
  }

  all<R>(sql: string, params?: readonly unknown[]): Promise<R[]> {
    return this.#call(false, sql, () => this.#inner.all<R>(sql, params));
  }
  get<R>(sql: string, params?: readonly unknown[]): Promise<R | undefined> {
    return this.#call(false, sql, () => this.#inner.get<R>(sql, params));
  }
  run(sql: string, params?: readonly unknown[]): Promise<number> {
    return this.#call(false, sql, () => this.#inner.run(sql, params));
  }
  execute<R>(query: Compilable<R>): Promise<R[]> {
    return this.#call(false, query.compile().sql, () => this.#inner.execute(query));
  }

  transaction<T>(fn: (tx: Tx) => Promise<T>, options?: TransactionOptions): Promise<T> {
    let issuerWork = false;
    const run = async () => {
      const value = await this.#inner.transaction((tx) => fn(this.#wrapTx(tx, () => (issuerWork = true))), options);
      if (issuerWork && this.slowIssuerMs > 0) await new Promise((resolve) => setTimeout(resolve, this.slowIssuerMs));
      return value;
    };
    return this.#call(false, null, run).catch((error) => {
      if (this.#crashed) return never<T>();
      throw error;
    });
  }

  snapshot<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    return this.#call(false, null, () => this.#inner.snapshot((sql) => fn(this.#wrapSql(sql, true)))).catch((error) => {
      if (this.#crashed) return never<T>();
      throw error;
    });
  }

  ping(): Promise<void> {
    return this.#call(false, null, () => this.#inner.ping());
  }

  /** Closing a crashed handle is the simulator's job (`closeInner`); the dead program's own close goes nowhere. */
  close(): Promise<void> {
    if (this.#crashed) return never();
    return this.#inner.close();
  }

  /** Frees the real handle once the dead program's last statements have settled (bounded: a hung one is abandoned). */
  async closeInner(maxWaitMs = 2_000): Promise<void> {
    const started = performance.now();
    while (this.#inFlight > 0 && performance.now() - started < maxWaitMs) await new Promise((r) => setTimeout(r, 5));
    await Promise.race([this.#inner.close().catch(() => undefined), new Promise((r) => setTimeout(r, maxWaitMs))]);
  }
}
