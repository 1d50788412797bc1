import type { RandomSource } from '../platform/ids.ts';
import { randomBytesExactly } from '../platform/uniform.ts';

/**
 * The issuer's secrets. Each has one purpose, so a leak or a change of one
 * does not affect the others:
 *
 * - `panEncryption`: AES-256-GCM keys for card numbers at rest, by key id
 *   (`kid`). New PANs are encrypted under `activeKid`; older kids stay so
 *   stored ciphertexts still decrypt, until a rotation sweep has re-encrypted
 *   them (`reencryptPan`) and the old key is dropped. A ciphertext records its
 *   kid, so rotation never guesses.
 * - `panFingerprintKey`: HMAC-SHA256 key for the PAN fingerprint (look-ups,
 *   uniqueness). Not rotatable without recomputing every fingerprint.
 * - `cvvKey`: HMAC-SHA256 key from which CVV2 is derived. Changing it changes
 *   the CVV2 of every card, so it is not rotated in place.
 * - `otpPepper`: HMAC key for one-time-code hashes; changing it only voids
 *   codes in flight.
 *
 * The runtime keeps the keyring as JSON (keys in base64) in a file of mode
 * 0600 in the data directory; this module only converts and validates.
 */

export const KEY_BYTES = 32;
export const KEYRING_FORMAT_VERSION = 1;
/** What a key id may look like: short, printable, safe in a file name or a column. */
export const KID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;
/** The file mode the runtime should give the keyring file. */
export const KEYRING_FILE_MODE = 0o600;

export interface PanEncryptionKeys {
  readonly activeKid: string;
  readonly keys: Readonly<Record<string, Buffer>>;
}

export interface Keyring {
  readonly panEncryption: PanEncryptionKeys;
  readonly panFingerprintKey: Buffer;
  readonly cvvKey: Buffer;
  readonly otpPepper: Buffer;
}

export class KeyringError extends Error {
  readonly code = 'keyring_invalid';

  constructor(message: string) {
    super(`keyring: ${message}`);
    this.name = 'KeyringError';
  }
}

/** A fresh keyring with one PAN key (kid `k1`). Pass `cryptoRandom` outside tests. */
export function generateKeyring(random: RandomSource, kid = 'k1'): Keyring {
  checkKid(kid);
  return checkKeyring({
    panEncryption: { activeKid: kid, keys: { [kid]: randomBytesExactly(random, KEY_BYTES) } },
    panFingerprintKey: randomBytesExactly(random, KEY_BYTES),
    cvvKey: randomBytesExactly(random, KEY_BYTES),
    otpPepper: randomBytesExactly(random, KEY_BYTES),
  });
}

/**
 * A new PAN key becomes active; the old ones stay for decryption. The new
 * kid defaults to `k<n+1>` where n is the highest number among `k<n>` kids.
 */
export function rotatePanKey(keyring: Keyring, random: RandomSource, kid = nextKid(keyring)): Keyring {
  checkKid(kid);
  if (Object.hasOwn(keyring.panEncryption.keys, kid)) throw new KeyringError(`key id ${kid} is already in use`);
  return checkKeyring({
    ...keyring,
    panEncryption: {
      activeKid: kid,
      keys: { ...keyring.panEncryption.keys, [kid]: randomBytesExactly(random, KEY_BYTES) },
    },
  });
}

/** Drops an old PAN key once nothing is encrypted under it any more. The active key cannot be dropped. */
export function retirePanKey(keyring: Keyring, kid: string): Keyring {
  if (kid === keyring.panEncryption.activeKid) throw new KeyringError(`key ${kid} is active and cannot be retired`);
  if (!Object.hasOwn(keyring.panEncryption.keys, kid)) throw new KeyringError(`no key with id ${kid}`);
  const keys = { ...keyring.panEncryption.keys };
  delete keys[kid];
  return { ...keyring, panEncryption: { activeKid: keyring.panEncryption.activeKid, keys } };
}

interface KeyringFile {
  version: number;
  pan_encryption: { active_kid: string; keys: Record<string, string> };
  pan_fingerprint_key: string;
  cvv_key: string;
  otp_pepper: string;
}

