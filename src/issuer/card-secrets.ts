import { createCipheriv, createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';
import type { RandomSource } from '../platform/ids.ts';
import type { Keyring } from './keyring.ts';
import { randomBytesExactly } from '../platform/uniform.ts';

/**
 * What the issuer keeps of a card number, and the CVV2 it never keeps.
 *
 * - At rest a PAN is AES-256-GCM ciphertext, stored as base64 of
 *   `iv (12 bytes) | ciphertext | tag (16 bytes)` next to its key id. The
 *   IV is random per encryption (from the injected source: pass
 *   `cryptoRandom`; a repeated IV under one key breaks GCM). The kid is the
 *   additional authenticated data, so a ciphertext relabelled with another
 *   kid fails authentication instead of decrypting under the wrong key.
 * - The fingerprint is HMAC-SHA256(panFingerprintKey, pan) in hex: equal PANs
 *   have equal fingerprints (unique index, look-up), and because it is keyed,
 *   a copy of the database alone does not let anyone try the ~10^9 PANs of
 *   the BIN against it.
 * - CVV2 is derived on demand: HMAC-SHA256(cvvKey, "cvv2:v1:" + pan + ":" +
 *   MM + ":" + YYYY), the 256-bit digest read as a big-endian unsigned
 *   integer, modulo 1000, zero-padded to three digits. The modulo bias is
 *   (2^256 mod 1000) / 2^256 < 10^-73, i.e. none. The same card and expiry
 *   always give the same CVV2; a new expiry (reissue) or a new cvvKey gives
 *   another. (Real issuers use a 3DES "CVK" pair and decimalization; this is
 *   the same idea with a modern MAC, not the Visa algorithm.)
 */

export interface EncryptedPan {
  /** base64 of iv | ciphertext | tag. */
  readonly ciphertext: string;
  /** Id of the keyring key it was encrypted under. */
  readonly kid: string;
}

export type CardSecretErrorCode = 'pan_key_unknown' | 'pan_ciphertext_invalid';

/** Decryption refused: unknown key id, or a ciphertext that is malformed or fails authentication (tampered, wrong kid). */
export class CardSecretError extends Error {
  constructor(
    readonly code: CardSecretErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CardSecretError';
  }
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
const PAN_PATTERN = /^\d{13,19}$/;
const CVV_DOMAIN = 'cvv2:v1';

export function encryptPan(keyring: Keyring, pan: string, random: RandomSource): EncryptedPan {
  checkPan(pan);
  const kid = keyring.panEncryption.activeKid;
  const key = keyFor(keyring, kid);
  const iv = randomBytesExactly(random, IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(kid, 'utf8'));
  const body = Buffer.concat([cipher.update(pan, 'utf8'), cipher.final()]);
  return { ciphertext: Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64'), kid };
}

export function decryptPan(keyring: Keyring, encrypted: EncryptedPan): string {
  const key = keyFor(keyring, encrypted.kid);
  const raw = Buffer.from(encrypted.ciphertext, 'base64');
  if (raw.toString('base64') !== encrypted.ciphertext || raw.length < IV_BYTES + 1 + TAG_BYTES) {
    throw new CardSecretError('pan_ciphertext_invalid', 'encrypted PAN is not well-formed base64 of iv|ciphertext|tag');
  }
  const iv = raw.subarray(0, IV_BYTES);
  const body = raw.subarray(IV_BYTES, raw.length - TAG_BYTES);
  const tag = raw.subarray(raw.length - TAG_BYTES);
  let pan: string;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(encrypted.kid, 'utf8'));
    decipher.setAuthTag(tag);
    pan = Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch {
    throw new CardSecretError('pan_ciphertext_invalid', `encrypted PAN failed authentication under key ${encrypted.kid} (tampered or mislabelled)`);
  }
  if (!PAN_PATTERN.test(pan)) {
    throw new CardSecretError('pan_ciphertext_invalid', 'encrypted PAN decrypted to something that is not a card number');
  }
  return pan;
}

/** True when `encrypted` is under an older key than the active one. */
export function needsReencryption(keyring: Keyring, encrypted: EncryptedPan): boolean {
  return encrypted.kid !== keyring.panEncryption.activeKid;
}

/** For a rotation sweep: the same PAN under the active key; returned unchanged when already there. */
export function reencryptPan(keyring: Keyring, encrypted: EncryptedPan, random: RandomSource): EncryptedPan {
  const pan = decryptPan(keyring, encrypted);
  if (!needsReencryption(keyring, encrypted)) return encrypted;
  return encryptPan(keyring, pan, random);
}

/** HMAC-SHA256(panFingerprintKey, pan), lower-case hex (64 characters). */
export function panFingerprint(keyring: Keyring, pan: string): string {
  checkPan(pan);
  return createHmac('sha256', keyring.panFingerprintKey).update(pan, 'utf8').digest('hex');
}

/** Three digits, derived as described above; never store the result. */
export function deriveCvv2(keyring: Keyring, pan: string, expMonth: number, expYear: number): string {
  checkPan(pan);
  if (!Number.isInteger(expMonth) || expMonth < 1 || expMonth > 12) throw new RangeError(`expiry month must be 1–12, got ${expMonth}`);
  if (!Number.isInteger(expYear) || expYear < 2000 || expYear > 9999) throw new RangeError(`expiry year must be four digits, got ${expYear}`);
  const message = `${CVV_DOMAIN}:${pan}:${String(expMonth).padStart(2, '0')}:${expYear}`;
  const digest = createHmac('sha256', keyring.cvvKey).update(message, 'utf8').digest('hex');
  return (BigInt(`0x${digest}`) % 1000n).toString().padStart(3, '0');
}

/**
 * Whether a submitted CVV2 is the card's, compared in constant time. A
 * malformed submission (not three digits) is simply false.
 */
export function verifyCvv2(keyring: Keyring, pan: string, expMonth: number, expYear: number, submitted: string): boolean {
  const expected = Buffer.from(deriveCvv2(keyring, pan, expMonth, expYear), 'utf8');
  if (typeof submitted !== 'string' || !/^\d{3}$/.test(submitted)) return false;
  return timingSafeEqual(expected, Buffer.from(submitted, 'utf8'));
}

function keyFor(keyring: Keyring, kid: string): Buffer {
  if (!Object.hasOwn(keyring.panEncryption.keys, kid)) {
    throw new CardSecretError('pan_key_unknown', `no PAN key with id ${JSON.stringify(kid)} in the keyring`);
  }
  return keyring.panEncryption.keys[kid]!;
}

function checkPan(pan: string): void {
  if (typeof pan !== 'string' || !PAN_PATTERN.test(pan)) throw new TypeError('expected the 13–19 digits of a card number');
}
