import { malformed, unencodable } from './iso8583-error.ts';

/**
 * How single values become the text of a data element and back: amounts,
 * times, fixed-width text, one-letter codes. Each refuses what its element
 * cannot carry exactly, so a message either round-trips or is not sent.
 */

/** Data elements 4 and 6 are 12 digits of minor units: up to 999,999,999,999 (ten billion dollars in cents). */
export const MAX_WIRE_AMOUNT_MINOR = 999_999_999_999;
/** The last millisecond a JavaScript Date holds; `sentAtMs` beyond it has no date for elements 7, 12 and 13. */
const MAX_DATE_MS = 8_640_000_000_000_000;

export function amountText(minor: number, what: string): string {
  if (!Number.isSafeInteger(minor) || minor < 0 || minor > MAX_WIRE_AMOUNT_MINOR) {
    throw unencodable(`${what} must be a whole number of minor units from 0 to ${MAX_WIRE_AMOUNT_MINOR}`);
  }
  return String(minor).padStart(12, '0');
}

/** The element's 12 digits as minor units (always a safe integer). */
export function amountOf(text: string): number {
  return Number(text);
}

export function millisecondsText(ms: number, what: string): string {
  if (!Number.isSafeInteger(ms) || ms < 0 || ms > MAX_DATE_MS) throw unencodable(`${what} must be a time in milliseconds from 0 to ${MAX_DATE_MS}`);
  return String(ms);
}

export function millisecondsOf(text: string, tag: string): number {
  if (!/^(0|[1-9]\d{0,15})$/.test(text) || Number(text) > MAX_DATE_MS) throw malformed(`private data ${tag} is not a time in milliseconds`);
  return Number(text);
}

const two = (n: number) => String(n).padStart(2, '0');

/** Element 7, MMDDhhmmss in UTC. */
export function transmissionDateTime(ms: number): string {
  const d = new Date(ms);
  return `${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}`;
}

/** Element 12, hhmmss; card-not-present has no terminal clock, so the acquirer's send time in UTC stands for it. */
export function localTime(ms: number): string {
  return transmissionDateTime(ms).slice(4);
}

/** Element 13, MMDD (UTC, as element 12). */
export function localDate(ms: number): string {
  return transmissionDateTime(ms).slice(0, 4);
}

/** True when `text` is a real month, day, hour, minute and second in MMDDhhmmss (element 7). */
export function isDateTimeText(text: string): boolean {
  const [month, day, hour, minute, second] = [0, 2, 4, 6, 8].map((at) => Number(text.slice(at, at + 2))) as [number, number, number, number, number];
  return text.length === 10 && month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 && second <= 59;
}

/**
 * True when `value` comes back unchanged from a fixed `ans` element of
 * `width`: printable ASCII, short enough, and no trailing space (the
 * element is padded with spaces, which the reader trims).
 */
export function fitsFixedText(value: string, width: number): boolean {
  return value.length <= width && /^[\x20-\x7e]*$/.test(value) && value === value.trimEnd();
}

/** `value` as a fixed `ans` element: non-printable characters become `?`, cut to `width`, padded with spaces. */
export function fixedText(value: string, width: number): string {
  return value.replace(/[^\x20-\x7e]/g, '?').slice(0, width).padEnd(width, ' ');
}

/** A one-letter (or few-letter) code for each value of a closed set, and back. */
export function codeTable<V extends string>(what: string, codes: Readonly<Record<V, string>>) {
  const values = new Map<string, V>(Object.entries<string>(codes).map(([value, code]) => [code, value as V]));
  return {
    encode(value: V): string {
      const code = Object.hasOwn(codes, value) ? codes[value] : undefined;
      if (code === undefined) throw unencodable(`${what} has a value the wire does not know`);
      return code;
    },
    decode(code: string): V {
      const value = values.get(code);
      if (value === undefined) throw malformed(`${what} has a code Cardlane does not define`);
      return value;
    },
  };
}
