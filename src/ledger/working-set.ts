import type { AccountRow, DueExpiries, TransferRow } from './rows.ts';

export interface PendingResolution {
  readonly status: 'posted' | 'voided';
  readonly resolved_at_ms: number;
  readonly resolved_by: string;
}

/**
 * Everything one ledger write reads and changes, in memory, with an undo log
 * so that a failing member of a linked chain rolls its chain back. The store
 * fills it (with the rows locked), the pure core mutates it, the store writes
 * the result back in the same transaction.
 */
export class WorkingSet {
  readonly accounts = new Map<string, AccountRow>();
  readonly dueExpiries = new Map<string, DueExpiries>();
  readonly transfers = new Map<string, TransferRow>();
  readonly newTransfers: TransferRow[] = [];
  readonly newAccounts: AccountRow[] = [];
  readonly resolutions = new Map<string, PendingResolution>();
  /** Accounts whose balances changed, with the change (applied as deltas by the store). */
  readonly balanceDeltas = new Map<string, { dp: number; dpo: number; cp: number; cpo: number }>();
  readonly #undo: Array<() => void> = [];

  dueFor(accountId: string): DueExpiries {
    return this.dueExpiries.get(accountId) ?? { debits_pending: 0, credits_pending: 0 };
  }

  /** Marks the start of a linked chain (or of a single event). */
  checkpoint(): number {
    return this.#undo.length;
  }

  rollbackTo(checkpoint: number): void {
    while (this.#undo.length > checkpoint) this.#undo.pop()!();
  }

  addTransfer(row: TransferRow): void {
    this.transfers.set(row.id, row);
    this.newTransfers.push(row);
    this.#undo.push(() => {
      this.transfers.delete(row.id);
      this.newTransfers.pop();
    });
  }

  addAccount(row: AccountRow): void {
    this.accounts.set(row.id, row);
    this.newAccounts.push(row);
    this.#undo.push(() => {
      this.accounts.delete(row.id);
      this.newAccounts.pop();
    });
  }

  resolvePending(pending: TransferRow, resolution: PendingResolution): void {
    const before = { status: pending.pending_status, at: pending.resolved_at_ms, by: pending.resolved_by };
    pending.pending_status = resolution.status;
    pending.resolved_at_ms = resolution.resolved_at_ms;
    pending.resolved_by = resolution.resolved_by;
    this.resolutions.set(pending.id, resolution);
    this.#undo.push(() => {
      pending.pending_status = before.status;
      pending.resolved_at_ms = before.at;
      pending.resolved_by = before.by;
      this.resolutions.delete(pending.id);
    });
  }

  /** Changes balances by deltas (which may be negative), recording them for the store and for undo. */
  changeBalances(account: AccountRow, change: { dp?: number; dpo?: number; cp?: number; cpo?: number }): void {
    const dp = change.dp ?? 0;
    const dpo = change.dpo ?? 0;
    const cp = change.cp ?? 0;
    const cpo = change.cpo ?? 0;
    account.debits_pending += dp;
    account.debits_posted += dpo;
    account.credits_pending += cp;
    account.credits_posted += cpo;
    const delta = this.balanceDeltas.get(account.id) ?? { dp: 0, dpo: 0, cp: 0, cpo: 0 };
    const previous = { ...delta };
    delta.dp += dp;
    delta.dpo += dpo;
    delta.cp += cp;
    delta.cpo += cpo;
    this.balanceDeltas.set(account.id, delta);
    this.#undo.push(() => {
      account.debits_pending -= dp;
      account.debits_posted -= dpo;
      account.credits_pending -= cp;
      account.credits_posted -= cpo;
      this.balanceDeltas.set(account.id, previous);
    });
  }

  lowerNextExpiry(account: AccountRow, expiresAtMs: number): void {
    const before = account.next_expiry_ms;
    if (before !== null && before <= expiresAtMs) return;
    account.next_expiry_ms = expiresAtMs;
    this.#undo.push(() => {
      account.next_expiry_ms = before;
    });
  }
}
