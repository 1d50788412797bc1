import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { cryptoRandom, seededRandom } from '../../src/platform/ids.ts';
import { generatePan } from '../../src/issuer/card-number.ts';
import {
  CardSecretError,
  decryptPan,
  deriveCvv2,
  encryptPan,
  needsReencryption,
  panFingerprint,
  reencryptPan,
  verifyCvv2,
} from '../../src/issuer/card-secrets.ts';
import { generateKeyring, retirePanKey, rotatePanKey } from '../../src/issuer/keyring.ts';

const keyring = generateKeyring(seededRandom(2026));
const pans = fc.integer().map((seed) => generatePan('489123', seededRandom(seed)));

function isSecretError(code: CardSecretError['code']) {
  return (error: unknown) => error instanceof CardSecretError && error.code === code;
}

test('encrypt → decrypt round-trips, and the ciphertext shows no PAN digits', () => {
  fc.assert(
    fc.property(pans, fc.integer(), (pan, seed) => {
      const encrypted = encryptPan(keyring, pan, seededRandom(seed));
      assert.equal(encrypted.kid, 'k1');
      assert.equal(decryptPan(keyring, encrypted), pan);
      const raw = Buffer.from(encrypted.ciphertext, 'base64');
      assert.equal(raw.length, 12 + pan.length + 16);
      assert.ok(!encrypted.ciphertext.includes(pan));
      assert.ok(!encrypted.ciphertext.includes(pan.slice(6, 12)), 'no middle digits in the base64');
      assert.ok(!raw.includes(Buffer.from(pan, 'utf8')), 'no PAN in the raw bytes');
      assert.ok(!raw.includes(Buffer.from(pan.slice(0, 8), 'utf8')), 'no BIN-and-more in the raw bytes');
      assert.ok(!JSON.stringify(encrypted).includes(pan));
    }),
    { numRuns: 300 },
  );
});

test('the IV is fresh each time: one PAN encrypts to different ciphertexts', () => {
  const pan = generatePan('489123', seededRandom(1));
  const a = encryptPan(keyring, pan, cryptoRandom);
  const b = encryptPan(keyring, pan, cryptoRandom);
  assert.notEqual(a.ciphertext, b.ciphertext);
  assert.equal(decryptPan(keyring, a), decryptPan(keyring, b));
});

test('any flipped bit is detected as tampering', () => {
  fc.assert(
    fc.property(pans, fc.nat(), fc.integer({ min: 0, max: 7 }), (pan, at, bit) => {
      const encrypted = encryptPan(keyring, pan, cryptoRandom);
      const raw = Buffer.from(encrypted.ciphertext, 'base64');
      raw[at % raw.length]! ^= 1 << bit;
      assert.throws(
        () => decryptPan(keyring, { kid: encrypted.kid, ciphertext: raw.toString('base64') }),
        isSecretError('pan_ciphertext_invalid'),
      );
    }),
    { numRuns: 300 },
  );
});

test('malformed, truncated or relabelled ciphertexts and unknown kids are refused with typed errors', () => {
  const rotated = rotatePanKey(keyring, seededRandom(7));
  const pan = generatePan('489123', seededRandom(3));
  const encrypted = encryptPan(rotated, pan, cryptoRandom);
  const raw = Buffer.from(encrypted.ciphertext, 'base64');
  const invalid = [
    { kid: encrypted.kid, ciphertext: raw.subarray(0, 28).toString('base64') },
    { kid: encrypted.kid, ciphertext: raw.subarray(0, raw.length - 1).toString('base64') },
    { kid: encrypted.kid, ciphertext: `${encrypted.ciphertext}!` },
    { kid: encrypted.kid, ciphertext: '' },
    // The same bytes under the other key id: the kid is authenticated data, so this fails.
    { kid: 'k1', ciphertext: encrypted.ciphertext },
  ];
  for (const candidate of invalid) {
    assert.throws(() => decryptPan(rotated, candidate), isSecretError('pan_ciphertext_invalid'), JSON.stringify(candidate));
  }
  assert.throws(() => decryptPan(rotated, { ...encrypted, kid: 'k9' }), isSecretError('pan_key_unknown'));
  assert.throws(() => decryptPan(rotated, { ...encrypted, kid: 'constructor' }), isSecretError('pan_key_unknown'));
  assert.throws(() => encryptPan(rotated, '4242', cryptoRandom), TypeError);
});

test('a ciphertext moved to another key with the kid label changed still fails: the kid is bound in', () => {
  // Two keyrings sharing the kid "k1" but with different keys.
  const other = generateKeyring(seededRandom(99));
  const pan = generatePan('489123', seededRandom(4));
  const encrypted = encryptPan(keyring, pan, cryptoRandom);
  assert.throws(() => decryptPan(other, encrypted), isSecretError('pan_ciphertext_invalid'));
});

