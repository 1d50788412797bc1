import { placeholders, type Sql } from '../platform/db/database.ts';
import type { AccountRow, TransferRow } from './rows.ts';
import { ACCOUNT_COLUMNS, chunks, selectAccountBalances, selectTransfers, TRANSFER_COLUMNS } from './store.ts';
import {
  ACCOUNT_FLAGS,
  isOpenAccount,
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
  return inOrder(ids, await selectAccountBalances(sql, ids)).map(toAccount);
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
  const accounts = inOrder(ids, await selectAccountBalances(sql, ids));
  const due = new Map<string, { dp: number; cp: number }>();
  // An open account keeps no expiry bound (entries.ts): ask for its due holds every time (an index range, as small as the sweeper keeps it).
  const withDue = accounts.filter((a) => isOpenAccount(a.flags) || (a.next_expiry_ms !== null && a.next_expiry_ms <= nowMs)).map((a) => a.id);
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
 * An account's history from one of its transfers back, newest first: each
 * step follows the transfer's prev id on this account's side (rows.ts),
 * only through transfers of this account. Parameters: the transfer to start
 * from, the account three times, then — when `stepsAtMost` — how many steps.
 * A walk without a bound is a `UNION` of ids, so that even a chain someone
 * corrupted into a loop ends (the audit reports it); a bounded walk numbers
 * its steps, for their order.
 */
function historyWalk(stepsAtMost: boolean): string {
  const next = 'CASE WHEN t.debit_account_id = ? THEN t.debit_prev_id ELSE t.credit_prev_id END';
  const onAccount = 't.debit_account_id = ? OR t.credit_account_id = ?';
  if (!stepsAtMost) {
    return `WITH RECURSIVE history(id) AS (
       SELECT CAST(? AS TEXT)
       UNION
       SELECT ${next} FROM history JOIN ledger_transfers t ON t.id = history.id WHERE ${onAccount}
     )`;
  }
  return `WITH RECURSIVE history(id, step) AS (
       SELECT CAST(? AS TEXT), 1
       UNION ALL
       SELECT ${next}, history.step + 1 FROM history JOIN ledger_transfers t ON t.id = history.id
        WHERE (${onAccount}) AND history.step < CAST(? AS INTEGER)
     )`;
}

/**
 * The balance as it stood at `atMs`, rebuilt from the account's transfers:
 * posted is everything posted by then; pending is every hold made by then
 * that was not yet posted, voided or expired at that moment.
 */
export async function getBalanceAt(sql: Sql, accountId: string, atMs: number): Promise<Balance | null> {
  const account = await sql.get<{ currency: string; flags: number; last_transfer_id: string | null }>('SELECT currency, flags, last_transfer_id FROM ledger_accounts WHERE id = ?', [accountId]);
  if (!account) return null;
  const open = isOpenAccount(account.flags);
  const pendingBit = TRANSFER_FLAGS.pending;
  const voidBit = TRANSFER_FLAGS.void_pending_transfer;
  const posted = `(t.flags & ${pendingBit}) = 0 AND (t.flags & ${voidBit}) = 0`;
  const held = `(t.flags & ${pendingBit}) <> 0 AND (t.resolved_at_ms IS NULL OR t.resolved_at_ms > ?) AND (t.expires_at_ms IS NULL OR t.expires_at_ms > ?)`;
  // The account's four sums over its history (a CTE named history, whichever way it was found), as of atMs.
  const sumsOfHistory = `SELECT CAST(SUM(CASE WHEN t.debit_account_id = ? AND ${posted} THEN t.amount ELSE 0 END) AS BIGINT) AS dpo,
           CAST(SUM(CASE WHEN t.credit_account_id = ? AND ${posted} THEN t.amount ELSE 0 END) AS BIGINT) AS cpo,
           CAST(SUM(CASE WHEN t.debit_account_id = ? AND ${held} THEN t.amount ELSE 0 END) AS BIGINT) AS dp,
           CAST(SUM(CASE WHEN t.credit_account_id = ? AND ${held} THEN t.amount ELSE 0 END) AS BIGINT) AS cp
      FROM history JOIN ledger_transfers t ON t.id = history.id
     WHERE t.created_at_ms <= ?`;
  const sums = open
    ? await sql.get<{ dpo: number | null; cpo: number | null; dp: number | null; cp: number | null }>(
        `WITH history(id) AS (SELECT transfer_id FROM ledger_account_entries WHERE account_id = ? AND kind = 0)
         ${sumsOfHistory}`,
        [accountId, accountId, accountId, accountId, atMs, atMs, accountId, atMs, atMs, atMs],
      )
    : account.last_transfer_id === null
      ? undefined
      : await sql.get<{ dpo: number | null; cpo: number | null; dp: number | null; cp: number | null }>(
          `${historyWalk(false)}
           ${sumsOfHistory}`,
          [account.last_transfer_id, accountId, accountId, accountId, accountId, accountId, accountId, atMs, atMs, accountId, atMs, atMs, atMs],
        );
  return balance(accountId, account.currency, Number(sums?.dpo ?? 0), Number(sums?.cpo ?? 0), Number(sums?.dp ?? 0), Number(sums?.cp ?? 0));
}

export interface TransferPage {
  readonly data: Transfer[];
  readonly has_more: boolean;
  /** Pass as `after` to get the next (older) page. */
  readonly next_cursor: string | null;
}

export const MAX_PAGE_SIZE = 100;

/** An account's transfers, newest first, by an opaque cursor (a transfer on the account: the page starts after it). */
export async function listAccountTransfers(
  sql: Sql,
  accountId: string,
  options: { limit?: number; after?: string | null } = {},
): Promise<TransferPage> {
  const limit = Math.min(Math.max(Math.trunc(options.limit ?? 10), 1), MAX_PAGE_SIZE);
  const account = await sql.get<{ flags: number; last_transfer_id: string | null }>('SELECT flags, last_transfer_id FROM ledger_accounts WHERE id = ?', [accountId]);
  if (account === undefined) return { data: [], has_more: false, next_cursor: null };
  if (isOpenAccount(account.flags)) return listOpenAccountTransfers(sql, accountId, limit, options.after ?? null);
  let from: string | null;
  let skip = 0;
  if (options.after) {
    // The page starts after the cursor's transfer, which must be on this account.
    from = decodeCursor(options.after);
    skip = 1;
  } else {
    from = account.last_transfer_id;
  }
  if (from === null) return { data: [], has_more: false, next_cursor: null };
  const rows = await sql.all<TransferRow & { step: number }>(
    `${historyWalk(true)}
     SELECT history.step, ${TRANSFER_COLUMNS.split(', ').map((c) => `t.${c}`).join(', ')}
       FROM history JOIN ledger_transfers t ON t.id = history.id
      WHERE t.debit_account_id = ? OR t.credit_account_id = ?
      ORDER BY history.step`,
    [from, accountId, accountId, accountId, skip + limit + 1, accountId, accountId],
  );
  if (skip === 1 && rows[0]?.id !== from) throw new InvalidCursor('the cursor is not a transfer of this account');
  const after = rows.slice(skip);
  const page = after.slice(0, limit);
  const last = page[page.length - 1];
  return {
    data: page.map(toTransfer),
    has_more: after.length > limit,
    next_cursor: after.length > limit && last ? encodeCursor(last.id) : null,
  };
}

/**
 * An open account's history is its kind-0 entries (entries.ts), newest first
 * by seq; the cursor is an entry's seq, checked to be on this account.
 */
async function listOpenAccountTransfers(sql: Sql, accountId: string, limit: number, after: string | null): Promise<TransferPage> {
  let before = Number.MAX_SAFE_INTEGER;
  if (after) {
    const match = /^e:([0-9]{1,16})$/.exec(Buffer.from(after, 'base64url').toString());
    if (!match) throw new InvalidCursor(`not a cursor of this account's history: ${after}`);
    const entry = await sql.get<{ account_id: string }>('SELECT account_id FROM ledger_account_entries WHERE seq = ? AND kind = 0', [Number(match[1])]);
    if (entry?.account_id !== accountId) throw new InvalidCursor('the cursor is not a transfer of this account');
    before = Number(match[1]);
  }
  const rows = await sql.all<TransferRow & { entry_seq: number }>(
    `SELECT e.seq AS entry_seq, ${TRANSFER_COLUMNS.split(', ').map((c) => `t.${c}`).join(', ')}
       FROM ledger_account_entries e JOIN ledger_transfers t ON t.id = e.transfer_id
      WHERE e.account_id = ? AND e.kind = 0 AND e.seq < ?
      ORDER BY e.seq DESC LIMIT ?`,
    [accountId, before, limit + 1],
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    data: page.map(toTransfer),
    has_more: rows.length > limit,
    next_cursor: rows.length > limit && last ? Buffer.from(`e:${last.entry_seq}`).toString('base64url') : null,
  };
}

export class InvalidCursor extends Error {
  readonly code = 'cursor_invalid';
}

function encodeCursor(transferId: string): string {
  return Buffer.from(`t:${transferId}`).toString('base64url');
}

function decodeCursor(cursor: string): string {
  const match = /^t:([A-Za-z0-9][A-Za-z0-9_.:-]{0,127})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw new InvalidCursor(`not a transfer cursor: ${cursor}`);
  return match[1]!;
}

export { ACCOUNT_COLUMNS };
