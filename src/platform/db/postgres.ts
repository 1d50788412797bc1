import pg from 'pg';
import type { Compilable } from 'kysely';
import { createBuilder } from './builder.ts';
import { isReadOnly, type Database, type Row, type Sql, type TransactionOptions, type Tx } from './database.ts';
import { TransactionFusion } from './fused-transactions.ts';
import { withRetries } from './retry.ts';
import { countCommit, countStatement, countTransaction } from './statement-tally.ts';
import { StatementCache } from './statement-cache.ts';

const DEFAULT_POOL_SIZE = 10;
/** Fused groups running at once, and members a group carries at most (fused-transactions.ts). */
const DEFAULT_FUSION_GROUPS = 2;
const DEFAULT_FUSION_MEMBERS = 16;
const PREPARED_NAME_LIMIT = 2_000;
const INT8_OID = 20;
const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

export interface PostgresOptions {
  readonly url: string;
  readonly poolSize?: number;
}

/**
 * PostgreSQL through a `pg` pool. `?schema=name` in the URL puts every table
 * in that schema (created if missing), which is how test runs and CI keep
 * apart on one server. BIGINT columns come back as JavaScript numbers, checked
 * to be safe integers: an amount that is not is a bug, never a rounding.
 */
export class PostgresDatabase implements Database {
  readonly dialect = 'postgres' as const;
  readonly isTransaction = false as const;
  readonly forUpdate = 'FOR UPDATE';
  readonly forUpdateSkipLocked = 'FOR UPDATE SKIP LOCKED';
  readonly builder = createBuilder('postgres');
  readonly description: string;
  readonly schema: string | null;
  readonly #pool: pg.Pool;
  /** Groups of fusable transactions (issue 15); null when switched off (`CARDLANE_PG_FUSION=0`). */
  readonly fusion: TransactionFusion | null;
  #schemaReady: Promise<void> | null = null;

