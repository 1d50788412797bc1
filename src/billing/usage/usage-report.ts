import type { Sql } from '../../platform/db/database.ts';
import { money, toDecimalString } from '../../platform/money.ts';
import { encodePageCursor, type CostsGroup, type ReportQuery, type UsageGroup } from './usage-query.ts';

/**
 * The organization's usage and costs in OpenAI's shapes, read from billing's
 * usage events — the rows written in the same transaction as each ledger
 * debit (metering.ts), so what is reported is what was debited, to the cent.
 *
 * Costs: OpenAI sends `amount.value` as a decimal number. Here it is the sum
 * of integer cents written as its decimal text (toDecimalString) straight
 * into the JSON (exactJson): no float ever holds an amount, so even a sum
 * past a double's 15 exact digits is sent exactly. A client reading it into
 * a float is exact up to $10 trillion; one that wants cents multiplies by
 * 100 and rounds.
 */

/** An exact decimal number for exactJson: written into the JSON as its digits. */
export class DecimalNumber {
  constructor(readonly text: string) {
    if (!/^-?\d+(\.\d+)?$/.test(text)) throw new Error(`not a decimal: ${text}`);
  }
}

// A string no JSON text of ours holds otherwise: names refuse control characters, ids are printable.
const DECIMAL_MARK = '\u0000decimal:';
const MARKED = /"\\u0000decimal:(-?\d+(?:\.\d+)?)"/g;

/** JSON.stringify, but every DecimalNumber becomes a JSON number with exactly its digits. */
export function exactJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v instanceof DecimalNumber ? DECIMAL_MARK + v.text : v)).replace(MARKED, '$1');
}

/** One group's sums in one bucket (the grouping columns that were not asked for are null). */
export interface UsageSums {
  readonly bucketStartS: number;
  readonly model: string | null;
  readonly apiKeyId: string | null;
  readonly projectId: string | null;
  readonly currency: string;
  readonly requests: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly amountMinor: number;
}

type Column = 'model' | 'api_key_id' | 'project_id';

interface SumRow {
  bucket: number | string;
  model: string | null;
  api_key_id: string | null;
  project_id: string | null;
  currency: string;
  requests: number | string;
  input_tokens: number | string | null;
  output_tokens: number | string | null;
  amount_minor: number | string | null;
}

/** The page of buckets a query asks for: their starts (and the clipped end), and whether more follow. */
export function pageBuckets(query: ReportQuery<string>): { starts: number[]; endS: number; nextStartS: number | null } {
  const starts: number[] = [];
  for (let at = query.pageStartS; at < query.endS && starts.length < query.limit; at += query.widthS) starts.push(at);
  const after = starts[starts.length - 1]! + query.widthS;
  return { starts, endS: Math.min(after, query.endS), nextStartS: after < query.endS ? after : null };
}

/** Sums of the organization's usage events in [fromS, toS), by bucket and by the asked columns, filtered. */
export async function sumUsage(
  sql: Sql,
  orgId: string,
  range: { readonly bucketOriginS: number; readonly widthS: number; readonly fromS: number; readonly toS: number },
  columns: readonly Column[],
  filters: Pick<ReportQuery<string>, 'models' | 'apiKeyIds' | 'projectIds'>,
): Promise<UsageSums[]> {
  const params: unknown[] = [range.bucketOriginS * 1000, range.widthS * 1000, orgId, range.fromS * 1000, range.toS * 1000];
  let where = '';
  for (const [column, list] of [['model', filters.models], ['api_key_id', filters.apiKeyIds], ['project_id', filters.projectIds]] as const) {
    if (list === null) continue;
    where += ` AND ${column} IN (${list.map(() => '?').join(', ')})`;
    params.push(...list);
  }
  const picked = (column: Column) => (columns.includes(column) ? column : `NULL AS ${column}`);
  const grouped = columns.map((c) => `, ${c}`).join('');
  // Integer division, so an event mid-bucket lands in its bucket: the parameters are cast because SQLite binds
  // JavaScript numbers as REAL (its division would then be fractional). Every event is ≥ the origin, so it floors.
  const rows = await sql.all<SumRow>(
    `SELECT (created_at_ms - CAST(? AS BIGINT)) / CAST(? AS BIGINT) AS bucket, ${picked('model')}, ${picked('api_key_id')}, ${picked('project_id')}, currency,
            COUNT(*) AS requests, SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens, SUM(amount_minor) AS amount_minor
       FROM billing_usage_events
      WHERE org_id = ? AND created_at_ms >= ? AND created_at_ms < ?${where}
      GROUP BY bucket, currency${grouped}
      ORDER BY bucket, currency${grouped}`,
    params,
  );
  return rows.map((row) => ({
    bucketStartS: range.bucketOriginS + Number(row.bucket) * range.widthS,
    model: row.model,
    apiKeyId: row.api_key_id,
    projectId: row.project_id,
    currency: row.currency,
    requests: Number(row.requests),
    inputTokens: Number(row.input_tokens ?? 0),
    outputTokens: Number(row.output_tokens ?? 0),
    amountMinor: Number(row.amount_minor ?? 0),
  }));
}

