import type { RandomSource } from '../platform/ids.ts';
import { isLuhnValid, luhnCheckDigit, maskPan } from '../platform/pan-scrub.ts';
import { randomDigits } from '../platform/uniform.ts';

/**
 * Card numbers (PANs) of the issuer's own cards: 16 digits, starting with the
 * issuer's BIN (6 to 8 digits, configurable), then uniform random digits, then
 * the Luhn check digit. With a 6-digit BIN that leaves 10^9 numbers, with an
 * 8-digit BIN 10^7. Uniqueness is the store's job (a unique index on the PAN
 * fingerprint; mint again on a clash).
 *
 * The Luhn helpers and the masking live in `platform/pan-scrub.ts`, shared
 * with the log scrubber; they are re-exported here for the issuer's callers.
 */

export { isLuhnValid, maskPan };

export const PAN_LENGTH = 16;
export const BIN_MIN_DIGITS = 6;
export const BIN_MAX_DIGITS = 8;

const BIN_PATTERN = /^[1-9]\d{5,7}$/;
const PAN_PATTERN = /^\d{16}$/;

/** True for 6–8 digits not starting with 0 (major industry identifier 0 is not for cards). */
export function isValidBin(bin: string): boolean {
  return BIN_PATTERN.test(bin);
}

/** A fresh Luhn-valid 16-digit PAN in `bin`. Throws a RangeError for a malformed BIN (a configuration mistake). */
export function generatePan(bin: string, random: RandomSource): string {
  if (!isValidBin(bin)) {
    throw new RangeError(`issuer BIN must be ${BIN_MIN_DIGITS}–${BIN_MAX_DIGITS} digits not starting with 0, got ${JSON.stringify(bin)}`);
  }
  const body = bin + randomDigits(random, PAN_LENGTH - 1 - bin.length);
  return body + luhnCheckDigit(body);
}

/** True when `pan` is a 16-digit Luhn-valid number in `bin`: one of ours, as far as the digits tell. */
export function isIssuerPan(pan: string, bin: string): boolean {
  return isValidBin(bin) && PAN_PATTERN.test(pan) && pan.startsWith(bin) && isLuhnValid(pan);
}

/** The last four digits, the only part shown outside a reveal. */
export function last4(pan: string): string {
  if (!/^\d{13,19}$/.test(pan)) throw new TypeError('last4 takes the 13–19 digits of a card number');
  return pan.slice(-4);
}
