import type { Compilable } from 'kysely';
import type { Row, Tx } from './database.ts';
import { countCommit, countFusion, countTransaction } from './statement-tally.ts';

/**
 * Transaction fusion on PostgreSQL (issue 15): the transactions of
 * concurrent requests that opt in (`TransactionOptions.fuse`) run together
 * in one physical transaction on one connection, and the new rows they
 * insert with the same statement go out as one multi-row INSERT. What a
 * payment costs PostgreSQL is the number of its statements and COMMITs, not
 * their rows (README, "Why 600/s on PostgreSQL is not reached"): eight
 * payments carried together cost the database about a third of eight
 * carried apart.
 *
 * What each request keeps:
 * - **All or nothing.** The group commits once, for every member, or not at
 *   all. When anything fails — a statement, a member's own code, a conflict
 *   between members — the whole group is rolled back and every member is
 *   run again alone, as an ordinary transaction. A transaction's function
 *   may already be run more than once (`Database.transaction` re-runs one
 *   that lost a race), so this asks nothing new of it.
 * - **Its own order.** A member's statements run in the order it sent them;
 *   members' statements interleave with one another only between them.
 * - **Exclusive locks.** Members share one transaction, so PostgreSQL no
 *   longer keeps two of them apart on a row: this does. A row a member
 *   locks `FOR UPDATE` is claimed for it (table and `id`; the whole table
 *   when the rows have no `id`), and a second member's lock on it ends the
 *   group — both then run alone and PostgreSQL orders them as before.
 *
 * So a transaction may opt in when every row it changes is one it inserts,
 * one it has locked `FOR UPDATE`, or one it changes by a compare-and-set or
 * an increment in a single statement — what is already true of any
 * transaction that is correct under READ COMMITTED, where a read without a
 * lock followed by a write of what was read loses updates anyway.
 */

/** The group's connection, as the PostgreSQL side gives it: statements written with `?`, sent pipelined. */
export interface FusionLink {
  /** `numbered`: the placeholders are PostgreSQL's already (`$1`), else `?` to be numbered. */
  send(sql: string, params: readonly unknown[], numbered: boolean): Promise<{ rows: Row[]; rowCount: number | null }>;
  control(sql: 'BEGIN' | 'COMMIT' | 'ROLLBACK'): Promise<{ command: string }>;
  release(broken: boolean): void;
}

export interface FusionOptions {
  /** Groups running at once (each on one connection). */
  readonly maxGroups: number;
  /** Members of one group at most. */
  readonly maxMembers: number;
}

/** Most parameters one statement may carry on PostgreSQL's wire protocol (a 16-bit count). */
const MAX_PARAMETERS = 65_535;

type RunAlone = <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>;

interface Member {
  readonly fn: (tx: Tx) => Promise<unknown>;
  readonly runAlone: RunAlone;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** Why a group ended without committing; never seen by a caller (its members run again alone). */
class FusionAborted extends Error {
  constructor(readonly reason: string) {
    super(`fused transaction abandoned: ${reason}`);
    this.name = 'FusionAborted';
  }
}

export class TransactionFusion {
  readonly #pending: Member[] = [];
  #running = 0;
  #pumpScheduled = false;

  constructor(
    readonly open: () => Promise<FusionLink>,
    readonly options: FusionOptions,
  ) {}

  run<T>(fn: (tx: Tx) => Promise<T>, runAlone: RunAlone): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ fn, runAlone, resolve: resolve as (value: unknown) => void, reject });
      this.#schedulePump();
    });
  }

  /**
   * Starts groups at the end of this turn of the event loop, so that the
   * requests whose answers arrived together start their transactions
   * together; while every group slot is busy, arrivals wait and go together
   * into the next.
   */
  #schedulePump(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    setImmediate(() => {
      this.#pumpScheduled = false;
      while (this.#running < this.options.maxGroups && this.#pending.length > 0) {
        const members = this.#pending.splice(0, this.options.maxMembers);
        this.#running += 1;
        void new FusedGroup(this, members).run().finally(() => {
          this.#running -= 1;
          if (this.#pending.length > 0) this.#schedulePump();
        });
      }
    });
  }
}

