import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AlipaySandbox } from './alipay-sandbox.ts';

export const ALIPAY_SANDBOX_KEY_FILE_NAME = 'alipay-sandbox-key.pem';
const KEY_FILE_MODE = 0o600;

/**
 * The Alipay sandbox's private key from `<dataDir>/alipay-sandbox-key.pem`,
 * created (mode 0600) on first start. Kept so that a notify signed before a
 * restart still verifies after it and open orders can still be paid. Created
 * with O_EXCL like the issuer keyring: two processes starting at once agree
 * on one key.
 */
export function loadOrCreateAlipaySandboxKey(dataDir: string): string {
  const path = join(dataDir, ALIPAY_SANDBOX_KEY_FILE_NAME);
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dataDir, { recursive: true });
  const pem = AlipaySandbox.generatePrivateKeyPem();
  try {
    writeFileSync(path, pem, { mode: KEY_FILE_MODE, flag: 'wx' });
    chmodSync(path, KEY_FILE_MODE);
    return pem;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readFileSync(path, 'utf8');
  }
}
