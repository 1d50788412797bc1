import type { Migration } from '../platform/db/migrations.ts';

export const GENESIS_HASH = '0'.repeat(64);

/** For the backfill of history entries: a transfer's change to pending and posted on its side (flags: pending 2, post 4, void 8). */
const DP = `CASE WHEN (t.flags & 2) <> 0 THEN t.amount WHEN (t.flags & 12) <> 0 THEN -(SELECT p.amount FROM ledger_transfers p WHERE p.id = t.pending_id) ELSE 0 END`;
const POSTED = `CASE WHEN (t.flags & 10) = 0 THEN t.amount ELSE 0 END`;

export const ledgerMigrations: readonly Migration[] = [
  {
    id: 'ledger/001_accounts_transfers_journal',
    sql: `
CREATE TABLE ledger_accounts (
  id TEXT PRIMARY KEY,
  ledger INTEGER NOT NULL,
  currency TEXT NOT NULL,
  code INTEGER NOT NULL,
  flags INTEGER NOT NULL,
  metadata TEXT NOT NULL,
  debits_pending BIGINT NOT NULL DEFAULT 0 CHECK (debits_pending >= 0),
  debits_posted BIGINT NOT NULL DEFAULT 0 CHECK (debits_posted >= 0),
  credits_pending BIGINT NOT NULL DEFAULT 0 CHECK (credits_pending >= 0),
  credits_posted BIGINT NOT NULL DEFAULT 0 CHECK (credits_posted >= 0),
  next_expiry_ms BIGINT,
  created_at_ms BIGINT NOT NULL
);

-- Append-only: rows are never deleted, so a plain rowid never repeats. The
-- accounts are not foreign keys: the ledger checks them in its core, under
-- lock, and the audit re-checks; a foreign-key probe per row costs more
-- than the rest of the insert.
CREATE TABLE ledger_transfers (
  seq {{rowid}},
  id TEXT NOT NULL UNIQUE,
  debit_account_id TEXT NOT NULL,
  credit_account_id TEXT NOT NULL,
  amount BIGINT NOT NULL CHECK (amount >= 0),
  requested_amount BIGINT,
  pending_id TEXT,
  ledger INTEGER NOT NULL,
  currency TEXT NOT NULL,
  code INTEGER NOT NULL,
  flags INTEGER NOT NULL,
  timeout_ms BIGINT NOT NULL,
  expires_at_ms BIGINT,
  metadata TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  pending_status TEXT CHECK (pending_status IN ('pending', 'posted', 'voided', 'expired')),
  resolved_at_ms BIGINT,
  resolved_by TEXT
);
CREATE INDEX ledger_transfers_by_debit ON ledger_transfers (debit_account_id, seq);
CREATE INDEX ledger_transfers_by_credit ON ledger_transfers (credit_account_id, seq);
CREATE INDEX ledger_transfers_open_by_debit ON ledger_transfers (debit_account_id, expires_at_ms) WHERE pending_status = 'pending';
CREATE INDEX ledger_transfers_open_by_credit ON ledger_transfers (credit_account_id, expires_at_ms) WHERE pending_status = 'pending';
CREATE INDEX ledger_transfers_due ON ledger_transfers (expires_at_ms) WHERE pending_status = 'pending' AND expires_at_ms IS NOT NULL;
-- At most one post or void per pending transfer, whatever the application does.
CREATE UNIQUE INDEX ledger_transfers_one_resolution ON ledger_transfers (pending_id) WHERE pending_id IS NOT NULL;

CREATE TABLE ledger_journal (
  seq {{rowid}},
  kind TEXT NOT NULL,
  payload TEXT NOT NULL,
  payload_hash TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  chain_seq BIGINT UNIQUE,
  chain_hash TEXT
);
CREATE INDEX ledger_journal_unsealed ON ledger_journal (seq) WHERE chain_seq IS NULL;

CREATE TABLE ledger_chain_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  chain_seq BIGINT NOT NULL,
  chain_hash TEXT NOT NULL
);
INSERT INTO ledger_chain_head (id, chain_seq, chain_hash) VALUES (1, 0, '${GENESIS_HASH}');
`,
  },
  {
    // Each account's history becomes a chain through its transfers (rows.ts)
    // instead of two indexes by account: the chains are built for the
    // transfers already there, in the order they were written, then the
    // indexes go.
    id: 'ledger/002_account_history_chains',
    sql: `
ALTER TABLE ledger_transfers ADD COLUMN debit_prev_id TEXT;
ALTER TABLE ledger_transfers ADD COLUMN credit_prev_id TEXT;
ALTER TABLE ledger_accounts ADD COLUMN last_transfer_id TEXT;
UPDATE ledger_transfers SET
  debit_prev_id = ${newestBefore('ledger_transfers.debit_account_id', 'ledger_transfers.seq')},
  credit_prev_id = ${newestBefore('ledger_transfers.credit_account_id', 'ledger_transfers.seq')};
UPDATE ledger_accounts SET last_transfer_id = ${newestBefore('ledger_accounts.id', null)};
DROP INDEX ledger_transfers_by_debit;
DROP INDEX ledger_transfers_by_credit;
`,
  },
  {
    // Open accounts (no limit flag: house accounts) stop being a hot row.
    // Each change to their balance is appended here, in the writer's
    // transaction, instead of updating the account row under a lock; the
    // roll-up task (entries.ts) moves committed entries into the row. An
    // open account's balance is its row plus its unapplied entries, read in
    // one statement. Kind-0 entries are also the account's history (its
    // transfers, by seq), since a chain through its transfers would need
    // the very lock this removes. Existing open accounts get their history
    // here, already applied.
    id: 'ledger/003_open_account_entries',
    sql: `
CREATE TABLE ledger_account_entries (
  seq {{rowid}},
  account_id TEXT NOT NULL,
  transfer_id TEXT NOT NULL,
  kind SMALLINT NOT NULL CHECK (kind IN (0, 1)),
  debits_pending BIGINT NOT NULL,
  debits_posted BIGINT NOT NULL,
  credits_pending BIGINT NOT NULL,
  credits_posted BIGINT NOT NULL,
  applied SMALLINT NOT NULL CHECK (applied IN (0, 1))
);
CREATE INDEX ledger_account_entries_by_account ON ledger_account_entries (account_id, seq);
CREATE INDEX ledger_account_entries_unapplied ON ledger_account_entries (account_id, seq) WHERE applied = 0;
INSERT INTO ledger_account_entries (account_id, transfer_id, kind, debits_pending, debits_posted, credits_pending, credits_posted, applied)
SELECT account_id, transfer_id, 0, dp, dpo, cp, cpo, 1 FROM (
  SELECT t.seq, t.debit_account_id AS account_id, 0 AS side, t.id AS transfer_id, ${DP} AS dp, ${POSTED} AS dpo, 0 AS cp, 0 AS cpo
    FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.debit_account_id WHERE (a.flags & 3) = 0
  UNION ALL
  SELECT t.seq, t.credit_account_id, 1, t.id, 0, 0, ${DP}, ${POSTED}
    FROM ledger_transfers t JOIN ledger_accounts a ON a.id = t.credit_account_id WHERE (a.flags & 3) = 0
) AS history ORDER BY seq, side;
UPDATE ledger_accounts SET last_transfer_id = NULL, next_expiry_ms = NULL WHERE (flags & 3) = 0;
`,
  },
];

/**
 * The id of the newest transfer on `account` (debit or credit) written
 * before position `seq` (or of all, with null), in SQL both databases run:
 * the newest on each side comes from that side's (account, seq) index, and
 * the later of the two wins.
 */
function newestBefore(account: string, seq: string | null): string {
  const before = seq === null ? '' : ` AND s.seq < ${seq}`;
  const debitSide = `(SELECT MAX(s.seq) FROM ledger_transfers s WHERE s.debit_account_id = ${account}${before})`;
  const creditSide = `(SELECT MAX(s.seq) FROM ledger_transfers s WHERE s.credit_account_id = ${account}${before})`;
  return `(SELECT p.id FROM ledger_transfers p WHERE p.seq =
    CASE WHEN COALESCE(${debitSide}, -1) > COALESCE(${creditSide}, -1) THEN ${debitSide} ELSE ${creditSide} END)`;
}