interface Op {
  readonly seq: number;
  readonly member: FusedTx;
  readonly sql: string;
  readonly params: readonly unknown[];
  readonly isWrite: boolean;
  /** Placeholders already numbered (`$1`: the query builder's), sent as they are. */
  readonly numbered: boolean;
  readonly resolve: (answer: { rows: Row[]; rowCount: number | null }) => void;
  readonly reject: (error: unknown) => void;
}

class FusedGroup {
  readonly #queue: Op[] = [];
  /** Rows locked FOR UPDATE by a member: table → id (or the whole table) → the member. */
  readonly #claims = new Map<string, Map<string, FusedTx>>();
  readonly #sent: Array<Promise<unknown>> = [];
  #seq = 0;
  #flushScheduled = false;
  #aborted: FusionAborted | null = null;
  #link: FusionLink | null = null;

  constructor(
    readonly fusion: TransactionFusion,
    readonly members: readonly Member[],
  ) {}

  async run(): Promise<void> {
    let link: FusionLink;
    try {
      link = await this.fusion.open();
    } catch (error) {
      for (const member of this.members) member.reject(error);
      return;
    }
    this.#link = link;
    const results = await this.#attempt(link);
    let broken = false;
    if (results === null) {
      try {
        await link.control('ROLLBACK');
      } catch {
        broken = true;
      }
    }
    link.release(broken);
    if (results !== null) {
      countFusion(this.members.length);
      results.forEach((value, i) => this.members[i]!.resolve(value));
      return;
    }
    // A lone member that failed by its own code saw what a transaction of its own would have seen: its error stands.
    const own = this.members.length === 1 ? this.#ownFailure : undefined;
    if (own !== undefined) {
      this.members[0]!.reject(own.error);
      return;
    }
    countFusion(0);
    // Nothing of the group was committed: each member runs again, alone, with the usual retries.
    for (const member of this.members) member.runAlone(member.fn).then(member.resolve, member.reject);
  }

  /** The error a member's own code threw (not the group's ending), when one did. */
  #ownFailure: { readonly error: unknown } | undefined;

