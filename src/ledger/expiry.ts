import { placeholders, type Database, type Tx } from '../platform/db/database.ts';
import { ENTRY_COLUMNS, entriesAppliedAtWrite } from './entries.ts';
import { appendJournal } from './journal.ts';
import { lockLimitedAccounts, TRANSFER_COLUMNS } from './store.ts';
import type { TransferRow } from './rows.ts';
import { isOpenAccount } from './types.ts';

/**
 * The sweeper finalizes holds that passed their timeout: their status becomes
 * `expired` and their amounts leave the accounts' pending balances. Writes and
 * balance reads already ignore such holds from the moment they expire; the
 * sweeper makes the stored balances say so too, and journals each expiry.
 */
const SWEEP_BATCH = 500;

export async function expireDueTransfers(db: Database, nowMs: number): Promise<number> {
  let total = 0;
  for (;;) {
    const expired = await db.transaction((tx) => expireBatch(tx, nowMs));
    total += expired;
    if (expired < SWEEP_BATCH) return total;
  }
}

async function expireBatch(tx: Tx, nowMs: number): Promise<number> {
  const candidates = await tx.all<{ id: string; debit_account_id: string; credit_account_id: string }>(
    `SELECT id, debit_account_id, credit_account_id FROM ledger_transfers
      WHERE pending_status = 'pending' AND expires_at_ms IS NOT NULL AND expires_at_ms <= ?
      ORDER BY expires_at_ms LIMIT ${SWEEP_BATCH}`,
    [nowMs],
  );
  if (candidates.length === 0) return 0;
  // Lock the limited accounts first, then the holds (the one lock order),
  // re-reading them: a writer may have posted or voided one meanwhile.
  const accountIds = new Set(candidates.flatMap((c) => [c.debit_account_id, c.credit_account_id]));
  const accounts = new Map((await lockLimitedAccounts(tx, [...accountIds])).map((a) => [a.id, a]));
  const holds = await tx.all<TransferRow>(
    `SELECT ${TRANSFER_COLUMNS} FROM ledger_transfers
      WHERE id IN ${placeholders(candidates.length)} AND pending_status = 'pending' AND expires_at_ms <= ?
      ORDER BY id ${tx.forUpdate}`,
    [...candidates.map((c) => c.id).sort(), nowMs],
  );
  if (holds.length === 0) return 0;

  const deltas = new Map<string, { dp: number; cp: number }>();
  for (const hold of holds) {
    const debit = deltas.get(hold.debit_account_id) ?? { dp: 0, cp: 0 };
    debit.dp += hold.amount;
    deltas.set(hold.debit_account_id, debit);
    const credit = deltas.get(hold.credit_account_id) ?? { dp: 0, cp: 0 };
    credit.cp += hold.amount;
    deltas.set(hold.credit_account_id, credit);
    // A hold is expired as of its timeout, not as of when the sweeper came by.
    const changed = await tx.run(
      `UPDATE ledger_transfers SET pending_status = 'expired', resolved_at_ms = expires_at_ms
        WHERE id = ? AND pending_status = 'pending'`,
      [hold.id],
    );
    if (changed !== 1) throw new Error(`ledger: hold ${hold.id} changed while locked`);
  }
  const inPlace = entriesAppliedAtWrite(tx.dialect);
  for (const hold of holds) {
    // Open accounts change through entries (entries.ts): never by updating a row a roll-up may not have caught up with.
    for (const [accountId, side] of [[hold.debit_account_id, 'debit'], [hold.credit_account_id, 'credit']] as const) {
      const account = accounts.get(accountId);
      if (account === undefined || !isOpenAccount(account.flags)) continue;
      await tx.run(`INSERT INTO ledger_account_entries (${ENTRY_COLUMNS}) VALUES (?, ?, 1, ?, 0, ?, 0, ?)`, [
        accountId,
        hold.id,
        side === 'debit' ? -hold.amount : 0,
        side === 'credit' ? -hold.amount : 0,
        inPlace ? 1 : 0,
      ]);
    }
  }
  for (const [accountId, delta] of deltas) {
    const account = accounts.get(accountId);
    if (!account) throw new Error(`ledger: account ${accountId} of an expiring hold is missing`);
    if (isOpenAccount(account.flags)) {
      if (inPlace) {
        await tx.run('UPDATE ledger_accounts SET debits_pending = debits_pending - ?, credits_pending = credits_pending - ? WHERE id = ?', [delta.dp, delta.cp, accountId]);
      }
      continue;
    }
    await tx.run(
      `UPDATE ledger_accounts
          SET debits_pending = debits_pending - ?,
              credits_pending = credits_pending - ?,
              next_expiry_ms = (SELECT MIN(t.expires_at_ms) FROM ledger_transfers t
                                 WHERE t.pending_status = 'pending' AND t.expires_at_ms IS NOT NULL
                                   AND (t.debit_account_id = ledger_accounts.id OR t.credit_account_id = ledger_accounts.id))
        WHERE id = ?`,
      [delta.dp, delta.cp, accountId],
    );
  }
  await appendJournal(tx, 'expire', { expired: holds.map((h) => h.id).sort() }, nowMs);
  return holds.length;
}
