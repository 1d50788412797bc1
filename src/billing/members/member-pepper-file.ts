import { randomKeySecret } from '../../platform/secret-file.ts';

/**
 * Billing's server secret for members' sign-in code hashes (32 random
 * bytes), one per deployment in the secret store, so a code sent by one
 * process verifies at another. Billing is its own party, so it keeps its own
 * secret rather than borrowing the issuer's keyring.
 */
export const MEMBER_PEPPER_FILE_NAME = 'billing-member-pepper';
const PEPPER_BYTES = 32;

export const MEMBER_PEPPER_SECRET = randomKeySecret('billing.member-pepper', PEPPER_BYTES, MEMBER_PEPPER_FILE_NAME);