  /** Runs every member and commits them together: their results, or null when the group must be rolled back. */
  async #attempt(link: FusionLink): Promise<unknown[] | null> {
    try {
      this.#track(link.control('BEGIN'));
      const txs = this.members.map(() => new FusedTx(this));
      for (const _ of txs) countTransaction();
      const outcomes = await Promise.allSettled(
        this.members.map(async (member, i) => {
          try {
            return await member.fn(txs[i]!);
          } catch (error) {
            if (!(error instanceof FusionAborted) && this.#aborted === null) this.#ownFailure ??= { error };
            this.abort(error instanceof FusionAborted ? error.reason : `a member failed: ${String(error).slice(0, 200)}`);
            throw error;
          }
        }),
      );
      for (const tx of txs) tx.close();
      if (this.#aborted !== null || outcomes.some((outcome) => outcome.status === 'rejected')) return null;
      this.#flush();
      // COMMIT goes out behind the last writes; if one failed, PostgreSQL answers it with ROLLBACK, never taken for a commit.
      const committed = link.control('COMMIT');
      committed.catch(() => undefined);
      await Promise.all(this.#sent);
      if (this.#aborted !== null || (await committed).command !== 'COMMIT') return null;
      countCommit();
      return outcomes.map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value);
    } catch {
      return null;
    }
  }

  #track(answer: Promise<unknown>): void {
    answer.catch(() => undefined);
    this.#sent.push(answer);
  }

  /** Ends the group: nothing more is sent, every waiting statement fails, every member will run alone. */
  abort(reason: string): void {
    if (this.#aborted !== null) return;
    this.#aborted = new FusionAborted(reason);
    for (const op of this.#queue.splice(0)) op.reject(this.#aborted);
  }

  get aborted(): FusionAborted | null {
    return this.#aborted;
  }

  enqueue(member: FusedTx, sql: string, params: readonly unknown[], isWrite: boolean, numbered = false): Promise<{ rows: Row[]; rowCount: number | null }> {
    if (this.#aborted !== null) return Promise.reject(this.#aborted);
    return new Promise((resolve, reject) => {
      this.#queue.push({ seq: this.#seq++, member, sql, params, isWrite, numbered, resolve, reject });
      this.#scheduleFlush();
    });
  }

  /**
   * Sends at the end of this turn of the event loop: the members whose
   * answers came back together have by then all queued their next step,
   * and the same INSERT of several members merges.
   */
  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      this.#flush();
    });
  }

  /** Sends everything queued, each member's statements in its own order, the same INSERT of several members as one. */
  flushNow(): void {
    this.#flush();
  }

  #flush(): void {
    if (this.#aborted !== null || this.#queue.length === 0) return;
    const byMember = new Map<FusedTx, Op[]>();
    for (const op of this.#queue.splice(0)) {
      const list = byMember.get(op.member);
      if (list === undefined) byMember.set(op.member, [op]);
      else list.push(op);
    }
    const queues = [...byMember.values()];
    for (;;) {
      let first: Op | undefined;
      for (const ops of queues) if (ops.length > 0 && (first === undefined || ops[0]!.seq < first.seq)) first = ops[0];
      if (first === undefined) return;
      const insert = first.isWrite && !first.numbered ? parseInsert(first.sql) : null;
      if (insert === null) {
        byMember.get(first.member)!.shift();
        this.#send([first], null);
        continue;
      }
      byMember.get(first.member)!.shift();
      const together: Op[] = [first];
      let parameters = first.params.length;
      for (const ops of queues) {
        const head = ops[0];
        if (head === undefined || !head.isWrite || head.sql !== first.sql || parameters + head.params.length > MAX_PARAMETERS) continue;
        together.push(head);
        parameters += head.params.length;
        ops.shift();
      }
      this.#send(together, insert);
    }
  }

  #send(ops: readonly Op[], insert: ParsedInsert | null): void {
    const link = this.#link!;
    const sql = ops.length === 1 || insert === null ? ops[0]!.sql : `${insert.head}${Array(ops.length).fill(insert.tuples).join(', ')}`;
    const params = ops.length === 1 ? ops[0]!.params : ops.flatMap((op) => op.params);
    const answer = link.send(sql, params, ops[0]!.numbered);
    this.#track(answer);
    answer.then(
      (result) => {
        for (const op of ops) op.resolve(result);
      },
      (error: unknown) => {
        this.abort(`a statement failed: ${String(error).slice(0, 200)} in ${sql.slice(0, 80)}`);
        for (const op of ops) op.reject(error);
      },
    );
  }

  /** Records the rows a statement of a member locked (`FOR UPDATE`); a row another member holds ends the group. */
  claim(member: FusedTx, sql: string, rows: readonly Row[]): void {
    if (rows.length === 0 || !FOR_UPDATE.test(sql) || sql.includes(ROWS_CLAIMED_BY_CALLER)) return;
    const table = FROM_TABLE.exec(sql)?.[1]?.toLowerCase() ?? '?';
    // Rows without an id: the lock is claimed for the whole table, which any other member's lock there then meets.
    const ids = rows.map((row) => (typeof row.id === 'string' || typeof row.id === 'number' ? String(row.id) : null));
    this.claimIds(member, table, ids.includes(null) ? [WHOLE_TABLE] : (ids as string[]));
  }

  claimIds(member: FusedTx, table: string, ids: readonly string[]): void {
    let holders = this.#claims.get(table);
    if (holders === undefined) this.#claims.set(table, (holders = new Map()));
    const whole = holders.get(WHOLE_TABLE);
    if (whole !== undefined && whole !== member) return this.abort(`two members locked rows of ${table}`);
    for (const id of ids) {
      if (id === WHOLE_TABLE) {
        for (const holder of holders.values()) if (holder !== member) return this.abort(`two members locked rows of ${table}`);
      }
      const holder = holders.get(id);
      if (holder !== undefined && holder !== member) return this.abort(`two members locked ${table} ${id}`);
      holders.set(id, member);
    }
  }
}

const WHOLE_TABLE = '*';

/**
 * Marks a `FOR UPDATE` statement whose answer is not the rows it locked (the
 * ledger's: accounts read beside those it locks): its caller claims them
 * with `claimLockedRows`, instead of the whole table being claimed.
 */
export const ROWS_CLAIMED_BY_CALLER = '/* rows claimed by the caller */';

