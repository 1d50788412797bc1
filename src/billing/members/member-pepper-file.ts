import { cryptoRandom, type RandomSource } from '../../platform/ids.ts';
import { loadOrCreateSecretFile } from '../../platform/secret-file.ts';

/**
 * Billing's server secret for members' sign-in code hashes, in
 * `<dataDir>/billing-member-pepper` (64 hex characters, mode 0600), created
 * on first start. Billing is its own party, so it keeps its own secret rather
 * than borrowing the issuer's keyring.
 */
export const MEMBER_PEPPER_FILE_NAME = 'billing-member-pepper';
const PEPPER_BYTES = 32;

export function loadOrCreateMemberPepper(dataDir: string, random: RandomSource = cryptoRandom): Buffer {
  return loadOrCreateSecretFile(dataDir, MEMBER_PEPPER_FILE_NAME, PEPPER_BYTES, random);
}
