import type { Database, Dialect, Tx } from '../platform/db/database.ts';
import { placeholders } from '../platform/db/database.ts';
import type { TransferRow } from './rows.ts';
import { TRANSFER_FLAGS } from './types.ts';

/**
 * Open accounts — no `debits_must_not_exceed_credits` / `credits_must_not_exceed_debits`
 * flag, so no transfer can be refused for their balance — are the house
 * accounts every payment touches (network receivable, clearing, funding).
 * Locking their row for the length of each writer's transaction made every
 * payment wait for the previous one's commit (fsync included): a queue of one.
 *
 * So a writer never locks or updates an open account's row. It appends one
 * entry per change, in its own transaction, to `ledger_account_entries`:
 * an insert of a new row, which waits for nobody. An open account's balance is
 *
 *     its row  +  Σ its entries with applied = 0
 *
 * read in ONE statement (reads.ts), and the roll-up task below moves
 * committed entries into the row: in one transaction it marks a batch of
 * entries applied and adds their sums to the rows.
 *
 * Why it is exact under concurrency (PostgreSQL, READ COMMITTED):
 * - A writer's entries become visible exactly when its transfers do (same
 *   transaction), so a balance read never sees a transfer without its effect.
 * - The roll-up commits "entries applied" and "rows increased" atomically; a
 *   read is one statement on one snapshot, so it sees both or neither.
 * - Only one roll-up runs at a time (a transaction-scoped advisory lock), and
 *   it takes each account's entries in seq order from its snapshot (a batch
 *   holds, for every account in it, a prefix of that account's unapplied
 *   entries). An entry that depends on another (the post of a hold, the
 *   expiry of a hold) is on the same account and was written after that
 *   other committed, so it has a higher seq and is never visible without it:
 *   a row's pending balance never dips below zero, whatever the batch cut.
 * - Entries of transactions still running are invisible to the roll-up and
 *   wait for its next run; there is nothing to lose between runs.
 * - Limits are untouched: limited accounts are still locked and updated in
 *   place, exactly as before, so a transfer that must be refused still is.
 * Crash: every step is one transaction; a crash leaves entries unapplied,
 * and the next roll-up applies them. Nothing is applied twice, since the
 * `applied = 0` test and the mark are in the same locked transaction.
 *
 * SQLite has one writer, so there is no queue to remove: the row is updated
 * in place as before and the entry is written already applied (it is still
 * the account's history). The roll-up finds nothing to do there.
 *
 * Kind 0 entries are the account's transfers (its history, by seq, in place of
 * the chain through transfers that limited accounts keep, which would need the
 * lock); kind 1 is the expiry of a hold by the sweeper.
 */

export const ENTRY_COLUMNS =
  'account_id, transfer_id, kind, debits_pending, debits_posted, credits_pending, credits_posted, applied';

export type EntryValues = [string, string, 0 | 1, number, number, number, number, 0 | 1];

/** Whether a writer on this database applies its own entries (SQLite: the one writer) or leaves them to the roll-up. */
export function entriesAppliedAtWrite(dialect: Dialect): boolean {
  return dialect === 'sqlite';
}

/** The change one new transfer makes to its debit and credit account. */
export function transferChanges(
  transfer: TransferRow,
  pendingAmount: (id: string) => number,
): { debit: [number, number]; credit: [number, number] } {
  const { flags, amount } = transfer;
  if (flags & TRANSFER_FLAGS.pending) return { debit: [amount, 0], credit: [amount, 0] };
  if (flags & TRANSFER_FLAGS.post_pending_transfer) {
    const held = pendingAmount(transfer.pending_id!);
    return { debit: [-held, amount], credit: [-held, amount] };
  }
  if (flags & TRANSFER_FLAGS.void_pending_transfer) {
    const held = pendingAmount(transfer.pending_id!);
    return { debit: [-held, 0], credit: [-held, 0] };
  }
  return { debit: [0, amount], credit: [0, amount] };
}

/** Sum of the columns the tail adds, for reads: `alias.col + tail.col`. */
export function unappliedTailJoin(accountAlias: string, idList: string): string {
  return `LEFT JOIN (
      SELECT account_id,
             CAST(SUM(debits_pending) AS BIGINT) AS dp, CAST(SUM(debits_posted) AS BIGINT) AS dpo,
             CAST(SUM(credits_pending) AS BIGINT) AS cp, CAST(SUM(credits_posted) AS BIGINT) AS cpo
        FROM ledger_account_entries WHERE applied = 0 AND account_id IN ${idList} GROUP BY account_id
    ) AS tail ON tail.account_id = ${accountAlias}.id`;
}

// An arbitrary constant: the advisory lock that makes one roll-up run at a time.
const ROLL_UP_LOCK_KEY = 7_315_220_977;
/** Entries applied per transaction: bounds the roll-up's locks and its statement sizes. */
const ROLL_UP_BATCH = 2_000;
const IN_CHUNK = 500;

/** Applies committed entries to their accounts' rows; returns how many. Safe from many processes at once. */
export async function rollUpEntries(db: Database): Promise<number> {
  let total = 0;
  for (;;) {
    const applied = await db.transaction((tx) => rollUpBatch(tx));
    total += applied;
    if (applied < ROLL_UP_BATCH) return total;
  }
}

async function rollUpBatch(tx: Tx): Promise<number> {
  if (tx.dialect === 'postgres') await tx.run('SELECT pg_advisory_xact_lock(?)', [ROLL_UP_LOCK_KEY]);
  // Read after the lock: under READ COMMITTED this statement sees what the previous roll-up committed. In the order of
  // the partial index of unapplied entries (account, seq), so it is read through that index: in order of seq alone the
  // table's own order is the way in, and each roll-up walked every entry ever applied to reach the few that are not.
  const rows = await tx.all<{ seq: number; account_id: string; dp: number; dpo: number; cp: number; cpo: number }>(
    `SELECT seq, account_id, debits_pending AS dp, debits_posted AS dpo, credits_pending AS cp, credits_posted AS cpo
       FROM ledger_account_entries WHERE applied = 0 ORDER BY account_id, seq LIMIT ${ROLL_UP_BATCH}`,
  );
  if (rows.length === 0) return 0;
  const sums = new Map<string, { dp: number; dpo: number; cp: number; cpo: number }>();
  for (const row of rows) {
    const sum = sums.get(row.account_id) ?? { dp: 0, dpo: 0, cp: 0, cpo: 0 };
    sum.dp += Number(row.dp);
    sum.dpo += Number(row.dpo);
    sum.cp += Number(row.cp);
    sum.cpo += Number(row.cpo);
    sums.set(row.account_id, sum);
  }
  for (let i = 0; i < rows.length; i += IN_CHUNK) {
    const chunk = rows.slice(i, i + IN_CHUNK).map((row) => row.seq);
    const marked = await tx.run(`UPDATE ledger_account_entries SET applied = 1 WHERE applied = 0 AND seq IN ${placeholders(chunk.length)}`, chunk);
    if (marked !== chunk.length) throw new Error(`ledger: roll-up marked ${marked} of ${chunk.length} entries (is another roll-up running without the lock?)`);
  }
  for (const [id, sum] of [...sums].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const updated = await tx.run(
      `UPDATE ledger_accounts SET debits_pending = debits_pending + ?, debits_posted = debits_posted + ?,
              credits_pending = credits_pending + ?, credits_posted = credits_posted + ? WHERE id = ?`,
      [sum.dp, sum.dpo, sum.cp, sum.cpo, id],
    );
    if (updated !== 1) throw new Error(`ledger: roll-up found no account ${id}`);
  }
  return rows.length;
}
