import type { CreateAccountResult, CreateTransferResult } from './codes.ts';

/** Account flags, stored as a bit set. */
export const ACCOUNT_FLAGS = {
  /** The account can never owe: debits (posted + pending) ≤ credits posted. A card balance. */
  debits_must_not_exceed_credits: 1 << 0,
  /** The mirror: credits (posted + pending) ≤ debits posted. */
  credits_must_not_exceed_debits: 1 << 1,
  /** Chains this account with the next one in the batch: all are created or none. */
  linked: 1 << 2,
} as const;
export type AccountFlag = keyof typeof ACCOUNT_FLAGS;

/** Transfer flags, stored as a bit set. */
export const TRANSFER_FLAGS = {
  /** Chains this transfer with the next one in the batch: all succeed or all fail. */
  linked: 1 << 0,
  /** A hold: reserves funds as pending until posted, voided or expired. */
  pending: 1 << 1,
  /** Posts (captures) a pending transfer, fully or partially; the rest is released. */
  post_pending_transfer: 1 << 2,
  /** Voids a pending transfer, releasing all of it. */
  void_pending_transfer: 1 << 3,
  /** Moves at most what the debit account has available (amount is the maximum). */
  balancing_debit: 1 << 4,
  /** Moves at most what the credit account can take (amount is the maximum). */
  balancing_credit: 1 << 5,
} as const;
export type TransferFlag = keyof typeof TRANSFER_FLAGS;

/** Metadata is a flat object of short scalars: enough for references, small enough to journal. */
export type Metadata = Readonly<Record<string, string | number | boolean | null>>;

export interface AccountInput {
  readonly id: string;
  /** The book this account lives in (issuer, acquirer, billing, …); transfers stay within one. */
  readonly ledger: number;
  readonly currency: string;
  /** What kind of account this is, chosen by the owning module (wallet, card, fees, …). */
  readonly code: number;
  readonly flags?: readonly AccountFlag[];
  readonly metadata?: Metadata;
}

export interface Account {
  readonly id: string;
  readonly ledger: number;
  readonly currency: string;
  readonly code: number;
  readonly flags: readonly AccountFlag[];
  readonly metadata: Metadata;
  readonly debits_pending: number;
  readonly debits_posted: number;
  readonly credits_pending: number;
  readonly credits_posted: number;
  readonly created_at_ms: number;
}

export interface TransferInput {
  /** Chosen by the caller and unique forever: retrying with the same id is safe. */
  readonly id: string;
  /** Optional for post/void (taken from the pending transfer); required otherwise. */
  readonly debit_account_id?: string;
  readonly credit_account_id?: string;
  /** Minor units. Optional for post (defaults to the whole pending amount) and void. */
  readonly amount?: number;
  /** The pending transfer a post or void refers to. */
  readonly pending_id?: string;
  /** For pending transfers: after this long the hold no longer holds funds. 0 or absent = never. */
  readonly timeout_ms?: number;
  /** Optional; when given it must match the accounts'. */
  readonly ledger?: number;
  readonly currency?: string;
  /** Why money moved, chosen by the owning module. */
  readonly code: number;
  readonly flags?: readonly TransferFlag[];
  readonly metadata?: Metadata;
}

export type PendingStatus = 'pending' | 'posted' | 'voided' | 'expired';

export interface Transfer {
  readonly id: string;
  readonly debit_account_id: string;
  readonly credit_account_id: string;
  /** The amount that moved (for balancing transfers, after capping). */
  readonly amount: number;
  readonly pending_id: string | null;
  readonly ledger: number;
  readonly currency: string;
  readonly code: number;
  readonly flags: readonly TransferFlag[];
  readonly timeout_ms: number;
  /** Pending transfers with a timeout: when they stop holding funds. */
  readonly expires_at_ms: number | null;
  readonly metadata: Metadata;
  readonly created_at_ms: number;
  /** Pending transfers only: where the hold is now. Null for every other kind. */
  readonly pending_status: PendingStatus | null;
  /** Pending transfers only: when it was posted, voided or expired. */
  readonly resolved_at_ms: number | null;
  /** Pending transfers only: the post or void transfer that resolved it. */
  readonly resolved_by: string | null;
}

export interface AccountOutcome {
  readonly id: string;
  readonly result: CreateAccountResult;
  /** The account, for `ok` and `exists`. */
  readonly account?: Account;
}

export interface TransferOutcome {
  readonly id: string;
  readonly result: CreateTransferResult;
  /** The transfer, for `ok` and `exists`. */
  readonly transfer?: Transfer;
}

export interface Balance {
  readonly account_id: string;
  readonly currency: string;
  readonly debits_posted: number;
  readonly credits_posted: number;
  /** Pending amounts that still hold funds now (expired holds excluded, even before the sweeper ran). */
  readonly debits_pending: number;
  readonly credits_pending: number;
  /** credits_posted − debits_posted − debits_pending: what a debit-limited account can still spend. */
  readonly available: number;
}

export function flagsToBits<F extends string>(flags: readonly F[] | undefined, table: Readonly<Record<F, number>>): number | null {
  let bits = 0;
  for (const flag of flags ?? []) {
    const bit = table[flag];
    if (bit === undefined) return null;
    bits |= bit;
  }
  return bits;
}

export function bitsToFlags<F extends string>(bits: number, table: Readonly<Record<F, number>>): F[] {
  return (Object.keys(table) as F[]).filter((flag) => (bits & table[flag]) !== 0);
}

/** The flags by which an account can refuse a transfer. */
export const LIMIT_FLAGS = ACCOUNT_FLAGS.debits_must_not_exceed_credits | ACCOUNT_FLAGS.credits_must_not_exceed_debits;

/**
 * An open account has no limit: no transfer can be refused for its balance
 * (house accounts: settlement, clearing, funding, merchant balances). Its
 * balance changes are appended as entries instead of updating its row under
 * a lock (see entries.ts), so it is never a queue.
 */
export function isOpenAccount(flags: number): boolean {
  return (flags & LIMIT_FLAGS) === 0;
}
