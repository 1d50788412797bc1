import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { newClientSecret, objectIdPattern } from '../../src/acquirer/stripe/object-ids.ts';

/** The definition: the 16 random bytes as one big-endian 128-bit number, in 22 base-62 digits. */
function base62Of(bytes: Uint8Array): string {
  const digits = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  let out = '';
  for (let i = 0; i < 22; i++) {
    out = digits[Number(value % 62n)]! + out;
    value /= 62n;
  }
  return out;
}

test('a client secret is its intent id and the 128 random bits in 22 base-62 digits', () => {
  assert.equal(newClientSecret('pi_1', () => new Uint8Array(16)), `pi_1_secret_${'0'.repeat(22)}`);
  assert.equal(newClientSecret('pi_1', () => new Uint8Array(16).fill(0xff)), 'pi_1_secret_7n42DGM5Tflk9n8mt7Fhc7');
  for (let i = 0; i < 2_000; i++) {
    const bytes = randomBytes(16);
    assert.equal(newClientSecret('pi_2', () => bytes), `pi_2_secret_${base62Of(bytes)}`);
  }
});

test('an object id pattern checks the prefix and the id’s characters, the same however often it is asked for', () => {
  const customer = objectIdPattern('cus');
  assert.equal(objectIdPattern('cus'), customer);
  assert.ok(customer.test('cus_0123456789abcdef'));
  assert.ok(!customer.test('pm_0123456789abcdef'));
  assert.ok(!customer.test('cus_short'));
  assert.ok(!customer.test('cus_0123456789abcdef;drop'));
  assert.ok(objectIdPattern('pm').test('pm_0123456789abcdef'));
});
