import { placeholders, type Sql } from '../platform/db/database.ts';
import type { AccountRow, TransferRow } from './rows.ts';
import { ACCOUNT_COLUMNS, chunks, selectAccounts, selectTransfers, TRANSFER_COLUMNS } from './store.ts';
import {
  ACCOUNT_FLAGS,
  TRANSFER_FLAGS,
  bitsToFlags,
  type Account,
  type Balance,
  type Metadata,
  type Transfer,
} from './types.ts';

export function toAccount(row: AccountRow): Account {
  return {
    id: row.id,
    ledger: row.ledger,
    currency: row.currency,
    code: row.code,
    flags: bitsToFlags(row.flags, ACCOUNT_FLAGS),
    metadata: JSON.parse(row.metadata) as Metadata,
    debits_pending: row.debits_pending,
    debits_posted: row.debits_posted,
    credits_pending: row.credits_pending,
    credits_posted: row.credits_posted,
    created_at_ms: row.created_at_ms,
  };
}

export function toTransfer(row: TransferRow): Transfer {
  return {
    id: row.id,
    debit_account_id: row.debit_account_id,
    credit_account_id: row.credit_account_id,
    amount: row.amount,
    pending_id: row.pending_id,
    ledger: row.ledger,
    currency: row.currency,
    code: row.code,
    flags: bitsToFlags(row.flags, TRANSFER_FLAGS),
    timeout_ms: row.timeout_ms,
    expires_at_ms: row.expires_at_ms,
    metadata: JSON.parse(row.metadata) as Metadata,
    created_at_ms: row.created_at_ms,
    pending_status: row.pending_status,
    resolved_at_ms: row.resolved_at_ms,
    resolved_by: row.resolved_by,
  };
}

/** The accounts found, in the order asked for; unknown ids are left out. */
export async function lookupAccounts(sql: Sql, ids: readonly string[]): Promise<Account[]> {
  return inOrder(ids, await selectAccounts(sql, ids, false)).map(toAccount);
}

/** The transfers found, in the order asked for; unknown ids are left out. */
export async function lookupTransfers(sql: Sql, ids: readonly string[]): Promise<Transfer[]> {
  return inOrder(ids, await selectTransfers(sql, ids)).map(toTransfer);
}

function inOrder<R extends { id: string }>(ids: readonly string[], rows: readonly R[]): R[] {
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.flatMap((id) => {
    const row = byId.get(id);
    return row ? [row] : [];
  });
}

/**
 * Balances as they stand at `nowMs`. A hold past its timeout no longer holds
 * funds even if the sweeper has not finalized it yet, so such holds are
 * subtracted here rather than trusted from the stored pending columns.
 */
export async function getBalances(sql: Sql, ids: readonly string[], nowMs: number): Promise<Balance[]> {
  const accounts = inOrder(ids, await selectAccounts(sql, ids, false));
  const due = new Map<string, { dp: number; cp: number }>();
  const withDue = accounts.filter((a) => a.next_expiry_ms !== null && a.next_expiry_ms <= nowMs).map((a) => a.id);
  for (const chunk of chunks(withDue, 500)) {
    const list = placeholders(chunk.length);
    const rows = await sql.all<{ account_id: string; side: string; due: number }>(
      `SELECT debit_account_id AS account_id, 'debit' AS side, CAST(SUM(amount) AS BIGINT) AS due FROM ledger_transfers
        WHERE pending_status = 'pending' AND expires_at_ms <= ? AND debit_account_id IN ${list} GROUP BY debit_account_id
       UNION ALL
       SELECT credit_account_id AS account_id, 'credit' AS side, CAST(SUM(amount) AS BIGINT) AS due FROM ledger_transfers
        WHERE pending_status = 'pending' AND expires_at_ms <= ? AND credit_account_id IN ${list} GROUP BY credit_account_id`,
      [nowMs, ...chunk, nowMs, ...chunk],
    );
    for (const row of rows) {
      const entry = due.get(row.account_id) ?? { dp: 0, cp: 0 };
      if (row.side === 'debit') entry.dp += row.due;
      else entry.cp += row.due;
      due.set(row.account_id, entry);
    }
  }
  return accounts.map((a) => {
    const d = due.get(a.id) ?? { dp: 0, cp: 0 };
    return balance(a.id, a.currency, a.debits_posted, a.credits_posted, a.debits_pending - d.dp, a.credits_pending - d.cp);
  });
}

