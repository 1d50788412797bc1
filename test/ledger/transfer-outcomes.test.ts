import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CREATE_TRANSFER_RESULTS, type CreateTransferResult } from '../../src/ledger/codes.ts';
import type { TransferInput } from '../../src/ledger/types.ts';
import { FUNDING, ledgerFixture, USD, type LedgerFixture } from '../support/ledger-fixture.ts';

/**
 * One row per outcome: a request and the code it must produce (TigerBeetle's
 * state_machine_tests). Every row gets its own accounts, named `$…` in the
 * row and prefixed with the row's number, so rows cannot disturb each other:
 *   $src…  funding accounts, no limits           $card  cannot go below zero, holds 10,000
 *   $merch plain USD account                   $eur   an EUR account
 *   $book2 USD account in another book         $cap   credits must not exceed debits (empty)
 *   $hold  a 1,000 hold $card → $merch, 60 s   $posted / $voided / $expired: holds already resolved
 *   $plain a plain posted transfer $src → $merch of 100
 */
const MAX = Number.MAX_SAFE_INTEGER;

interface Row {
  readonly name: string;
  /** Extra transfers made before the request (all must succeed). */
  readonly setup?: readonly TransferInput[];
  readonly request: TransferInput | readonly TransferInput[];
  /** The expected code, or one per request for batches. */
  readonly expect: CreateTransferResult | readonly CreateTransferResult[];
}

const t = (fields: Partial<TransferInput> & { id?: string }): TransferInput => ({
  id: '$t',
  debit_account_id: '$card',
  credit_account_id: '$merch',
  amount: 100,
  code: 1,
  ...fields,
});

