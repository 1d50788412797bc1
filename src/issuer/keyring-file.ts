import { cryptoRandom } from '../platform/ids.ts';
import type { SecretSpec, SecretStore } from '../platform/secrets/secret-store.ts';
import { generateKeyring, parseKeyring, rotatePanKey, serializeKeyring, type Keyring } from './keyring.ts';

/** Where Cardlane kept the keyring before the database did: imported from there once (secret-store.ts). */
export const KEYRING_FILE_NAME = 'issuer-keyring.json';

/**
 * The issuer's keyring as the deployment's secret store keeps it: the same
 * JSON as the old `issuer-keyring.json` (PAN keys by kid, the fingerprint,
 * CVV and OTP keys), sealed under the master key, one for every process on
 * the database. Rotating the PAN key stores a new version holding the old
 * kids too (`rotateIssuerPanKey`), so cards encrypted before still decrypt.
 */
export const ISSUER_KEYRING_SECRET: SecretSpec<Keyring> = {
  name: 'issuer.keyring',
  generate: () => Buffer.from(serializeKeyring(generateKeyring(cryptoRandom)), 'utf8'),
  decode: (bytes) => parseKeyring(bytes.toString('utf8')),
  legacyFile: {
    fileName: KEYRING_FILE_NAME,
    // Re-serialized, so a file and the stored secret compare equal whatever the file's spacing.
    parse: (text) => Buffer.from(serializeKeyring(parseKeyring(text)), 'utf8'),
  },
};

/**
 * Rotates the PAN encryption key in the deployment's keyring: a new version
 * whose active kid is new and which keeps every old kid, so cards encrypted
 * before decrypt as they did (a rotation sweep, `reencryptPan`, may then move
 * them). Processes use it from their next start. Returns the new active kid.
 */
export async function rotateIssuerPanKey(store: SecretStore): Promise<string> {
  let kid = '';
  await store.addVersion(ISSUER_KEYRING_SECRET, (current) => {
    const rotated = rotatePanKey(current, cryptoRandom);
    kid = rotated.panEncryption.activeKid;
    return Buffer.from(serializeKeyring(rotated), 'utf8');
  });
  return kid;
}
