import { randomKeySecret } from '../platform/secret-file.ts';
import { PAR_KEY_BYTES } from './payment-account-reference.ts';

/** Where Cardlane kept the PAR key before the database did: imported from there once (secret-store.ts). */
export const PAR_KEY_FILE_NAME = 'network-par-key';

/**
 * The network's PAR key (32 random bytes), one per deployment in the secret
 * store. It belongs to the network: the issuer and the acquirer are handed
 * the PAR function, and a lost or replaced key gives every card a new PAR,
 * so the start-up backfills (which fill only missing ones) would leave old
 * and new PARs that no longer match — which is why every process must read
 * the same one.
 */
export const PAR_KEY_SECRET = randomKeySecret('network.par-key', PAR_KEY_BYTES, PAR_KEY_FILE_NAME);
