import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cryptoRandom, seededRandom } from '../../src/platform/ids.ts';
import {
  KEY_BYTES,
  KeyringError,
  generateKeyring,
  parseKeyring,
  retirePanKey,
  rotatePanKey,
  serializeKeyring,
} from '../../src/issuer/keyring.ts';

test('a generated keyring has four distinct 32-byte keys and one active PAN key', () => {
  const keyring = generateKeyring(cryptoRandom);
  assert.equal(keyring.panEncryption.activeKid, 'k1');
  const keys = [keyring.panEncryption.keys.k1!, keyring.panFingerprintKey, keyring.cvvKey, keyring.otpPepper];
  for (const key of keys) assert.equal(key.length, KEY_BYTES);
  assert.equal(new Set(keys.map((key) => key.toString('hex'))).size, 4);
});

test('serialize → parse is the identity; the file is JSON with base64 keys', () => {
  const keyring = rotatePanKey(generateKeyring(seededRandom(3)), seededRandom(4));
  const text = serializeKeyring(keyring);
  const json = JSON.parse(text);
  assert.equal(json.version, 1);
  assert.equal(json.pan_encryption.active_kid, 'k2');
  assert.deepEqual(Object.keys(json.pan_encryption.keys), ['k1', 'k2']);
  assert.equal(json.cvv_key, keyring.cvvKey.toString('base64'));
  const parsed = parseKeyring(text);
  assert.deepEqual(parsed, keyring);
  assert.equal(serializeKeyring(parsed), text);
});

test('rotation adds an active key and keeps the old ones; retiring drops an old one only', () => {
  const k1 = generateKeyring(seededRandom(10));
  const k2 = rotatePanKey(k1, seededRandom(11));
  assert.equal(k2.panEncryption.activeKid, 'k2');
  assert.ok(k2.panEncryption.keys.k1!.equals(k1.panEncryption.keys.k1!));
  assert.ok(k2.cvvKey.equals(k1.cvvKey));
  const named = rotatePanKey(k2, seededRandom(12), '2026-07');
  assert.equal(named.panEncryption.activeKid, '2026-07');
  assert.equal(rotatePanKey(named, seededRandom(13)).panEncryption.activeKid, 'k3');
  assert.throws(() => rotatePanKey(k2, seededRandom(14), 'k1'), /already in use/);
  const retired = retirePanKey(k2, 'k1');
  assert.deepEqual(Object.keys(retired.panEncryption.keys), ['k2']);
  assert.throws(() => retirePanKey(k2, 'k2'), /active/);
  assert.throws(() => retirePanKey(k2, 'k9'), /no key/);
});

function mutate(edit: (json: any) => void): string {
  const json = JSON.parse(serializeKeyring(generateKeyring(seededRandom(5))));
  edit(json);
  return JSON.stringify(json);
}

const short = Buffer.alloc(16, 1).toString('base64');
const refusals: ReadonlyArray<readonly [name: string, text: string, message: RegExp]> = [
  ['not JSON', '{', /not valid JSON/],
  ['an array', '[]', /JSON object/],
  ['wrong version', mutate((j) => (j.version = 2)), /unsupported version 2/],
  ['missing pan_encryption', mutate((j) => delete j.pan_encryption), /pan_encryption must be an object/],
  ['active kid without key', mutate((j) => (j.pan_encryption.active_kid = 'k7')), /active_kid k7 has no key/],
  ['short PAN key', mutate((j) => (j.pan_encryption.keys.k1 = short)), /pan_encryption\.keys\.k1 must decode to 32 bytes, got 16/],
  ['short cvv key', mutate((j) => (j.cvv_key = short)), /cvv_key must decode to 32 bytes/],
  ['pepper not a string', mutate((j) => (j.otp_pepper = 42)), /otp_pepper must be a base64 string/],
  ['not base64', mutate((j) => (j.pan_fingerprint_key = '!!!not base64!!!')), /pan_fingerprint_key is not canonical base64/],
  ['bad kid', mutate((j) => (j.pan_encryption.keys['bad kid'] = j.cvv_key)), /key id "bad kid" is not valid/],
  ['reused key', mutate((j) => (j.otp_pepper = j.cvv_key)), /otp_pepper is the same key as cvv_key/],
  ['unknown field', mutate((j) => (j.extra = true)), /unknown field extra/],
];

test('parseKeyring refuses bad files with a message naming the field, table-driven', () => {
  for (const [name, text, message] of refusals) {
    assert.throws(
      () => parseKeyring(text),
      (error: unknown) => error instanceof KeyringError && error.code === 'keyring_invalid' && message.test(error.message),
      name,
    );
  }
});
