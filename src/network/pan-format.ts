import { isLuhnValid } from '../platform/pan-scrub.ts';

/**
 * What the network accepts as a card number and what of it may be kept.
 *
 * ISO/IEC 7812 numbers are 12 to 19 digits with a Luhn check digit; anything
 * else the network answers itself with ISO 14 (invalid card number) and never
 * routes. Of a number, records keep only the BIN and the last four, as PCI
 * DSS allows: the first eight digits of a number of 16 or more digits, the
 * first six of a shorter one (so at least two digits always stay hidden).
 */

export const PAN_MIN_DIGITS = 12;
export const PAN_MAX_DIGITS = 19;

const PAN_PATTERN = /^\d{12,19}$/;

/** 12–19 digits that pass the Luhn check. */
export function isValidPan(pan: unknown): pan is string {
  return typeof pan === 'string' && PAN_PATTERN.test(pan) && isLuhnValid(pan);
}

/** The part of a number records may keep as its BIN, or null when `pan` is not 12–19 digits. */
export function recordableBin(pan: unknown): string | null {
  if (typeof pan !== 'string' || !PAN_PATTERN.test(pan)) return null;
  return pan.slice(0, pan.length >= 16 ? 8 : 6);
}

/** The last four digits, or null when `pan` is not 12–19 digits. */
export function recordableLast4(pan: unknown): string | null {
  if (typeof pan !== 'string' || !PAN_PATTERN.test(pan)) return null;
  return pan.slice(-4);
}
