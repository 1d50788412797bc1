import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import type { RandomSource } from '../../platform/ids.ts';

/**
 * Webhook signing secrets: `whsec_` and 32 base62 characters (190 bits),
 * shaped like Stripe's. Stored sealed with AES-256-GCM under a key derived
 * from the vault key for this one purpose (so a card number's key and a
 * webhook secret's key are never the same bytes), with the endpoint id as
 * additional data: a sealed secret copied onto another endpoint's row does
 * not open.
 */

const PREFIX = 'whsec_';
const BODY_CHARS = 32;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SEAL_VERSION = 'v1';
const KEY_PURPOSE = 'cardlane/acquirer/webhook-secret/v1';
const IV_BYTES = 12;

export const WEBHOOK_SECRET_PATTERN = /^whsec_[0-9A-Za-z]{32}$/;

export function newWebhookSecret(random: RandomSource): string {
  let body = '';
  // Rejection sampling keeps every character uniform (256 is not a multiple of 62).
  while (body.length < BODY_CHARS) {
    for (const byte of random(BODY_CHARS * 2)) {
      if (byte < 248 && body.length < BODY_CHARS) body += BASE62[byte % 62];
    }
  }
  return PREFIX + body;
}

function sealKey(vaultKey: Buffer): Buffer {
  if (vaultKey.length !== 32) throw new Error('the vault key must be 32 bytes');
  return createHmac('sha256', vaultKey).update(KEY_PURPOSE).digest();
}

export function sealWebhookSecret(vaultKey: Buffer, endpointId: string, secret: string, random: RandomSource): string {
  const iv = Buffer.from(random(IV_BYTES));
  if (iv.length !== IV_BYTES) throw new Error('the random source returned too few bytes');
  const cipher = createCipheriv('aes-256-gcm', sealKey(vaultKey), iv);
  cipher.setAAD(Buffer.from(endpointId, 'utf8'));
  const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return [SEAL_VERSION, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join(':');
}

/** Throws when the sealed text is malformed, tampered with, or belongs to another endpoint. */
export function openWebhookSecret(vaultKey: Buffer, endpointId: string, sealed: string): string {
  const [version, iv, body, tag] = sealed.split(':');
  if (version !== SEAL_VERSION || !iv || !body || !tag) throw new Error('webhook secret: sealed value has an unknown format');
  const decipher = createDecipheriv('aes-256-gcm', sealKey(vaultKey), Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(endpointId, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
}