export interface ReportPage<R> {
  readonly object: 'page';
  readonly data: { readonly object: 'bucket'; readonly start_time: number; readonly end_time: number; readonly results: R[] }[];
  readonly has_more: boolean;
  readonly next_page: string | null;
}

async function report<G extends string, R>(
  sql: Sql,
  orgId: string,
  query: ReportQuery<G>,
  columns: readonly Column[],
  present: (sums: UsageSums) => R,
): Promise<ReportPage<R>> {
  const { starts, endS, nextStartS } = pageBuckets(query);
  const sums = await sumUsage(sql, orgId, { bucketOriginS: query.startS, widthS: query.widthS, fromS: starts[0]!, toS: endS }, columns, query);
  const byBucket = new Map<number, R[]>(starts.map((s) => [s, []]));
  for (const row of sums) byBucket.get(row.bucketStartS)?.push(present(row));
  return {
    object: 'page',
    data: starts.map((s) => ({ object: 'bucket' as const, start_time: s, end_time: Math.min(s + query.widthS, endS), results: byBucket.get(s)! })),
    has_more: nextStartS !== null,
    next_page: nextStartS === null ? null : encodePageCursor(nextStartS),
  };
}

/** `GET /organization/usage/completions`: tokens and requests. Fields not grouped by are null, as at OpenAI. */
export function completionsUsage(sql: Sql, orgId: string, query: ReportQuery<UsageGroup>) {
  return report(sql, orgId, query, query.groupBy, (sums) => ({
    object: 'organization.usage.completions.result' as const,
    input_tokens: sums.inputTokens,
    output_tokens: sums.outputTokens,
    input_cached_tokens: 0,
    input_audio_tokens: 0,
    output_audio_tokens: 0,
    num_model_requests: sums.requests,
    project_id: sums.projectId,
    user_id: null,
    api_key_id: sums.apiKeyId,
    model: sums.model,
    batch: null,
    service_tier: null,
  }));
}

/** `GET /organization/costs`: what was debited. A line item is a model (one price per request, rounded once: price-book.ts). */
export function organizationCosts(sql: Sql, orgId: string, query: ReportQuery<CostsGroup>) {
  const columns: Column[] = query.groupBy.map((g) => (g === 'line_item' ? 'model' : g));
  return report(sql, orgId, query, columns, (sums) => ({
    object: 'organization.costs.result' as const,
    amount: { value: decimalAmount(sums.amountMinor, sums.currency), currency: sums.currency.toLowerCase() },
    line_item: sums.model,
    project_id: sums.projectId,
    ...(query.groupBy.includes('api_key_id') ? { api_key_id: sums.apiKeyId } : {}),
  }));
}

/** Integer minor units as the exact decimal number (see the module's comment). */
export function decimalAmount(amountMinor: number, currency: string): DecimalNumber {
  return new DecimalNumber(toDecimalString(money(amountMinor, currency)));
}
