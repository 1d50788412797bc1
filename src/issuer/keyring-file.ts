import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RandomSource } from '../platform/ids.ts';
import { generateKeyring, KEYRING_FILE_MODE, parseKeyring, serializeKeyring, type Keyring } from './keyring.ts';

export const KEYRING_FILE_NAME = 'issuer-keyring.json';

/**
 * The issuer's keyring from `<dataDir>/issuer-keyring.json`, created (mode
 * 0600) on first start. Created with O_EXCL, so two processes starting at
 * once agree on one keyring: the loser reads the winner's file. Processes on
 * other machines must be given the same file.
 */
export function loadOrCreateKeyring(dataDir: string, random: RandomSource): Keyring {
  const path = join(dataDir, KEYRING_FILE_NAME);
  try {
    return parseKeyring(readFileSync(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dataDir, { recursive: true });
  const keyring = generateKeyring(random);
  try {
    writeFileSync(path, serializeKeyring(keyring), { mode: KEYRING_FILE_MODE, flag: 'wx' });
    chmodSync(path, KEYRING_FILE_MODE);
    return keyring;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return parseKeyring(readFileSync(path, 'utf8'));
  }
}
