import { cryptoRandom, type RandomSource } from '../platform/ids.ts';
import { loadOrCreateSecretFile } from '../platform/secret-file.ts';
import { PAR_KEY_BYTES } from './payment-account-reference.ts';

export const PAR_KEY_FILE_NAME = 'network-par-key';

/**
 * The network's PAR key from `<dataDir>/network-par-key` (32 random bytes,
 * hex, mode 0600), created on first start with O_EXCL so concurrent first
 * starts agree on one key. It belongs to the network: the issuer and the
 * acquirer are handed the PAR function, and a lost or replaced key gives
 * every card a new PAR, so the start-up backfills (which fill only missing
 * ones) would leave old and new PARs that no longer match.
 */
export function loadOrCreateParKey(dataDir: string, random: RandomSource = cryptoRandom): Buffer {
  return loadOrCreateSecretFile(dataDir, PAR_KEY_FILE_NAME, PAR_KEY_BYTES, random);
}
