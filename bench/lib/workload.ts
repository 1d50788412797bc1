import type { Sql } from '../../src/platform/db/database.ts';
import { systemClock } from '../../src/platform/clock.ts';
import { IdGenerator } from '../../src/platform/ids.ts';
import type { Ledger } from '../../src/ledger/ledger.ts';
import type { AccountInput, TransferInput } from '../../src/ledger/types.ts';
import type { Meter } from './stats.ts';
import type { Step } from './loop.ts';

/**
 * The accounts and transfers the benchmark moves money with. Transfers go
 * between random pairs of many funded accounts so that row locks do not
 * serialize everything (except in the hot-account scenario, on purpose).
 */
export const LEDGER = 1;
export const CURRENCY = 'USD';
const FUNDING_ID = 'acct_bench_funding';
/** The one account every debit of the hot-account scenario comes from. */
export const HOT_ID = 'acct_bench_hot';
/** Each account gets far more than a run can spend: a refusal would be a bug, not a workload effect. */
const FUNDS_PER_ACCOUNT = 1_000_000_000;
const SETUP_BATCH = 1_000;
/** A card authorization holds for days; the hold never expires during a run. */
const HOLD_TIMEOUT_MS = 7 * 24 * 60 * 60 * 1000;

/** Account ids as wide as real ones (`acct_` + 26 characters). */
export function accountId(index: number): string {
  return `acct_${String(index).padStart(26, '0')}`;
}

/** Creates the funding and hot accounts and `count` spending accounts, and funds them all. */
export async function createFundedAccounts(ledger: Ledger, db: Sql, count: number): Promise<void> {
  const spender = (id: string): AccountInput => ({
    id,
    ledger: LEDGER,
    currency: CURRENCY,
    code: 1,
    flags: ['debits_must_not_exceed_credits'],
  });
  const all: AccountInput[] = [
    { id: FUNDING_ID, ledger: LEDGER, currency: CURRENCY, code: 9 },
    spender(HOT_ID),
    ...Array.from({ length: count }, (_, i) => spender(accountId(i))),
  ];
  for (let i = 0; i < all.length; i += SETUP_BATCH) {
    expectAllOk('create accounts', await ledger.createAccounts(db, all.slice(i, i + SETUP_BATCH)));
  }
  const ids = new IdGenerator(systemClock);
  const fund = all.slice(1).map(
    (account): TransferInput => ({
      id: ids.next('trsetup'),
      debit_account_id: FUNDING_ID,
      credit_account_id: account.id,
      amount: FUNDS_PER_ACCOUNT,
      code: 9,
    }),
  );
  for (let i = 0; i < fund.length; i += SETUP_BATCH) {
    expectAllOk('fund accounts', await ledger.createTransfers(db, fund.slice(i, i + SETUP_BATCH)));
  }
}

function expectAllOk(what: string, outcomes: readonly { id: string; result: string }[]): void {
  const bad = outcomes.find((o) => o.result !== 'ok');
  if (bad) throw new Error(`benchmark setup failed (${what}): ${bad.id} → ${bad.result}`);
}

/** Makes transfer requests: random distinct pairs, small amounts, ids like real ones. */
export class TransferMaker {
  readonly #ids = new IdGenerator(systemClock);
  constructor(readonly accounts: number) {}

  #randomAccount(): string {
    return accountId(Math.floor(Math.random() * this.accounts));
  }

  #pair(): [string, string] {
    const debit = this.#randomAccount();
    let credit = this.#randomAccount();
    while (credit === debit) credit = this.#randomAccount();
    return [debit, credit];
  }

  plain(): TransferInput {
    const [debit, credit] = this.#pair();
    return { id: this.#ids.next('tr'), debit_account_id: debit, credit_account_id: credit, amount: amount(), code: 1 };
  }

  batch(size: number): TransferInput[] {
    return Array.from({ length: size }, () => this.plain());
  }

  pending(): TransferInput {
    return { ...this.plain(), flags: ['pending'], timeout_ms: HOLD_TIMEOUT_MS };
  }

  /** Posts the whole hold (a capture of the authorized amount). */
  post(pending: TransferInput): TransferInput {
    return { id: this.#ids.next('tr'), pending_id: pending.id, code: 1, flags: ['post_pending_transfer'] };
  }

  /** Every debit from the same account: each commit waits for that account's row lock. */
  hotDebit(): TransferInput {
    return { ...this.plain(), debit_account_id: HOT_ID };
  }
}

function amount(): number {
  return 1 + Math.floor(Math.random() * 1_000);
}

export type LedgerWorkload = 'single' | 'batch100' | 'pending_post' | 'hot_single';

/** Transfers per commit for each workload (a pending+post pair is two commits of one). */
export const TRANSFERS_PER_COMMIT: Record<LedgerWorkload, number> = {
  single: 1,
  batch100: 100,
  pending_post: 1,
  hot_single: 1,
};

/** One client step of a workload: each `createTransfers` call is one commit. */
export function ledgerStep(workload: LedgerWorkload, ledger: Ledger, db: Sql, maker: TransferMaker): Step {
  switch (workload) {
    case 'single':
      return async (_client, meter) => void (await meter.timed(() => ledger.createTransfers(db, [maker.plain()])));
    case 'batch100':
      return async (_client, meter) => void (await meter.timed(() => ledger.createTransfers(db, maker.batch(100))));
    case 'hot_single':
      return async (_client, meter) => void (await meter.timed(() => ledger.createTransfers(db, [maker.hotDebit()])));
    case 'pending_post':
      return (_client, meter) => pendingThenPost(ledger, db, maker, meter);
  }
}

/** A hold, committed; then its post (capture), committed on its own — as at authorization and capture. */
async function pendingThenPost(ledger: Ledger, db: Sql, maker: TransferMaker, meter: Meter): Promise<void> {
  const hold = maker.pending();
  const [held] = await meter.timed(() => ledger.createTransfers(db, [hold]));
  if (held?.result !== 'ok') return;
  const [posted] = await meter.timed(() => ledger.createTransfers(db, [maker.post(hold)]));
  if (posted?.result === 'ok') meter.holds += 1;
}