  constructor(options: PostgresOptions) {
    const url = new URL(options.url);
    this.schema = url.searchParams.get('schema');
    url.searchParams.delete('schema');
    if (this.schema !== null && !SCHEMA_PATTERN.test(this.schema)) {
      throw new Error(`invalid schema name ${JSON.stringify(this.schema)}: use lower-case letters, digits and _`);
    }
    this.#pool = new pg.Pool({
      connectionString: url.toString(),
      max: options.poolSize ?? DEFAULT_POOL_SIZE,
      // Queries are sent without waiting for the answer to the one before (each still ends with its own Sync, so
      // an error ends that query only). The code awaits each statement; what this buys is BEGIN's round trip.
      pipeline: true,
      // Our statements are prepared once per connection and their plans do
      // not depend on the values bound (ids, amounts): plan them once, not on
      // every execution as PostgreSQL does for a prepared statement's first five.
      options: [`-c plan_cache_mode=force_generic_plan`, ...(this.schema ? [`-c search_path=${this.schema}`] : [])].join(' '),
      types: { getTypeParser: typeParser as never },
    });
    // An idle client that errors (server restart) must not crash the process.
    this.#pool.on('error', () => undefined);
    const fusionGroups = Number(process.env.CARDLANE_PG_FUSION ?? DEFAULT_FUSION_GROUPS);
    this.fusion =
      fusionGroups > 0
        ? new TransactionFusion(
            async () => {
              const client = await this.#pool.connect();
              return {
                send: (sql, params, numbered) => runQuery(client, numbered ? sql : toPostgres(sql), params),
                control: (sql) => client.query(sql),
                release: (broken) => client.release(broken),
              };
            },
            { maxGroups: fusionGroups, maxMembers: Number(process.env.CARDLANE_PG_FUSION_MEMBERS ?? DEFAULT_FUSION_MEMBERS) },
          )
        : null;
    const safe = new URL(url);
    safe.password = '';
    this.description = `postgres ${safe.host}${safe.pathname}${this.schema ? ` (schema ${this.schema})` : ''}`;
  }

  /** Creates the schema named in the URL; called once before migrations. */
  ensureSchema(): Promise<void> {
    if (!this.schema) return Promise.resolve();
    // IF NOT EXISTS is not safe against a concurrent CREATE: two processes starting at once on a new
    // schema can both pass the check, and the second then fails on the catalog's unique index (23505).
    // The schema exists either way, which is all this asks.
    this.#schemaReady ??= this.#pool.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`).then(
      () => undefined,
      (error: unknown) => {
        if ((error as { code?: string }).code === '23505' || (error as { code?: string }).code === '42P06') return;
        this.#schemaReady = null;
        throw error;
      },
    );
    return this.#schemaReady;
  }

  /** Drops the schema named in the URL and everything in it (tests). */
  async dropSchema(): Promise<void> {
    if (this.schema) await this.#pool.query(`DROP SCHEMA IF EXISTS ${this.schema} CASCADE`);
  }

  async all<R = Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    const client = await this.#pool.connect();
    try {
      const rows = await runAll<R>(client, toPostgres(sql), params);
      countAutocommit(sql);
      return rows;
    } finally {
      client.release();
    }
  }

  async get<R = Row>(sql: string, params: readonly unknown[] = []): Promise<R | undefined> {
    return (await this.all<R>(sql, params))[0];
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    const client = await this.#pool.connect();
    try {
      const changed = (await runQuery(client, toPostgres(sql), params)).rowCount ?? 0;
      countAutocommit(sql);
      return changed;
    } finally {
      client.release();
    }
  }

  async execute<R>(query: Compilable<R>): Promise<R[]> {
    const compiled = query.compile();
    const client = await this.#pool.connect();
    try {
      const rows = await runAll<R>(client, compiled.sql, compiled.parameters);
      countAutocommit(compiled.sql);
      return rows;
    } finally {
      client.release();
    }
  }

  async transaction<T>(fn: (tx: Tx) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    if (options.fuse === true && this.fusion !== null) return this.fusion.run(fn, (alone) => this.transaction(alone, { ...options, fuse: false }));
    return withRetries(async () => {
      countTransaction();
      const client = await this.#pool.connect();
      let broken = false;
      const tx = new PostgresTx(client);
      try {
        // Pipelined (the pool's clients are in pipeline mode): the transaction's first statement goes out right behind
        // BEGIN instead of a round trip later. Safe: a BEGIN that fails (the session is in an aborted transaction)
        // makes every statement behind it fail the same way, so none of them can run outside the transaction and
        // commit on its own; and on a broken connection nothing behind it runs at all.
        const begun = client.query('BEGIN');
        begun.catch(() => undefined); // its failure is the first statement's too, and is awaited below
        const result = await fn(tx);
        await begun;
        // COMMIT goes out behind the queued writes without waiting for their answers. If one failed, PostgreSQL
        // has aborted the transaction and answers this COMMIT with ROLLBACK (not an error): `settle` throws the
        // write's error first, and a ROLLBACK answer is never taken for a commit.
        const committed = client.query('COMMIT');
        committed.catch(() => undefined); // awaited below, after the writes' answers
        await tx.settle();
        if ((await committed).command !== 'COMMIT') throw new Error('PostgreSQL rolled the transaction back at COMMIT');
        countCommit();
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true;
        }
        throw error;
      } finally {
        tx.close();
        client.release(broken);
      }
    }, options.maxAttempts);
  }

  async snapshot<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    const view = new PostgresTx(client);
    let broken = false;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      return await fn(view);
    } finally {
      view.close();
      try {
        await client.query('COMMIT');
      } catch {
        broken = true;
      }
      client.release(broken);
    }
  }

  async ping(): Promise<void> {
    await this.#pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}

class PostgresTx implements Tx {
  readonly dialect = 'postgres' as const;
  readonly isTransaction = true as const;
  readonly forUpdate = 'FOR UPDATE';
  readonly forUpdateSkipLocked = 'FOR UPDATE SKIP LOCKED';
  #open = true;
  /** Settles once the last queued write has its answer: the connection answers in order, so all before it have theirs. */
  #queued: Promise<void> = Promise.resolve();
  /** The first queued write's error. PostgreSQL then aborts the transaction, so every later statement fails too. */
  #failure: { readonly error: unknown } | null = null;

  constructor(readonly client: pg.PoolClient) {}

  close(): void {
    this.#open = false;
  }

  #check(): void {
    if (!this.#open) throw new Error('this transaction has already ended');
    if (this.#failure !== null) throw this.#failure.error;
  }

  /** Awaits a statement; when it fails because a queued write before it failed (25P02), the write's error is the one thrown. */
  async #answer<T>(answer: Promise<T>): Promise<T> {
    try {
      return await answer;
    } catch (error) {
      await this.#queued;
      throw this.#failure === null ? error : this.#failure.error;
    }
  }

  async all<R = Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    this.#check();
    return this.#answer(runAll<R>(this.client, toPostgres(sql), params));
  }

  async get<R = Row>(sql: string, params: readonly unknown[] = []): Promise<R | undefined> {
    return (await this.all<R>(sql, params))[0];
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    this.#check();
    return ((await this.#answer(runQuery(this.client, toPostgres(sql), params))).rowCount ?? 0);
  }

  async execute<R>(query: Compilable<R>): Promise<R[]> {
    this.#check();
    const compiled = query.compile();
    return this.#answer(runAll<R>(this.client, compiled.sql, compiled.parameters));
  }

  async exec(sql: string): Promise<void> {
    this.#check();
    await this.#answer(this.client.query(sql));
  }

  write(sql: string, params: readonly unknown[] = []): void {
    this.#check();
    const answer = runQuery(this.client, toPostgres(sql), params);
    this.#queued = answer.then(
      () => undefined,
      (error: unknown) => {
        this.#failure ??= { error };
      },
    );
  }

  /** Waits for the queued writes' answers and throws the first failure's error. */
  async settle(): Promise<void> {
    await this.#queued;
    if (this.#failure !== null) throw this.#failure.error;
  }
}

/** A write run on its own is a transaction of its own: PostgreSQL commits it (and flushes the WAL) as it would a COMMIT. */
function countAutocommit(sql: string): void {
  if (!isReadOnly(sql)) countCommit();
}

// Named statements are parsed and planned once per connection by the server.
const preparedNames = new Map<string, string>();

function runQuery(client: pg.ClientBase, text: string, params: readonly unknown[]): Promise<pg.QueryResult> {
  countStatement(text);
  const values = params.map(toPostgresValue);
  let name = preparedNames.get(text);
  if (name === undefined && preparedNames.size < PREPARED_NAME_LIMIT) {
    name = `cl${preparedNames.size}`;
    preparedNames.set(text, name);
  }
  return client.query(name === undefined ? { text, values } : { name, text, values });
}

async function runAll<R>(client: pg.ClientBase, text: string, params: readonly unknown[]): Promise<R[]> {
  return (await runQuery(client, text, params)).rows as R[];
}

const converted = new StatementCache<string, string>(PREPARED_NAME_LIMIT);

/** Rewrites `?` placeholders to `$1…$n`. Our SQL never has `?` inside literals. */
export function toPostgres(sql: string): string {
  let result = converted.get(sql);
  if (result === undefined) {
    let index = 0;
    result = sql.replace(/\?/g, () => `$${++index}`);
    converted.set(sql, result);
  }
  return result;
}

/**
 * The values SQLite takes too, and nothing else: `pg` would serialize an
 * object itself, and when that fails it fails inside the driver without
 * sending anything — a queued write's COMMIT, already on its way, would then
 * commit the rest of the transaction. Refused here, at the call, instead.
 */
function toPostgresValue(value: unknown): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Uint8Array) return value;
  throw new TypeError(value === undefined ? 'undefined is not a SQL value; pass null' : `a ${typeof value} is not a SQL value: pass a string, a number or null`);
}

function typeParser(oid: number, format?: string): (value: string) => unknown {
  if (oid === INT8_OID) return parseSafeInteger;
  return pg.types.getTypeParser(oid, format as 'text');
}

function parseSafeInteger(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`integer ${text} is outside the safe range`);
  return value;
}
