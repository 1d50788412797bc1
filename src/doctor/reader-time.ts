import { AppError } from '../platform/errors.ts';
import type { Lang } from './catalogue-types.ts';

/**
 * Times as the reader reads them: in their own time zone, with how far off
 * the time is ("约 1 小时后", "in about 1 hour") — never raw UTC. The reader's
 * zone is what they ask for (`tz`, an IANA name); without one, a Chinese
 * reader's is China's (Asia/Shanghai) and an English reader's is UTC, named
 * as such.
 */

const DEFAULT_ZONE: Readonly<Record<Lang, string>> = { 'zh-CN': 'Asia/Shanghai', en: 'UTC' };
const MAX_ZONE_CHARS = 64;

export function isTimeZone(name: string): boolean {
  if (name.length === 0 || name.length > MAX_ZONE_CHARS) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The zone to write times in: the one asked for (refused with 400 `parameter_invalid` when it is not a zone), else the language's. */
export function readerTimeZone(lang: Lang, asked: string | undefined): string {
  if (asked === undefined) return DEFAULT_ZONE[lang];
  if (!isTimeZone(asked)) throw new AppError('parameter_invalid', `tz must be an IANA time zone such as Asia/Shanghai or Europe/Berlin, not ${JSON.stringify(asked.slice(0, MAX_ZONE_CHARS))}.`, { param: 'tz' });
  return asked;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** "in about 1 hour" / "约 1 小时后"; "now" / "现在" when the time has come. Rounded to the nearest unit: it is "about". */
export function relativeTime(atMs: number, nowMs: number, lang: Lang): string {
  const ahead = atMs - nowMs;
  if (ahead < MINUTE_MS) return lang === 'zh-CN' ? '现在' : 'now';
  // Each unit while it rounds below the next: 59 min 50 s is "about 1 hour", not "60 minutes".
  const minutes = Math.round(ahead / MINUTE_MS);
  const hours = Math.round(ahead / HOUR_MS);
  const [n, en, zh] = minutes < 60 ? [minutes, 'minute', '分钟'] : hours < 24 ? [hours, 'hour', '小时'] : [Math.round(ahead / DAY_MS), 'day', '天'];
  return lang === 'zh-CN' ? `约 ${n} ${zh}后` : `in about ${n} ${en}${n === 1 ? '' : 's'}`;
}

/** "12月7日 03:11（GMT+8，约 1 小时后）" / "Dec 7, 03:11 (UTC, in about 1 hour)". */
export function readerTime(atMs: number, nowMs: number, lang: Lang, timeZone: string): string {
  const parts = new Intl.DateTimeFormat(lang, { timeZone, month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' }).formatToParts(atMs);
  const zone = parts.find((p) => p.type === 'timeZoneName')?.value ?? timeZone;
  const local = parts
    .filter((p) => p.type !== 'timeZoneName')
    .map((p) => p.value)
    .join('')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[\s,]+$/, '');
  const relative = relativeTime(atMs, nowMs, lang);
  return lang === 'zh-CN' ? `${local}（${zone}，${relative}）` : `${local} (${zone}, ${relative})`;
}

/** "2026-11-24 20:00 GMT+8" / "2026-11-24 12:00 UTC": a moment in the reader's zone, named, for a sentence about a time window. */
export function readerTimestamp(atMs: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' }).formatToParts(atMs);
  const part = Object.fromEntries(parts.map((p) => [p.type, p.value]));
  return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute} ${part.timeZoneName}`;
}
