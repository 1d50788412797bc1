import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maskPhone, normalizePhone, type PhoneRefusalReason } from '../../src/issuer/phone.ts';

const accepted: ReadonlyArray<readonly [input: string, defaultCountry: 'CN' | 'US' | undefined, e164: string]> = [
  ['+86 138 0013 8000', undefined, '+8613800138000'],
  ['+8613800138000', undefined, '+8613800138000'],
  ['  +86-138-0013-8000 ', undefined, '+8613800138000'],
  ['0086 138 0013 8000', undefined, '+8613800138000'],
  ['138 0013 8000', 'CN', '+8613800138000'],
  ['＋８６ １３８ ００１３ ８０００', undefined, '+8613800138000'], // full-width, from a Chinese input method
  ['+1 201 555 0123', undefined, '+12015550123'],
  ['+1 (201) 555-0123', undefined, '+12015550123'],
  ['(201) 555-0123', 'US', '+12015550123'],
  ['201.555.0123', 'US', '+12015550123'],
  ['+1 650 253 0000', 'CN', '+16502530000'], // an explicit + wins over the default country
  ['+44 7400 123456', undefined, '+447400123456'],
];

test('mobile numbers normalize to E.164, table-driven', () => {
  for (const [input, country, e164] of accepted) {
    const result = normalizePhone(input, country);
    assert.ok(result.ok, `${input}: ${JSON.stringify(result)}`);
    assert.equal(result.e164, e164, input);
  }
  const cn = normalizePhone('+86 138 0013 8000');
  assert.ok(cn.ok && cn.country === 'CN');
});

const refused: ReadonlyArray<readonly [input: string, defaultCountry: 'CN' | 'US' | undefined, reason: PhoneRefusalReason]> = [
  ['', undefined, 'empty'],
  ['   ', 'CN', 'empty'],
  ['hello', 'CN', 'malformed'],
  ['call +1 201 555 0123', undefined, 'malformed'],
  ['+1 201 555 0123 ext. 5', undefined, 'malformed'],
  ['+1 201 555 0123'.padEnd(60, '0'), undefined, 'malformed'],
  ['13800138000', undefined, 'country_unknown'],
  ['+999 1234567', undefined, 'country_unknown'],
  ['+86 138', undefined, 'too_short'],
  ['+86 1', undefined, 'too_short'],
  ['+86 138 0013 8000 1234 5678', undefined, 'too_long'],
  ['+86 123 4567 8901', undefined, 'invalid'],
  ['+1 123 456 7890', undefined, 'invalid'],
  ['+86 10 6552 9988', undefined, 'not_mobile'], // Beijing fixed line
  ['+44 20 7946 0958', undefined, 'not_mobile'], // London fixed line
  ['+1 800 555 0123', undefined, 'not_mobile'], // toll-free
  ['+1 900 555 0123', undefined, 'not_mobile'], // premium rate
];

test('garbage, short, unknown-country and non-mobile numbers are refused with phone_invalid, table-driven', () => {
  for (const [input, country, reason] of refused) {
    const result = normalizePhone(input, country);
    assert.ok(!result.ok, `${input} was accepted`);
    assert.equal(result.code, 'phone_invalid', input);
    assert.equal(result.reason, reason, `${input}: ${result.message}`);
    assert.ok(result.message.length > 0);
    const digits = input.replace(/\D/g, '');
    if (digits.length >= 7) assert.ok(!result.message.includes(digits), 'messages do not echo the number');
  }
});

test('an unknown default country is a programming error', () => {
  assert.throws(() => normalizePhone('138 0013 8000', 'ZZ' as 'CN'), RangeError);
});

test('masking keeps the country code, at most 3 leading and the last 4 digits', () => {
  const cases: ReadonlyArray<readonly [e164: string, masked: string]> = [
    ['+8613800138000', '+86 138****8000'],
    ['+12015550123', '+1 20****0123'],
    ['+447400123456', '+44 74****3456'],
    ['+35312345678', '+353 ****5678'], // 8-digit national number: at least four stay hidden
    ['not a phone', '***'],
    ['+86', '***'],
    ['8613800138000', '***'],
  ];
  for (const [e164, masked] of cases) assert.equal(maskPhone(e164), masked, e164);
  const masked = maskPhone('+8613800138000');
  assert.ok(!masked.includes('13800138000'));
});
