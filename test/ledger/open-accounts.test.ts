import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FUNDING, ledgerFixture, USD, type LedgerFixture } from '../support/ledger-fixture.ts';

/**
 * Open accounts (no limit flag: the house accounts every payment touches)
 * are never locked by a writer: their changes are appended as entries that
 * a roll-up folds into the row (src/ledger/entries.ts). Limited accounts are
 * locked as before, so what must be refused still is.
 */
describe('open accounts: no hot row', () => {
  let f: LedgerFixture;
  before(async () => {
    f = await ledgerFixture();
  });
  after(async () => {
    await f.cleanup();
  });

  test('a transfer between open accounts does not wait for another still uncommitted on the same accounts', { skip: process.env.CARDLANE_TEST_DATABASE?.startsWith('postgres') ? false : 'SQLite has one writer at a time by design' }, async () => {
    await f.accounts([FUNDING('hot_bank'), FUNDING('hot_clearing')]);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const slow = f.db.transaction(async (tx) => {
      const [outcome] = await f.ledger.createTransfers(tx, [{ id: 'hot_1', debit_account_id: 'hot_bank', credit_account_id: 'hot_clearing', amount: 100, code: 1 }]);
      assert.equal(outcome!.result, 'ok');
      entered();
      await held;
    });
    await inside;
    // While the first transaction is open (its entries written, not committed), a second one commits.
    const second = f.ledger.createTransfers(f.db, [{ id: 'hot_2', debit_account_id: 'hot_bank', credit_account_id: 'hot_clearing', amount: 50, code: 1 }]);
    const timeout = new Promise<'timed out'>((resolve) => setTimeout(() => resolve('timed out'), 5_000));
    const first = await Promise.race([second, timeout]);
    release();
    await slow;
    assert.notEqual(first, 'timed out', 'the second transfer waited for the first one to commit');
    const [bank] = await f.ledger.getBalances(f.db, ['hot_bank']);
    assert.equal(bank!.debits_posted, 150);
    await f.assertAudit();
  });

  test('balances read are exact before and after the roll-up, holds and their expiry included', async () => {
    await f.accounts([FUNDING('r_bank'), USD('r_card'), FUNDING('r_shop')]);
    const ok = async (inputs: Parameters<typeof f.ledger.createTransfers>[1]) => {
      const outcomes = await f.ledger.createTransfers(f.db, inputs);
      assert.deepEqual(outcomes.map((o) => o.result), inputs.map(() => 'ok'));
    };
    await ok([{ id: 'r_fund', debit_account_id: 'r_bank', credit_account_id: 'r_card', amount: 10_000, code: 1 }]);
    await ok([
      { id: 'r_hold', debit_account_id: 'r_card', credit_account_id: 'r_shop', amount: 3_000, code: 2, flags: ['pending'] },
      { id: 'r_open_hold', debit_account_id: 'r_bank', credit_account_id: 'r_shop', amount: 700, code: 2, flags: ['pending'], timeout_ms: 1_000 },
    ]);
    await ok([{ id: 'r_post', pending_id: 'r_hold', amount: 2_500, code: 2, flags: ['post_pending_transfer'] }]);
    const expected = { r_bank: [10_000, 0, 700, 0], r_shop: [0, 2_500, 0, 700], r_card: [2_500, 10_000, 0, 0] } as Record<string, number[]>;
    const read = async () =>
      Object.fromEntries(
        (await f.ledger.getBalances(f.db, ['r_bank', 'r_shop', 'r_card'])).map((b) => [b.account_id, [b.debits_posted, b.credits_posted, b.debits_pending, b.credits_pending]]),
      );
    assert.deepEqual(await read(), expected);
    await f.ledger.rollUpEntries(f.db);
    assert.deepEqual(await read(), expected);
    assert.equal(await f.ledger.rollUpEntries(f.db), 0, 'nothing is applied twice');
    // The open hold expires: at once for reads, then for the rows through the sweeper's entries and the roll-up.
    f.clock.advanceMs(1_001);
    const afterExpiry = { ...expected, r_bank: [10_000, 0, 0, 0], r_shop: [0, 2_500, 0, 0] };
    assert.deepEqual(await read(), afterExpiry);
    assert.equal(await f.ledger.expireDue(f.db), 1);
    assert.deepEqual(await read(), afterExpiry);
    await f.assertAudit();
    await f.ledger.rollUpEntries(f.db);
    assert.deepEqual(await read(), afterExpiry);
    const [bank] = await f.ledger.lookupAccounts(f.db, ['r_bank']);
    assert.deepEqual([bank!.debits_posted, bank!.debits_pending], [10_000, 0]);
    const history = await f.ledger.listAccountTransfers(f.db, 'r_shop', { limit: 2 });
    assert.deepEqual(history.data.map((t) => t.id), ['r_post', 'r_open_hold']);
    const rest = await f.ledger.listAccountTransfers(f.db, 'r_shop', { limit: 2, after: history.next_cursor });
    assert.deepEqual(rest.data.map((t) => t.id), ['r_hold']);
    await assert.rejects(f.ledger.listAccountTransfers(f.db, 'r_bank', { after: history.next_cursor }), (e: any) => e.code === 'cursor_invalid');
    await f.assertAudit();
  });

  test('many concurrent payments through shared house accounts: the limited card still refuses what it cannot afford', async () => {
    await f.accounts([FUNDING('c_bank'), USD('c_card'), FUNDING('c_clearing'), FUNDING('c_merchant')]);
    const [funded] = await f.ledger.createTransfers(f.db, [{ id: 'c_fund', debit_account_id: 'c_bank', credit_account_id: 'c_card', amount: 2_000, code: 1 }]);
    assert.equal(funded!.result, 'ok');
    const roller = (async () => {
      for (let i = 0; i < 5; i++) await f.ledger.rollUpEntries(f.db);
    })();
    const attempts = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        f.db.transaction((tx) =>
          f.ledger.createTransfers(tx, [
            { id: `c_pay_${i}`, debit_account_id: 'c_card', credit_account_id: 'c_clearing', amount: 100, code: 2, flags: ['linked'] },
            { id: `c_settle_${i}`, debit_account_id: 'c_clearing', credit_account_id: 'c_merchant', amount: 100, code: 3 },
          ]),
        ),
      ),
    );
    await roller;
    assert.equal(attempts.filter((o) => o[0]!.result === 'ok').length, 20);
    const [card, clearing, merchant] = await f.ledger.getBalances(f.db, ['c_card', 'c_clearing', 'c_merchant']);
    assert.deepEqual([card!.available, clearing!.debits_posted, clearing!.credits_posted, merchant!.credits_posted], [0, 2_000, 2_000, 2_000]);
    await f.assertAudit();
  });
});
