import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { percentageFee, topUpFigures, withdrawalFigures } from '../../src/issuer/money/fees.ts';
import { DEFAULT_MONEY_SETTINGS, getMoneySettings, listMoneySettingHistory, updateMoneySettings, type MoneySettings } from '../../src/issuer/money/settings.ts';
import { assertAppError, moneyFixture, type MoneyFixture } from '../support/money-fixture.ts';

const S = (changes: Partial<MoneySettings> = {}): MoneySettings => ({ ...DEFAULT_MONEY_SETTINGS, ...changes });
const NO_FEE = { top_up_fee_bps: 0, top_up_fee_min_cny_minor: 0, top_up_min_cny_minor: 1 };

describe('top-up quote math', () => {
  const cases: Array<[label: string, cny: number, settings: MoneySettings, expected: { fee: number; usd: number } | null]> = [
    ['¥1,000 at 7.20, 1 % fee → fee ¥10, $137.50', 100_000, S(), { fee: 1_000, usd: 13_750 }],
    ['¥10 minimum: the ¥1 fee floor applies → $1.25', 1_000, S(), { fee: 100, usd: 125 }],
    ['below the minimum is refused', 999, S(), null],
    ['above the maximum is refused', 5_000_001, S(), null],
    ['the maximum itself is allowed', 5_000_000, S(), { fee: 50_000, usd: 687_500 }],
    ['half-even: 0.18 CNY / 7.2 = 2.5 cents → 2', 18, S(NO_FEE), { fee: 0, usd: 2 }],
    ['half-even: 0.54 CNY / 7.2 = 7.5 cents → 8', 54, S(NO_FEE), { fee: 0, usd: 8 }],
    ['0.25 CNY / 7.2 = 3.47 cents → 3', 25, S(NO_FEE), { fee: 0, usd: 3 }],
    ['nothing to credit is refused: 0.03 CNY / 7.2 = 0.4 cents', 3, S(NO_FEE), null],
    ['rate 6.5: ¥650 → $100', 65_000, S({ ...NO_FEE, usd_cny_rate: '6.5' }), { fee: 0, usd: 10_000 }],
    ['fee half-even: 1.5 % of 1.00 = 1.5 fen → 2', 100, S({ ...NO_FEE, top_up_fee_bps: 150 }), { fee: 2, usd: 14 }],
    ['fee half-even: 1.5 % of 3.00 = 4.5 fen → 4', 300, S({ ...NO_FEE, top_up_fee_bps: 150 }), { fee: 4, usd: 41 }],
    ['not an integer is refused', 100.5, S(), null],
  ];
  for (const [label, cny, settings, expected] of cases) {
    test(label, () => {
      const figures = topUpFigures(cny, settings);
      if (expected === null) return assert.equal(figures, null);
      assert.ok(figures);
      assert.equal(figures.fee_cny_minor, expected.fee);
      assert.equal(figures.usd_amount_minor, expected.usd);
      assert.equal(figures.net_cny_minor, cny - expected.fee);
      assert.equal(figures.rate, settings.usd_cny_rate);
    });
  }

  test('percentage fee: floor, then half-even', () => {
    assert.equal(percentageFee(10_000, 100, 50), 100);
    assert.equal(percentageFee(1_000, 100, 50), 50);
    assert.equal(percentageFee(250, 100, 0), 2); // 2.5 → 2
    assert.equal(percentageFee(350, 100, 0), 4); // 3.5 → 4
  });

  test('withdrawal figures: fee out of the amount, payout converted at the rate', () => {
    assert.deepEqual(withdrawalFigures(10_000, S()), {
      amount_usd_minor: 10_000,
      fee_usd_minor: 100,
      payout_usd_minor: 9_900,
      rate: '7.20',
      payout_cny_minor: 71_280,
    });
    assert.equal(withdrawalFigures(99, S()), null);
    assert.equal(withdrawalFigures(1_000_001, S()), null);
  });
});

describe('money settings', () => {
  let f: MoneyFixture;
  before(async () => {
    f = await moneyFixture();
  });
  after(async () => {
    await f.assertAudit();
    await f.cleanup();
  });

  test('defaults until changed; changes are kept with who and when', async () => {
    assert.deepEqual(await getMoneySettings(f.db), DEFAULT_MONEY_SETTINGS);
    const next = await updateMoneySettings(f.db, { usd_cny_rate: '7.25', top_up_fee_bps: 150 }, { actor: 'op_alice', nowMs: f.clock.nowMs() });
    assert.equal(next.usd_cny_rate, '7.25');
    assert.deepEqual(await getMoneySettings(f.db), next);
    f.clock.advanceMs(1_000);
    await updateMoneySettings(f.db, { usd_cny_rate: '7.30' }, { actor: 'op_bob', nowMs: f.clock.nowMs() });
    const history = await listMoneySettingHistory(f.db, { name: 'usd_cny_rate' });
    assert.deepEqual(
      history.map((h) => [h.value, h.changed_by]),
      [
        ['7.30', 'op_bob'],
        ['7.25', 'op_alice'],
      ],
    );
    assert.equal(history[0]!.changed_at_ms, history[1]!.changed_at_ms + 1_000);
  });

  const bad: Array<[string, Record<string, unknown>, string]> = [
    ['rate not a number', { usd_cny_rate: 'abc' }, 'usd_cny_rate'],
    ['rate zero', { usd_cny_rate: '0.00' }, 'usd_cny_rate'],
    ['rate negative', { usd_cny_rate: '-7.2' }, 'usd_cny_rate'],
    ['rate as a float number', { usd_cny_rate: 7.2 }, 'usd_cny_rate'],
    ['rate with too many decimals', { usd_cny_rate: '7.1234567' }, 'usd_cny_rate'],
    ['fee of 50 %', { top_up_fee_bps: 5_000 }, 'top_up_fee_bps'],
    ['fractional fee', { top_up_fee_bps: 1.5 }, 'top_up_fee_bps'],
    ['quote validity of 1 second', { quote_validity_ms: 1_000 }, 'quote_validity_ms'],
    ['minimum above maximum', { top_up_min_cny_minor: 10_000, top_up_max_cny_minor: 5_000 }, 'top_up_min_cny_minor'],
    ['fee floor not below the minimum top-up', { top_up_fee_min_cny_minor: 1_000 }, 'top_up_fee_min_cny_minor'],
    ['unknown setting', { bonus_percent: 5 }, 'bonus_percent'],
  ];
  for (const [label, changes, param] of bad) {
    test(`refused: ${label}`, async () => {
      const beforeSettings = await getMoneySettings(f.db);
      await assert.rejects(updateMoneySettings(f.db, changes, { actor: 'op', nowMs: f.clock.nowMs() }), (error: any) => {
        assert.equal(error.code, 'setting_invalid');
        assert.equal(error.param, param);
        return true;
      });
      assert.deepEqual(await getMoneySettings(f.db), beforeSettings);
    });
  }

  test('quote() refuses an amount out of range with a clear code', async () => {
    f.approveKyc('ch_range');
    await assertAppError(f.topUps.quote('ch_range', 1), 'top_up_amount_out_of_range');
  });
});
