import type { Lang } from './lang.ts';

/**
 * Money and time for people. Amounts arrive as integer minor units (cents,
 * fen) and are never turned into floats: the digits are split as text.
 * Times arrive as ISO 8601 UTC and are shown in the browser's time zone.
 * Shared by every page Cardlane serves (the app, the billing page).
 */

const SYMBOLS: Readonly<Record<string, string>> = { USD: '$', CNY: '¥' };

/** `$12.34`, `¥88.00`, `-$5.00`, `$1,234.56`. */
export function money(minor: number, currency: string): string {
  const code = currency.toUpperCase();
  const sign = minor < 0 ? '-' : '';
  const digits = String(Math.abs(Math.trunc(minor))).padStart(3, '0');
  const whole = digits.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const symbol = SYMBOLS[code];
  const amount = `${whole}.${digits.slice(-2)}`;
  return symbol === undefined ? `${sign}${amount} ${code}` : `${sign}${symbol}${amount}`;
}

/** Parses what a person typed ("12", "12.3", "12.34", "1,000") into minor units, or null. */
export function parseAmount(text: string): number | null {
  const clean = text.trim().replace(/[,，\s]/g, '').replace(/^[$¥]/, '');
  const match = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(clean);
  if (!match) return null;
  const minor = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  return minor > 0 ? minor : null;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A moment in the person's own time zone; within the last day, relative ("5 分钟前"). */
export function when(iso: string, lang: Lang, nowMs = Date.now()): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return '';
  const ago = nowMs - ms;
  if (ago >= 0 && ago < DAY) {
    const rtf = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
    if (ago < MINUTE) return rtf.format(0, 'second');
    if (ago < HOUR) return rtf.format(-Math.floor(ago / MINUTE), 'minute');
    return rtf.format(-Math.floor(ago / HOUR), 'hour');
  }
  return dateTime(iso, lang);
}

/** Date and time in the person's time zone, e.g. 2025年3月4日 14:05 / Mar 4, 2025, 2:05 PM. */
export function dateTime(iso: string, lang: Lang): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return '';
  return new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' }).format(ms);
}