/** Claims rows `tx` has locked FOR UPDATE, when it is a member of a fused group (else nothing to do); throws if another member holds one. */
export function claimLockedRows(tx: Tx, table: string, ids: readonly string[]): void {
  if (!(tx instanceof FusedTx) || ids.length === 0) return;
  tx.group.claimIds(tx, table, ids);
  if (tx.group.aborted !== null) throw tx.group.aborted;
}

const FOR_UPDATE = /\bFOR\s+(NO\s+KEY\s+)?UPDATE\b/i;
const FROM_TABLE = /\bFROM\s+([a-z_][a-z0-9_]*)/i;

interface ParsedInsert {
  /** `INSERT INTO t (a, b) VALUES ` */
  readonly head: string;
  /** The statement's own rows: `(?, ?), (?, ?)`. */
  readonly tuples: string;
}

const parsedInserts = new Map<string, ParsedInsert | null>();
/** A plain multi-row INSERT: rows of placeholders and simple literals, nothing after them (no ON CONFLICT, no RETURNING). */
const PLAIN_INSERT = /^(\s*INSERT\s+INTO\s+[a-z_][a-z0-9_]*\s*\([^()]*\)\s*VALUES\s*)(\([^()]*\)(?:\s*,\s*\([^()]*\))*)\s*$/i;

/** The parts of a plain INSERT that several members' rows can share; null for any other statement. */
function parseInsert(sql: string): ParsedInsert | null {
  let parsed = parsedInserts.get(sql);
  if (parsed === undefined) {
    const match = PLAIN_INSERT.exec(sql);
    parsed = match === null || /\b(RETURNING|ON\s+CONFLICT|SELECT)\b/i.test(sql) ? null : { head: match[1]!, tuples: match[2]! };
    if (parsedInserts.size < 2_000) parsedInserts.set(sql, parsed);
  }
  return parsed;
}

/** One member's view of the group: a `Tx` whose statements go through the group. */
class FusedTx implements Tx {
  readonly dialect = 'postgres' as const;
  readonly isTransaction = true as const;
  readonly forUpdate = 'FOR UPDATE';
  readonly forUpdateSkipLocked = 'FOR UPDATE SKIP LOCKED';
  #open = true;
  #writes: Promise<unknown> = Promise.resolve();
  #failure: { readonly error: unknown } | null = null;

  constructor(readonly group: FusedGroup) {}

  close(): void {
    this.#open = false;
  }

  #check(): void {
    if (!this.#open) throw new Error('this transaction has already ended');
    if (this.group.aborted !== null) throw this.group.aborted;
    if (this.#failure !== null) throw this.#failure.error;
  }

  async all<R = Row>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    this.#check();
    const { rows } = await this.group.enqueue(this, sql, params, false);
    this.group.claim(this, sql, rows);
    if (this.group.aborted !== null) throw this.group.aborted;
    return rows as R[];
  }

  async get<R = Row>(sql: string, params: readonly unknown[] = []): Promise<R | undefined> {
    return (await this.all<R>(sql, params))[0];
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    this.#check();
    return (await this.group.enqueue(this, sql, params, false)).rowCount ?? 0;
  }

  async execute<R>(query: Compilable<R>): Promise<R[]> {
    this.#check();
    const compiled = query.compile();
    const { rows } = await this.group.enqueue(this, compiled.sql, compiled.parameters, false, true);
    this.group.claim(this, compiled.sql, rows);
    if (this.group.aborted !== null) throw this.group.aborted;
    return rows as R[];
  }

  async exec(_sql: string): Promise<void> {
    // Statements without parameters (DDL, SAVEPOINT) would act on every member's work: never in a group.
    this.group.abort('a statement run with exec');
    throw this.group.aborted;
  }

  write(sql: string, params: readonly unknown[] = []): void {
    this.#check();
    const answer = this.group.enqueue(this, sql, params, true);
    this.#writes = answer.then(
      () => undefined,
      (error: unknown) => {
        this.#failure ??= { error };
      },
    );
  }

  async settle(): Promise<void> {
    this.group.flushNow();
    await this.#writes;
    if (this.#failure !== null) throw this.#failure.error;
  }
}

