import { toDecimalString, money } from '../../platform/money.ts';
import type { UsageSums } from './usage-report.ts';

/**
 * The costs export: one CSV row per bucket × project × API key × model,
 * RFC 4180 (CRLF, fields quoted when they hold a comma, quote or line
 * break, quotes doubled), UTF-8 with a byte-order mark so Excel reads
 * Chinese names. A name that starts like a formula (= + - @, tab, CR) gets
 * a leading apostrophe, so a spreadsheet never runs what a customer typed
 * (OWASP's advice on CSV injection). Times are in the time zone the reader
 * asked for, with their offset (2026-12-06T00:00:00+08:00); amounts are
 * exact decimals of the integer cents.
 */

export const CSV_COLUMNS = [
  'start_time',
  'end_time',
  'project_id',
  'project_name',
  'api_key_id',
  'api_key_name',
  'model',
  'num_model_requests',
  'input_tokens',
  'output_tokens',
  'amount',
  'currency',
] as const;

const BOM = '\uFEFF';

export function csvField(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** True when the runtime knows this IANA time zone (e.g. Asia/Shanghai). */
export function isTimeZone(zone: string): boolean {
  if (!/^[A-Za-z0-9_+\-/]{1,64}$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** ISO 8601 with the zone's offset at that instant, to the second. */
export function isoInZone(ms: number, zone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    timeZoneName: 'longOffset',
  }).formatToParts(new Date(ms));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  // "GMT+08:00", or "GMT" for UTC itself.
  const offset = part('timeZoneName').replace(/^GMT/, '') || '+00:00';
  return `${part('year')}-${part('month')}-${part('day')}T${part('hour')}:${part('minute')}:${part('second')}${offset}`;
}

export interface CsvNames {
  readonly projects: ReadonlyMap<string, string>;
  readonly apiKeys: ReadonlyMap<string, string>;
}

export function costsCsv(rows: readonly UsageSums[], widthS: number, endS: number, zone: string, names: CsvNames): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const row of rows) {
    const fields: (string | number | null)[] = [
      isoInZone(row.bucketStartS * 1000, zone),
      isoInZone(Math.min(row.bucketStartS + widthS, endS) * 1000, zone),
      row.projectId,
      row.projectId === null ? null : (names.projects.get(row.projectId) ?? null),
      row.apiKeyId,
      row.apiKeyId === null ? null : (names.apiKeys.get(row.apiKeyId) ?? null),
      row.model,
      row.requests,
      row.inputTokens,
      row.outputTokens,
      toDecimalString(money(row.amountMinor, row.currency)),
      row.currency,
    ];
    lines.push(fields.map(csvField).join(','));
  }
  return `${BOM}${lines.join('\r\n')}\r\n`;
}