const ROWS: Row[] = [
  { name: 'a plain transfer', request: t({}), expect: 'ok' },
  // $card: 10,000 in; a live 1,000 hold; 10 posted; 10 voided; 10 held by an expired hold → 8,990 available.
  { name: 'exactly the whole available balance', request: t({ amount: 8_990 }), expect: 'ok' },
  { name: 'one cent more than available', request: t({ amount: 8_991 }), expect: 'exceeds_credits' },
  { name: 'a live hold counts against the balance', request: t({ amount: 9_000 }), expect: 'exceeds_credits' },
  { name: 'credits beyond debits on a capped account', request: t({ debit_account_id: '$src', credit_account_id: '$cap' }), expect: 'exceeds_debits' },
  { name: 'empty id', request: t({ id: '' }), expect: 'id_invalid' },
  { name: 'id with spaces', request: t({ id: '$has space' }), expect: 'id_invalid' },
  { name: 'unknown flag', request: t({ flags: ['teleport' as never] }), expect: 'flags_unknown' },
  { name: 'pending and post together', request: t({ flags: ['pending', 'post_pending_transfer'] }), expect: 'flags_are_mutually_exclusive' },
  { name: 'balancing and void together', request: t({ pending_id: '$hold', flags: ['balancing_debit', 'void_pending_transfer'] }), expect: 'flags_are_mutually_exclusive' },
  { name: 'no debit account', request: t({ debit_account_id: '' }), expect: 'debit_account_id_must_not_be_empty' },
  { name: 'no credit account', request: t({ credit_account_id: undefined as never }), expect: 'credit_account_id_must_not_be_empty' },
  { name: 'same account both sides', request: t({ credit_account_id: '$card' }), expect: 'accounts_must_be_different' },
  { name: 'pending id on a plain transfer', request: t({ pending_id: '$hold' }), expect: 'pending_id_must_be_empty' },
  { name: 'post without a pending id', request: t({ flags: ['post_pending_transfer'] }), expect: 'pending_id_must_not_be_empty' },
  { name: 'post referring to itself', request: t({ id: '$self', pending_id: '$self', flags: ['post_pending_transfer'] }), expect: 'pending_id_must_be_different' },
  { name: 'timeout on a plain transfer', request: t({ timeout_ms: 1000 }), expect: 'timeout_reserved_for_pending_transfer' },
  { name: 'timeout on a post', request: { id: '$t', pending_id: '$hold', code: 1, timeout_ms: 5, flags: ['post_pending_transfer'] }, expect: 'timeout_reserved_for_pending_transfer' },
  { name: 'absurd timeout', request: t({ flags: ['pending'], timeout_ms: 10 ** 13 }), expect: 'timeout_exceeds_maximum' },
  { name: 'zero amount', request: t({ amount: 0 }), expect: 'amount_must_be_positive' },
  { name: 'negative amount', request: t({ amount: -5 }), expect: 'amount_must_be_positive' },
  { name: 'fractional amount', request: t({ amount: 1.5 }), expect: 'amount_must_be_positive' },
  { name: 'amount beyond the safe range', request: t({ amount: 2 ** 60 }), expect: 'amount_must_be_positive' },
  { name: 'zero code', request: t({ code: 0 }), expect: 'code_must_be_positive' },
  { name: 'unknown currency', request: t({ currency: 'XXX' }), expect: 'currency_unknown' },
  { name: 'nested metadata', request: t({ metadata: { a: { b: 1 } as never } }), expect: 'metadata_invalid' },
  { name: 'unknown debit account', request: t({ debit_account_id: '$nobody' }), expect: 'debit_account_not_found' },
  { name: 'unknown credit account', request: t({ credit_account_id: '$nobody' }), expect: 'credit_account_not_found' },
  { name: 'accounts in two books', request: t({ debit_account_id: '$src', credit_account_id: '$book2' }), expect: 'accounts_must_have_the_same_ledger' },
  { name: 'accounts in two currencies', request: t({ debit_account_id: '$src', credit_account_id: '$eur' }), expect: 'accounts_must_have_the_same_currency' },
  { name: 'transfer book differs', request: t({ ledger: 7 }), expect: 'transfer_must_have_the_same_ledger_as_accounts' },
  { name: 'transfer currency differs', request: t({ currency: 'EUR' }), expect: 'transfer_must_have_the_same_currency_as_accounts' },
  // idempotency
  { name: 'the same transfer again', request: t({ id: '$plain', debit_account_id: '$src', amount: 100 }), expect: 'exists' },
  { name: 'same id, other amount', request: t({ id: '$plain', debit_account_id: '$src', amount: 101 }), expect: 'exists_with_different_amount' },
  { name: 'same id, other debit', request: t({ id: '$plain', debit_account_id: '$card' }), expect: 'exists_with_different_debit_account_id' },
  { name: 'same id, other credit', request: t({ id: '$plain', debit_account_id: '$src', credit_account_id: '$card' }), expect: 'exists_with_different_credit_account_id' },
  { name: 'same id, other flags', request: t({ id: '$plain', debit_account_id: '$src', flags: ['pending'] }), expect: 'exists_with_different_flags' },
  { name: 'same id, other code', request: t({ id: '$plain', debit_account_id: '$src', code: 2 }), expect: 'exists_with_different_code' },
  { name: 'same id, other metadata', request: t({ id: '$plain', debit_account_id: '$src', metadata: { ref: 'x' } }), expect: 'exists_with_different_metadata' },
  { name: 'same id, other book', request: t({ id: '$plain', debit_account_id: '$src', ledger: 2 }), expect: 'exists_with_different_ledger' },
  { name: 'same id, other currency', request: t({ id: '$plain', debit_account_id: '$src', currency: 'EUR' }), expect: 'exists_with_different_currency' },
  { name: 'same hold, other timeout', request: t({ id: '$hold', amount: 1000, flags: ['pending'], timeout_ms: 1 }), expect: 'exists_with_different_timeout' },
  { name: 'same post, other pending id', request: { id: '$posted_by', pending_id: '$hold', code: 1, flags: ['post_pending_transfer'] }, expect: 'exists_with_different_pending_id' },
  { name: 'the same hold again', request: t({ id: '$hold', amount: 1000, flags: ['pending'], timeout_ms: 60_000 }), expect: 'exists' },
  // two-phase
  { name: 'post a hold in full', request: { id: '$t', pending_id: '$hold', code: 1, flags: ['post_pending_transfer'] }, expect: 'ok' },
  { name: 'post part of a hold', request: { id: '$t', pending_id: '$hold', amount: 400, code: 1, flags: ['post_pending_transfer'] }, expect: 'ok' },
  { name: 'void a hold', request: { id: '$t', pending_id: '$hold', code: 1, flags: ['void_pending_transfer'] }, expect: 'ok' },
  { name: 'post an unknown hold', request: { id: '$t', pending_id: '$nothing', code: 1, flags: ['post_pending_transfer'] }, expect: 'pending_transfer_not_found' },
  { name: 'post a transfer that is not a hold', request: { id: '$t', pending_id: '$plain', code: 1, flags: ['post_pending_transfer'] }, expect: 'pending_transfer_not_pending' },
  { name: 'post naming another debit account', request: { id: '$t', pending_id: '$hold', debit_account_id: '$src', code: 1, flags: ['post_pending_transfer'] }, expect: 'pending_transfer_has_different_debit_account_id' },
  { name: 'post naming another credit account', request: { id: '$t', pending_id: '$hold', credit_account_id: '$src', code: 1, flags: ['post_pending_transfer'] }, expect: 'pending_transfer_has_different_credit_account_id' },
  { name: 'post naming another book', request: { id: '$t', pending_id: '$hold', ledger: 2, code: 1, flags: ['post_pending_transfer'] }, expect: 'pending_transfer_has_different_ledger' },
  { name: 'post naming another currency', request: { id: '$t', pending_id: '$hold', currency: 'EUR', code: 1, flags: ['post_pending_transfer'] }, expect: 'pending_transfer_has_different_currency' },
  { name: 'post with another code', request: { id: '$t', pending_id: '$hold', code: 2, flags: ['post_pending_transfer'] }, expect: 'pending_transfer_has_different_code' },
  { name: 'post more than held', request: { id: '$t', pending_id: '$hold', amount: 1001, code: 1, flags: ['post_pending_transfer'] }, expect: 'exceeds_pending_transfer_amount' },
  { name: 'void part of a hold', request: { id: '$t', pending_id: '$hold', amount: 10, code: 1, flags: ['void_pending_transfer'] }, expect: 'pending_transfer_has_different_amount' },
  { name: 'post a posted hold', request: { id: '$t', pending_id: '$posted', code: 1, flags: ['post_pending_transfer'] }, expect: 'pending_transfer_already_posted' },
  { name: 'void a posted hold', request: { id: '$t', pending_id: '$posted', code: 1, flags: ['void_pending_transfer'] }, expect: 'pending_transfer_already_posted' },
  { name: 'post a voided hold', request: { id: '$t', pending_id: '$voided', code: 1, flags: ['post_pending_transfer'] }, expect: 'pending_transfer_already_voided' },
  { name: 'post an expired hold', request: { id: '$t', pending_id: '$expired', code: 1, flags: ['post_pending_transfer'] }, expect: 'pending_transfer_expired' },
  // balancing
  { name: 'balancing debit takes what is available', request: t({ amount: 50_000, flags: ['balancing_debit'] }), expect: 'ok' },
  // linked
  {
    name: 'linked chain with a failing member',
    request: [t({ id: '$a', flags: ['linked'] }), t({ id: '$b', amount: 1_000_000, flags: ['linked'] }), t({ id: '$c' })],
    expect: ['linked_event_failed', 'exceeds_credits', 'linked_event_failed'],
  },
  { name: 'linked chain left open', request: [t({ id: '$a', flags: ['linked'] }), t({ id: '$b', flags: ['linked'] })], expect: ['linked_event_failed', 'linked_event_chain_open'] },
  // overflow: the ledger refuses to leave the safe integer range rather than round
  {
    name: 'credits posted overflow',
    setup: [t({ id: '$big', debit_account_id: '$src2', credit_account_id: '$merch', amount: MAX - 3000 })],
    request: t({ debit_account_id: '$src3', credit_account_id: '$merch', amount: 3000 }),
    expect: 'overflows_credits_posted',
  },
  {
    name: 'debits posted overflow',
    setup: [t({ id: '$big', debit_account_id: '$src2', credit_account_id: '$src3', amount: MAX - 100 })],
    request: t({ debit_account_id: '$src2', credit_account_id: '$merch', amount: 1000 }),
    expect: 'overflows_debits_posted',
  },
  {
    name: 'debits pending overflow',
    setup: [t({ id: '$big', debit_account_id: '$src2', credit_account_id: '$src3', amount: MAX - 100, flags: ['pending'] })],
    request: t({ debit_account_id: '$src2', credit_account_id: '$merch', amount: 1000, flags: ['pending'] }),
    expect: 'overflows_debits_pending',
  },
  {
    name: 'credits pending overflow',
    setup: [t({ id: '$big', debit_account_id: '$src2', credit_account_id: '$merch', amount: MAX - 5000, flags: ['pending'] })],
    request: t({ debit_account_id: '$src3', credit_account_id: '$merch', amount: 6000, flags: ['pending'] }),
    expect: 'overflows_credits_pending',
  },
  {
    name: 'debits overflow (posted plus pending)',
    setup: [
      t({ id: '$big1', debit_account_id: '$src2', credit_account_id: '$src3', amount: MAX - 100 }),
      t({ id: '$big2', debit_account_id: '$src2', credit_account_id: '$merch', amount: 50, flags: ['pending'] }),
    ],
    request: t({ debit_account_id: '$src2', credit_account_id: '$merch', amount: 60 }),
    expect: 'overflows_debits',
  },
  {
    name: 'credits overflow (posted plus pending)',
    setup: [
      t({ id: '$big1', debit_account_id: '$src2', credit_account_id: '$merch', amount: MAX - 5000 }),
      t({ id: '$big2', debit_account_id: '$src3', credit_account_id: '$merch', amount: 3000, flags: ['pending'] }),
    ],
    request: t({ debit_account_id: '$src4', credit_account_id: '$merch', amount: 1000 }),
    expect: 'overflows_credits',
  },
];

