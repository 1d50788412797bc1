import { isCurrencyCode } from '../platform/money.ts';
import type { CreateAccountResult, CreateTransferResult } from './codes.ts';
import { canonicalMetadata } from './metadata.ts';
import type { AccountRow, TransferRow } from './rows.ts';
import {
  ACCOUNT_FLAGS,
  TRANSFER_FLAGS,
  flagsToBits,
  type AccountInput,
  type TransferInput,
} from './types.ts';
import type { WorkingSet } from './working-set.ts';

/**
 * The ledger's state machine: pure, no I/O, time passed in (TigerBeetle's
 * state_machine.zig). It applies a batch of events to a working set that the
 * store prefetched and locked, and returns one result per event, in order.
 *
 * Linked events (flag `linked` on every member but the last) succeed or fail
 * together: the first failure is reported on that event, the others of its
 * chain get `linked_event_failed`, and the chain's effects are undone.
 */

export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
/** Holds longer than this are a mistake (card authorizations hold 7–31 days). */
export const MAX_TIMEOUT_MS = 400 * 24 * 60 * 60 * 1000;

const MAX = Number.MAX_SAFE_INTEGER;

function overflows(a: number, b: number): boolean {
  return a + b > MAX;
}

interface Linked {
  readonly flags?: readonly string[];
}

type ChainResult = 'ok' | 'linked_event_failed' | 'linked_event_chain_open';

/** Runs `apply` on each event with linked-chain semantics. */
function applyChained<E extends Linked, R extends string>(
  state: WorkingSet,
  events: readonly E[],
  apply: (event: E) => R | ChainResult,
): Array<R | ChainResult> {
  const ok: ChainResult = 'ok';
  const linkedFailed: ChainResult = 'linked_event_failed';
  const chainOpen: ChainResult = 'linked_event_chain_open';
  const results: Array<R | ChainResult> = new Array(events.length);
  let index = 0;
  while (index < events.length) {
    // The chain is [index, end]: it ends at the first event without `linked`.
    let end = index;
    while (end < events.length && isLinked(events[end]!)) end++;
    const chainOpenAtEnd = end === events.length;
    if (chainOpenAtEnd) end = events.length - 1;
    const checkpoint = state.checkpoint();
    let failedAt = -1;
    for (let i = index; i <= end; i++) {
      const result = chainOpenAtEnd && i === end ? chainOpen : apply(events[i]!);
      results[i] = result;
      if (result !== ok) {
        failedAt = i;
        break;
      }
    }
    if (failedAt >= 0 && end > index) {
      state.rollbackTo(checkpoint);
      for (let i = index; i <= end; i++) if (i !== failedAt) results[i] = linkedFailed;
    } else if (failedAt >= 0) {
      state.rollbackTo(checkpoint);
    }
    index = end + 1;
  }
  return results;
}

function isLinked(event: Linked): boolean {
  return event.flags?.includes('linked') ?? false;
}

// ---------------------------------------------------------------- accounts

export function createAccounts(state: WorkingSet, inputs: readonly AccountInput[], nowMs: number): CreateAccountResult[] {
  return applyChained(state, inputs, (input) => createAccount(state, input, nowMs));
}

function createAccount(state: WorkingSet, input: AccountInput, nowMs: number): CreateAccountResult {
  if (typeof input.id !== 'string' || !ID_PATTERN.test(input.id)) return 'id_invalid';
  const bits = flagsToBits(input.flags, ACCOUNT_FLAGS);
  if (bits === null) return 'flags_unknown';
  const limits = ACCOUNT_FLAGS.debits_must_not_exceed_credits | ACCOUNT_FLAGS.credits_must_not_exceed_debits;
  if ((bits & limits) === limits) return 'flags_are_mutually_exclusive';
  if (!Number.isSafeInteger(input.ledger) || input.ledger <= 0) return 'ledger_must_be_positive';
  if (!Number.isSafeInteger(input.code) || input.code <= 0) return 'code_must_be_positive';
  if (!isCurrencyCode(input.currency)) return 'currency_unknown';
  const metadata = canonicalMetadata(input.metadata);
  if (metadata === null) return 'metadata_invalid';
  // `linked` describes the request, not the account: it is not stored.
  const storedFlags = bits & ~ACCOUNT_FLAGS.linked;

  const existing = state.accounts.get(input.id);
  if (existing) {
    if (existing.flags !== storedFlags) return 'exists_with_different_flags';
    if (existing.ledger !== input.ledger) return 'exists_with_different_ledger';
    if (existing.currency !== input.currency) return 'exists_with_different_currency';
    if (existing.code !== input.code) return 'exists_with_different_code';
    if (existing.metadata !== metadata) return 'exists_with_different_metadata';
    return 'exists';
  }
  state.addAccount({
    id: input.id,
    ledger: input.ledger,
    currency: input.currency,
    code: input.code,
    flags: storedFlags,
    metadata,
    debits_pending: 0,
    debits_posted: 0,
    credits_pending: 0,
    credits_posted: 0,
    created_at_ms: nowMs,
    next_expiry_ms: null,
    last_transfer_id: null,
  });
  return 'ok';
}