test('rotation: old ciphertexts still decrypt, reencryptPan moves them to the active key, then the old key can go', () => {
  const pan = generatePan('489123', seededRandom(5));
  const old = encryptPan(keyring, pan, cryptoRandom);
  const rotated = rotatePanKey(keyring, seededRandom(6));
  assert.equal(decryptPan(rotated, old), pan);
  assert.ok(needsReencryption(rotated, old));
  const moved = reencryptPan(rotated, old, cryptoRandom);
  assert.equal(moved.kid, 'k2');
  assert.equal(needsReencryption(rotated, moved), false);
  assert.equal(reencryptPan(rotated, moved, cryptoRandom), moved, 'already current: unchanged');
  const retired = retirePanKey(rotated, 'k1');
  assert.equal(decryptPan(retired, moved), pan);
  assert.throws(() => decryptPan(retired, old), isSecretError('pan_key_unknown'));
  assert.throws(() => reencryptPan(rotated, { ...old, ciphertext: moved.ciphertext }, cryptoRandom), isSecretError('pan_ciphertext_invalid'));
});

test('fingerprints: deterministic per PAN, distinct across PANs, keyed', () => {
  const pan = generatePan('489123', seededRandom(8));
  const fingerprint = panFingerprint(keyring, pan);
  assert.match(fingerprint, /^[0-9a-f]{64}$/);
  assert.equal(panFingerprint(keyring, pan), fingerprint);
  assert.notEqual(panFingerprint(keyring, generatePan('489123', seededRandom(9))), fingerprint);
  assert.notEqual(panFingerprint(generateKeyring(seededRandom(1)), pan), fingerprint, 'another key, another fingerprint');
  // Unaffected by rotating the PAN encryption key: look-ups keep working.
  assert.equal(panFingerprint(rotatePanKey(keyring, seededRandom(6)), pan), fingerprint);
});

test('CVV2 is three digits, deterministic per (PAN, expiry), and changes with the expiry or the key', () => {
  const otherKey = generateKeyring(seededRandom(77));
  fc.assert(
    fc.property(pans, fc.integer({ min: 1, max: 12 }), fc.integer({ min: 2026, max: 2099 }), (pan, month, year) => {
      const cvv = deriveCvv2(keyring, pan, month, year);
      assert.match(cvv, /^\d{3}$/);
      assert.equal(deriveCvv2(keyring, pan, month, year), cvv);
      assert.ok(verifyCvv2(keyring, pan, month, year, cvv));
    }),
    { numRuns: 300 },
  );
  // Over many cards a key change or an expiry change almost never keeps the CVV2 (chance 1/1000 each).
  let sameAfterKeyChange = 0;
  let sameAfterReissue = 0;
  const random = seededRandom(12);
  for (let i = 0; i < 1000; i++) {
    const pan = generatePan('489123', random);
    const cvv = deriveCvv2(keyring, pan, 6, 2029);
    if (deriveCvv2(otherKey, pan, 6, 2029) === cvv) sameAfterKeyChange++;
    if (deriveCvv2(keyring, pan, 6, 2032) === cvv) sameAfterReissue++;
  }
  assert.ok(sameAfterKeyChange < 10, `${sameAfterKeyChange} of 1000 unchanged after a key change`);
  assert.ok(sameAfterReissue < 10, `${sameAfterReissue} of 1000 unchanged after a new expiry`);
  // Not changed by rotating the PAN encryption key.
  const pan = generatePan('489123', seededRandom(13));
  assert.equal(deriveCvv2(rotatePanKey(keyring, seededRandom(1)), pan, 6, 2029), deriveCvv2(keyring, pan, 6, 2029));
});

test('CVV2 digits are spread evenly over 000–999 (sanity check, χ² on the first digit)', () => {
  const counts = new Array<number>(10).fill(0);
  const random = seededRandom(14);
  for (let i = 0; i < 20_000; i++) counts[Number(deriveCvv2(keyring, generatePan('489123', random), 1 + (i % 12), 2029)[0])]!++;
  const chiSquare = counts.reduce((sum, count) => sum + (count - 2000) ** 2 / 2000, 0);
  assert.ok(chiSquare < 27.88, `χ² = ${chiSquare.toFixed(2)}`);
});

test('CVV2 checks refuse bad input and wrong codes', () => {
  const pan = generatePan('489123', seededRandom(15));
  const cvv = deriveCvv2(keyring, pan, 2, 2029);
  const wrong = String((Number(cvv) + 1) % 1000).padStart(3, '0');
  assert.equal(verifyCvv2(keyring, pan, 2, 2029, wrong), false);
  for (const bad of ['', '12', '1234', 'abc', ` ${cvv}`]) assert.equal(verifyCvv2(keyring, pan, 2, 2029, bad), false, bad);
  assert.throws(() => deriveCvv2(keyring, pan, 0, 2029), RangeError);
  assert.throws(() => deriveCvv2(keyring, pan, 13, 2029), RangeError);
  assert.throws(() => deriveCvv2(keyring, pan, 1, 29), RangeError);
  assert.throws(() => deriveCvv2(keyring, 'x', 1, 2029), TypeError);
});
