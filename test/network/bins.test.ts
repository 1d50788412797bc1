import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BinTable, CARDLANE_DEFAULT_BIN, defaultBinTable, type BinEntry } from '../../src/network/bins.ts';
import { isValidPan, recordableBin, recordableLast4 } from '../../src/network/pan-format.ts';
import { TEST_CARDS } from '../../src/network/test-issuers/test-cards.ts';
import { withLuhn } from './network-fixture.ts';

const entry = (prefix: string, issuer: string, overrides: Partial<BinEntry> = {}): BinEntry => ({
  prefix,
  brand: 'visa',
  country: 'US',
  funding: 'credit',
  issuer,
  issuerName: issuer.toUpperCase(),
  ...overrides,
});

describe('BIN table', () => {
  const table = new BinTable([
    entry('424242', 'bank-six'),
    entry('4242424', 'bank-seven', { country: 'GB' }),
    entry('42424242', 'bank-eight', { funding: 'debit' }),
    entry('4242424242424242', 'bank-exact', { funding: 'prepaid' }),
    entry('510510', 'bank-mc', { brand: 'mastercard' }),
  ]);

  test('longest prefix wins, an exact number wins over every prefix', () => {
    const cases: Array<[string, string | null]> = [
      ['4242424242424242', 'bank-exact'],
      [withLuhn('424242429999999'), 'bank-eight'],
      [withLuhn('424242499999999'), 'bank-seven'],
      [withLuhn('424242999999999'), 'bank-six'],
      [withLuhn('510510000000000'), 'bank-mc'],
      [withLuhn('411111111111111'), null],
      ['42424', null],
    ];
    for (const [pan, issuer] of cases) assert.equal(table.lookupBin(pan)?.issuer ?? null, issuer, pan);
    assert.equal(table.lookupBin(withLuhn('424242499999999'))?.country, 'GB');
  });

  test('a full-number entry matches that number only, not numbers it starts', () => {
    const t = new BinTable([entry('378282246310005', 'amex-bank')]);
    assert.equal(t.lookupBin('378282246310005')?.issuer, 'amex-bank');
    assert.equal(t.lookupBin(withLuhn('378282246310005')), null);
  });

  test('configuration mistakes are refused', () => {
    const bad: Array<[string, BinEntry[]]> = [
      ['5 digits', [entry('42424', 'x')]],
      ['9 digits', [entry('424242424', 'x')]],
      ['full number failing Luhn', [entry('4242424242424241', 'x')]],
      ['lower-case country', [entry('424242', 'x', { country: 'us' })]],
      ['unknown brand', [entry('424242', 'x', { brand: 'maestro' as never })]],
      ['unknown funding', [entry('424242', 'x', { funding: 'charge' as never })]],
      ['bad issuer name', [entry('424242', 'Bank A')]],
      ['duplicate', [entry('424242', 'x'), entry('424242', 'y')]],
    ];
    for (const [why, entries] of bad) assert.throws(() => new BinTable(entries), RangeError, why);
  });
});

describe('default BIN table', () => {
  test("Cardlane's BIN is Visa, US, prepaid, routed to the cardlane issuer", () => {
    const table = defaultBinTable();
    const info = table.lookupBin(withLuhn(`${CARDLANE_DEFAULT_BIN}1234567`));
    assert.deepEqual(info, { prefix: '45300000', brand: 'visa', country: 'US', funding: 'prepaid', issuer: 'cardlane', issuerName: 'Cardlane' });
    assert.equal(defaultBinTable('45310000').lookupBin(withLuhn('453100001234567'))?.issuer, 'cardlane');
    assert.throws(() => defaultBinTable('4531'), RangeError);
  });

  test('every test card is Luhn-valid, listed once, and routed to the test bank with its brand, country and funding', () => {
    const table = defaultBinTable();
    assert.equal(new Set(TEST_CARDS.map((c) => c.pan)).size, TEST_CARDS.length);
    for (const card of TEST_CARDS) {
      assert.ok(isValidPan(card.pan), card.pan);
      const info = table.lookupBin(card.pan);
      assert.deepEqual(
        info && { brand: info.brand, country: info.country, funding: info.funding, issuer: info.issuer },
        { brand: card.brand, country: card.country, funding: card.funding, issuer: 'test-bank' },
        card.pan,
      );
    }
  });

  test('Stripe numbers that are not test-bank cards have no issuer', () => {
    const table = defaultBinTable();
    // 4000000000000077 is now a test-bank card (Stripe's "funds available at once"); so is the 3-D Secure card 4000000000003220.
    assert.equal(table.lookupBin('4000000000003220')?.issuer, 'test-bank');
    assert.equal(table.lookupBin('4000000000000077')?.brand, 'visa');
    assert.equal(table.lookupBin('4111111111111111'), null);
  });
});

describe('card number format', () => {
  test('12–19 digits with a Luhn check digit', () => {
    const cases: Array<[unknown, boolean]> = [
      ['4242424242424242', true],
      ['378282246310005', true],
      [withLuhn('12345678901'), true], // 12 digits
      [withLuhn('123456789012345678'), true], // 19 digits
      [withLuhn('1234567890'), false], // 11 digits
      [withLuhn('1234567890123456789'), false], // 20 digits
      ['4242424242424241', false],
      ['4242 4242 4242 4242', false],
      [4242424242424242, false],
      [null, false],
    ];
    for (const [pan, valid] of cases) assert.equal(isValidPan(pan), valid, String(pan));
  });

  test('records keep 8 + 4 digits of a 16-digit number and 6 + 4 of a shorter one', () => {
    assert.deepEqual([recordableBin('4242424242424242'), recordableLast4('4242424242424242')], ['42424242', '4242']);
    assert.deepEqual([recordableBin('378282246310005'), recordableLast4('378282246310005')], ['378282', '0005']);
    assert.deepEqual([recordableBin('12345'), recordableLast4('abc')], [null, null]);
  });
});
