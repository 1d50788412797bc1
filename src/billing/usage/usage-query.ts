import { refuse, refuseUnknown, single, values, wholeNumber, type Parsed, type RawQuery } from './query-params.ts';

export type { Parsed, QueryRefusal } from './query-params.ts';

/**
 * Reading the query of OpenAI's organization Usage and Costs API
 * (`GET /organization/usage/completions`, `GET /organization/costs`) into a
 * checked value: every parameter is read or refused, nothing is guessed
 * (query-params.ts).
 *
 * Buckets start at `start_time` itself and follow each other at
 * `bucket_width` (the last one ends at `end_time` at the latest), so a
 * caller chooses its own day boundary: the billing page passes the
 * reader's local midnight and gets the reader's days.
 */

export type BucketWidth = '1m' | '1h' | '1d';
export const BUCKET_WIDTH_S: Readonly<Record<BucketWidth, number>> = { '1m': 60, '1h': 3_600, '1d': 86_400 };

/** How many buckets a page holds, by width (OpenAI's defaults and maximums). */
export const USAGE_BUCKET_LIMITS: Readonly<Record<BucketWidth, { readonly default: number; readonly max: number }>> = {
  '1d': { default: 7, max: 31 },
  '1h': { default: 24, max: 168 },
  '1m': { default: 60, max: 1_440 },
};
/** The Costs API has daily buckets only, 7 a page by default and at most 180 (as OpenAI's). */
export const COSTS_BUCKET_LIMIT = { default: 7, max: 180 } as const;

export const USAGE_GROUPS = ['model', 'api_key_id', 'project_id'] as const;
/** `api_key_id` is Cardlane's addition (OpenAI's costs group by project and line item only): the page's per-key costs. */
export const COSTS_GROUPS = ['line_item', 'project_id', 'api_key_id'] as const;
export type UsageGroup = (typeof USAGE_GROUPS)[number];
export type CostsGroup = (typeof COSTS_GROUPS)[number];

const MAX_FILTER_VALUES = 100;
const FILTER_VALUE = /^[\x21-\x7e]{1,120}$/;
const MAX_TIME_S = 253_402_300_799; // 9999-12-31T23:59:59Z: keeps every millisecond a safe integer
const PAGE_CURSOR = /^page_([A-Za-z0-9_-]{1,40})$/;

export interface ReportQuery<G extends string> {
  readonly startS: number;
  readonly endS: number;
  readonly widthS: number;
  readonly limit: number;
  /** The first bucket of this page (from `page`, or `startS`). */
  readonly pageStartS: number;
  readonly groupBy: readonly G[];
  readonly models: readonly string[] | null;
  readonly apiKeyIds: readonly string[] | null;
  readonly projectIds: readonly string[] | null;
}

const seconds = (text: string) => wholeNumber(text, MAX_TIME_S);

export function encodePageCursor(bucketStartS: number): string {
  return `page_${Buffer.from(`t:${bucketStartS}`).toString('base64url')}`;
}

function decodePageCursor(cursor: string): number | null {
  const match = PAGE_CURSOR.exec(cursor);
  if (match === null) return null;
  const inner = /^t:([0-9]{1,12})$/.exec(Buffer.from(match[1]!, 'base64url').toString('latin1'));
  return inner === null ? null : Number(inner[1]);
}

interface Shape<G extends string> {
  readonly widths: readonly BucketWidth[];
  readonly limits: (width: BucketWidth) => { readonly default: number; readonly max: number };
  readonly groups: readonly G[];
  readonly filters: readonly ('models' | 'api_key_ids' | 'project_ids')[];
}

const USAGE_SHAPE: Shape<UsageGroup> = {
  widths: ['1m', '1h', '1d'],
  limits: (width) => USAGE_BUCKET_LIMITS[width],
  groups: USAGE_GROUPS,
  filters: ['models', 'api_key_ids', 'project_ids'],
};
const COSTS_SHAPE: Shape<CostsGroup> = { widths: ['1d'], limits: () => COSTS_BUCKET_LIMIT, groups: COSTS_GROUPS, filters: ['project_ids', 'api_key_ids'] };

