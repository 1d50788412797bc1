import type { RandomSource } from './ids.ts';

/**
 * Unbiased random integers from an injected byte source, for card numbers,
 * one-time codes and invite codes.
 *
 * `n % bound` of a random 32-bit word is biased whenever `bound` does not
 * divide 2^32: the low residues get one extra chance. Rejection sampling
 * removes the bias: a draw is used only when it falls below the largest
 * multiple of `bound` that fits in 32 bits, and is otherwise thrown away and
 * redrawn. The expected number of draws is below 2 for every bound, and for
 * the bounds used here (10, 10^6) the rejection rate is under 0.03 %.
 */

const TWO_POW_32 = 0x1_0000_0000;

/** A uniform integer in [0, bound). `bound` is a whole number in [1, 2^32]. */
export function randomIntBelow(random: RandomSource, bound: number): number {
  if (!Number.isSafeInteger(bound) || bound < 1 || bound > TWO_POW_32) {
    throw new RangeError(`randomIntBelow needs a whole bound between 1 and 2^32, got ${bound}`);
  }
  const limit = TWO_POW_32 - (TWO_POW_32 % bound);
  for (;;) {
    const bytes = random(4);
    if (bytes.length < 4) throw new RangeError('random source returned fewer bytes than asked for');
    const word = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
    if (word < limit) return word % bound;
  }
}

/** `count` independent uniform decimal digits as a string. */
export function randomDigits(random: RandomSource, count: number): string {
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`digit count must be a whole number, got ${count}`);
  let out = '';
  for (let i = 0; i < count; i++) out += String(randomIntBelow(random, 10));
  return out;
}

/** Exactly `count` bytes from the source, refusing a short answer. */
export function randomBytesExactly(random: RandomSource, count: number): Buffer {
  const bytes = random(count);
  if (bytes.length !== count) {
    throw new RangeError(`random source returned ${bytes.length} bytes, ${count} were asked for`);
  }
  return Buffer.from(bytes);
}
