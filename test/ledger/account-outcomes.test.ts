import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CREATE_ACCOUNT_RESULTS, type CreateAccountResult } from '../../src/ledger/codes.ts';
import type { AccountInput } from '../../src/ledger/types.ts';
import { ledgerFixture, type LedgerFixture } from '../support/ledger-fixture.ts';

const a = (fields: Partial<AccountInput> = {}): AccountInput => ({ id: '$a', ledger: 1, currency: 'USD', code: 1, ...fields });
const existing = a({ id: '$existing', metadata: { owner: 'ch_1' }, flags: ['debits_must_not_exceed_credits'] });

const ROWS: Array<{ name: string; request: AccountInput | AccountInput[]; expect: CreateAccountResult | CreateAccountResult[] }> = [
  { name: 'a new account', request: a(), expect: 'ok' },
  { name: 'a JPY account with limits', request: a({ currency: 'JPY', flags: ['credits_must_not_exceed_debits'] }), expect: 'ok' },
  { name: 'bad id', request: a({ id: '$ bad' }), expect: 'id_invalid' },
  { name: 'unknown flag', request: a({ flags: ['overdraft' as never] }), expect: 'flags_unknown' },
  { name: 'both limits', request: a({ flags: ['debits_must_not_exceed_credits', 'credits_must_not_exceed_debits'] }), expect: 'flags_are_mutually_exclusive' },
  { name: 'book 0', request: a({ ledger: 0 }), expect: 'ledger_must_be_positive' },
  { name: 'code 0', request: a({ code: 0 }), expect: 'code_must_be_positive' },
  { name: 'unknown currency', request: a({ currency: 'usd' }), expect: 'currency_unknown' },
  { name: 'metadata with an array', request: a({ metadata: { tags: [] as never } }), expect: 'metadata_invalid' },
  { name: 'the same again', request: { ...existing }, expect: 'exists' },
  { name: 'same id, other flags', request: { ...existing, flags: [] }, expect: 'exists_with_different_flags' },
  { name: 'same id, other book', request: { ...existing, ledger: 2 }, expect: 'exists_with_different_ledger' },
  { name: 'same id, other currency', request: { ...existing, currency: 'CNY' }, expect: 'exists_with_different_currency' },
  { name: 'same id, other code', request: { ...existing, code: 7 }, expect: 'exists_with_different_code' },
  { name: 'same id, other metadata', request: { ...existing, metadata: { owner: 'ch_2' } }, expect: 'exists_with_different_metadata' },
  { name: 'linked, one bad', request: [a({ id: '$x', flags: ['linked'] }), a({ id: '$y', currency: 'XYZ' })], expect: ['linked_event_failed', 'currency_unknown'] },
  { name: 'linked, left open', request: [a({ id: '$x', flags: ['linked'] })], expect: ['linked_event_chain_open'] },
];

describe('ledger account outcomes (table-driven)', () => {
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
      const p = `a${index}_`;
      const fix = <T extends AccountInput>(input: T): T => ({ ...input, id: input.id.replace(/^\$/, p) });
      await f.accounts([fix(existing)]);
      const outcomes = await f.ledger.createAccounts(f.db, [row.request].flat().map(fix));
      assert.deepEqual(outcomes.map((o) => o.result), [row.expect].flat());
      if (!Array.isArray(row.request) && row.expect !== 'ok' && row.expect !== 'exists' && row.request.id !== existing.id) {
        assert.deepEqual(await f.ledger.lookupAccounts(f.db, [fix(row.request).id]), []);
      }
    });
  });

  test('a refused linked chain creates none of its accounts', async () => {
    const outcomes = await f.ledger.createAccounts(f.db, [
      a({ id: 'chain_1', flags: ['linked'] }),
      a({ id: 'chain_2', flags: ['linked'] }),
      a({ id: 'chain_3', ledger: -1 }),
    ]);
    assert.deepEqual(outcomes.map((o) => o.result), ['linked_event_failed', 'linked_event_failed', 'ledger_must_be_positive']);
    assert.deepEqual(await f.ledger.lookupAccounts(f.db, ['chain_1', 'chain_2', 'chain_3']), []);
  });

  test('every account outcome code is exercised by a row', () => {
    const covered = new Set(ROWS.flatMap((row) => [row.expect].flat()));
    assert.deepEqual(CREATE_ACCOUNT_RESULTS.filter((code) => !covered.has(code)), []);
  });
});
