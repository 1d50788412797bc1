import { createCipheriv, createDecipheriv, createHmac, hkdfSync } from 'node:crypto';
import type { RandomSource } from '../../platform/ids.ts';

/**
 * The acquirer's card vault. A merchant charges a saved card later
 * (off-session), so the acquirer must keep the card number — sealed with
 * AES-256-GCM, never in clear. Fingerprints let a merchant recognise the
 * same card across payment methods (Stripe's `card.fingerprint`) without
 * revealing it: a keyed HMAC, so a list of fingerprints cannot be turned
 * back into numbers by hashing every PAN.
 *
 * Each use has its own subkey, derived from the vault key with HKDF-SHA256
 * and a purpose string, so no key is both a cipher key and a MAC key (a
 * flaw in one use then says nothing about the other, and either can be
 * rotated alone). Card numbers sealed before subkeys (`v1:`, under the raw
 * vault key) still open; new ones are sealed `v2:` under the sealing
 * subkey, and the start-up re-key (payments/vault-rekey.ts) moves old ones over.
 *
 * CVC is never stored (PCI DSS 3.2.2). A CVC given with a new card is kept
 * in process memory only until the card's first authorization uses it or an
 * hour passes (`CvcCache`); after a restart, or on another process, that
 * first authorization simply goes without it and the check reads `unavailable`.
 */

/** Sealed under the raw vault key, before subkeys: read only. */
const LEGACY_SEAL_VERSION = 'v1';
/** Sealed under the HKDF subkey for card numbers. */
const SEAL_VERSION = 'v2';
const PAN_SEAL_PURPOSE = 'cardlane/acquirer/pan-seal/v1';
const FINGERPRINT_PURPOSE = 'cardlane/acquirer/fingerprint/v1';

// Derived once per vault key and purpose (the key is loaded once per process).
const subkeys = new WeakMap<Buffer, Map<string, Buffer>>();

function subkey(vaultKey: Buffer, purpose: string): Buffer {
  if (vaultKey.length !== 32) throw new Error('the vault key must be 32 bytes');
  let byPurpose = subkeys.get(vaultKey);
  if (byPurpose === undefined) subkeys.set(vaultKey, (byPurpose = new Map()));
  let key = byPurpose.get(purpose);
  if (key === undefined) byPurpose.set(purpose, (key = Buffer.from(hkdfSync('sha256', vaultKey, Buffer.alloc(0), purpose, 32))));
  return key;
}

export function sealPan(vaultKey: Buffer, pan: string, random: RandomSource): string {
  const iv = Buffer.from(random(12));
  const cipher = createCipheriv('aes-256-gcm', subkey(vaultKey, PAN_SEAL_PURPOSE), iv);
  const sealed = Buffer.concat([cipher.update(pan, 'utf8'), cipher.final()]);
  return [SEAL_VERSION, iv.toString('base64url'), sealed.toString('base64url'), cipher.getAuthTag().toString('base64url')].join(':');
}

export function openPan(vaultKey: Buffer, sealed: string): string {
  const [version, iv, body, tag] = sealed.split(':');
  if (!iv || !body || !tag) throw new Error('vault: sealed card number has an unknown format');
  let key: Buffer;
  if (version === SEAL_VERSION) key = subkey(vaultKey, PAN_SEAL_PURPOSE);
  else if (version === LEGACY_SEAL_VERSION) key = vaultKey;
  else throw new Error('vault: sealed card number has an unknown format');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
}

