import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { CARD_VALIDITY_YEARS, cardExpiry, expiresAtMs, formatExpiry, isExpired, utcYearMonth } from '../../src/issuer/expiry.ts';

test('a card issued at nowMs expires in the same UTC month three years later', () => {
  const cases: ReadonlyArray<readonly [issued: number, month: number, year: number]> = [
    [Date.UTC(2026, 0, 1), 1, 2029],
    [Date.UTC(2026, 0, 31, 23, 59, 59, 999), 1, 2029],
    [Date.UTC(2026, 1, 1), 2, 2029],
    [Date.UTC(2026, 11, 31, 23, 59, 59, 999), 12, 2029],
    [Date.UTC(2024, 1, 29, 12), 2, 2027],
    [Date.UTC(2027, 11, 31, 23, 59, 59, 999) + 1, 1, 2031],
  ];
  assert.equal(CARD_VALIDITY_YEARS, 3);
  for (const [issued, month, year] of cases) {
    assert.deepEqual(cardExpiry(issued), { expMonth: month, expYear: year }, new Date(issued).toISOString());
  }
  assert.deepEqual(cardExpiry(Date.UTC(2026, 4, 5), 5), { expMonth: 5, expYear: 2031 });
});

test('valid through the last millisecond of the expiry month (UTC), expired from the first of the next', () => {
  const cases: ReadonlyArray<readonly [month: number, year: number, now: number, expired: boolean]> = [
    [1, 2029, Date.UTC(2029, 0, 31, 23, 59, 59, 999), false],
    [1, 2029, Date.UTC(2029, 1, 1), true],
    [2, 2028, Date.UTC(2028, 1, 29, 23, 59, 59, 999), false], // leap year
    [2, 2028, Date.UTC(2028, 2, 1), true],
    [12, 2029, Date.UTC(2029, 11, 31, 23, 59, 59, 999), false],
    [12, 2029, Date.UTC(2030, 0, 1), true],
    [6, 2029, Date.UTC(2026, 0, 1), false],
    [6, 2020, Date.UTC(2026, 0, 1), true],
  ];
  for (const [month, year, now, expired] of cases) {
    assert.equal(isExpired(month, year, now), expired, `${month}/${year} at ${new Date(now).toISOString()}`);
  }
  assert.equal(expiresAtMs(12, 2029), Date.UTC(2030, 0, 1));
});

test('a freshly issued card is valid for about three years, then expired', () => {
  fc.assert(
    fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2090, 0, 1) }), (now) => {
      const { expMonth, expYear } = cardExpiry(now);
      assert.equal(isExpired(expMonth, expYear, now), false);
      const end = expiresAtMs(expMonth, expYear);
      assert.equal(isExpired(expMonth, expYear, end - 1), false);
      assert.equal(isExpired(expMonth, expYear, end), true);
      const days = (end - now) / 86_400_000;
      assert.ok(days > 3 * 365 && days <= 3 * 366 + 31, `${days} days`);
    }),
  );
});

test('utcYearMonth agrees with Date', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: Date.UTC(9999, 11, 31) }), (ms) => {
      const date = new Date(ms);
      assert.deepEqual(utcYearMonth(ms), { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1 });
    }),
    { numRuns: 2000 },
  );
});

test('formatting and input checks', () => {
  assert.equal(formatExpiry(1, 2029), '01/29');
  assert.equal(formatExpiry(12, 2100), '12/00');
  assert.throws(() => isExpired(0, 2029, 0), RangeError);
  assert.throws(() => isExpired(13, 2029, 0), RangeError);
  assert.throws(() => isExpired(1, 29, 0), RangeError);
  assert.throws(() => isExpired(1, 2029, Number.NaN), RangeError);
  assert.throws(() => cardExpiry(-1), RangeError);
  assert.throws(() => cardExpiry(0, 0), RangeError);
});

test('each card’s expiry is drawn from 36–60 months after issue, so the issue date does not give it away', async () => {
  const { randomCardExpiry, EXPIRY_SPREAD_MONTHS } = await import('../../src/issuer/expiry.ts');
  const { seededRandom } = await import('../../src/platform/ids.ts');
  const issued = Date.UTC(2026, 10, 20);
  const random = seededRandom(7);
  const seen = new Set<number>();
  for (let i = 0; i < 2_000; i++) {
    const { expMonth, expYear } = randomCardExpiry(issued, random);
    const months = (expYear - 2026) * 12 + (expMonth - 11);
    assert.ok(months >= 36 && months <= 36 + EXPIRY_SPREAD_MONTHS, `${expMonth}/${expYear}`);
    seen.add(months);
  }
  assert.equal(seen.size, 25, 'every month of the range occurs');
});

test('cards opened the same day get different expiries', async () => {
  const { cardFixture } = await import('../support/card-fixture.ts');
  const f = await cardFixture();
  try {
    const expiries = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const card = await f.openCard();
      expiries.add(`${card.expMonth}/${card.expYear}`);
    }
    assert.ok(expiries.size > 1, [...expiries].join(', '));
  } finally {
    await f.cleanup();
  }
});
