/**
 * Finding and masking card numbers (PANs) in free text.
 *
 * The logger runs every line through `scrubPans`, and the issuer uses
 * `isLuhnValid` to mint and check its own card numbers, so both share one
 * definition of "looks like a card number": 13 to 19 digits that pass the
 * Luhn check, optionally grouped with single spaces or dashes
 * (`4242 4242 4242 4242`, `4242-4242-4242-4242`).
 *
 * A match is masked the way PCI DSS allows a PAN to be displayed: the first
 * six (the BIN, which routing and the doctor need) and the last four digits
 * stay, everything between becomes `*`, and separators are dropped:
 * `4242 4242 4242 4242` → `424242******4242`.
 */

export const PAN_MIN_DIGITS = 13;
export const PAN_MAX_DIGITS = 19;

/** True when `digits` (only 0-9) passes the Luhn (mod 10) check. */
export function isLuhnValid(digits: string): boolean {
  if (digits.length === 0 || !/^\d+$/.test(digits)) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let digit = digits.charCodeAt(i) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

/** The digit that, appended to `partial`, makes it Luhn-valid (for minting PANs). */
export function luhnCheckDigit(partial: string): string {
  if (!/^\d*$/.test(partial)) throw new TypeError('luhnCheckDigit takes digits only');
  for (let digit = 0; digit <= 9; digit++) {
    if (isLuhnValid(partial + digit)) return String(digit);
  }
  throw new Error('unreachable: one of ten check digits always fits');
}

/** True for 13–19 digits (separators allowed) that pass the Luhn check. */
export function looksLikePan(text: string): boolean {
  const digits = text.replace(/[ -]/g, '');
  return (
    /^\d+$/.test(digits) &&
    digits.length >= PAN_MIN_DIGITS &&
    digits.length <= PAN_MAX_DIGITS &&
    isLuhnValid(digits)
  );
}

/** `4242424242424242` → `424242******4242`. Takes digits only, 13–19 of them. */
export function maskPan(digits: string): string {
  if (!/^\d+$/.test(digits) || digits.length < PAN_MIN_DIGITS || digits.length > PAN_MAX_DIGITS) {
    throw new TypeError('maskPan takes the 13–19 digits of a card number');
  }
  return `${digits.slice(0, 6)}${'*'.repeat(digits.length - 10)}${digits.slice(-4)}`;
}

/**
 * A maximal run of digits in which digits may be separated by one space or
 * dash. Runs are found first and PANs looked for inside them, so a card
 * number followed by its CVC (`4242 4242 4242 4242 123`) is still caught.
 */
const DIGIT_RUN = /(?<!\d)\d(?:[ -]?\d)*/g;

export interface PanMatch {
  /** Offset of the first digit in the scanned text. */
  readonly start: number;
  /** Offset just past the last digit. */
  readonly end: number;
  readonly digits: string;
}

/**
 * Every card number in `text`, left to right, not overlapping.
 *
 * Inside a run, a candidate is the whole run when it has no separators;
 * when it has some, a candidate is any sequence of whole consecutive groups
 * (a PAN is written in groups, so a window that splits a group is not a
 * card number as written). The longest valid candidate starting at the
 * earliest group wins. A run of more than 19 digits with no separators is an
 * identifier of some other kind and is left alone: testing every window of
 * it would mask one in ten of any long number.
 */
export function findPans(text: string): PanMatch[] {
  const found: PanMatch[] = [];
  if (!mayContainPan(text)) return found;
  DIGIT_RUN.lastIndex = 0;
  for (let run = DIGIT_RUN.exec(text); run !== null; run = DIGIT_RUN.exec(text)) {
    const runText = run[0];
    const digitCount = runText.length - countSeparators(runText);
    if (digitCount < PAN_MIN_DIGITS) continue;
    const groups = splitGroups(runText, run.index);
    let first = 0;
    while (first < groups.length) {
      const match = longestPanFrom(groups, first);
      if (match === null) {
        first++;
        continue;
      }
      found.push(match.pan);
      first = match.nextGroup;
    }
  }
  return found;
}

/** Replaces every card number in `text` with its masked form. */
export function scrubPans(text: string): string {
  const pans = findPans(text);
  if (pans.length === 0) return text;
  let out = '';
  let from = 0;
  for (const pan of pans) {
    out += text.slice(from, pan.start) + maskPan(pan.digits);
    from = pan.end;
  }
  return out + text.slice(from);
}

/**
 * A cheap pre-filter: no PAN is possible without 13 digits in the text.
 * Most log lines have far fewer, and skip the regex entirely.
 */
function mayContainPan(text: string): boolean {
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 48 && code <= 57 && ++digits >= PAN_MIN_DIGITS) return true;
  }
  return false;
}

interface Group {
  readonly start: number;
  readonly end: number;
  readonly digits: string;
}

function countSeparators(run: string): number {
  let count = 0;
  for (const char of run) if (char === ' ' || char === '-') count++;
  return count;
}

function splitGroups(run: string, offset: number): Group[] {
  const groups: Group[] = [];
  const pattern = /\d+/g;
  for (let group = pattern.exec(run); group !== null; group = pattern.exec(run)) {
    groups.push({ start: offset + group.index, end: offset + group.index + group[0].length, digits: group[0] });
  }
  return groups;
}

function longestPanFrom(groups: readonly Group[], first: number): { pan: PanMatch; nextGroup: number } | null {
  let digits = '';
  let best: { pan: PanMatch; nextGroup: number } | null = null;
  for (let last = first; last < groups.length; last++) {
    const group = groups[last]!;
    digits += group.digits;
    if (digits.length > PAN_MAX_DIGITS) break;
    if (digits.length >= PAN_MIN_DIGITS && isLuhnValid(digits)) {
      best = { pan: { start: groups[first]!.start, end: group.end, digits }, nextGroup: last + 1 };
    }
  }
  return best;
}
