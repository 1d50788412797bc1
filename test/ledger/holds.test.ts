import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FUNDING, ledgerFixture, USD, type LedgerFixture } from '../support/ledger-fixture.ts';

describe('holds, expiry and balances', () => {
  let f: LedgerFixture;
  before(async () => {
    f = await ledgerFixture();
  });
  after(async () => {
    await f.assertAudit();
    await f.cleanup();
  });

  async function fundedCard(name: string, amount: number): Promise<void> {
    await f.accounts([FUNDING(`${name}_bank`), USD(`${name}_card`), USD(`${name}_shop`, { flags: [] })]);
    const [funded] = await f.ledger.createTransfers(f.db, [
      { id: `${name}_fund`, debit_account_id: `${name}_bank`, credit_account_id: `${name}_card`, amount, code: 1 },
    ]);
    assert.equal(funded!.result, 'ok');
  }

  const hold = (name: string, n: number, amount: number, timeout_ms = 0) => ({
    id: `${name}_hold${n}`,
    debit_account_id: `${name}_card`,
    credit_account_id: `${name}_shop`,
    amount,
    code: 2,
    flags: ['pending' as const],
    ...(timeout_ms ? { timeout_ms } : {}),
  });

  test('Blnk #181: six holds of 1,000 on 5,000 — the sixth is refused (one by one)', async () => {
    await fundedCard('blnk', 5000);
    const results = [];
    for (let n = 1; n <= 6; n++) results.push((await f.ledger.createTransfer(f.db, hold('blnk', n, 1000))).result);
    assert.deepEqual(results, ['ok', 'ok', 'ok', 'ok', 'ok', 'exceeds_credits']);
    const balance = await f.ledger.getBalance(f.db, 'blnk_card');
    assert.equal(balance!.available, 0);
    assert.equal(balance!.debits_pending, 5000);
  });

  test('Blnk #181, concurrently: six holds of 1,000 sent at once on 5,000 — exactly five pass', async () => {
    await fundedCard('blnkc', 5000);
    const outcomes = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => f.ledger.createTransfer(f.db, hold('blnkc', n, 1000))));
    assert.equal(outcomes.filter((o) => o.result === 'ok').length, 5);
    assert.equal(outcomes.filter((o) => o.result === 'exceeds_credits').length, 1);
  });

  test('the six holds in one batch: the sixth is refused, the others stand', async () => {
    await fundedCard('blnkb', 5000);
    const outcomes = await f.ledger.createTransfers(f.db, [1, 2, 3, 4, 5, 6].map((n) => hold('blnkb', n, 1000)));
    assert.deepEqual(outcomes.map((o) => o.result), ['ok', 'ok', 'ok', 'ok', 'ok', 'exceeds_credits']);
  });

  test('a partial capture posts part and releases the rest', async () => {
    await fundedCard('partial', 5000);
    await f.ledger.createTransfer(f.db, hold('partial', 1, 3000));
    const post = await f.ledger.createTransfer(f.db, {
      id: 'partial_capture',
      pending_id: 'partial_hold1',
      amount: 1200,
      code: 2,
      flags: ['post_pending_transfer'],
    });
    assert.equal(post.result, 'ok');
    assert.equal(post.transfer!.amount, 1200);
    const [card, shop] = await f.ledger.getBalances(f.db, ['partial_card', 'partial_shop']);
    assert.deepEqual([card!.debits_posted, card!.debits_pending, card!.available], [1200, 0, 3800]);
    assert.deepEqual([shop!.credits_posted, shop!.credits_pending], [1200, 0]);
    const [held] = await f.ledger.lookupTransfers(f.db, ['partial_hold1']);
    assert.deepEqual([held!.pending_status, held!.resolved_by], ['posted', 'partial_capture']);
  });

  test('an expired hold stops holding funds at once, cannot be captured, and the sweeper finalizes it', async () => {
    await fundedCard('exp', 5000);
    await f.ledger.createTransfer(f.db, hold('exp', 1, 4000, 7 * 24 * 3600_000));
    assert.equal((await f.ledger.getBalance(f.db, 'exp_card'))!.available, 1000);
    assert.equal((await f.ledger.createTransfer(f.db, hold('exp', 2, 2000))).result, 'exceeds_credits');

    f.clock.advanceMs(7 * 24 * 3600_000);
    // Before any sweep: reads and writes already treat the hold as gone.
    const live = await f.ledger.getBalance(f.db, 'exp_card');
    assert.deepEqual([live!.debits_pending, live!.available], [0, 5000]);
    const capture = await f.ledger.createTransfer(f.db, { id: 'exp_capture', pending_id: 'exp_hold1', code: 2, flags: ['post_pending_transfer'] });
    assert.equal(capture.result, 'pending_transfer_expired');
    assert.equal((await f.ledger.createTransfer(f.db, hold('exp', 3, 5000))).result, 'ok');

    const expired = await f.ledger.expireDue(f.db);
    assert.ok(expired >= 1);
    const [finalized] = await f.ledger.lookupTransfers(f.db, ['exp_hold1']);
    assert.equal(finalized!.pending_status, 'expired');
    assert.equal(finalized!.resolved_at_ms, finalized!.expires_at_ms);
    const [stored] = await f.ledger.lookupAccounts(f.db, ['exp_card']);
    assert.equal(stored!.debits_pending, 5000);
    const voidExpired = await f.ledger.createTransfer(f.db, { id: 'exp_void', pending_id: 'exp_hold1', code: 2, flags: ['void_pending_transfer'] });
    assert.equal(voidExpired.result, 'pending_transfer_expired');
    await f.assertAudit();
  });

  test('a balancing transfer moves exactly what is available', async () => {
    await fundedCard('bal', 5000);
    await f.ledger.createTransfer(f.db, hold('bal', 1, 1500));
    const sweep = await f.ledger.createTransfer(f.db, {
      id: 'bal_sweep',
      debit_account_id: 'bal_card',
      credit_account_id: 'bal_bank',
      amount: 1_000_000,
      code: 3,
      flags: ['balancing_debit'],
    });
    assert.equal(sweep.result, 'ok');
    assert.equal(sweep.transfer!.amount, 3500);
    assert.equal((await f.ledger.getBalance(f.db, 'bal_card'))!.available, 0);
    // The same request again is recognized, even though it would now move 0.
    const again = await f.ledger.createTransfer(f.db, {
      id: 'bal_sweep',
      debit_account_id: 'bal_card',
      credit_account_id: 'bal_bank',
      amount: 1_000_000,
      code: 3,
      flags: ['balancing_debit'],
    });
    assert.equal(again.result, 'exists');
    assert.equal(again.transfer!.amount, 3500);
  });

  test('balance as of a past time is rebuilt from the transfers', async () => {
    await fundedCard('hist', 5000);
    const t0 = f.clock.nowMs();
    f.clock.advanceMs(1000);
    await f.ledger.createTransfer(f.db, hold('hist', 1, 2000, 10_000));
    const t1 = f.clock.nowMs();
    f.clock.advanceMs(1000);
    await f.ledger.createTransfer(f.db, { id: 'hist_post', pending_id: 'hist_hold1', amount: 500, code: 2, flags: ['post_pending_transfer'] });
    const t2 = f.clock.nowMs();
    f.clock.advanceMs(1000);
    await f.ledger.createTransfer(f.db, hold('hist', 2, 1000, 5_000));
    const t3 = f.clock.nowMs();
    f.clock.advanceMs(10_000);
    const at = async (ms: number) => {
      const b = (await f.ledger.getBalanceAt(f.db, 'hist_card', ms))!;
      return [b.credits_posted, b.debits_posted, b.debits_pending, b.available];
    };
    assert.deepEqual(await at(t0 - 1), [0, 0, 0, 0]);
    assert.deepEqual(await at(t0), [5000, 0, 0, 5000]);
    assert.deepEqual(await at(t1), [5000, 0, 2000, 3000]);
    assert.deepEqual(await at(t2), [5000, 500, 0, 4500]);
    assert.deepEqual(await at(t3), [5000, 500, 1000, 3500]);
    assert.deepEqual(await at(t3 + 5_000), [5000, 500, 0, 4500]); // the second hold expired
    assert.equal(await f.ledger.getBalanceAt(f.db, 'nobody', t3), null);
  });

  test("an account's transfers page by cursor, newest first, each exactly once", async () => {
    await fundedCard('page', 100_000);
    for (let n = 1; n <= 23; n++) {
      await f.ledger.createTransfer(f.db, { id: `page_t${n}`, debit_account_id: 'page_card', credit_account_id: 'page_shop', amount: n, code: 1 });
    }
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const page = await f.ledger.listAccountTransfers(f.db, 'page_card', { limit: 10, after });
      seen.push(...page.data.map((t) => t.id));
      after = page.next_cursor;
      pages += 1;
      assert.equal(page.has_more, after !== null);
    } while (after);
    assert.equal(pages, 3);
    assert.deepEqual(seen, [...Array.from({ length: 23 }, (_, i) => `page_t${23 - i}`), 'page_fund']);
    await assert.rejects(() => f.ledger.listAccountTransfers(f.db, 'page_card', { after: 'garbage' }), { code: 'cursor_invalid' });
  });

  test('an outcome is a value: a batch mixes successes and refusals, and refusals change nothing', async () => {
    await fundedCard('mix', 1000);
    const before = await f.ledger.getBalance(f.db, 'mix_card');
    const outcomes = await f.ledger.createTransfers(f.db, [
      { id: 'mix_a', debit_account_id: 'mix_card', credit_account_id: 'mix_shop', amount: 5000, code: 1 },
      { id: 'mix_b', debit_account_id: 'mix_card', credit_account_id: 'nobody', amount: 1, code: 1 },
    ]);
    assert.deepEqual(outcomes.map((o) => o.result), ['exceeds_credits', 'credit_account_not_found']);
    assert.deepEqual(await f.ledger.getBalance(f.db, 'mix_card'), before);
    assert.deepEqual(await f.ledger.lookupTransfers(f.db, ['mix_a', 'mix_b']), []);
  });
});
