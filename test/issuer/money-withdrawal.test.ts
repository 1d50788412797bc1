import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SYSTEM_ACCOUNTS } from '../../src/issuer/money/ledger-accounts.ts';
import { assertAppError, moneyFixture, type MoneyFixture } from '../support/money-fixture.ts';

describe('withdrawal to Alipay', () => {
  let f: MoneyFixture;
  before(async () => {
    f = await moneyFixture();
  });
  after(async () => {
    await f.assertAudit();
    await f.cleanup();
  });

  async function funded(ch: string): Promise<void> {
    f.approveKyc(ch);
    await f.topUp(ch, 100_000); // $137.50
  }

  test('success: holds taken, payout made, holds posted; fee to revenue', async () => {
    await funded('ch_wd_ok');
    const payoutBefore = (await f.ledger.getBalance(f.db, SYSTEM_ACCOUNTS.usdPayoutClearing))!.credits_posted;
    const wd = await f.withdrawals.withdraw({ cardholderId: 'ch_wd_ok', amountUsdMinor: 10_000, requestId: 'req-1' });
    assert.deepEqual(
      [wd.status, wd.amount_usd_minor, wd.fee_usd_minor, wd.payout_usd_minor, wd.payout_cny_minor],
      ['paid', 10_000, 100, 9_900, 71_280],
    );
    assert.ok(wd.provider_payout_id && wd.paid_at_ms);
    assert.equal(await f.available('ch_wd_ok'), 3_750);
    const [hold, feeHold] = await f.ledger.lookupTransfers(f.db, [`wd:${wd.id}:payout`, `wd:${wd.id}:fee`]);
    assert.deepEqual([hold!.pending_status, feeHold!.pending_status], ['posted', 'posted']);
    assert.equal((await f.ledger.getBalance(f.db, SYSTEM_ACCOUNTS.usdPayoutClearing))!.credits_posted - payoutBefore, 9_900);
    const sent = f.payouts.payouts().filter((p) => p.payoutId === wd.id);
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.amountCnyMinor, 71_280);

    const again = await f.withdrawals.withdraw({ cardholderId: 'ch_wd_ok', amountUsdMinor: 10_000, requestId: 'req-1' });
    assert.equal(again.id, wd.id, 'a retry with the same request id takes nothing more');
    assert.equal(await f.available('ch_wd_ok'), 3_750);
  });

  test('payout failure: holds voided, the whole amount is back', async () => {
    await funded('ch_wd_fail');
    f.payouts.failNext('payee_account_invalid');
    const wd = await f.withdrawals.withdraw({ cardholderId: 'ch_wd_fail', amountUsdMinor: 10_000, requestId: 'req-1' });
    assert.deepEqual([wd.status, wd.failure_reason], ['failed', 'payee_account_invalid']);
    assert.equal(await f.available('ch_wd_fail'), 13_750);
    const holds = await f.ledger.lookupTransfers(f.db, [`wd:${wd.id}:payout`, `wd:${wd.id}:fee`]);
    assert.deepEqual(holds.map((h) => h!.pending_status), ['voided', 'voided']);
  });

  test('insufficient balance: refused, nothing changes', async () => {
    await funded('ch_wd_poor');
    const rowsBefore = Number((await f.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM issuer_withdrawals'))!.n);
    await assertAppError(f.withdrawals.withdraw({ cardholderId: 'ch_wd_poor', amountUsdMinor: 13_751, requestId: 'req-1' }), 'insufficient_funds');
    assert.equal(Number((await f.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM issuer_withdrawals'))!.n), rowsBefore);
    const balance = (await f.ledger.getBalance(f.db, 'iss:wallet:ch_wd_poor'))!;
    assert.deepEqual([balance.available, balance.debits_pending], [13_750, 0]);
    const all = await f.withdrawals.withdraw({ cardholderId: 'ch_wd_poor', amountUsdMinor: 13_750, requestId: 'req-2' });
    assert.equal(all.status, 'paid', 'withdrawing everything works');
    assert.equal(await f.available('ch_wd_poor'), 0);
  });

  test('amount out of range is refused', async () => {
    await funded('ch_wd_range');
    await assertAppError(f.withdrawals.withdraw({ cardholderId: 'ch_wd_range', amountUsdMinor: 50, requestId: 'r' }), 'withdrawal_amount_out_of_range');
  });

  test('lost answer: money stays held, then the sweep settles it once', async () => {
    await funded('ch_wd_lost');
    f.payouts.dropNext();
    const wd = await f.withdrawals.withdraw({ cardholderId: 'ch_wd_lost', amountUsdMinor: 10_000, requestId: 'req-1' });
    assert.equal(wd.status, 'pending');
    const held = (await f.ledger.getBalance(f.db, 'iss:wallet:ch_wd_lost'))!;
    assert.deepEqual([held.available, held.debits_pending], [3_750, 10_000]);
    assert.equal(await f.withdrawals.resolvePending(), 1);
    assert.equal(await f.withdrawals.resolvePending(), 0);
    assert.equal((await f.withdrawals.get('ch_wd_lost', wd.id))!.status, 'paid');
    assert.equal(await f.available('ch_wd_lost'), 3_750);
    assert.equal(f.payouts.payouts().filter((p) => p.payoutId === wd.id).length, 1);
  });

  test('concurrent withdrawals cannot overdraw the wallet', async () => {
    await funded('ch_wd_race');
    const results = await Promise.allSettled(
      [1, 2, 3].map((n) => f.withdrawals.withdraw({ cardholderId: 'ch_wd_race', amountUsdMinor: 6_000, requestId: `req-${n}` })),
    );
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 2);
    assert.equal(results.filter((r) => r.status === 'rejected' && (r.reason as { code?: string }).code === 'insufficient_funds').length, 1);
    assert.equal(await f.available('ch_wd_race'), 1_750);
  });
});
