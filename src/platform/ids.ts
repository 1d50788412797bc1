import { randomFillSync } from 'node:crypto';
import type { Clock } from './clock.ts';

/**
 * Ids look like Stripe's: `<prefix>_<sortable random>`. The body is a ULID-like
 * 26-character Crockford base32 string: 48 bits of milliseconds, then 80 bits
 * of randomness. Ids made by one generator sort by creation time; within one
 * millisecond the random part grows so they still sort (monotonic) — by a
 * random step of up to 2^40, not by one: some ids are the only handle of a
 * page reached without a key (a 3-D Secure challenge and its return), and
 * "the previous id plus one" would let whoever holds one id guess the next
 * payment's made in the same millisecond.
 */
export type Id<Prefix extends string> = `${Prefix}_${string}` & { readonly __idBrand: Prefix };

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const RANDOM_BYTES = 10;

export type RandomSource = (byteCount: number) => Uint8Array;

/**
 * The operating system's CSPRNG, drawn 4 KiB at a time: one `randomBytes`
 * call per id cost more than the rest of making it (a payment makes about
 * ten ids and secrets). Each byte of the pool is handed out once, as a copy,
 * and zeroed in the pool as it leaves, so what one caller got is never what
 * another gets and does not linger here; the bytes are the same CSPRNG
 * output `randomBytes` returns, so ids and secrets stay unguessable. A
 * worker process (child_process/cluster) starts with its own empty pool: it
 * is a new process, not a fork(2) copy of this memory.
 */
const RANDOM_POOL_BYTES = 4096;
const randomPool = Buffer.alloc(RANDOM_POOL_BYTES);
let randomPoolOffset = RANDOM_POOL_BYTES;
/** The typed array's own `fill`: Buffer's validates its arguments first, which costs more than the zeroing. */
const zeroBytes = Uint8Array.prototype.fill;

export const cryptoRandom: RandomSource = (byteCount) => {
  if (byteCount > RANDOM_POOL_BYTES) return randomFillSync(Buffer.alloc(byteCount));
  if (randomPoolOffset + byteCount > RANDOM_POOL_BYTES) {
    randomFillSync(randomPool);
    randomPoolOffset = 0;
  }
  const start = randomPoolOffset;
  randomPoolOffset += byteCount;
  const out = Buffer.allocUnsafe(byteCount);
  randomPool.copy(out, 0, start, randomPoolOffset);
  zeroBytes.call(randomPool, 0, start, randomPoolOffset);
  return out;
};

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
  readonly #lastRandom = new Uint8Array(RANDOM_BYTES);

  constructor(clock: Clock, random: RandomSource = cryptoRandom) {
    this.#clock = clock;
    this.#random = random;
  }

  next<P extends string>(prefix: P): Id<P> {
    if (!PREFIX_PATTERN.test(prefix)) throw new Error(`invalid id prefix: ${prefix}`);
    const ms = this.#clock.nowMs();
    if (ms > this.#lastMs || !addRandomStep(this.#lastRandom, this.#random(STEP_BYTES))) {
      // A new millisecond — or this one's 80 bits ran out, so the ids go on in the next one, still in order.
      this.#lastMs = Math.max(ms, this.#lastMs + 1);
      this.#lastRandom.set(this.#random(RANDOM_BYTES)); // a copy: the source's bytes are not ours to increment
    }
    return `${prefix}_${encodeTime(this.#lastMs)}${encodeRandom(this.#lastRandom)}` as Id<P>;
  }
}

/** The size of the step between two ids of one millisecond: 5 random bytes, plus one so it is never zero. */
const STEP_BYTES = 5;

/** Adds `1 + step` (big-endian) to `bytes`; false, with `bytes` unusable, when the sum does not fit in 80 bits. */
function addRandomStep(bytes: Uint8Array, step: Uint8Array): boolean {
  let carry = 1;
  for (let i = bytes.length - 1, j = step.length - 1; i >= 0; i--, j--) {
    const sum = bytes[i]! + (j >= 0 ? step[j]! : 0) + carry;
    bytes[i] = sum & 0xff;
    carry = sum >> 8;
  }
  return carry === 0;
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

/** The 80 random bits as 16 Crockford digits, most significant first: two halves of 40 bits, each exact in a double (no BigInt). */
function encodeRandom(bytes: Uint8Array): string {
  return encode40Bits(bytes, 0) + encode40Bits(bytes, 5);
}

function encode40Bits(bytes: Uint8Array, from: number): string {
  let rest = 0;
  for (let i = from; i < from + 5; i++) rest = rest * 256 + bytes[i]!;
  let out = '';
  for (let i = 0; i < 8; i++) {
    out = CROCKFORD[rest % 32]! + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}
