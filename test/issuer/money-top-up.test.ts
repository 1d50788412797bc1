import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { signAlipay } from '../../src/issuer/money/alipay-signature.ts';
import { SYSTEM_ACCOUNTS } from '../../src/issuer/money/ledger-accounts.ts';
import { updateMoneySettings } from '../../src/issuer/money/settings.ts';
import { assertAppError, moneyFixture, type MoneyFixture } from '../support/money-fixture.ts';

const MINUTE_MS = 60_000;

describe('top-up through the Alipay sandbox', () => {
  let f: MoneyFixture;
  before(async () => {
    f = await moneyFixture();
  });
  after(async () => {
    await f.assertAudit();
    await f.cleanup();
  });

  async function orderCount(): Promise<number> {
    return Number((await f.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM issuer_topup_orders'))!.n);
  }

  test('happy path: quote → order with pay page → signed paid notify → credited, every step recorded', async () => {
    f.approveKyc('ch_happy');
    const quote = await f.topUps.quote('ch_happy', 100_000);
    assert.deepEqual(
      [quote.cny_amount_minor, quote.fee_cny_minor, quote.rate, quote.usd_amount_minor, quote.expires_at_ms - quote.created_at_ms],
      [100_000, 1_000, '7.20', 13_750, 15 * MINUTE_MS],
    );
    const order = await f.topUps.createOrder('ch_happy', quote.id);
    assert.equal(order.status, 'created');
    assert.match(order.pay_url!, /^https:\/\//);
    assert.ok(order.qr_payload && order.provider_trade_no);
    assert.equal((await f.topUps.createOrder('ch_happy', quote.id)).id, order.id, 'same quote, same order');

    const notify = f.alipay.pay(order.id);
    assert.equal(notify.sign_type, 'RSA2');
    const result = await f.topUps.handleNotify(notify);
    assert.deepEqual([result.ack, result.outcome, result.order!.status], [true, 'credited', 'credited']);
    assert.equal(await f.available('ch_happy'), 13_750);
    const events = await f.topUps.orderEvents(order.id);
    assert.deepEqual(
      events.map((e) => [e.from_status, e.to_status]),
      [
        [null, 'created'],
        ['created', 'paid'],
        ['paid', 'credited'],
      ],
    );
    const [clearing, fees] = await f.ledger.getBalances(f.db, [SYSTEM_ACCOUNTS.cnyTopupClearing, SYSTEM_ACCOUNTS.cnyFeeRevenue]);
    assert.equal(clearing!.credits_posted - clearing!.debits_posted, 0, 'nothing left in clearing');
    assert.equal(fees!.credits_posted, 1_000);
    assert.equal(await f.topUps.getOrder('ch_someone_else', order.id), null, "another cardholder's order is not found");
  });

  test('a quote is honoured after the operator changes the rate and fee', async () => {
    f.approveKyc('ch_rate');
    const quote = await f.topUps.quote('ch_rate', 100_000);
    await updateMoneySettings(f.db, { usd_cny_rate: '8.00', top_up_fee_bps: 500 }, { actor: 'op', nowMs: f.clock.nowMs() });
    try {
      const fresh = await f.topUps.quote('ch_rate', 100_000);
      assert.deepEqual([fresh.rate, fresh.fee_cny_minor, fresh.usd_amount_minor], ['8.00', 5_000, 11_875]);
      const order = await f.topUps.createOrder('ch_rate', quote.id);
      assert.deepEqual([order.rate, order.usd_amount_minor], ['7.20', 13_750]);
      await f.topUps.handleNotify(f.alipay.pay(order.id));
      assert.equal(await f.available('ch_rate'), 13_750);
    } finally {
      await updateMoneySettings(f.db, { usd_cny_rate: '7.20', top_up_fee_bps: 100 }, { actor: 'op', nowMs: f.clock.nowMs() });
    }
  });

  test('an expired quote is refused and creates no order', async () => {
    f.approveKyc('ch_late');
    const quote = await f.topUps.quote('ch_late', 50_000);
    const ordersBefore = await orderCount();
    f.clock.advanceMs(15 * MINUTE_MS);
    await assertAppError(f.topUps.createOrder('ch_late', quote.id), 'quote_expired');
    assert.equal(await orderCount(), ordersBefore);
    await assertAppError(f.topUps.createOrder('ch_other', quote.id), 'kyc_required');
    f.approveKyc('ch_other');
    await assertAppError(f.topUps.createOrder('ch_other', quote.id), 'resource_missing');
  });

  test('five duplicate notifies, one after another, credit exactly once', async () => {
    f.approveKyc('ch_dup');
    const { notify } = await f.orderAndPay('ch_dup', 100_000);
    const outcomes = [];
    for (let i = 0; i < 5; i++) outcomes.push((await f.topUps.handleNotify(notify)).outcome);
    assert.deepEqual(outcomes, ['credited', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    assert.equal(await f.available('ch_dup'), 13_750);
  });

  test('five duplicate notifies at once credit exactly once', async () => {
    f.approveKyc('ch_race');
    const { notify } = await f.orderAndPay('ch_race', 100_000);
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => f.topUps.handleNotify(notify)));
    assert.equal(results.filter((r) => r.outcome === 'credited').length, 1);
    assert.equal(results.filter((r) => r.outcome === 'duplicate').length, 4);
    assert.ok(results.every((r) => r.ack));
    assert.equal(await f.available('ch_race'), 13_750);
  });

  test('forged, tampered and unsigned notifies are refused and credit nothing', async () => {
    f.approveKyc('ch_forge');
    const { order, notify } = await f.orderAndPay('ch_forge', 100_000);
    const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = { ...notify, sign: signAlipay(notify, attacker.privateKey) };
    const tampered = { ...notify, total_amount: '100000.00' };
    const unsigned: Record<string, string> = { ...notify };
    delete unsigned.sign;
    const wrongType = { ...notify, sign_type: 'RSA' };
    for (const bad of [forged, tampered, unsigned, wrongType]) await assertAppError(f.topUps.handleNotify(bad), 'notify_signature_invalid');
    assert.equal(await f.available('ch_forge'), 0);
    assert.equal((await f.topUps.getOrder('ch_forge', order.id))!.status, 'created');
    assert.equal((await f.topUps.handleNotify(notify)).outcome, 'credited', 'the genuine one still works');
  });

  test('a verified notify for an unknown order changes nothing', async () => {
    await f.alipay.createOrder({ outTradeNo: 'tuo_NOT_OURS', amountCnyMinor: 5_000, subject: 'x', expiresAtMs: f.clock.nowMs() + MINUTE_MS });
    const result = await f.topUps.handleNotify(f.alipay.pay('tuo_NOT_OURS'));
    assert.deepEqual([result.ack, result.outcome, result.order], [true, 'unknown_order', null]);
  });

  test('an unpaid order expires through the sweep and is closed at Alipay; a late payment is refunded in full', async () => {
    f.approveKyc('ch_expire');
    const quote = await f.topUps.quote('ch_expire', 20_000);
    const order = await f.topUps.createOrder('ch_expire', quote.id);
    f.clock.advanceMs(30 * MINUTE_MS - 1);
    assert.equal(await f.topUps.expireDueOrders(), 0, 'not yet');
    f.clock.advanceMs(1);
    assert.equal(await f.topUps.expireDueOrders(), 1);
    assert.equal(await f.topUps.expireDueOrders(), 0, 'once');
    const expired = (await f.topUps.getOrder('ch_expire', order.id))!;
    assert.equal(expired.status, 'expired');
    assert.equal(expired.expired_at_ms, f.clock.nowMs());
    assert.equal(f.alipay.tradeStatus(order.id), 'TRADE_CLOSED');

    const late = f.alipay.pay(order.id, { lateAfterClose: true });
    const result = await f.topUps.handleNotify(late);
    assert.deepEqual([result.outcome, result.order!.status], ['refunded', 'refunded']);
    assert.equal((await f.topUps.handleNotify(late)).outcome, 'duplicate');
    const refunds = f.alipay.refunds().filter((r) => r.outTradeNo === order.id);
    assert.equal(refunds.length, 1);
    assert.equal(refunds[0]!.amountCnyMinor, 20_000, 'in full, fee included');
    assert.equal(await f.available('ch_expire'), 0);
    assert.deepEqual(
      (await f.topUps.orderEvents(order.id)).map((e) => e.to_status),
      ['created', 'expired', 'refund_pending', 'refunded'],
    );
  });

  test('closed order: stays uncredited; paid-after-closed is refunded once whatever the repeats', async () => {
    f.approveKyc('ch_close');
    const quote = await f.topUps.quote('ch_close', 30_000);
    const order = await f.topUps.createOrder('ch_close', quote.id);
    const closed = f.alipay.close(order.id);
    assert.equal((await f.topUps.handleNotify(closed)).outcome, 'closed');
    assert.equal((await f.topUps.handleNotify(closed)).outcome, 'ignored');
    const paid = f.alipay.pay(order.id, { lateAfterClose: true });
    const results = await Promise.all([paid, paid, closed, paid].map((n) => f.topUps.handleNotify(n)));
    assert.equal(results.filter((r) => r.outcome === 'refunded').length, 1);
    assert.equal(f.alipay.refunds().filter((r) => r.outTradeNo === order.id).length, 1);
    assert.equal(await f.available('ch_close'), 0);
    const final = (await f.topUps.getOrder('ch_close', order.id))!;
    assert.equal(final.status, 'refunded');
    assert.ok(final.closed_at_ms && final.paid_at_ms && final.refunded_at_ms && final.provider_refund_id);
  });

  test('failed payment: the order fails, nothing is credited; a credited order only sees duplicates', async () => {
    f.approveKyc('ch_fail');
    const quote = await f.topUps.quote('ch_fail', 30_000);
    const order = await f.topUps.createOrder('ch_fail', quote.id);
    const result = await f.topUps.handleNotify(f.alipay.fail(order.id));
    assert.deepEqual([result.outcome, result.order!.status], ['failed', 'failed']);
    assert.equal(await f.available('ch_fail'), 0);

    const credited = await f.topUp('ch_fail', 30_000);
    assert.equal((await f.topUps.handleNotify(f.alipay.notifies(credited.id)[0]!)).outcome, 'duplicate');
  });

  test('KYC gate: no quote and no order without approved KYC, and the gate is asked each time', async () => {
    const quotesBefore = Number((await f.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM issuer_topup_quotes'))!.n);
    await assertAppError(f.topUps.quote('ch_nokyc', 100_000), 'kyc_required');
    assert.equal(f.gateCalls.at(-1), 'ch_nokyc');
    assert.equal(Number((await f.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM issuer_topup_quotes'))!.n), quotesBefore);
    await assertAppError(f.withdrawals.withdraw({ cardholderId: 'ch_nokyc', amountUsdMinor: 1_000, requestId: 'r1' }), 'kyc_required');
  });
});
