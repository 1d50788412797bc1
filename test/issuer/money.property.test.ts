import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { withdrawalFigures } from '../../src/issuer/money/fees.ts';
import { DEFAULT_MONEY_SETTINGS } from '../../src/issuer/money/settings.ts';
import { moneyFixture, type MoneyFixture } from '../support/money-fixture.ts';

/**
 * Random sequences of top-ups (paid, closed, expired, paid late, notifies
 * repeated) and withdrawals (paid, failed, too large), on a few cardholders.
 * The model is plain arithmetic: a wallet holds what its paid top-ups
 * credited less what its paid withdrawals took (fee included). After every
 * sequence each wallet and the sum of wallets match it, and the audit passes.
 */
type Command =
  | { kind: 'top_up'; who: number; cny: number; ending: 'pay' | 'close' | 'expire_then_pay'; repeats: number }
  | { kind: 'withdraw'; who: number; usd: number; fails: boolean };

const command = fc.oneof(
  fc.record({
    kind: fc.constant('top_up' as const),
    who: fc.integer({ min: 0, max: 2 }),
    cny: fc.integer({ min: 1_000, max: 300_000 }),
    ending: fc.constantFrom('pay' as const, 'close' as const, 'expire_then_pay' as const),
    repeats: fc.integer({ min: 1, max: 3 }),
  }),
  fc.record({ kind: fc.constant('withdraw' as const), who: fc.integer({ min: 0, max: 2 }), usd: fc.integer({ min: 100, max: 20_000 }), fails: fc.boolean() }),
);

describe('money property: wallets = credited − withdrawn − fees', () => {
  let f: MoneyFixture;
  let run = 0;
  before(async () => {
    f = await moneyFixture();
  });
  after(async () => {
    await f.assertAudit();
    await f.cleanup();
  });

  test('random sequences', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 12 }), async (commands) => {
        run++;
        const who = (n: number) => `ch_p${run}_${n}`;
        for (let n = 0; n < 3; n++) f.approveKyc(who(n));
        const model = [0, 0, 0];
        let credited = 0;
        let withdrawn = 0;
        let fees = 0;
        let request = 0;
        for (const c of commands) {
          if (c.kind === 'top_up') {
            const quote = await f.topUps.quote(who(c.who), c.cny);
            const order = await f.topUps.createOrder(who(c.who), quote.id);
            let notify;
            if (c.ending === 'pay') notify = f.alipay.pay(order.id);
            else if (c.ending === 'close') notify = f.alipay.close(order.id);
            else {
              f.clock.advanceMs(DEFAULT_MONEY_SETTINGS.order_expiry_ms);
              await f.topUps.expireDueOrders();
              notify = f.alipay.pay(order.id, { lateAfterClose: true });
            }
            await Promise.all(Array.from({ length: c.repeats }, () => f.topUps.handleNotify(notify)));
            if (c.ending === 'pay') {
              model[c.who]! += quote.usd_amount_minor;
              credited += quote.usd_amount_minor;
            }
          } else {
            const figures = withdrawalFigures(c.usd, DEFAULT_MONEY_SETTINGS)!;
            const input = { cardholderId: who(c.who), amountUsdMinor: c.usd, requestId: `r${request++}` };
            if (c.usd > model[c.who]!) {
              await assert.rejects(f.withdrawals.withdraw(input), (e: { code?: string }) => e.code === 'insufficient_funds');
              continue;
            }
            if (c.fails) f.payouts.failNext();
            const wd = await f.withdrawals.withdraw(input);
            assert.equal(wd.status, c.fails ? 'failed' : 'paid');
            if (!c.fails) {
              model[c.who]! -= c.usd;
              withdrawn += figures.payout_usd_minor;
              fees += figures.fee_usd_minor;
            }
          }
        }
        let sum = 0;
        for (let n = 0; n < 3; n++) {
          const available = await f.available(who(n));
          assert.equal(available, model[n], `wallet ${n}`);
          sum += available;
        }
        assert.equal(sum, credited - withdrawn - fees);
      }),
      { numRuns: 15, seed: 20_261_125 },
    );
  });
});
