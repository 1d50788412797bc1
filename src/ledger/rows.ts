/**
 * The ledger's rows as the store reads and writes them. Flags are bit sets and
 * metadata is canonical JSON text, so that "same request?" comparisons are exact.
 */
export interface AccountRow {
  readonly id: string;
  readonly ledger: number;
  readonly currency: string;
  readonly code: number;
  readonly flags: number;
  readonly metadata: string;
  debits_pending: number;
  debits_posted: number;
  credits_pending: number;
  credits_posted: number;
  readonly created_at_ms: number;
  /** A lower bound on the earliest expiry among this account's open holds; null when it has none. */
  next_expiry_ms: number | null;
  /** The newest transfer on this account, debit or credit: the head of its history (see TransferRow). */
  last_transfer_id: string | null;
}

export interface TransferRow {
  readonly id: string;
  readonly debit_account_id: string;
  readonly credit_account_id: string;
  readonly amount: number;
  /** The amount as requested: the cap of a balancing transfer, null for a post/void without one. */
  readonly requested_amount: number | null;
  readonly pending_id: string | null;
  readonly ledger: number;
  readonly currency: string;
  readonly code: number;
  readonly flags: number;
  readonly timeout_ms: number;
  readonly expires_at_ms: number | null;
  readonly metadata: string;
  readonly created_at_ms: number;
  pending_status: 'pending' | 'posted' | 'voided' | 'expired' | null;
  resolved_at_ms: number | null;
  resolved_by: string | null;
  /**
   * Each account's history is a chain through its transfers, newest first:
   * these name the transfer before this one on the debit account and on the
   * credit account (null for an account's first). The store sets them when
   * it writes the transfer, from the accounts it holds locked; they live in
   * rows a write touches anyway, where two per-account indexes would dirty
   * two more random pages per transfer.
   */
  debit_prev_id: string | null;
  credit_prev_id: string | null;
}

/** Holds that have passed their timeout but that the sweeper has not finalized yet. */
export interface DueExpiries {
  debits_pending: number;
  credits_pending: number;
}
