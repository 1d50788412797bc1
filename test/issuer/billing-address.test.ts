import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  avsCheck,
  normalizeAddressLine,
  validateBillingAddress,
  type AvsResult,
  type AvsSubmission,
  type BillingAddress,
} from '../../src/issuer/billing-address.ts';

const program: BillingAddress = {
  line1: '1309 Coffeen Avenue',
  line2: 'Suite 1200',
  city: 'Sheridan',
  state: 'WY',
  postal_code: '82801',
  country: 'US',
};

test('a valid address is returned in canonical form', () => {
  const result = validateBillingAddress({
    line1: '  1309   Coffeen Avenue ',
    line2: 'Suite 1200',
    city: 'Sheridan',
    state: 'wy',
    postal_code: '82801',
    country: 'us',
  });
  assert.deepEqual(result, { ok: true, address: program });
  const zipPlus4 = validateBillingAddress({ ...program, postal_code: '828011234' });
  assert.ok(zipPlus4.ok && zipPlus4.address.postal_code === '82801-1234');
  const noLine2 = validateBillingAddress({ ...program, line2: '' });
  assert.ok(noLine2.ok && !('line2' in noLine2.address));
  const canada = validateBillingAddress({ line1: '24 Sussex Dr', city: 'Ottawa', state: 'on', postal_code: 'k1m1m4', country: 'CA' });
  assert.ok(canada.ok && canada.address.postal_code === 'K1M 1M4' && canada.address.state === 'ON');
  const china = validateBillingAddress({ line1: '建国门外大街1号', city: '北京', state: '北京市', postal_code: '100004', country: 'CN' });
  assert.ok(china.ok && china.address.state === '北京市');
  const uk = validateBillingAddress({ line1: '10 Downing Street', city: 'London', state: 'England', postal_code: 'sw1a 2aa', country: 'GB' });
  assert.ok(uk.ok && uk.address.postal_code === 'SW1A 2AA');
});

const invalid: ReadonlyArray<readonly [name: string, input: unknown, param: string]> = [
  ['not an object', 'Sheridan', 'address'],
  ['null', null, 'address'],
  ['unknown country', { ...program, country: 'XX' }, 'country'],
  ['alpha-3 country', { ...program, country: 'USA' }, 'country'],
  ['missing line1', { ...program, line1: undefined }, 'line1'],
  ['blank line1', { ...program, line1: '   ' }, 'line1'],
  ['line1 not a string', { ...program, line1: 42 }, 'line1'],
  ['line1 too long', { ...program, line1: 'x'.repeat(201) }, 'line1'],
  ['line1 only punctuation', { ...program, line1: '...' }, 'line1'],
  ['control character', { ...program, line1: '1309 Coffeen\u0000Avenue' }, 'line1'],
  ['missing city', { ...program, city: '' }, 'city'],
  ['missing state', { ...program, state: undefined }, 'state'],
  ['unknown US state', { ...program, state: 'XY' }, 'state'],
  ['US state spelled out', { ...program, state: 'Wyoming' }, 'state'],
  ['unknown province', { line1: '1 A St', city: 'Ottawa', state: 'XX', postal_code: 'K1M 1M4', country: 'CA' }, 'state'],
  ['short ZIP', { ...program, postal_code: '8280' }, 'postal_code'],
  ['ZIP with letters', { ...program, postal_code: '8280A' }, 'postal_code'],
  ['ZIP+3', { ...program, postal_code: '82801-123' }, 'postal_code'],
  ['bad Canadian code', { line1: '1 A St', city: 'Ottawa', state: 'ON', postal_code: '12345', country: 'CA' }, 'postal_code'],
  ['bad other code', { ...program, country: 'GB', state: 'England', postal_code: '#' }, 'postal_code'],
  ['unknown field', { ...program, zip: '82801' }, 'address'],
];

test('invalid addresses are refused with billing_address_invalid and the field, table-driven', () => {
  for (const [name, input, param] of invalid) {
    const result = validateBillingAddress(input);
    assert.ok(!result.ok, name);
    assert.equal(result.code, 'billing_address_invalid', name);
    assert.equal(result.param, param, `${name}: ${result.message}`);
  }
});

test("a country is one of ISO 3166-1 alpha-2 codes (the platform's one list): UK is refused with GB suggested, XK (Kosovo) passes", () => {
  const uk = validateBillingAddress({ line1: '10 Downing St', city: 'London', state: 'London', postal_code: 'SW1A 2AA', country: 'uk' });
  assert.ok(!uk.ok);
  assert.deepEqual([uk.code, uk.param], ['billing_address_invalid', 'country']);
  assert.match(uk.message, /"uk" is not an ISO 3166-1 alpha-2 country code: use GB \(United Kingdom\)/);
  for (const country of ['ZZ', 'EU', 'XX']) assert.equal(validateBillingAddress({ ...program, country }).ok, false, country);
  const gb = validateBillingAddress({ line1: '10 Downing St', city: 'London', state: 'London', postal_code: 'SW1A 2AA', country: 'gb' });
  assert.ok(gb.ok && gb.address.country === 'GB');
  const xk = validateBillingAddress({ line1: 'Rruga Nënë Tereza 1', city: 'Prishtina', state: 'Prishtina', postal_code: '10000', country: 'XK' });
  assert.ok(xk.ok, 'Kosovo has no other code');
});

