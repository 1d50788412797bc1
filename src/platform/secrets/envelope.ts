import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Envelope encryption of the deployment's secrets under its master key:
 * AES-256-GCM with a fresh 96-bit nonce per seal, and the secret's name and
 * kid as associated data — so a sealed value copied onto another row (the
 * PAR key's ciphertext pasted over the vault key's, an old kid over a new
 * one) fails to open instead of quietly becoming the wrong key.
 *
 * Sealed text: `v1.<nonce>.<ciphertext>.<tag>`, each part base64url.
 */

export const MASTER_KEY_BYTES = 32;
const FORMAT = 'v1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** A sealed secret did not open under this master key: the key is not the one it was sealed with, or the row was altered. */
export class SecretUnsealError extends Error {
  constructor(readonly secretName: string, readonly kid: string, reason: string) {
    super(`secret ${secretName} (kid ${kid}) does not open: ${reason}`);
    this.name = 'SecretUnsealError';
  }
}

export function sealSecret(masterKey: Buffer, name: string, kid: string, plaintext: Buffer): string {
  checkMasterKey(masterKey);
  // Always the system's generator, never an injected (possibly seeded) one: a repeated nonce under one key breaks GCM.
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', masterKey, nonce);
  cipher.setAAD(associatedData(name, kid));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return [FORMAT, nonce, ciphertext, cipher.getAuthTag()].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
}

/** The plaintext of `sealed`; a SecretUnsealError when the master key, the name, the kid or the text is not what sealed it. */
export function openSecret(masterKey: Buffer, name: string, kid: string, sealed: string): Buffer {
  checkMasterKey(masterKey);
  const parts = sealed.split('.');
  if (parts.length !== 4 || parts[0] !== FORMAT) throw new SecretUnsealError(name, kid, `not a sealed secret of format ${FORMAT}`);
  const [nonce, ciphertext, tag] = parts.slice(1).map((part) => Buffer.from(part, 'base64url')) as [Buffer, Buffer, Buffer];
  if (nonce.length !== NONCE_BYTES || tag.length !== TAG_BYTES) throw new SecretUnsealError(name, kid, 'malformed nonce or tag');
  const decipher = createDecipheriv('aes-256-gcm', masterKey, nonce);
  decipher.setAAD(associatedData(name, kid));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    // GCM's tag check is the only signal, and it cannot tell a wrong key from a tampered row: say both.
    throw new SecretUnsealError(name, kid, 'authentication failed (another master key sealed it, or it was altered)');
  }
}

// Length-prefixed, so no (name, kid) pair can be spelt as another.
function associatedData(name: string, kid: string): Buffer {
  const parts = ['cardlane-secret', name, kid].map((text) => Buffer.from(text, 'utf8'));
  return Buffer.concat(parts.flatMap((part) => [u32(part.length), part]));
}

function u32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value);
  return buffer;
}

function checkMasterKey(masterKey: Buffer): void {
  if (masterKey.length !== MASTER_KEY_BYTES) throw new RangeError(`a master key is ${MASTER_KEY_BYTES} bytes, got ${masterKey.length}`);
}
