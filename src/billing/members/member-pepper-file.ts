import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cryptoRandom, type RandomSource } from '../../platform/ids.ts';

/**
 * Billing's server secret for members' sign-in code hashes, in
 * `<dataDir>/billing-member-pepper` (64 hex characters, mode 0600), created
 * on first start. Billing is its own party, so it keeps its own secret rather
 * than borrowing the issuer's keyring. Created with O_EXCL, so two processes
 * starting at once agree on one pepper; processes on other machines must be
 * given the same file.
 */
export const MEMBER_PEPPER_FILE_NAME = 'billing-member-pepper';
const SECRET_FILE_MODE = 0o600;
const PEPPER_BYTES = 32;

export function loadOrCreateMemberPepper(dataDir: string, random: RandomSource = cryptoRandom): Buffer {
  const path = join(dataDir, MEMBER_PEPPER_FILE_NAME);
  const parse = (text: string) => {
    const pepper = Buffer.from(text.trim(), 'hex');
    if (pepper.length !== PEPPER_BYTES) throw new Error(`${path} must hold 64 hex characters (a 32-byte secret)`);
    return pepper;
  };
  try {
    return parse(readFileSync(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dataDir, { recursive: true });
  try {
    writeFileSync(path, `${Buffer.from(random(PEPPER_BYTES)).toString('hex')}\n`, { mode: SECRET_FILE_MODE, flag: 'wx' });
    chmodSync(path, SECRET_FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return parse(readFileSync(path, 'utf8'));
}
