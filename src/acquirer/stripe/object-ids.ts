/**
 * The shape of an object id a parameter may name (`cus_…`, `pm_…`), checked
 * before any look-up so a malformed id is a 400 naming the parameter, not a 404.
 */
export function objectIdPattern(prefix: string): RegExp {
  let pattern = idPatterns.get(prefix);
  if (pattern === undefined) {
    pattern = new RegExp(`^${prefix}_[0-9A-Za-z]{10,40}$`);
    idPatterns.set(prefix, pattern);
  }
  return pattern;
}

/** Compiled once per prefix: every request checks a few ids (none of these patterns is global, so `test` keeps no state). */
const idPatterns = new Map<string, RegExp>();

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const CLIENT_SECRET_RANDOM_BYTES = 16;
/** 62^22 > 2^128, so 22 base62 digits hold the 16 random bytes exactly. */
const CLIENT_SECRET_DIGITS = 22;

/**
 * An intent's `client_secret`, in Stripe's form `<intent id>_secret_<random>`.
 * The random part is 128 bits from the injected random source, never from
 * the id generator: ids made in one millisecond are consecutive, so a secret
 * drawn from it was the intent's id plus one and anyone holding the id could
 * derive it. The secret is a capability the customer's browser holds (like a
 * publishable key), so it is stored as it is and returned with the intent.
 */
export function newClientSecret(intentId: string, random: (byteCount: number) => Uint8Array): string {
  // The 128-bit number as four 32-bit limbs, most significant first, divided by 62 by long division: each step's
  // partial value is below 62·2^32 (< 2^38), exact in a double — the digits BigInt arithmetic gives, at a fraction of its cost.
  const bytes = random(CLIENT_SECRET_RANDOM_BYTES);
  const limbs = [0, 4, 8, 12].map((at) => ((bytes[at]! << 24) >>> 0) + (bytes[at + 1]! << 16) + (bytes[at + 2]! << 8) + bytes[at + 3]!);
  let digits = '';
  for (let i = 0; i < CLIENT_SECRET_DIGITS; i++) {
    let remainder = 0;
    for (let j = 0; j < limbs.length; j++) {
      const partial = remainder * 2 ** 32 + limbs[j]!;
      limbs[j] = Math.floor(partial / 62);
      remainder = partial % 62;
    }
    digits = BASE62[remainder]! + digits;
  }
  return `${intentId}_secret_${digits}`;
}
