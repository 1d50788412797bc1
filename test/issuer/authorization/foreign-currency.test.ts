import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { billed, usdBetween, type IssuerFx } from '../../../src/issuer/authorization/foreign-exchange.ts';
import { findAuthorizationByRequestId } from '../../../src/issuer/authorization/records.ts';
import { cardStatement } from '../../../src/issuer/cards/statement.ts';
import { cardFixture, followUp, type CardFixture } from '../../support/card-fixture.ts';

const FX: IssuerFx = { ratesToUsd: { GBP: '1.27', EUR: '1.08', JPY: '0.0067' }, crossBorderFeeBps: 100 };

describe('a USD card pays in GBP, EUR and JPY at the configured rate plus the cross-border fee', () => {
  let f: CardFixture;
  before(async () => {
    f = await cardFixture({ fx: FX });
  });
  afterEach(async () => {
    await f.assertConsistent();
  });
  after(async () => {
    await f.cleanup();
  });

  test('the billing rule: half-to-even conversion to the cent, then the fee on the converted amount', () => {
    const gbp = { currency: 'GBP', rate: '1.27', feeBps: 100 };
    // £20.00 × 1.27 = $25.40; 1 % fee = 25.4 → 25 cents (half to even of 25.4).
    assert.deepEqual(billed(2_000, gbp), { convertedUsdMinor: 2_540, feeUsdMinor: 25, usdMinor: 2_565 });
    // ¥1,500 (no decimals) × 0.0067 = $10.05; fee 10.05 → 10 cents.
    assert.deepEqual(billed(1_500, { currency: 'JPY', rate: '0.0067', feeBps: 100 }), { convertedUsdMinor: 1_005, feeUsdMinor: 10, usdMinor: 1_015 });
    // €0.50 × 1.08 = 54 cents; fee 0.54 → 1 cent.
    assert.deepEqual(billed(50, { currency: 'EUR', rate: '1.08', feeBps: 100 }), { convertedUsdMinor: 54, feeUsdMinor: 1, usdMinor: 55 });
    assert.equal(usdBetween(0, 2_000, gbp), 2_565);
  });

  test('GBP: the hold is the USD amount with the fee; the answer is in GBP; the statement shows the original amount, rate and fee', async () => {
    const card = await f.openCard({ loadUsdMinor: 5_000 });
    const request = f.authRequest(card, { amount: { minor: 2_000, currency: 'GBP' } });
    const answer = await f.issuer.authorize(request);
    assert.equal(answer.responseCode, '00', JSON.stringify(answer));
    assert.deepEqual(answer.approvedAmount, { minor: 2_000, currency: 'GBP' });
    // ISO 8583 fields 4/49 carry the transaction (£20.00), fields 6/51 what the USD card is billed ($25.65, fee included).
    assert.deepEqual(answer.cardholderBilling, { minor: 2_565, currency: 'USD' });
    assert.equal(await f.available(card), 5_000 - 2_565, 'held in USD, fee included');
    const record = (await findAuthorizationByRequestId(f.db, request.id))!;
    assert.equal(record.heldUsdMinor, 2_565);

    // Capture in GBP at the authorization's rate: the whole hold posts, nothing is left or overdrawn.
    const cleared = await f.issuer.clear(followUp(f, 'clearing', request.id, { amount: { minor: 2_000, currency: 'GBP' }, final: true }));
    assert.equal(cleared.responseCode, '00');
    assert.deepEqual(cleared.amount, { minor: 2_000, currency: 'GBP' });
    assert.equal(await f.available(card), 5_000 - 2_565);

    const page = await cardStatement(f.ledger, f.db, { cardholderId: card.cardholderId, cardId: card.cardId, limit: 50, after: null });
    const line = page.lines.find((l) => l.type === 'authorization')!;
    assert.equal(line.amountUsdMinor, -2_565);
    assert.deepEqual(line.requested, { minor: 2_000, currency: 'GBP' });
    assert.deepEqual(line.exchange, { rate: '1.27', feeBps: 100, convertedUsdMinor: 2_540, feeUsdMinor: 25 });

    // A full refund in GBP gives back every cent the card paid.
    const refunded = await f.issuer.refund(followUp(f, 'refund', request.id, { amount: { minor: 2_000, currency: 'GBP' } }));
    assert.equal(refunded.responseCode, '00');
    assert.deepEqual(refunded.amount, { minor: 2_000, currency: 'GBP' });
    assert.equal(await f.available(card), 5_000);
  });

  test('a USD payment on the USD card carries no fields 6/51: nothing was converted', async () => {
    const card = await f.openCard({ loadUsdMinor: 1_000 });
    const answer = await f.issuer.authorize(f.authRequest(card, { amount: { minor: 500, currency: 'USD' } }));
    assert.equal(answer.responseCode, '00');
    assert.equal(answer.cardholderBilling, undefined);
  });

  test('JPY, a currency without decimals: partial captures in yen add up to the USD held', async () => {
    const card = await f.openCard({ loadUsdMinor: 5_000 });
    const request = f.authRequest(card, { amount: { minor: 1_500, currency: 'JPY' } });
    assert.equal((await f.issuer.authorize(request)).responseCode, '00');
    assert.equal(await f.available(card), 5_000 - 1_015);
    for (const [minor, final] of [[333, false], [667, false], [500, true]] as const) {
      const answer = await f.issuer.clear(followUp(f, 'clearing', request.id, { amount: { minor, currency: 'JPY' }, final }));
      assert.equal(answer.responseCode, '00', JSON.stringify(answer));
      assert.deepEqual(answer.amount, { minor, currency: 'JPY' });
    }
    const record = (await findAuthorizationByRequestId(f.db, request.id))!;
    assert.deepEqual([record.status, record.clearedUsdMinor, record.heldUsdMinor], ['closed', 1_015, 0]);
  });

  test('over what is held in the foreign currency is refused 13, another currency 13, and change nothing', async () => {
    const card = await f.openCard({ loadUsdMinor: 5_000 });
    const request = f.authRequest(card, { amount: { minor: 1_000, currency: 'EUR' } });
    assert.equal((await f.issuer.authorize(request)).responseCode, '00');
    const before = await f.available(card);
    const over = await f.issuer.clear(followUp(f, 'clearing', request.id, { amount: { minor: 1_001, currency: 'EUR' }, final: true }));
    assert.deepEqual([over.responseCode, over.reason], ['13', 'amount_exceeds_held']);
    const other = await f.issuer.clear(followUp(f, 'clearing', request.id, { amount: { minor: 100, currency: 'USD' }, final: true }));
    assert.deepEqual([other.responseCode, other.reason], ['13', 'currency_mismatch']);
    assert.equal(await f.available(card), before);
    // A reversal without an amount releases everything, in EUR in the answer.
    const reversed = await f.issuer.reverse(followUp(f, 'reversal', request.id, { amount: null }));
    assert.deepEqual([reversed.responseCode, reversed.amount], ['00', { minor: 1_000, currency: 'EUR' }]);
    assert.equal(await f.available(card), 5_000);
  });

  test('limits and balance are checked on the USD amount with the fee; a currency without a rate is declined 57', async () => {
    const card = await f.openCard({ loadUsdMinor: 2_564 });
    // £20.00 costs $25.65: one cent short.
    const short = await f.issuer.authorize(f.authRequest(card, { amount: { minor: 2_000, currency: 'GBP' } }));
    assert.deepEqual([short.responseCode, short.reason], ['51', 'insufficient_funds']);
    const chf = await f.issuer.authorize(f.authRequest(card, { amount: { minor: 100, currency: 'CHF' } }));
    assert.deepEqual([chf.responseCode, chf.reason], ['57', 'currency_not_supported']);
    assert.equal(await f.available(card), 2_564);
  });
});
