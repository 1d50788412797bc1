import { randomBytes } from 'node:crypto';
import type { Clock } from './clock.ts';

/**
 * Ids look like Stripe's: `<prefix>_<sortable random>`. The body is a ULID-like
 * 26-character Crockford base32 string: 48 bits of milliseconds, then 80 bits
 * of randomness. Ids made by one generator sort by creation time; within one
 * millisecond the random part is incremented so they still sort (monotonic).
 */
export type Id<Prefix extends string> = `${Prefix}_${string}` & { readonly __idBrand: Prefix };

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const RANDOM_BYTES = 10;

export type RandomSource = (byteCount: number) => Uint8Array;

export const cryptoRandom: RandomSource = (byteCount) => randomBytes(byteCount);

/** A deterministic source for simulations and tests (xorshift32; not for secrets). */
export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0 || 0x9e3779b9;
  return (byteCount) => {
    const out = new Uint8Array(byteCount);
    for (let i = 0; i < byteCount; i++) {
      state ^= state << 13;
      state >>>= 0;
      state ^= state >>> 17;
      state ^= state << 5;
      state >>>= 0;
      out[i] = state & 0xff;
    }
    return out;
  };
}

const PREFIX_PATTERN = /^[a-z][a-z0-9]{0,15}$/;

export class IdGenerator {
  readonly #clock: Clock;
  readonly #random: RandomSource;
  #lastMs = -1;
  #lastRandom = new Uint8Array(RANDOM_BYTES);

  constructor(clock: Clock, random: RandomSource = cryptoRandom) {
    this.#clock = clock;
    this.#random = random;
  }

  next<P extends string>(prefix: P): Id<P> {
    if (!PREFIX_PATTERN.test(prefix)) throw new Error(`invalid id prefix: ${prefix}`);
    const ms = this.#clock.nowMs();
    if (ms <= this.#lastMs) {
      incrementBytes(this.#lastRandom);
    } else {
      this.#lastMs = ms;
      this.#lastRandom = Uint8Array.from(this.#random(RANDOM_BYTES));
    }
    return `${prefix}_${encodeTime(this.#lastMs)}${encodeRandom(this.#lastRandom)}` as Id<P>;
  }
}

function incrementBytes(bytes: Uint8Array): void {
  for (let i = bytes.length - 1; i >= 0; i--) {
    const value = bytes[i]!;
    if (value < 0xff) {
      bytes[i] = value + 1;
      return;
    }
    bytes[i] = 0;
  }
}

function encodeTime(ms: number): string {
  let out = '';
  let rest = ms;
  for (let i = 0; i < 10; i++) {
    out = CROCKFORD[rest % 32]! + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

function encodeRandom(bytes: Uint8Array): string {
  let bits = 0n;
  for (const byte of bytes) bits = (bits << 8n) | BigInt(byte);
  let out = '';
  for (let i = 0; i < 16; i++) {
    out = CROCKFORD[Number(bits & 31n)]! + out;
    bits >>= 5n;
  }
  return out;
}
