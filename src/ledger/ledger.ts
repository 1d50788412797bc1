import type { Clock } from '../platform/clock.ts';
import { inTransaction, isTx, type Database, type Sql, type Tx } from '../platform/db/database.ts';
import * as core from './core.ts';
import { rollUpEntries } from './entries.ts';
import { expireDueTransfers } from './expiry.ts';
import { GroupCommit } from '../platform/db/group-commit.ts';
import { sealJournal } from './journal.ts';
import * as reads from './reads.ts';
import { loadForAccounts, loadForTransfers, persist } from './store.ts';
import type { AccountInput, AccountOutcome, Balance, TransferInput, TransferOutcome } from './types.ts';

/** A batch is bounded so one request cannot hold every lock for long. */
export const MAX_BATCH_SIZE = 1_000;
const POSTGRES_COMMITS_IN_FLIGHT = 2;

export class BatchTooLarge extends Error {
  readonly code = 'batch_too_large';
  constructor(size: number) {
    super(`a ledger batch holds at most ${MAX_BATCH_SIZE} events, got ${size}`);
  }
}

/**
 * The ledger's public face. Writes join the caller's transaction when given
 * one (so a module books money in the same transaction as its own records)
 * or run in a transaction of their own when given the database.
 */
export class Ledger {
  /** The commits shared by concurrent writers; one ledger books for one database (the composition root builds one of each). */
  #groupCommit: { readonly db: Database; readonly group: GroupCommit<readonly TransferInput[], TransferOutcome[]> } | null = null;

  constructor(readonly clock: Clock) {}

  async createAccounts(sql: Sql, inputs: readonly AccountInput[]): Promise<AccountOutcome[]> {
    checkBatch(inputs);
    if (inputs.length === 0) return [];
    return inTransaction(sql, async (tx) => {
      const nowMs = this.clock.nowMs();
      const loaded = await loadForAccounts(tx, inputs);
      const results = core.createAccounts(loaded.state, inputs, nowMs);
      await persist(tx, loaded, 'accounts', nowMs);
      return results.map((result, i) => {
        const id = inputs[i]!.id;
        const row = result === 'ok' || result === 'exists' ? loaded.state.accounts.get(id) : undefined;
        return row ? { id, result, account: reads.toAccount(row) } : { id, result };
      });
    });
  }

  /**
   * Creates transfers: one outcome per input, in order. Inside a caller's
   * transaction they are booked there; on the database, concurrent calls
   * share commits (see group-commit.ts).
   */
  async createTransfers(sql: Sql, inputs: readonly TransferInput[]): Promise<TransferOutcome[]> {
    checkBatch(inputs);
    if (inputs.length === 0) return [];
    if (isTx(sql)) return (await this.#applyTransferRequests(sql, [inputs]))[0]!;
    return this.#groupCommitFor(sql as Database).submit(inputs);
  }

  #groupCommitFor(db: Database): GroupCommit<readonly TransferInput[], TransferOutcome[]> {
    if (this.#groupCommit !== null) {
      if (this.#groupCommit.db !== db) throw new Error('a Ledger group-commits for one database: build one Ledger per database');
      return this.#groupCommit.group;
    }
    const group = new GroupCommit<readonly TransferInput[], TransferOutcome[]>(db, (tx, requests) => this.#applyTransferRequests(tx, requests), {
      // SQLite runs one write transaction at a time anyway; PostgreSQL gains
      // from a few in flight, as long as they rarely lock the same accounts.
      maxInFlight: db.dialect === 'sqlite' ? 1 : POSTGRES_COMMITS_IN_FLIGHT,
      maxEventsPerCommit: MAX_BATCH_SIZE,
      sizeOf: (inputs) => inputs.length,
    });
    this.#groupCommit = { db, group };
    return group;
  }

  /** Several requests in one transaction: each keeps its own outcomes and linked chains. */
  async #applyTransferRequests(tx: Tx, requests: ReadonlyArray<readonly TransferInput[]>): Promise<TransferOutcome[][]> {
    const nowMs = this.clock.nowMs();
    const loaded = await loadForTransfers(tx, requests.length === 1 ? requests[0]! : requests.flat(), nowMs);
    const outcomes = requests.map((inputs) => {
      const results = core.createTransfers(loaded.state, inputs, nowMs);
      return results.map((result, i): TransferOutcome => {
        const id = inputs[i]!.id;
        const row = result === 'ok' || result === 'exists' ? loaded.state.transfers.get(id) : undefined;
        return row ? { id, result, transfer: reads.toTransfer(row) } : { id, result };
      });
    });
    await persist(tx, loaded, 'transfers', nowMs);
    return outcomes;
  }

  /** One transfer; the outcome is a value (check `result`), never an exception. */
  async createTransfer(sql: Sql, input: TransferInput): Promise<TransferOutcome> {
    return (await this.createTransfers(sql, [input]))[0]!;
  }

  lookupAccounts(sql: Sql, ids: readonly string[]) {
    return reads.lookupAccounts(sql, ids);
  }

  lookupTransfers(sql: Sql, ids: readonly string[]) {
    return reads.lookupTransfers(sql, ids);
  }

  getBalances(sql: Sql, ids: readonly string[]): Promise<Balance[]> {
    return reads.getBalances(sql, ids, this.clock.nowMs());
  }

  async getBalance(sql: Sql, id: string): Promise<Balance | null> {
    return (await this.getBalances(sql, [id]))[0] ?? null;
  }

  getBalanceAt(sql: Sql, id: string, atMs: number): Promise<Balance | null> {
    return reads.getBalanceAt(sql, id, atMs);
  }

  listAccountTransfers(sql: Sql, id: string, options: { limit?: number; after?: string | null } = {}) {
    return reads.listAccountTransfers(sql, id, options);
  }

  /** Finalizes holds past their timeout. Run periodically (see background-tasks). */
  expireDue(db: Database): Promise<number> {
    return expireDueTransfers(db, this.clock.nowMs());
  }

  /** Applies open accounts' committed entries to their rows (entries.ts). Run often; balances read are exact either way. */
  rollUpEntries(db: Database): Promise<number> {
    return rollUpEntries(db);
  }

  /** Hash-chains journal entries of finished transactions. Run periodically. */
  sealJournal(db: Database): Promise<number> {
    return sealJournal(db);
  }
}

function checkBatch(inputs: readonly unknown[]): void {
  if (!Array.isArray(inputs)) throw new TypeError('a ledger batch is an array');
  if (inputs.length > MAX_BATCH_SIZE) throw new BatchTooLarge(inputs.length);
}
