import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cryptoRandom, seededRandom, type RandomSource } from '../../src/platform/ids.ts';
import { randomBytesExactly, randomDigits, randomIntBelow } from '../../src/platform/uniform.ts';

/** A source that replays the given 32-bit words, big-endian. */
function words(...values: number[]): RandomSource {
  const queue = [...values];
  return (count) => {
    assert.equal(count, 4);
    const word = queue.shift();
    assert.ok(word !== undefined, 'source exhausted');
    return Uint8Array.of(word >>> 24, (word >>> 16) & 0xff, (word >>> 8) & 0xff, word & 0xff);
  };
}

test('draws at or above the largest multiple of the bound are rejected, not folded', () => {
  // 2^32 mod 10 = 6: the words 4294967290..4294967295 would favour 0..5 under a plain modulo.
  assert.equal(randomIntBelow(words(0xffff_ffff, 0xffff_fffa, 13), 10), 3);
  assert.equal(randomIntBelow(words(0xffff_fff9), 10), 9);
  // 2^32 mod 10^6 = 967296.
  assert.equal(randomIntBelow(words(4_294_000_000, 1_234_567), 1_000_000), 234_567);
  assert.equal(randomIntBelow(words(0), 1), 0);
});

test('bounds and short sources are refused', () => {
  assert.throws(() => randomIntBelow(cryptoRandom, 0), RangeError);
  assert.throws(() => randomIntBelow(cryptoRandom, 2 ** 32 + 1), RangeError);
  assert.throws(() => randomIntBelow(cryptoRandom, 1.5), RangeError);
  assert.throws(() => randomIntBelow(() => new Uint8Array(2), 10), RangeError);
  assert.throws(() => randomBytesExactly(() => new Uint8Array(3), 4), RangeError);
  assert.equal(randomBytesExactly(seededRandom(1), 12).length, 12);
});

test('digits are uniform (seeded, so deterministic): chi-square over 100,000 digits stays well under the 0.1 % critical value', () => {
  const counts = new Array<number>(10).fill(0);
  const digits = randomDigits(seededRandom(2026), 100_000);
  for (const char of digits) counts[Number(char)]!++;
  const expected = digits.length / 10;
  const chiSquare = counts.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
  // 9 degrees of freedom: P(χ² > 27.88) = 0.001.
  assert.ok(chiSquare < 27.88, `χ² = ${chiSquare.toFixed(2)}, counts ${counts.join(',')}`);
});
