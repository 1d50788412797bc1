import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import type { RandomSource } from '../../platform/ids.ts';

/**
 * The acquirer's card vault. A merchant charges a saved card later
 * (off-session), so the acquirer must keep the card number — sealed with
 * AES-256-GCM under the vault key, never in clear. Fingerprints let a
 * merchant recognise the same card across payment methods (Stripe's
 * `card.fingerprint`) without revealing it: a keyed HMAC, so a list of
 * fingerprints cannot be turned back into numbers by hashing every PAN.
 *
 * CVC is never stored (PCI DSS 3.2.2). A CVC given with a new card is kept
 * in process memory only until the card's first authorization uses it or an
 * hour passes (`CvcCache`); after a restart, or on another process, that
 * first authorization simply goes without it and the check reads `unavailable`.
 */

const SEAL_VERSION = 'v1';

export function sealPan(vaultKey: Buffer, pan: string, random: RandomSource): string {
  const iv = Buffer.from(random(12));
  const cipher = createCipheriv('aes-256-gcm', vaultKey, iv);
  const sealed = Buffer.concat([cipher.update(pan, 'utf8'), cipher.final()]);
  return [SEAL_VERSION, iv.toString('base64url'), sealed.toString('base64url'), cipher.getAuthTag().toString('base64url')].join(':');
}

export function openPan(vaultKey: Buffer, sealed: string): string {
  const [version, iv, body, tag] = sealed.split(':');
  if (version !== SEAL_VERSION || !iv || !body || !tag) throw new Error('vault: sealed card number has an unknown format');
  const decipher = createDecipheriv('aes-256-gcm', vaultKey, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** 16 base62 characters, like Stripe's fingerprints; the same card gives the same fingerprint at this acquirer. */
export function cardFingerprint(vaultKey: Buffer, pan: string): string {
  const digest = createHmac('sha256', vaultKey).update(`fingerprint:${pan}`).digest();
  let out = '';
  for (let i = 0; out.length < 16; i++) out += BASE62[digest[i]! % 62];
  return out;
}

const CVC_TTL_MS = 60 * 60 * 1000;
const CVC_MAX_ENTRIES = 10_000;

export class CvcCache {
  readonly #entries = new Map<string, { cvc: string; expiresAtMs: number }>();

  put(paymentMethodId: string, cvc: string, nowMs: number): void {
    if (this.#entries.size >= CVC_MAX_ENTRIES) {
      // Oldest first (a Map keeps insertion order): drop what is most likely expired.
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(paymentMethodId, { cvc, expiresAtMs: nowMs + CVC_TTL_MS });
  }

  /** The CVC, once: taking it removes it. */
  take(paymentMethodId: string, nowMs: number): string | null {
    const entry = this.#entries.get(paymentMethodId);
    this.#entries.delete(paymentMethodId);
    return entry !== undefined && entry.expiresAtMs > nowMs ? entry.cvc : null;
  }
}
