import { randomKeySecret } from '../../platform/secret-file.ts';
import { LINK_KEY_BYTES } from './message-mac.ts';

/**
 * The issuer link's key (32 random bytes), one per deployment in the secret
 * store, made at first start. Both ends of Cardlane's own link read it
 * there: the issuer's server checks every request's MAC with it and the
 * network's client every answer's. Without it anyone on the machine could
 * send the issuer's port a refund. Newer than the secret store, so never
 * kept in a file.
 */
export const ISSUER_LINK_KEY_SECRET = randomKeySecret('network.issuer-link-key', LINK_KEY_BYTES);
