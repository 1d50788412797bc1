import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findPans, isLuhnValid, looksLikePan, luhnCheckDigit, maskPan, scrubPans } from '../../src/platform/pan-scrub.ts';

test('Luhn check on well-known test card numbers', () => {
  const valid = ['4242424242424242', '4000000000000002', '5555555555554444', '378282246310005', '6011111111111117', '4000000000009995'];
  for (const pan of valid) assert.equal(isLuhnValid(pan), true, pan);
  for (const pan of ['4242424242424241', '1234567812345678', '', '42424242a4242424']) assert.equal(isLuhnValid(pan), false, pan);
  assert.equal(luhnCheckDigit('424242424242424'), '2');
  assert.equal(luhnCheckDigit('400000000000000'), '2');
});

test('masking keeps the BIN and the last four', () => {
  assert.equal(maskPan('4242424242424242'), '424242******4242');
  assert.equal(maskPan('378282246310005'), '378282*****0005');
  assert.equal(maskPan('4242424242424'.padEnd(19, '0')).length, 19);
  assert.throws(() => maskPan('4242'), TypeError);
});

const cases: ReadonlyArray<readonly [input: string, expected: string]> = [
  ['card 4242424242424242 declined', 'card 424242******4242 declined'],
  ['card 4242 4242 4242 4242 declined', 'card 424242******4242 declined'],
  ['card 4242-4242-4242-4242', 'card 424242******4242'],
  ['amex 3782 822463 10005.', 'amex 378282*****0005.'],
  ['pan=4000000000000002&x=1', 'pan=400000******0002&x=1'],
  // A card number and its CVC in one run: the card number is still found.
  ['4242 4242 4242 4242 123', '424242******4242 123'],
  // Not Luhn-valid: left alone.
  ['order 4242424242424241', 'order 4242424242424241'],
  // Too short or too long to be a card number.
  ['phone +1 415 555 0100', 'phone +1 415 555 0100'],
  ['id 42424242424242424242424242', 'id 42424242424242424242424242'],
  // Dates, times and amounts are not card numbers.
  ['at 2026-01-01 12:00:00 for 1234.56', 'at 2026-01-01 12:00:00 for 1234.56'],
  ['two: 4242424242424242,5555555555554444', 'two: 424242******4242,555555******4444'],
  ['', ''],
];

test('scrubbing free text, table-driven', () => {
  for (const [input, expected] of cases) assert.equal(scrubPans(input), expected, input);
});

test('findPans reports positions of the digits', () => {
  const text = 'x 4242 4242 4242 4242 y';
  const [pan] = findPans(text);
  assert.ok(pan);
  assert.equal(text.slice(pan.start, pan.end), '4242 4242 4242 4242');
  assert.equal(pan.digits, '4242424242424242');
  assert.equal(looksLikePan('4242 4242 4242 4242'), true);
  assert.equal(looksLikePan('4242'), false);
});
