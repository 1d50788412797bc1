import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BinTable } from '../../src/network/bins.ts';
import { CardNetwork } from '../../src/network/card-network.ts';
import { PAR_KEY_FILE_NAME, PAR_KEY_SECRET } from '../../src/network/par-key-file.ts';
import {
  CARDLANE_BIN_CONTROLLER_ID,
  isPaymentAccountReference,
  PAR_LENGTH,
  paymentAccountReference,
  paymentAccountReferences,
} from '../../src/network/payment-account-reference.ts';
import { networkFixture, RecordingIssuer, withLuhn } from './network-fixture.ts';

// The network's payment account reference (EMVCo PAR): one account, one
// reference, under the network's key only; no way back to the number.

const KEY = Buffer.alloc(32, 1);
const OTHER_KEY = Buffer.alloc(32, 2);
const PAN = withLuhn('453000001234567');
const OTHER_PAN = withLuhn('453000001234568');

test('a PAR has EMVCo\'s shape: 29 upper-case alphanumerics, the BIN controller id first', () => {
  const par = paymentAccountReference(KEY, PAN);
  assert.equal(par.length, PAR_LENGTH);
  assert.equal(PAR_LENGTH, 29);
  assert.ok(par.startsWith(CARDLANE_BIN_CONTROLLER_ID), par);
  assert.match(par, /^[0-9A-Z]{29}$/);
  assert.ok(isPaymentAccountReference(par));
  assert.ok(!isPaymentAccountReference(PAN));
  assert.ok(!isPaymentAccountReference(par.toLowerCase()));
});

test('the same number always gets the same PAR; another number or another key, another PAR', () => {
  const par = paymentAccountReference(KEY, PAN);
  assert.equal(paymentAccountReference(KEY, PAN), par);
  assert.equal(paymentAccountReferences(KEY)(PAN), par);
  assert.notEqual(paymentAccountReference(KEY, OTHER_PAN), par);
  assert.notEqual(paymentAccountReference(OTHER_KEY, PAN), par);
  // Spread over many numbers: no collisions, and every account character is used.
  const pars = new Set<string>();
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const p = paymentAccountReference(KEY, withLuhn(`4530000${String(i).padStart(8, '0')}`));
    pars.add(p);
    for (const c of p.slice(4)) seen.add(c);
  }
  assert.equal(pars.size, 2000);
  assert.equal(seen.size, 36);
});

test('only a valid card number and a 32-byte key give a PAR', () => {
  assert.throws(() => paymentAccountReference(KEY, '4530000012345678'), TypeError, 'a failed Luhn check');
  assert.throws(() => paymentAccountReference(KEY, '1234'), TypeError);
  assert.throws(() => paymentAccountReference(Buffer.alloc(16), PAN), RangeError);
  assert.throws(() => paymentAccountReferences(Buffer.alloc(31)), RangeError);
});

test('the network answers a PAR inquiry with its key, and with none without one', async () => {
  const f = await networkFixture();
  try {
    const issuer = new RecordingIssuer('bank-a');
    const bins = new BinTable([{ prefix: '453000', brand: 'visa', country: 'US', funding: 'prepaid', issuer: issuer.name, issuerName: 'Bank A' }]);
    const keyed = new CardNetwork({ db: f.db, clock: f.clock, ids: f.ids, bins, issuers: [issuer], parKey: KEY });
    assert.equal(keyed.paymentAccountReference(PAN), paymentAccountReference(KEY, PAN));
    assert.equal(keyed.paymentAccountReference('4530000012345678'), null, 'not a card number');
    const unkeyed = new CardNetwork({ db: f.db, clock: f.clock, ids: f.ids, bins, issuers: [issuer] });
    assert.equal(unkeyed.paymentAccountReference(PAN), null);
  } finally {
    await f.cleanup();
  }
});

test("the PAR key is a 32-byte deployment secret; an older data directory's hex file is read as it was written", () => {
  const key = PAR_KEY_SECRET.generate();
  assert.equal(key.length, 32);
  assert.notDeepEqual(PAR_KEY_SECRET.generate(), key, 'fresh every time');
  assert.deepEqual(PAR_KEY_SECRET.legacyFile!.parse(`${key.toString('hex')}\n`, PAR_KEY_FILE_NAME), key);
  assert.throws(() => PAR_KEY_SECRET.legacyFile!.parse('abcd\n', PAR_KEY_FILE_NAME), /32-byte secret/);
});