const avsCases: ReadonlyArray<readonly [name: string, submitted: AvsSubmission, expected: AvsResult]> = [
  ['exact', { line1: '1309 Coffeen Avenue', postal_code: '82801' }, { address_line1: 'pass', postal_code: 'pass' }],
  ['case and spaces', { line1: ' 1309  COFFEEN avenue ', postal_code: ' 82801 ' }, { address_line1: 'pass', postal_code: 'pass' }],
  ['abbreviation and punctuation', { line1: '1309 Coffeen Ave.', postal_code: '82801' }, { address_line1: 'pass', postal_code: 'pass' }],
  ['line 1 and line 2 together', { line1: '1309 Coffeen Ave, Ste 1200', postal_code: '82801' }, { address_line1: 'pass', postal_code: 'pass' }],
  ['ZIP+4 against 5-digit ZIP', { line1: '1309 Coffeen Ave', postal_code: '82801-4242' }, { address_line1: 'pass', postal_code: 'pass' }],
  ['ZIP+4 without dash', { postal_code: '828014242' }, { address_line1: null, postal_code: 'pass' }],
  ['wrong house number', { line1: '1310 Coffeen Avenue', postal_code: '82801' }, { address_line1: 'fail', postal_code: 'pass' }],
  ['wrong street', { line1: '1309 Main Street', postal_code: '82801' }, { address_line1: 'fail', postal_code: 'pass' }],
  ['wrong ZIP', { line1: '1309 Coffeen Avenue', postal_code: '82802' }, { address_line1: 'pass', postal_code: 'fail' }],
  ['ZIP garbage', { postal_code: 'abcde' }, { address_line1: null, postal_code: 'fail' }],
  ['only punctuation', { line1: '...', postal_code: '-' }, { address_line1: 'fail', postal_code: 'fail' }],
  ['nothing submitted', {}, { address_line1: null, postal_code: null }],
  ['empty strings are not submitted', { line1: '', postal_code: '  ' }, { address_line1: null, postal_code: null }],
  ['null fields', { line1: null, postal_code: null }, { address_line1: null, postal_code: null }],
];

test('AVS against the program address, table-driven', () => {
  for (const [name, submitted, expected] of avsCases) assert.deepEqual(avsCheck(program, submitted), expected, name);
});

test('AVS with ZIP+4 on file compares the +4 only when both have one', () => {
  const onFile: BillingAddress = { ...program, postal_code: '82801-1234' };
  assert.equal(avsCheck(onFile, { postal_code: '82801' }).postal_code, 'pass');
  assert.equal(avsCheck(onFile, { postal_code: '82801-1234' }).postal_code, 'pass');
  assert.equal(avsCheck(onFile, { postal_code: '82801-9999' }).postal_code, 'fail');
});

test('AVS outside the US compares letters and digits of the postal code', () => {
  const london: BillingAddress = { line1: '10 Downing Street', city: 'London', state: 'England', postal_code: 'SW1A 2AA', country: 'GB' };
  assert.deepEqual(avsCheck(london, { line1: '10 downing st', postal_code: 'sw1a2aa' }), { address_line1: 'pass', postal_code: 'pass' });
  assert.equal(avsCheck(london, { postal_code: 'SW1A 2AB' }).postal_code, 'fail');
});

test('AVS is unavailable when the card has no address on file', () => {
  assert.deepEqual(avsCheck(null, { line1: '1 Main St', postal_code: '82801' }), { address_line1: 'unavailable', postal_code: 'unavailable' });
  assert.deepEqual(avsCheck(undefined, {}), { address_line1: null, postal_code: null });
});

test('normalization: street words and their abbreviations are equal; idempotent', () => {
  assert.equal(normalizeAddressLine('1 North Main Street, Apartment #4'), '1 n main st apt 4');
  assert.equal(normalizeAddressLine('1 N. Main St. Apt 4'), '1 n main st apt 4');
  fc.assert(
    fc.property(fc.string(), fc.constantFrom('', ' ', '  ', ', '), (line, padding) => {
      const once = normalizeAddressLine(line);
      assert.equal(normalizeAddressLine(once), once);
      // An address on file matches itself, however it is padded.
      const validated = validateBillingAddress({ ...program, line1: `${line} 1` });
      if (!validated.ok) return;
      assert.equal(avsCheck(validated.address, { line1: `${padding}${line} 1${padding}` }).address_line1, 'pass');
    }),
  );
});
