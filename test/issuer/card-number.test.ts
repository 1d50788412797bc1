import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { seededRandom } from '../../src/platform/ids.ts';
import { PAN_LENGTH, generatePan, isIssuerPan, isLuhnValid, isValidBin, last4, maskPan } from '../../src/issuer/card-number.ts';

const bins = fc.integer({ min: 6, max: 8 }).chain((length) =>
  fc.tuple(fc.integer({ min: 1, max: 9 }), fc.array(fc.integer({ min: 0, max: 9 }), { minLength: length - 1, maxLength: length - 1 })).map(
    ([first, rest]) => `${first}${rest.join('')}`,
  ),
);

test('every generated PAN is 16 digits, Luhn-valid and starts with the BIN', () => {
  fc.assert(
    fc.property(bins, fc.integer(), (bin, seed) => {
      const pan = generatePan(bin, seededRandom(seed));
      assert.equal(pan.length, PAN_LENGTH);
      assert.match(pan, /^\d{16}$/);
      assert.ok(pan.startsWith(bin));
      assert.ok(isLuhnValid(pan));
      assert.ok(isIssuerPan(pan, bin));
    }),
    { numRuns: 500 },
  );
});

test('the same random source gives the same PAN; different draws spread out', () => {
  assert.equal(generatePan('489123', seededRandom(9)), generatePan('489123', seededRandom(9)));
  const random = seededRandom(10);
  const pans = new Set(Array.from({ length: 1000 }, () => generatePan('489123', random)));
  assert.equal(pans.size, 1000);
});

test('BINs are 6–8 digits not starting with 0', () => {
  for (const bin of ['489123', '4891234', '48912345']) assert.ok(isValidBin(bin), bin);
  for (const bin of ['48912', '489123456', '089123', '4891a3', '', ' 489123']) {
    assert.equal(isValidBin(bin), false, bin);
    assert.throws(() => generatePan(bin, seededRandom(1)), RangeError);
  }
});

test('isIssuerPan refuses other BINs, bad check digits and other lengths', () => {
  const pan = generatePan('489123', seededRandom(2));
  assert.equal(isIssuerPan(pan, '489124'), false);
  const wrongCheck = pan.slice(0, 15) + String((Number(pan[15]) + 1) % 10);
  assert.equal(isIssuerPan(wrongCheck, '489123'), false);
  assert.equal(isIssuerPan('4242424242424242', '424242'), true);
  assert.equal(isIssuerPan('378282246310005', '378282'), false);
});

test('last4 and masking', () => {
  assert.equal(last4('4242424242424242'), '4242');
  assert.equal(maskPan('4891230000001234'), '489123******1234');
  assert.throws(() => last4('4242'), TypeError);
  assert.throws(() => last4('4242-4242-4242-4242'), TypeError);
});
