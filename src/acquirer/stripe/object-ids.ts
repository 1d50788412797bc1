/**
 * The shape of an object id a parameter may name (`cus_…`, `pm_…`), checked
 * before any look-up so a malformed id is a 400 naming the parameter, not a 404.
 */
export function objectIdPattern(prefix: string): RegExp {
  return new RegExp(`^${prefix}_[0-9A-Za-z]{10,40}$`);
}

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
  let value = 0n;
  for (const byte of random(CLIENT_SECRET_RANDOM_BYTES)) value = (value << 8n) | BigInt(byte);
  let digits = '';
  for (let i = 0; i < CLIENT_SECRET_DIGITS; i++) {
    digits = BASE62[Number(value % 62n)]! + digits;
    value /= 62n;
  }
  return `${intentId}_secret_${digits}`;
}
