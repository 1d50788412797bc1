import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadOrCreateSecretFile } from '../secret-file.ts';
import { MASTER_KEY_BYTES } from './envelope.ts';

/**
 * The deployment's master key: it seals every secret the database keeps
 * (secret-store.ts), so every process of one deployment must be given the
 * same one. From, first found:
 *   1. `CARDLANE_MASTER_KEY` — 32 bytes as 64 hex characters or base64;
 *   2. a file named by `--master-key-file`, `CARDLANE_MASTER_KEY_FILE` or
 *      `masterKeyFile` in the config file (the same text);
 *   3. `<dataDir>/master-key`, generated (mode 0600) on first start: the
 *      single-machine default, so `cardlane up` stays one command.
 */

export const MASTER_KEY_FILE_NAME = 'master-key';

export interface MasterKeySettings {
  readonly dataDir: string;
  /** The key itself, from the environment only (never from a config file). */
  readonly masterKey: string | null;
  /** An absolute path to a file holding the key. */
  readonly masterKeyFile: string | null;
}

export interface MasterKey {
  readonly key: Buffer;
  /** For people: where it came from — never the key. */
  readonly source: string;
}

export function resolveMasterKey(settings: MasterKeySettings): MasterKey {
  if (settings.masterKey !== null) return { key: parseMasterKey(settings.masterKey, 'CARDLANE_MASTER_KEY'), source: 'CARDLANE_MASTER_KEY' };
  if (settings.masterKeyFile !== null) {
    const path = settings.masterKeyFile;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new Error(`cannot read the master key file ${path}: ${(error as Error).message}`, { cause: error });
    }
    return { key: parseMasterKey(text, path), source: path };
  }
  const path = join(settings.dataDir, MASTER_KEY_FILE_NAME);
  return { key: loadOrCreateSecretFile(settings.dataDir, MASTER_KEY_FILE_NAME, MASTER_KEY_BYTES), source: path };
}

/** 32 bytes written as 64 hex characters or as base64 (standard or URL-safe); anything else is refused with where it came from. */
export function parseMasterKey(text: string, source: string): Buffer {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) {
    const key = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (key.length === MASTER_KEY_BYTES) return key;
  }
  throw new Error(
    `the master key from ${source} must be ${MASTER_KEY_BYTES} bytes as 64 hex characters or base64 ` +
      '(make one with `openssl rand -hex 32`)',
  );
}