function prefixed<T>(value: T, prefix: string): T {
  if (typeof value === 'string') return value.replace(/^\$/, prefix) as T;
  if (Array.isArray(value)) return value.map((v) => prefixed(v, prefix)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, k === 'metadata' || k === 'flags' ? v : prefixed(v, prefix)]),
    ) as T;
  }
  return value;
}

describe('ledger transfer outcomes (table-driven)', () => {
  let f: LedgerFixture;
  before(async () => {
    f = await ledgerFixture();
  });
  after(async () => {
    await f.assertAudit();
    await f.cleanup();
  });

  ROWS.forEach((row, index) => {
    test(`${row.name} → ${[row.expect].flat().join(', ')}`, async () => {
      const p = `r${index}_`;
      await f.accounts([
        FUNDING(`${p}src`),
        FUNDING(`${p}src2`),
        FUNDING(`${p}src3`),
        FUNDING(`${p}src4`),
        USD(`${p}card`),
        USD(`${p}merch`, { flags: [] }),
        USD(`${p}eur`, { currency: 'EUR', flags: [] }),
        USD(`${p}book2`, { ledger: 2, flags: [] }),
        USD(`${p}cap`, { flags: ['credits_must_not_exceed_debits'] }),
      ]);
      const world: TransferInput[] = [
        t({ id: '$fund', debit_account_id: '$src', credit_account_id: '$card', amount: 10_000 }),
        t({ id: '$plain', debit_account_id: '$src', amount: 100 }),
        t({ id: '$hold', amount: 1000, flags: ['pending'], timeout_ms: 60_000 }),
        t({ id: '$posted', amount: 10, flags: ['pending'] }),
        { id: '$posted_by', pending_id: '$posted', code: 1, flags: ['post_pending_transfer'] },
        t({ id: '$voided', amount: 10, flags: ['pending'] }),
        { id: '$voided_by', pending_id: '$voided', code: 1, flags: ['void_pending_transfer'] },
        t({ id: '$expired', amount: 10, flags: ['pending'], timeout_ms: 1 }),
        ...(row.setup ?? []),
      ];
      const setup = await f.ledger.createTransfers(f.db, prefixed(world, p));
      assert.deepEqual(setup.map((o) => `${o.id}:${o.result}`), setup.map((o) => `${o.id}:ok`));
      f.clock.advanceMs(1); // $expired is now past its timeout; $hold (60 s) is not.

      const requests = [row.request].flat() as TransferInput[];
      const outcomes = await f.ledger.createTransfers(f.db, prefixed(requests, p));
      assert.deepEqual(outcomes.map((o) => o.result), [row.expect].flat());
    });
  });

  test('every transfer outcome code is exercised by a row', () => {
    const covered = new Set(ROWS.flatMap((row) => [row.expect].flat()));
    const missing = CREATE_TRANSFER_RESULTS.filter((code) => !covered.has(code));
    assert.deepEqual(missing, []);
  });
});
