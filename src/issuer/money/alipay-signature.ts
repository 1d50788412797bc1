import { createSign, createVerify, type KeyObject } from 'node:crypto';

/**
 * Alipay's RSA2 signature: RSA with SHA-256 (PKCS#1 v1.5) over the
 * "signing string" — every parameter except `sign` and `sign_type`, empty
 * values left out, sorted by name, joined as `name=value&name=value` with
 * the raw (not URL-encoded) values — and sent base64-encoded in `sign`.
 */
export function alipaySigningString(fields: Readonly<Record<string, string>>): string {
  return Object.keys(fields)
    .filter((name) => name !== 'sign' && name !== 'sign_type' && fields[name] !== undefined && fields[name] !== '')
    .sort()
    .map((name) => `${name}=${fields[name]}`)
    .join('&');
}

export function signAlipay(fields: Readonly<Record<string, string>>, privateKey: KeyObject): string {
  return createSign('RSA-SHA256').update(alipaySigningString(fields), 'utf8').sign(privateKey, 'base64');
}

export function verifyAlipay(fields: Readonly<Record<string, string>>, publicKey: KeyObject | string): boolean {
  const signature = fields.sign;
  if (typeof signature !== 'string' || signature.length === 0 || signature.length > 2_048) return false;
  if (fields.sign_type !== 'RSA2') return false;
  try {
    return createVerify('RSA-SHA256').update(alipaySigningString(fields), 'utf8').verify(publicKey, signature, 'base64');
  } catch {
    // A malformed key or signature is a failed verification, not a crash.
    return false;
  }
}
