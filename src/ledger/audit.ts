import type { Database, Sql } from '../platform/db/database.ts';
import { sealJournal, verifyChain } from './journal.ts';
import type { AccountRow, TransferRow } from './rows.ts';
import { ACCOUNT_COLUMNS, journalAccount, journalTransfer, TRANSFER_COLUMNS } from './store.ts';
import { ACCOUNT_FLAGS, isOpenAccount, TRANSFER_FLAGS } from './types.ts';

/**
 * `cardlane audit`: recomputes every invariant of the ledger from its rows and
 * its journal, and reports each violation in words a person can act on.
 * It seals the journal first (so that every finished write is covered by the
 * chain) and changes nothing else.
 */
export interface AuditCheck {
  readonly name: string;
  readonly ok: boolean;
  /** What was found wrong, bounded; empty when ok. */
  readonly failures: string[];
}

export interface AuditReport {
  readonly ok: boolean;
  readonly checked_at_ms: number;
  readonly stats: { accounts: number; transfers: number; journal_sealed: number; journal_unsealed: number };
  readonly checks: AuditCheck[];
}

const MAX_FAILURES_PER_CHECK = 20;
const PAGE = 5_000;

class Check {
  readonly failures: string[] = [];
  #count = 0;
  constructor(readonly name: string) {}
  fail(message: string): void {
    this.#count += 1;
    if (this.failures.length < MAX_FAILURES_PER_CHECK) this.failures.push(message);
  }
  result(): AuditCheck {
    const failures = [...this.failures];
    if (this.#count > failures.length) failures.push(`… and ${this.#count - failures.length} more`);
    return { name: this.name, ok: this.#count === 0, failures };
  }
}

export async function auditLedger(db: Database, options: { nowMs: number }): Promise<AuditReport> {
  await sealJournal(db);
  // One snapshot for every read: a write or a seal landing mid-audit must not
  // look like a row missing from the journal.
  return db.snapshot((sql) => auditSnapshot(sql, options.nowMs));
}

async function auditSnapshot(db: Sql, nowMs: number): Promise<AuditReport> {
  const transfersBalance = new Check('every transfer balances: two different existing accounts, same currency and book');
  const totals = new Check('Σ debits = Σ credits per currency, posted and pending apart');
  const sums = new Check("every account's balances equal the sum of its transfers");
  const limits = new Check('no account beyond the limit its flags set');
  const holds = new Check('every hold is exactly one of pending, posted, voided, expired — and agrees with what resolved it');
  const chain = new Check('the journal hash chain is intact and matches every account and transfer row');
  const histories = new Check("every account's history chain holds each of its transfers exactly once");

  const accounts = new Map<string, AccountRow>();
  for await (const row of pages<AccountRow>(db, `SELECT ${ACCOUNT_COLUMNS} FROM ledger_accounts`, 'id')) accounts.set(row.id, row);

  // Open accounts' entries (entries.ts): the unapplied ones are part of the
  // balance; the kind-0 ones are the account's history.
  const tails = new Map<string, { dp: bigint; dpo: bigint; cp: bigint; cpo: bigint }>();
  const entryHistories = new Map<string, string[]>();
  for await (const e of entryPages(db)) {
    if (e.applied === 0) {
      const tail = tails.get(e.account_id) ?? { dp: 0n, dpo: 0n, cp: 0n, cpo: 0n };
      tail.dp += BigInt(e.debits_pending);
      tail.dpo += BigInt(e.debits_posted);
      tail.cp += BigInt(e.credits_pending);
      tail.cpo += BigInt(e.credits_posted);
      tails.set(e.account_id, tail);
    }
    if (e.kind === 0) {
      const list = entryHistories.get(e.account_id) ?? [];
      list.push(e.transfer_id);
      entryHistories.set(e.account_id, list);
    }
  }

  // Recompute each account's four balances from the transfers.
  const recomputed = new Map<string, { dp: bigint; dpo: bigint; cp: bigint; cpo: bigint; liveDp: bigint; liveCp: bigint }>();
  const entry = (id: string) => {
    let e = recomputed.get(id);
    if (!e) recomputed.set(id, (e = { dp: 0n, dpo: 0n, cp: 0n, cpo: 0n, liveDp: 0n, liveCp: 0n }));
    return e;
  };
  const transfers = new Map<string, TransferRow>();
  for await (const t of pages<TransferRow>(db, `SELECT ${TRANSFER_COLUMNS} FROM ledger_transfers`, 'id')) {
    transfers.set(t.id, t);
    const debit = accounts.get(t.debit_account_id);
    const credit = accounts.get(t.credit_account_id);
    if (!debit || !credit) transfersBalance.fail(`transfer ${t.id}: an account does not exist`);
    else if (t.debit_account_id === t.credit_account_id) transfersBalance.fail(`transfer ${t.id}: debits and credits the same account`);
    else if (debit.currency !== t.currency || credit.currency !== t.currency) transfersBalance.fail(`transfer ${t.id}: currency differs from its accounts`);
    else if (debit.ledger !== t.ledger || credit.ledger !== t.ledger) transfersBalance.fail(`transfer ${t.id}: book differs from its accounts`);
    if (!(t.amount >= 0)) transfersBalance.fail(`transfer ${t.id}: negative amount ${t.amount}`);

    const amount = BigInt(t.amount);
    const d = entry(t.debit_account_id);
    const c = entry(t.credit_account_id);
    if (t.flags & TRANSFER_FLAGS.pending) {
      if (t.pending_status === 'pending') {
        d.dp += amount;
        c.cp += amount;
        if (t.expires_at_ms === null || t.expires_at_ms > nowMs) {
          d.liveDp += amount;
          c.liveCp += amount;
        }
      }
    } else if (!(t.flags & TRANSFER_FLAGS.void_pending_transfer)) {
      d.dpo += amount;
      c.cpo += amount;
    }
  }

  const perCurrency = new Map<string, { dp: bigint; dpo: bigint; cp: bigint; cpo: bigint }>();
  for (const a of accounts.values()) {
    const e = recomputed.get(a.id) ?? { dp: 0n, dpo: 0n, cp: 0n, cpo: 0n, liveDp: 0n, liveCp: 0n };
    const tail = tails.get(a.id) ?? { dp: 0n, dpo: 0n, cp: 0n, cpo: 0n };
    // An open account's balance is its row plus its unapplied entries.
    const stored = {
      dp: BigInt(a.debits_pending) + tail.dp,
      dpo: BigInt(a.debits_posted) + tail.dpo,
      cp: BigInt(a.credits_pending) + tail.cp,
      cpo: BigInt(a.credits_posted) + tail.cpo,
    };
    if (stored.dp !== e.dp || stored.dpo !== e.dpo || stored.cp !== e.cp || stored.cpo !== e.cpo) {
      sums.fail(
        `account ${a.id}: stored debits ${stored.dpo} posted/${stored.dp} pending, credits ${stored.cpo}/${stored.cp}; ` +
          `transfers say debits ${e.dpo}/${e.dp}, credits ${e.cpo}/${e.cp}`,
      );
    }
    const t = perCurrency.get(a.currency) ?? { dp: 0n, dpo: 0n, cp: 0n, cpo: 0n };
    t.dp += stored.dp;
    t.dpo += stored.dpo;
    t.cp += stored.cp;
    t.cpo += stored.cpo;
    perCurrency.set(a.currency, t);
    // Limits hold for the funds held now: a hold past its timeout no longer counts.
    if (a.flags & ACCOUNT_FLAGS.debits_must_not_exceed_credits && e.liveDp + stored.dpo > stored.cpo) {
      limits.fail(`account ${a.id}: debits ${e.liveDp + stored.dpo} exceed credits ${stored.cpo}`);
    }
    if (a.flags & ACCOUNT_FLAGS.credits_must_not_exceed_debits && e.liveCp + stored.cpo > stored.dpo) {
      limits.fail(`account ${a.id}: credits ${e.liveCp + stored.cpo} exceed debits ${stored.dpo}`);
    }
  }
  for (const [currency, t] of perCurrency) {
    if (t.dpo !== t.cpo) totals.fail(`${currency}: posted debits ${t.dpo} ≠ posted credits ${t.cpo}`);
    if (t.dp !== t.cp) totals.fail(`${currency}: pending debits ${t.dp} ≠ pending credits ${t.cp}`);
  }

  checkHolds(transfers, holds);
  checkHistories(accounts, transfers, entryHistories, histories);
  for (const id of tails.keys()) {
    const account = accounts.get(id);
    if (account === undefined || !isOpenAccount(account.flags)) sums.fail(`account ${id}: has unapplied entries but is ${account ? 'limited' : 'missing'}`);
  }

  // The journal: chain intact, and every row exactly as journaled, once.
  const journaledAccounts = new Map<string, string>();
  const journaledTransfers = new Map<string, string>();
  const journaledExpiries = new Set<string>();
  const visitEntry = (payload: string, seq: number) => {
    const body = JSON.parse(payload) as JournalBody;
    for (const a of body.accounts ?? []) remember(journaledAccounts, String(a[0]), JSON.stringify(a), seq, chain);
    for (const t of body.transfers ?? []) remember(journaledTransfers, String(t[0]), JSON.stringify(t), seq, chain);
    for (const id of body.expired ?? []) journaledExpiries.add(id);
  };
  const verification = await verifyChain(db, (payload, seq) => visitEntry(payload, seq));
  for (const failure of verification.failures) chain.fail(failure);
  // Entries of transactions still in flight are not chained yet, but the rows
  // they describe are compared all the same.
  for (const row of await db.all<{ seq: number; payload: string }>('SELECT seq, payload FROM ledger_journal WHERE chain_seq IS NULL ORDER BY seq')) {
    visitEntry(row.payload, row.seq);
  }
  for (const a of accounts.values()) {
    const journaled = journaledAccounts.get(a.id);
    if (journaled === undefined) chain.fail(`account ${a.id} is not in the journal`);
    else if (journaled !== JSON.stringify(journalAccount(a))) chain.fail(`account ${a.id} differs from its journal entry`);
  }
  for (const t of transfers.values()) {
    const journaled = journaledTransfers.get(t.id);
    if (journaled === undefined) chain.fail(`transfer ${t.id} is not in the journal`);
    else if (journaled !== JSON.stringify(journalTransfer(t))) chain.fail(`transfer ${t.id} differs from its journal entry`);
    if (t.pending_status === 'expired' && !journaledExpiries.has(t.id)) {
      chain.fail(`hold ${t.id} is marked expired but no journal entry expired it`);
    }
  }
  for (const id of journaledTransfers.keys()) if (!transfers.has(id)) chain.fail(`journaled transfer ${id} is missing from the table`);
  for (const id of journaledAccounts.keys()) if (!accounts.has(id)) chain.fail(`journaled account ${id} is missing from the table`);

  const checks = [transfersBalance, totals, sums, limits, holds, histories, chain].map((c) => c.result());
  return {
    ok: checks.every((c) => c.ok),
    checked_at_ms: nowMs,
    stats: {
      accounts: accounts.size,
      transfers: transfers.size,
      journal_sealed: verification.sealed,
      journal_unsealed: verification.unsealed,
    },
    checks,
  };
}

function remember(map: Map<string, string>, id: string, value: string, seq: number, check: Check): void {
  if (map.has(id)) check.fail(`${id} appears twice in the journal (again in entry ${seq})`);
  map.set(id, value);
}

function checkHolds(transfers: ReadonlyMap<string, TransferRow>, check: Check): void {
  const resolvers = new Map<string, TransferRow>();
  for (const t of transfers.values()) {
    const twoPhase = t.flags & (TRANSFER_FLAGS.post_pending_transfer | TRANSFER_FLAGS.void_pending_transfer);
    if (!twoPhase) continue;
    if (!t.pending_id || !transfers.has(t.pending_id)) check.fail(`transfer ${t.id} resolves a hold that does not exist`);
    else if (resolvers.has(t.pending_id)) check.fail(`hold ${t.pending_id} is resolved twice`);
    else resolvers.set(t.pending_id, t);
  }
  for (const t of transfers.values()) {
    const isHold = (t.flags & TRANSFER_FLAGS.pending) !== 0;
    if (!isHold) {
      if (t.pending_status !== null) check.fail(`transfer ${t.id} is not a hold but has status ${t.pending_status}`);
      continue;
    }
    const resolver = resolvers.get(t.id);
    switch (t.pending_status) {
      case 'pending':
        if (resolver) check.fail(`hold ${t.id} is pending but ${resolver.id} resolved it`);
        break;
      case 'posted':
      case 'voided': {
        const flag = t.pending_status === 'posted' ? TRANSFER_FLAGS.post_pending_transfer : TRANSFER_FLAGS.void_pending_transfer;
        if (!resolver || !(resolver.flags & flag) || t.resolved_by !== resolver.id) {
          check.fail(`hold ${t.id} is ${t.pending_status} but no matching transfer says so`);
        } else if (resolver.amount > t.amount) {
          check.fail(`hold ${t.id}: ${resolver.id} moves ${resolver.amount}, more than the ${t.amount} held`);
        }
        break;
      }
      case 'expired':
        if (resolver) check.fail(`hold ${t.id} is expired but ${resolver.id} resolved it`);
        if (t.expires_at_ms === null) check.fail(`hold ${t.id} is expired but has no timeout`);
        break;
      default:
        check.fail(`hold ${t.id} has no valid status (${String(t.pending_status)})`);
    }
  }
}

/**
 * Walks each account's history from its newest transfer back (rows.ts): the
 * walk must stay on the account's own transfers, never come back to one, and
 * reach every transfer that names the account — else history reads would
 * leave some out.
 */
function checkHistories(
  accounts: ReadonlyMap<string, AccountRow>,
  transfers: ReadonlyMap<string, TransferRow>,
  entryHistories: ReadonlyMap<string, readonly string[]>,
  check: Check,
): void {
  const postings = new Map<string, number>();
  for (const t of transfers.values()) {
    postings.set(t.debit_account_id, (postings.get(t.debit_account_id) ?? 0) + 1);
    postings.set(t.credit_account_id, (postings.get(t.credit_account_id) ?? 0) + 1);
  }
  for (const id of entryHistories.keys()) {
    const account = accounts.get(id);
    if (account === undefined || !isOpenAccount(account.flags)) check.fail(`account ${id}: has history entries but is ${account ? 'limited' : 'missing'}`);
  }
  for (const account of accounts.values()) {
    if (isOpenAccount(account.flags)) {
      // An open account's history is its entries: each of its transfers exactly once.
      const seen = new Set<string>();
      for (const id of entryHistories.get(account.id) ?? []) {
        const t = transfers.get(id);
        if (t === undefined) check.fail(`account ${account.id}: its history names transfer ${id}, which does not exist`);
        else if (t.debit_account_id !== account.id && t.credit_account_id !== account.id) check.fail(`account ${account.id}: its history names transfer ${id}, which is not on it`);
        else if (seen.has(id)) check.fail(`account ${account.id}: its history names transfer ${id} twice`);
        seen.add(id);
      }
      const expected = postings.get(account.id) ?? 0;
      if (seen.size !== expected) check.fail(`account ${account.id}: its history reaches ${seen.size} of its ${expected} transfers`);
      continue;
    }
    const seen = new Set<string>();
    let id = account.last_transfer_id;
    while (id !== null) {
      const t = transfers.get(id);
      if (t === undefined) {
        check.fail(`account ${account.id}: its history names transfer ${id}, which does not exist`);
        break;
      }
      if (t.debit_account_id !== account.id && t.credit_account_id !== account.id) {
        check.fail(`account ${account.id}: its history runs into transfer ${id}, which is not on it`);
        break;
      }
      if (seen.has(id)) {
        check.fail(`account ${account.id}: its history comes back to transfer ${id} (a loop)`);
        break;
      }
      seen.add(id);
      id = t.debit_account_id === account.id ? t.debit_prev_id : t.credit_prev_id;
    }
    const expected = postings.get(account.id) ?? 0;
    if (seen.size !== expected) check.fail(`account ${account.id}: its history reaches ${seen.size} of its ${expected} transfers`);
  }
}

interface JournalBody {
  readonly accounts?: unknown[][];
  readonly transfers?: unknown[][];
  readonly expired?: string[];
}

interface EntryRow {
  readonly seq: number;
  readonly account_id: string;
  readonly transfer_id: string;
  readonly kind: number;
  readonly debits_pending: number;
  readonly debits_posted: number;
  readonly credits_pending: number;
  readonly credits_posted: number;
  readonly applied: number;
}

async function* entryPages(sql: Sql): AsyncGenerator<EntryRow> {
  let after = 0;
  for (;;) {
    const rows = await sql.all<EntryRow>(
      `SELECT seq, account_id, transfer_id, kind, debits_pending, debits_posted, credits_pending, credits_posted, applied
         FROM ledger_account_entries WHERE seq > ? ORDER BY seq LIMIT ${PAGE}`,
      [after],
    );
    yield* rows.map((row) => ({ ...row, kind: Number(row.kind), applied: Number(row.applied), seq: Number(row.seq) }));
    if (rows.length < PAGE) return;
    after = Number(rows[rows.length - 1]!.seq);
  }
}

/** Reads a whole table in keyset pages, so memory per query stays bounded. */
async function* pages<R extends { id: string }>(sql: Sql, select: string, key: 'id'): AsyncGenerator<R> {
  let after = '';
  for (;;) {
    const rows = await sql.all<R>(`${select} WHERE ${key} > ? ORDER BY ${key} LIMIT ${PAGE}`, [after]);
    yield* rows;
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1]!.id;
  }
}