/** Whether a sealed card number predates subkeys (and its row's fingerprint was keyed with the raw vault key too). */
export function isLegacySeal(sealed: string): boolean {
  return sealed.startsWith(`${LEGACY_SEAL_VERSION}:`);
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** 16 base62 characters, like Stripe's fingerprints; the same card gives the same fingerprint at this acquirer. */
export function cardFingerprint(vaultKey: Buffer, pan: string): string {
  return fingerprintWith(subkey(vaultKey, FINGERPRINT_PURPOSE), pan);
}

function fingerprintWith(key: Buffer, pan: string): string {
  const digest = createHmac('sha256', key).update(`fingerprint:${pan}`).digest();
  let out = '';
  for (let i = 0; out.length < 16; i++) out += BASE62[digest[i]! % 62];
  return out;
}

const CVC_TTL_MS = 60 * 60 * 1000;

export interface CvcCacheLimits {
  /** Entries one merchant may hold: its own flood evicts only its own CVCs. */
  readonly maxPerMerchant: number;
  /** Entries in all: the process's memory bound. */
  readonly maxTotal: number;
}

export const CVC_CACHE_LIMITS: CvcCacheLimits = { maxPerMerchant: 1_000, maxTotal: 10_000 };

interface CvcEntry {
  readonly cvc: string;
  readonly expiresAtMs: number;
}

/**
 * CVCs per merchant. Anyone holding a merchant's publishable key can create
 * payment methods, so one shared list let a script push every other
 * merchant's CVCs out; here a merchant at its bound drops its own oldest,
 * and when the whole cache is full the merchant holding the most gives one up.
 */
export class CvcCache {
  readonly #limits: CvcCacheLimits;
  /** Each merchant's entries in insertion order (oldest first). */
  readonly #byMerchant = new Map<string, Map<string, CvcEntry>>();
  /** Which merchant a payment method's entry is filed under, so `take` needs only the payment method. */
  readonly #merchantOf = new Map<string, string>();

  constructor(limits: CvcCacheLimits = CVC_CACHE_LIMITS) {
    if (!(limits.maxPerMerchant >= 1 && limits.maxTotal >= limits.maxPerMerchant)) throw new RangeError('CvcCache needs 1 ≤ maxPerMerchant ≤ maxTotal');
    this.#limits = limits;
  }

  get size(): number {
    return this.#merchantOf.size;
  }

  put(merchantId: string, paymentMethodId: string, cvc: string, nowMs: number): void {
    this.#delete(paymentMethodId);
    const mine = this.#byMerchant.get(merchantId) ?? new Map<string, CvcEntry>();
    this.#byMerchant.set(merchantId, mine);
    if (mine.size >= this.#limits.maxPerMerchant) this.#dropOldest(merchantId, mine);
    if (this.#merchantOf.size >= this.#limits.maxTotal) this.#dropFromLargest();
    mine.set(paymentMethodId, { cvc, expiresAtMs: nowMs + CVC_TTL_MS });
    this.#merchantOf.set(paymentMethodId, merchantId);
  }

  /** The CVC, once: taking it removes it. */
  take(paymentMethodId: string, nowMs: number): string | null {
    const merchantId = this.#merchantOf.get(paymentMethodId);
    if (merchantId === undefined) return null;
    const entry = this.#byMerchant.get(merchantId)?.get(paymentMethodId);
    this.#delete(paymentMethodId);
    return entry !== undefined && entry.expiresAtMs > nowMs ? entry.cvc : null;
  }

  #delete(paymentMethodId: string): void {
    const merchantId = this.#merchantOf.get(paymentMethodId);
    if (merchantId === undefined) return;
    this.#merchantOf.delete(paymentMethodId);
    const entries = this.#byMerchant.get(merchantId);
    entries?.delete(paymentMethodId);
    if (entries?.size === 0) this.#byMerchant.delete(merchantId);
  }

  // Oldest first (a Map keeps insertion order): what is most likely expired.
  #dropOldest(merchantId: string, entries: Map<string, CvcEntry>): void {
    const oldest = entries.keys().next().value;
    if (oldest !== undefined) this.#delete(oldest);
    if (entries.size === 0) this.#byMerchant.delete(merchantId);
  }

  #dropFromLargest(): void {
    let largest: [string, Map<string, CvcEntry>] | undefined;
    for (const candidate of this.#byMerchant) if (largest === undefined || candidate[1].size > largest[1].size) largest = candidate;
    if (largest !== undefined) this.#dropOldest(largest[0], largest[1]);
  }
}