// ---------------------------------------------------------------- transfers

const TWO_PHASE = TRANSFER_FLAGS.post_pending_transfer | TRANSFER_FLAGS.void_pending_transfer;
const BALANCING = TRANSFER_FLAGS.balancing_debit | TRANSFER_FLAGS.balancing_credit;

export function createTransfers(state: WorkingSet, inputs: readonly TransferInput[], nowMs: number): CreateTransferResult[] {
  return applyChained(state, inputs, (input) => createTransfer(state, input, nowMs));
}

function createTransfer(state: WorkingSet, input: TransferInput, nowMs: number): CreateTransferResult {
  const shape = validateShape(input);
  if (typeof shape === 'string') return shape;
  const { bits, metadata } = shape;

  const existing = state.transfers.get(input.id);
  if (existing) return compareWithExisting(input, bits, metadata, existing);

  if (bits & TWO_PHASE) return resolvePending(state, input, bits, metadata, nowMs);
  return createPlainOrPending(state, input, bits, metadata, nowMs);
}

interface Shape {
  readonly bits: number;
  readonly metadata: string;
}

/** Checks that need nothing but the request itself. */
function validateShape(input: TransferInput): Shape | CreateTransferResult {
  if (typeof input.id !== 'string' || !ID_PATTERN.test(input.id)) return 'id_invalid';
  const bits = flagsToBits(input.flags, TRANSFER_FLAGS);
  if (bits === null) return 'flags_unknown';
  const kinds = bits & (TRANSFER_FLAGS.pending | TWO_PHASE);
  if (kinds & (kinds - 1)) return 'flags_are_mutually_exclusive';
  if (bits & BALANCING && bits & TWO_PHASE) return 'flags_are_mutually_exclusive';

  if (bits & TWO_PHASE) {
    if (!input.pending_id) return 'pending_id_must_not_be_empty';
    if (input.pending_id === input.id) return 'pending_id_must_be_different';
    if (input.timeout_ms) return 'timeout_reserved_for_pending_transfer';
    if (input.debit_account_id !== undefined && !input.debit_account_id) return 'debit_account_id_must_not_be_empty';
    if (input.credit_account_id !== undefined && !input.credit_account_id) return 'credit_account_id_must_not_be_empty';
    if (input.amount !== undefined && !isPositiveAmount(input.amount)) return 'amount_must_be_positive';
  } else {
    if (input.pending_id) return 'pending_id_must_be_empty';
    if (input.timeout_ms && !(bits & TRANSFER_FLAGS.pending)) return 'timeout_reserved_for_pending_transfer';
    if (!input.debit_account_id) return 'debit_account_id_must_not_be_empty';
    if (!input.credit_account_id) return 'credit_account_id_must_not_be_empty';
    if (input.debit_account_id === input.credit_account_id) return 'accounts_must_be_different';
    if (!isPositiveAmount(input.amount)) return 'amount_must_be_positive';
  }
  if (input.timeout_ms !== undefined) {
    if (!Number.isSafeInteger(input.timeout_ms) || input.timeout_ms < 0) return 'timeout_exceeds_maximum';
    if (input.timeout_ms > MAX_TIMEOUT_MS) return 'timeout_exceeds_maximum';
  }
  if (!Number.isSafeInteger(input.code) || input.code <= 0) return 'code_must_be_positive';
  if (input.currency !== undefined && !isCurrencyCode(input.currency)) return 'currency_unknown';
  const metadata = canonicalMetadata(input.metadata);
  if (metadata === null) return 'metadata_invalid';
  // `linked` describes the request, not the transfer: it is not stored.
  return { bits: bits & ~TRANSFER_FLAGS.linked, metadata };
}

function isPositiveAmount(amount: unknown): amount is number {
  return typeof amount === 'number' && Number.isSafeInteger(amount) && amount > 0;
}