function balance(
  account_id: string,
  currency: string,
  debits_posted: number,
  credits_posted: number,
  debits_pending: number,
  credits_pending: number,
): Balance {
  return {
    account_id,
    currency,
    debits_posted,
    credits_posted,
    debits_pending,
    credits_pending,
    available: credits_posted - debits_posted - debits_pending,
  };
}

/**
 * The balance as it stood at `atMs`, rebuilt from the transfers: posted is
 * everything posted by then; pending is every hold made by then that was not
 * yet posted, voided or expired at that moment.
 */
export async function getBalanceAt(sql: Sql, accountId: string, atMs: number): Promise<Balance | null> {
  const account = await sql.get<{ currency: string }>('SELECT currency FROM ledger_accounts WHERE id = ?', [accountId]);
  if (!account) return null;
  const pendingBit = TRANSFER_FLAGS.pending;
  const voidBit = TRANSFER_FLAGS.void_pending_transfer;
  const sums = async (column: 'debit_account_id' | 'credit_account_id') =>
    sql.get<{ posted: number | null; pending: number | null }>(
      `SELECT
         CAST(SUM(CASE WHEN (flags & ?) = 0 AND (flags & ?) = 0 THEN amount ELSE 0 END) AS BIGINT) AS posted,
         CAST(SUM(CASE WHEN (flags & ?) <> 0
                        AND (resolved_at_ms IS NULL OR resolved_at_ms > ?)
                        AND (expires_at_ms IS NULL OR expires_at_ms > ?) THEN amount ELSE 0 END) AS BIGINT) AS pending
       FROM ledger_transfers WHERE ${column} = ? AND created_at_ms <= ?`,
      [pendingBit, voidBit, pendingBit, atMs, atMs, accountId, atMs],
    );
  const debits = await sums('debit_account_id');
  const credits = await sums('credit_account_id');
  return balance(
    accountId,
    account.currency,
    debits?.posted ?? 0,
    credits?.posted ?? 0,
    debits?.pending ?? 0,
    credits?.pending ?? 0,
  );
}

export interface TransferPage {
  readonly data: Transfer[];
  readonly has_more: boolean;
  /** Pass as `after` to get the next (older) page. */
  readonly next_cursor: string | null;
}

export const MAX_PAGE_SIZE = 100;

/** An account's transfers, newest first, by an opaque cursor (its position in the ledger). */
export async function listAccountTransfers(
  sql: Sql,
  accountId: string,
  options: { limit?: number; after?: string | null } = {},
): Promise<TransferPage> {
  const limit = Math.min(Math.max(Math.trunc(options.limit ?? 10), 1), MAX_PAGE_SIZE);
  const afterSeq = options.after ? decodeCursor(options.after) : Number.MAX_SAFE_INTEGER;
  const rows = await sql.all<TransferRow & { seq: number }>(
    `SELECT seq, ${TRANSFER_COLUMNS} FROM (
       SELECT seq, ${TRANSFER_COLUMNS} FROM ledger_transfers WHERE debit_account_id = ? AND seq < ?
       UNION ALL
       SELECT seq, ${TRANSFER_COLUMNS} FROM ledger_transfers WHERE credit_account_id = ? AND seq < ?
     ) AS t ORDER BY seq DESC LIMIT ?`,
    [accountId, afterSeq, accountId, afterSeq, limit + 1],
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    data: page.map(toTransfer),
    has_more: rows.length > limit,
    next_cursor: rows.length > limit && last ? encodeCursor(last.seq) : null,
  };
}

export class InvalidCursor extends Error {
  readonly code = 'cursor_invalid';
}

function encodeCursor(seq: number): string {
  return Buffer.from(`t:${seq}`).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const match = /^t:(\d{1,16})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw new InvalidCursor(`not a transfer cursor: ${cursor}`);
  return Number(match[1]);
}

export { ACCOUNT_COLUMNS };