/** JSON for the keyring file; keys in standard base64. */
export function serializeKeyring(keyring: Keyring): string {
  checkKeyring(keyring);
  const file: KeyringFile = {
    version: KEYRING_FORMAT_VERSION,
    pan_encryption: {
      active_kid: keyring.panEncryption.activeKid,
      keys: Object.fromEntries(
        Object.entries(keyring.panEncryption.keys).map(([kid, key]) => [kid, key.toString('base64')]),
      ),
    },
    pan_fingerprint_key: keyring.panFingerprintKey.toString('base64'),
    cvv_key: keyring.cvvKey.toString('base64'),
    otp_pepper: keyring.otpPepper.toString('base64'),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** Reads a keyring file's text; throws a KeyringError naming the faulty field. */
export function parseKeyring(text: string): Keyring {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new KeyringError(`not valid JSON (${(error as Error).message})`);
  }
  if (!isObject(data)) throw new KeyringError('expected a JSON object');
  if (data.version !== KEYRING_FORMAT_VERSION) {
    throw new KeyringError(`unsupported version ${JSON.stringify(data.version)}; expected ${KEYRING_FORMAT_VERSION}`);
  }
  const pan = data.pan_encryption;
  if (!isObject(pan)) throw new KeyringError('pan_encryption must be an object');
  if (typeof pan.active_kid !== 'string') throw new KeyringError('pan_encryption.active_kid must be a string');
  if (!isObject(pan.keys)) throw new KeyringError('pan_encryption.keys must be an object of key id → base64 key');
  const keys: Record<string, Buffer> = {};
  for (const [kid, value] of Object.entries(pan.keys)) {
    checkKid(kid);
    keys[kid] = decodeKey(value, `pan_encryption.keys.${kid}`);
  }
  const known = new Set(['version', 'pan_encryption', 'pan_fingerprint_key', 'cvv_key', 'otp_pepper']);
  for (const field of Object.keys(data)) if (!known.has(field)) throw new KeyringError(`unknown field ${field}`);
  return checkKeyring({
    panEncryption: { activeKid: pan.active_kid, keys },
    panFingerprintKey: decodeKey(data.pan_fingerprint_key, 'pan_fingerprint_key'),
    cvvKey: decodeKey(data.cvv_key, 'cvv_key'),
    otpPepper: decodeKey(data.otp_pepper, 'otp_pepper'),
  });
}

function checkKeyring(keyring: Keyring): Keyring {
  const { activeKid, keys } = keyring.panEncryption;
  checkKid(activeKid);
  if (!Object.hasOwn(keys, activeKid)) {
    throw new KeyringError(`pan_encryption.active_kid ${activeKid} has no key in pan_encryption.keys`);
  }
  const named: Array<[string, Buffer]> = [
    ...Object.entries(keys).map(([kid, key]): [string, Buffer] => [`pan_encryption.keys.${kid}`, key]),
    ['pan_fingerprint_key', keyring.panFingerprintKey],
    ['cvv_key', keyring.cvvKey],
    ['otp_pepper', keyring.otpPepper],
  ];
  const seen = new Map<string, string>();
  for (const [name, key] of named) {
    if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
      throw new KeyringError(`${name} must be ${KEY_BYTES} bytes, got ${Buffer.isBuffer(key) ? key.length : typeof key}`);
    }
    const hex = key.toString('hex');
    const other = seen.get(hex);
    if (other !== undefined) throw new KeyringError(`${name} is the same key as ${other}; every key needs its own value`);
    seen.set(hex, name);
  }
  return keyring;
}

function checkKid(kid: string): void {
  if (!KID_PATTERN.test(kid)) {
    throw new KeyringError(`key id ${JSON.stringify(kid)} is not valid (letters, digits, _ and -, at most 32, starting with a letter or digit)`);
  }
}

function decodeKey(value: unknown, name: string): Buffer {
  if (typeof value !== 'string') throw new KeyringError(`${name} must be a base64 string`);
  const key = Buffer.from(value, 'base64');
  // Node's decoder skips characters it does not know; re-encoding shows whether it did.
  if (key.toString('base64') !== value) throw new KeyringError(`${name} is not canonical base64`);
  if (key.length !== KEY_BYTES) throw new KeyringError(`${name} must decode to ${KEY_BYTES} bytes, got ${key.length}`);
  return key;
}

function nextKid(keyring: Keyring): string {
  let highest = 0;
  for (const kid of Object.keys(keyring.panEncryption.keys)) {
    const match = /^k(\d{1,9})$/.exec(kid);
    if (match) highest = Math.max(highest, Number(match[1]));
  }
  return `k${highest + 1}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
