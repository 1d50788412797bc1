import type { RandomSource } from '../platform/ids.ts';
import { randomBytesExactly } from '../platform/uniform.ts';

/**
 * Invite codes: 8 characters of Crockford's base32 (`0-9A-Z` without I, L,
 * O and U), so they read aloud and type well: 40 random bits, about 1.1 × 10^12
 * codes, made from exactly 5 random bytes (no bias). Uniqueness is the
 * store's job (unique index; mint again on a clash).
 *
 * Input is forgiving in Crockford's way: case-insensitive, surrounding and
 * inner spaces and dashes ignored (`abcd-efgh`), and the look-alikes O → 0,
 * I and L → 1 read as the digits. Anything else is refused with
 * `invite_code_invalid`.
 */

export const INVITE_CODE_LENGTH = 8;
export const INVITE_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export type NormalizeInviteCodeResult =
  | { readonly ok: true; readonly code: string }
  | { readonly ok: false; readonly code: 'invite_code_invalid'; readonly message: string };

const CANONICAL = /^[0-9A-HJKMNP-TV-Z]{8}$/;

export function newInviteCode(random: RandomSource): string {
  const bytes = randomBytesExactly(random, 5);
  let bits = 0n;
  for (const byte of bytes) bits = (bits << 8n) | BigInt(byte);
  let out = '';
  for (let i = 0; i < INVITE_CODE_LENGTH; i++) {
    out = INVITE_CODE_ALPHABET[Number(bits & 31n)]! + out;
    bits >>= 5n;
  }
  return out;
}

export function normalizeInviteCode(input: string): NormalizeInviteCodeResult {
  if (typeof input !== 'string' || input.length > 64) return refuse();
  const code = input
    .normalize('NFKC')
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  if (!CANONICAL.test(code)) return refuse();
  return { ok: true, code };
}

export function isInviteCode(code: string): boolean {
  return CANONICAL.test(code);
}

function refuse(): NormalizeInviteCodeResult {
  return {
    ok: false,
    code: 'invite_code_invalid',
    message: `An invite code is ${INVITE_CODE_LENGTH} letters and digits, like 7KQ2-M9XD.`,
  };
}
