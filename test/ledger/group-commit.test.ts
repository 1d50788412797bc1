import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TransferInput } from '../../src/ledger/types.ts';
import { FUNDING, ledgerFixture, USD, type LedgerFixture } from '../support/ledger-fixture.ts';

/**
 * Concurrent calls on the database share commits. Sharing must change
 * nothing a caller can see: each request gets its own outcomes, its linked
 * chains stay its own, and the results are those of some serial order.
 */
describe('group commit', () => {
  let f: LedgerFixture;
  before(async () => {
    f = await ledgerFixture();
    await f.accounts([FUNDING('gc_bank'), USD('gc_card'), USD('gc_shop', { flags: [] })]);
    await f.ledger.createTransfers(f.db, [{ id: 'gc_fund', debit_account_id: 'gc_bank', credit_account_id: 'gc_card', amount: 10_000, code: 1 }]);
  });
  after(async () => {
    await f.assertAudit();
    await f.cleanup();
  });

  const pay = (id: string, amount: number, flags: TransferInput['flags'] = []): TransferInput => ({
    id,
    debit_account_id: 'gc_card',
    credit_account_id: 'gc_shop',
    amount,
    code: 1,
    flags,
  });

  test('concurrent requests keep their own outcomes and their own linked chains', async () => {
    const requests: TransferInput[][] = [
      [pay('gc_a1', 100, ['linked']), pay('gc_a2', 100)], // fine
      [pay('gc_b1', 100, ['linked']), pay('gc_b2', 1_000_000)], // fails as a chain
      [pay('gc_c1', 100, ['linked'])], // a chain left open must not link into the next request
      [pay('gc_d1', 100)],
      [pay('gc_a1', 100, ['linked']), pay('gc_e1', 100)], // `exists` is not `ok`: it breaks a new chain (as in TigerBeetle)
    ];
    const outcomes = await Promise.all(requests.map((r) => f.ledger.createTransfers(f.db, r)));
    assert.deepEqual(
      outcomes.map((o) => o.map((x) => x.result)),
      [['ok', 'ok'], ['linked_event_failed', 'exceeds_credits'], ['linked_event_chain_open'], ['ok'], ['exists', 'linked_event_failed']],
    );
    const card = await f.ledger.getBalance(f.db, 'gc_card');
    assert.equal(card!.debits_posted, 300);
  });

  test('the same new id sent by many callers at once is created once', async () => {
    const outcomes = await Promise.all(Array.from({ length: 12 }, () => f.ledger.createTransfer(f.db, pay('gc_same', 250))));
    assert.equal(outcomes.filter((o) => o.result === 'ok').length, 1);
    assert.equal(outcomes.filter((o) => o.result === 'exists').length, 11);
    assert.ok(outcomes.every((o) => o.transfer?.amount === 250));
  });

  test('many concurrent holds never overspend and each caller learns its own fate', async () => {
    const before = (await f.ledger.getBalance(f.db, 'gc_card'))!.available;
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, (_, i) => f.ledger.createTransfer(f.db, pay(`gc_hold${i}`, 500, ['pending']))),
    );
    const accepted = outcomes.filter((o) => o.result === 'ok').length;
    assert.equal(accepted, Math.floor(before / 500));
    assert.equal(outcomes.filter((o) => o.result === 'exceeds_credits').length, 40 - accepted);
    assert.equal((await f.ledger.getBalance(f.db, 'gc_card'))!.available, before - accepted * 500);
  });
});