/** The same id again: `exists` only if every field the caller gave is the same. */
function compareWithExisting(input: TransferInput, bits: number, metadata: string, existing: TransferRow): CreateTransferResult {
  if (existing.flags !== bits) return 'exists_with_different_flags';
  if ((input.pending_id ?? null) !== existing.pending_id) return 'exists_with_different_pending_id';
  if ((input.timeout_ms ?? 0) !== existing.timeout_ms) return 'exists_with_different_timeout';
  const twoPhase = (bits & TWO_PHASE) !== 0;
  if ((!twoPhase || input.debit_account_id !== undefined) && input.debit_account_id !== existing.debit_account_id) {
    return 'exists_with_different_debit_account_id';
  }
  if ((!twoPhase || input.credit_account_id !== undefined) && input.credit_account_id !== existing.credit_account_id) {
    return 'exists_with_different_credit_account_id';
  }
  if ((input.amount ?? null) !== existing.requested_amount) return 'exists_with_different_amount';
  if (input.ledger !== undefined && input.ledger !== existing.ledger) return 'exists_with_different_ledger';
  if (input.currency !== undefined && input.currency !== existing.currency) return 'exists_with_different_currency';
  if (input.code !== existing.code) return 'exists_with_different_code';
  if (metadata !== existing.metadata) return 'exists_with_different_metadata';
  return 'exists';
}

function createPlainOrPending(
  state: WorkingSet,
  input: TransferInput,
  bits: number,
  metadata: string,
  nowMs: number,
): CreateTransferResult {
  const debit = state.accounts.get(input.debit_account_id!);
  if (!debit) return 'debit_account_not_found';
  const credit = state.accounts.get(input.credit_account_id!);
  if (!credit) return 'credit_account_not_found';
  if (debit.ledger !== credit.ledger) return 'accounts_must_have_the_same_ledger';
  if (debit.currency !== credit.currency) return 'accounts_must_have_the_same_currency';
  if (input.ledger !== undefined && input.ledger !== debit.ledger) return 'transfer_must_have_the_same_ledger_as_accounts';
  if (input.currency !== undefined && input.currency !== debit.currency) return 'transfer_must_have_the_same_currency_as_accounts';

  const requested = input.amount!;
  const amount = bits & BALANCING ? balancedAmount(state, debit, credit, bits, requested) : requested;
  const pending = (bits & TRANSFER_FLAGS.pending) !== 0;

  if (pending) {
    if (overflows(debit.debits_pending, amount)) return 'overflows_debits_pending';
    if (overflows(credit.credits_pending, amount)) return 'overflows_credits_pending';
  } else {
    if (overflows(debit.debits_posted, amount)) return 'overflows_debits_posted';
    if (overflows(credit.credits_posted, amount)) return 'overflows_credits_posted';
  }
  if (overflows(debit.debits_pending + debit.debits_posted, amount)) return 'overflows_debits';
  if (overflows(credit.credits_pending + credit.credits_posted, amount)) return 'overflows_credits';
  if (exceedsCredits(state, debit, amount)) return 'exceeds_credits';
  if (exceedsDebits(state, credit, amount)) return 'exceeds_debits';

  const timeoutMs = input.timeout_ms ?? 0;
  const expiresAtMs = pending && timeoutMs > 0 ? nowMs + timeoutMs : null;
  state.addTransfer({
    id: input.id,
    debit_account_id: debit.id,
    credit_account_id: credit.id,
    amount,
    requested_amount: requested,
    pending_id: null,
    ledger: debit.ledger,
    currency: debit.currency,
    code: input.code,
    flags: bits,
    timeout_ms: timeoutMs,
    expires_at_ms: expiresAtMs,
    metadata,
    created_at_ms: nowMs,
    pending_status: pending ? 'pending' : null,
    resolved_at_ms: null,
    resolved_by: null,
    debit_prev_id: null,
    credit_prev_id: null,
  });
  if (pending) {
    state.changeBalances(debit, { dp: amount });
    state.changeBalances(credit, { cp: amount });
    if (expiresAtMs !== null) {
      state.lowerNextExpiry(debit, expiresAtMs);
      state.lowerNextExpiry(credit, expiresAtMs);
    }
  } else {
    state.changeBalances(debit, { dpo: amount });
    state.changeBalances(credit, { cpo: amount });
  }
  return 'ok';
}

/** Pending debits that still hold funds now: expired holds no longer count, swept or not. */
function liveDebitsPending(state: WorkingSet, account: AccountRow): number {
  return account.debits_pending - state.dueFor(account.id).debits_pending;
}

