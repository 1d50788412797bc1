import { createPrivateKey } from 'node:crypto';
import type { SecretSpec } from '../../platform/secrets/secret-store.ts';
import { AlipaySandbox } from './alipay-sandbox.ts';

/** Where Cardlane kept the sandbox's key before the database did: imported from there once (secret-store.ts). */
export const ALIPAY_SANDBOX_KEY_FILE_NAME = 'alipay-sandbox-key.pem';

/**
 * The Alipay sandbox's private key (PEM), one per deployment in the secret
 * store: a notify signed before a restart, or by another process, still
 * verifies, and open orders can still be paid through any process.
 */
export const ALIPAY_SANDBOX_KEY_SECRET: SecretSpec<string> = {
  name: 'issuer.alipay-sandbox-key',
  generate: () => Buffer.from(AlipaySandbox.generatePrivateKeyPem(), 'utf8'),
  decode(bytes) {
    const pem = bytes.toString('utf8');
    createPrivateKey(pem); // throws on anything that is not a private key
    return pem;
  },
  legacyFile: { fileName: ALIPAY_SANDBOX_KEY_FILE_NAME, parse: (text) => Buffer.from(text, 'utf8') },
};
