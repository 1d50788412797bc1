import { createHash, timingSafeEqual } from 'node:crypto';
import type { RandomSource } from '../ids.ts';
import { randomBytesExactly } from '../uniform.ts';

/**
 * Bearer secrets (session tokens, operator keys): an optional prefix that
 * tells their kind at a glance, then 32 random bytes in base64url; stored as
 * their SHA-256. With 256 bits of entropy a plain hash is enough (no pepper
 * or slow hash needed): nothing can be guessed from it.
 */
export const TOKEN_BYTES = 32;
const TOKEN_BODY = /^[A-Za-z0-9_-]{43}$/;

export function newToken(random: RandomSource, prefix = ''): string {
  return `${prefix}${randomBytesExactly(random, TOKEN_BYTES).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** True when `token` (after the prefix) has the shape of one of ours; a cheap filter before any look-up. */
export function looksLikeToken(token: string, prefix = ''): boolean {
  return token.startsWith(prefix) && TOKEN_BODY.test(token.slice(prefix.length));
}

/** Constant-time comparison of two hex hashes of equal length. */
export function hashesMatch(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}