function liveCreditsPending(state: WorkingSet, account: AccountRow): number {
  return account.credits_pending - state.dueFor(account.id).credits_pending;
}

function exceedsCredits(state: WorkingSet, debit: AccountRow, amount: number): boolean {
  if (!(debit.flags & ACCOUNT_FLAGS.debits_must_not_exceed_credits)) return false;
  return liveDebitsPending(state, debit) + debit.debits_posted + amount > debit.credits_posted;
}

function exceedsDebits(state: WorkingSet, credit: AccountRow, amount: number): boolean {
  if (!(credit.flags & ACCOUNT_FLAGS.credits_must_not_exceed_debits)) return false;
  return liveCreditsPending(state, credit) + credit.credits_posted + amount > credit.debits_posted;
}

/** A balancing transfer moves at most what the limited side can afford, possibly 0. */
function balancedAmount(state: WorkingSet, debit: AccountRow, credit: AccountRow, bits: number, requested: number): number {
  let amount = requested;
  if (bits & TRANSFER_FLAGS.balancing_debit) {
    const available = debit.credits_posted - debit.debits_posted - liveDebitsPending(state, debit);
    amount = Math.min(amount, Math.max(0, available));
  }
  if (bits & TRANSFER_FLAGS.balancing_credit) {
    const room = credit.debits_posted - credit.credits_posted - liveCreditsPending(state, credit);
    amount = Math.min(amount, Math.max(0, room));
  }
  return amount;
}

function resolvePending(
  state: WorkingSet,
  input: TransferInput,
  bits: number,
  metadata: string,
  nowMs: number,
): CreateTransferResult {
  const pending = state.transfers.get(input.pending_id!);
  if (!pending) return 'pending_transfer_not_found';
  if (pending.pending_status === null) return 'pending_transfer_not_pending';
  if (input.debit_account_id !== undefined && input.debit_account_id !== pending.debit_account_id) {
    return 'pending_transfer_has_different_debit_account_id';
  }
  if (input.credit_account_id !== undefined && input.credit_account_id !== pending.credit_account_id) {
    return 'pending_transfer_has_different_credit_account_id';
  }
  if (input.ledger !== undefined && input.ledger !== pending.ledger) return 'pending_transfer_has_different_ledger';
  if (input.currency !== undefined && input.currency !== pending.currency) return 'pending_transfer_has_different_currency';
  if (input.code !== pending.code) return 'pending_transfer_has_different_code';

  const posting = (bits & TRANSFER_FLAGS.post_pending_transfer) !== 0;
  const amount = input.amount ?? pending.amount;
  if (posting && amount > pending.amount) return 'exceeds_pending_transfer_amount';
  if (!posting && amount !== pending.amount) return 'pending_transfer_has_different_amount';

  if (pending.pending_status === 'posted') return 'pending_transfer_already_posted';
  if (pending.pending_status === 'voided') return 'pending_transfer_already_voided';
  if (pending.pending_status === 'expired') return 'pending_transfer_expired';
  if (pending.expires_at_ms !== null && pending.expires_at_ms <= nowMs) return 'pending_transfer_expired';

  const debit = state.accounts.get(pending.debit_account_id);
  const credit = state.accounts.get(pending.credit_account_id);
  // The store loads and locks both accounts of every referenced pending transfer.
  if (!debit || !credit) throw new Error(`ledger: accounts of pending transfer ${pending.id} were not loaded`);
  if (posting && overflows(debit.debits_posted, amount)) return 'overflows_debits_posted';
  if (posting && overflows(credit.credits_posted, amount)) return 'overflows_credits_posted';

  state.addTransfer({
    id: input.id,
    debit_account_id: pending.debit_account_id,
    credit_account_id: pending.credit_account_id,
    amount,
    requested_amount: input.amount ?? null,
    pending_id: pending.id,
    ledger: pending.ledger,
    currency: pending.currency,
    code: input.code,
    flags: bits,
    timeout_ms: 0,
    expires_at_ms: null,
    metadata,
    created_at_ms: nowMs,
    pending_status: null,
    resolved_at_ms: null,
    resolved_by: null,
    debit_prev_id: null,
    credit_prev_id: null,
  });
  // The whole hold is released; a partial post moves only `amount` to posted.
  state.changeBalances(debit, { dp: -pending.amount, dpo: posting ? amount : 0 });
  state.changeBalances(credit, { cp: -pending.amount, cpo: posting ? amount : 0 });
  state.resolvePending(pending, { status: posting ? 'posted' : 'voided', resolved_at_ms: nowMs, resolved_by: input.id });
  return 'ok';
}
