import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { addMoney, currency, formatMoney, knownCurrencies, money, parseMoney, toDecimalString } from '../../src/platform/money.ts';
import { convert, divideHalfEven } from '../../src/platform/fx.ts';

const codes = knownCurrencies().map((c) => c.code);
const safeAmount = fc.integer({ min: -(2 ** 50), max: 2 ** 50 });

describe('money', () => {
  test('exponents of the currencies the product uses', () => {
    assert.deepEqual(['USD', 'CNY', 'JPY', 'BHD'].map((c) => currency(c).exponent), [2, 2, 0, 3]);
  });

  test('formatting', () => {
    assert.equal(formatMoney(money(123456, 'USD')), '$1,234.56');
    assert.equal(formatMoney(money(-5, 'USD')), '-$0.05');
    assert.equal(formatMoney(money(100000, 'CNY'), { code: true }), 'CNY 1,000.00');
    assert.equal(formatMoney(money(1000, 'JPY')), '¥1,000');
    assert.equal(toDecimalString(money(1, 'BHD')), '0.001');
  });

  test('parsing refuses what it cannot represent exactly', () => {
    assert.deepEqual(parseMoney('12.5', 'USD'), money(1250, 'USD'));
    assert.deepEqual(parseMoney('1,000', 'JPY'), money(1000, 'JPY'));
    assert.throws(() => parseMoney('0.001', 'USD'), { code: 'amount_invalid' });
    assert.throws(() => parseMoney('1e3', 'USD'), { code: 'amount_invalid' });
    assert.throws(() => parseMoney('10', 'XYZ'), { code: 'currency_unknown' });
    assert.throws(() => parseMoney('99999999999999999999', 'USD'), { code: 'amount_out_of_range' });
    assert.throws(() => money(1.5, 'USD'), { code: 'amount_invalid' });
  });

  test('property: the decimal string of any amount parses back to the same amount', () => {
    fc.assert(
      fc.property(safeAmount, fc.constantFrom(...codes), (amount, code) => {
        const m = money(amount, code);
        assert.deepEqual(parseMoney(toDecimalString(m), code), m);
        assert.deepEqual(parseMoney(formatMoney(m, { code: true }).replace(/^(-?)[A-Z]+ /, '$1'), code), m);
      }),
    );
  });

  test('property: adding never mixes currencies and never leaves the safe range silently', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer(), (a, b) => {
        const sum = a + b;
        if (Number.isSafeInteger(sum)) assert.equal(addMoney(money(a, 'USD'), money(b, 'USD')).amount_minor, sum);
        else assert.throws(() => addMoney(money(a, 'USD'), money(b, 'USD')), { code: 'amount_out_of_range' });
      }),
    );
    assert.throws(() => addMoney(money(1, 'USD'), money(1, 'CNY')), { code: 'currency_mismatch' });
  });
});

describe('fx', () => {
  const usdCny = { base: 'USD', quote: 'CNY', value: '7.2' };

  test('converts both ways with one rate, half to even', () => {
    assert.deepEqual(convert(money(100000, 'CNY'), 'USD', usdCny), money(13889, 'USD')); // 138.888… → 138.89
    assert.deepEqual(convert(money(1500, 'USD'), 'CNY', usdCny), money(10800, 'CNY'));
    assert.deepEqual(convert(money(36, 'CNY'), 'USD', usdCny), money(5, 'USD')); // 0.05 exactly
    // Ties go to the even cent: 0.125 → 0.12, 0.135 → 0.14.
    const one = { base: 'USD', quote: 'EUR', value: '1' };
    assert.deepEqual(convert(money(125, 'EUR'), 'USD', { ...one, value: '10' }), money(12, 'USD')); // 1.25/10 = 0.125
    assert.deepEqual(convert(money(135, 'EUR'), 'USD', { ...one, value: '10' }), money(14, 'USD'));
    // Exponents differ: JPY has none.
    assert.deepEqual(convert(money(1000, 'USD'), 'JPY', { base: 'USD', quote: 'JPY', value: '151.37' }), money(1514, 'JPY'));
  });

  test('refuses a rate that does not fit or is not a positive decimal', () => {
    assert.throws(() => convert(money(100, 'EUR'), 'USD', usdCny), { code: 'currency_mismatch' });
    for (const value of ['0', '-7', '7,2', '1e3', '']) {
      assert.throws(() => convert(money(100, 'USD'), 'CNY', { ...usdCny, value }), { code: 'rate_invalid' });
    }
  });

  test('property: half-even division is within half a unit and unbiased on ties', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), fc.bigInt({ min: 1n, max: 10n ** 9n }), (n, d) => {
        const q = divideHalfEven(n, d);
        const twiceError = (q * d - n) * 2n;
        const abs = twiceError < 0n ? -twiceError : twiceError;
        assert.ok(abs <= d, 'within half a unit');
        if (abs === d) assert.equal(q % 2n, 0n, 'ties go to even');
      }),
    );
  });

  test('property: converting there and back loses at most the rounding of each leg', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 12 }), fc.integer({ min: 1, max: 99_999 }), (amount, rateTimes1000) => {
        const rate = { base: 'USD', quote: 'CNY', value: (rateTimes1000 / 1000).toFixed(3) };
        const cny = convert(money(amount, 'USD'), 'CNY', rate);
        const back = convert(cny, 'USD', rate);
        // One cent of CNY is worth 1/rate cents of USD; each leg rounds by at most half a unit.
        const bound = 0.5 + 0.5 * (1000 / rateTimes1000) + 1e-9;
        assert.ok(Math.abs(back.amount_minor - amount) <= Math.ceil(bound), `${amount} → ${cny.amount_minor} → ${back.amount_minor}`);
      }),
    );
  });
});
