import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makePrivateDir, PRIVATE_FILE_MODE } from './data-dir.ts';
import { cryptoRandom, type RandomSource } from './ids.ts';
import type { SecretSpec } from './secrets/secret-store.ts';

const SECRET_FILE_MODE = PRIVATE_FILE_MODE;

/**
 * A random secret of `bytes` bytes kept in `<dataDir>/<fileName>` as hex
 * (mode 0600), created on first use — today only the generated master key
 * (secrets/master-key.ts); every other secret is in the database. Created
 * with O_EXCL, so two processes starting at once agree on one secret. A file of the wrong length is an error, not replaced:
 * replacing a secret would silently orphan what it protects.
 */
export function loadOrCreateSecretFile(dataDir: string, fileName: string, bytes: number, random: RandomSource = cryptoRandom): Buffer {
  const path = join(dataDir, fileName);
  const parse = (text: string) => {
    const secret = Buffer.from(text.trim(), 'hex');
    if (secret.length !== bytes) throw new Error(`${path} must hold ${bytes * 2} hex characters (a ${bytes}-byte secret)`);
    return secret;
  };
  try {
    return parse(readFileSync(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  makePrivateDir(dataDir);
  try {
    writeFileSync(path, `${Buffer.from(random(bytes)).toString('hex')}\n`, { mode: SECRET_FILE_MODE, flag: 'wx' });
    chmodSync(path, SECRET_FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return parse(readFileSync(path, 'utf8'));
}

/**
 * A secret of `bytes` random bytes kept by the secret store
 * (secrets/secret-store.ts), which older Cardlanes kept in
 * `<dataDir>/<legacyFileName>` as hex: imported from there once, if present.
 * A secret newer than the store has no such file.
 */
export function randomKeySecret(name: string, bytes: number, legacyFileName?: string): SecretSpec<Buffer> {
  const check = (key: Buffer, where: string) => {
    if (key.length !== bytes) throw new Error(`${where} must hold a ${bytes}-byte secret, got ${key.length} bytes`);
    return key;
  };
  return {
    name,
    generate: () => Buffer.from(cryptoRandom(bytes)),
    decode: (key) => check(key, `secret ${name}`),
    ...(legacyFileName === undefined
      ? {}
      : {
          legacyFile: {
            fileName: legacyFileName,
            parse(text: string, path: string) {
              const trimmed = text.trim();
              if (!/^([0-9a-fA-F]{2})+$/.test(trimmed)) throw new Error(`${path} must hold ${bytes * 2} hex characters (a ${bytes}-byte secret)`);
              return check(Buffer.from(trimmed, 'hex'), path);
            },
          },
        }),
  };
}