export const parseUsageQuery = (raw: RawQuery, nowMs: number) => parseReportQuery(raw, nowMs, USAGE_SHAPE);
export const parseCostsQuery = (raw: RawQuery, nowMs: number) => parseReportQuery(raw, nowMs, COSTS_SHAPE);

function parseReportQuery<G extends string>(raw: RawQuery, nowMs: number, shape: Shape<G>): Parsed<ReportQuery<G>> {
  const unknown = refuseUnknown(raw, ['start_time', 'end_time', 'bucket_width', 'limit', 'page', 'group_by', ...shape.filters]);
  if (unknown !== null) return unknown;
  const startText = single(raw, 'start_time');
  if (startText === undefined) return refuse('start_time', 'Missing required parameter: start_time (Unix seconds, inclusive).', 'missing_required_parameter');
  const startS = startText === null ? null : seconds(startText);
  if (startS === null) return refuse('start_time', 'start_time must be a whole number of Unix seconds.', 'invalid_type');
  const widthText = single(raw, 'bucket_width') ?? '1d';
  const width = shape.widths.find((w) => w === widthText);
  if (width === undefined) return refuse('bucket_width', `bucket_width must be one of ${shape.widths.join(', ')}.`, 'invalid_value');
  const widthS = BUCKET_WIDTH_S[width];
  const endText = single(raw, 'end_time');
  // Without an end: up to now (this second included), and at least one bucket (a start in the future answers one empty bucket).
  const endS = endText === undefined ? Math.max(Math.floor(nowMs / 1000) + 1, startS + widthS) : endText === null ? null : seconds(endText);
  if (endS === null) return refuse('end_time', 'end_time must be a whole number of Unix seconds.', 'invalid_type');
  if (endS <= startS) return refuse('end_time', 'end_time must be after start_time.', 'invalid_value');
  const limits = shape.limits(width);
  const limitText = single(raw, 'limit');
  const limit = limitText === undefined ? limits.default : limitText === null ? null : seconds(limitText);
  if (limit === null || limit < 1 || limit > limits.max) return refuse('limit', `limit must be a whole number from 1 to ${limits.max} for bucket_width ${width}.`, 'invalid_value');
  const groupValues = values(raw, 'group_by') ?? [];
  const groupBy: G[] = [];
  for (const value of groupValues.flatMap((v) => v.split(','))) {
    const group = shape.groups.find((g) => g === value);
    if (group === undefined) return refuse('group_by', `group_by must be among ${shape.groups.join(', ')}.`, 'invalid_value');
    if (!groupBy.includes(group)) groupBy.push(group);
  }
  const filter = (name: 'models' | 'api_key_ids' | 'project_ids'): readonly string[] | null | 'bad' => {
    if (!shape.filters.includes(name)) return null;
    const found = values(raw, name);
    if (found === null) return null;
    if (found.length === 0 || found.length > MAX_FILTER_VALUES || !found.every((v) => FILTER_VALUE.test(v))) return 'bad';
    return found;
  };
  const models = filter('models');
  const apiKeyIds = filter('api_key_ids');
  const projectIds = filter('project_ids');
  for (const [name, value] of [['models', models], ['api_key_ids', apiKeyIds], ['project_ids', projectIds]] as const) {
    if (value === 'bad') return refuse(name, `${name} is a list of 1 to ${MAX_FILTER_VALUES} ids.`, 'invalid_value');
  }
  const pageText = single(raw, 'page');
  let pageStartS = startS;
  if (pageText !== undefined) {
    const at = pageText === null ? null : decodePageCursor(pageText);
    // A cursor is a bucket's start in this very query: in range and on a bucket boundary.
    if (at === null || at < startS || at >= endS || (at - startS) % widthS !== 0) return refuse('page', 'page is not a cursor of this query; pass next_page from the previous answer.', 'invalid_cursor');
    pageStartS = at;
  }
  return {
    ok: true,
    query: {
      startS,
      endS,
      widthS,
      limit,
      pageStartS,
      groupBy,
      models: models as readonly string[] | null,
      apiKeyIds: apiKeyIds as readonly string[] | null,
      projectIds: projectIds as readonly string[] | null,
    },
  };
}
