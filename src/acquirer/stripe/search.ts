import type { Sql } from '../../platform/db/database.ts';
import { AcquirerError } from '../errors.ts';
import { LIST_DEFAULT_LIMIT, LIST_MAX_LIMIT } from './list.ts';
import type { Params } from './params.ts';

/**
 * Stripe's Search API (`GET /v1/<resource>/search?query=…`), over the
 * subset of its query language that integrators use:
 *
 *   email:'a@example.com' AND metadata['order']:'7'
 *   status:"succeeded" OR status:"canceled"
 *   -status:'canceled'   amount>=1000   created>1700000000   name~'jen'
 *
 * A clause is `field`, an operator and a value: `:` an exact match (strings
 * compared case-insensitively, as at Stripe), `~` a substring of at least 3
 * characters, `>` `<` `>=` `<=` on numeric fields. `metadata['key']` (or
 * `metadata["key"]`) names a metadata value. A leading `-` negates a clause.
 * Up to 10 clauses joined by `AND` or by `OR` (not both in one query, as at
 * Stripe). Fields a resource does not support are a 400, naming the field.
 *
 * The answer is Stripe's `search_result`; `next_page` is an opaque token the
 * SDK passes back as `page` (auto-pagination works unchanged). Results come
 * newest first. Matching runs over the Stripe objects themselves, read in
 * batches from the database, so a field matches exactly what the object shows.
 */

export type SearchFieldKind = 'string' | 'number';
export type SearchFields = Readonly<Record<string, SearchFieldKind>>;

type Operator = ':' | '~' | '>' | '<' | '>=' | '<=';

interface Clause {
  readonly negate: boolean;
  readonly field: string;
  /** The metadata key, for `metadata['key']`. */
  readonly key: string | undefined;
  readonly op: Operator;
  readonly value: string;
}

export interface SearchQuery {
  readonly clauses: readonly Clause[];
  readonly join: 'AND' | 'OR';
}

export interface SearchInput {
  readonly query: SearchQuery;
  readonly limit: number;
  /** The id after which this page starts (decoded from `page`). */
  readonly after: string | undefined;
}

export interface SearchResult<T> {
  readonly object: 'search_result';
  readonly data: T[];
  readonly has_more: boolean;
  readonly next_page: string | null;
  readonly url: string;
}

export const SEARCH_MAX_CLAUSES = 10;
const QUERY_MAX_CHARS = 2_000;
const PAGE_MAX_CHARS = 200;
const SCAN_BATCH = 200;

const parseError = (message: string) => new AcquirerError('parameter_invalid', message, { param: 'query' });
const FORMAT_HINT =
  'We were unable to parse your search query. Try using the format `metadata["key"]:"value"` to query for metadata or `key:"value"` to query for other fields.';

/** Parses `query` for `resource` (`customers`), whose searchable fields are `fields` (plus `metadata`). */
export function parseSearchQuery(text: string, resource: string, fields: SearchFields): SearchQuery {
  let at = 0;
  const clauses: Clause[] = [];
  const joins = new Set<'AND' | 'OR'>();
  const space = () => {
    while (at < text.length && /\s/.test(text[at]!)) at++;
  };
  const quoted = (): string => {
    const quote = text[at];
    if (quote !== "'" && quote !== '"') throw parseError(FORMAT_HINT);
    at++;
    let value = '';
    while (at < text.length && text[at] !== quote) {
      if (text[at] === '\\' && at + 1 < text.length) at++;
      value += text[at];
      at++;
    }
    if (at >= text.length) throw parseError(FORMAT_HINT);
    at++;
    return value;
  };
  space();
  if (at >= text.length) throw parseError('The search query must not be empty.');
  for (;;) {
    const negate = text[at] === '-';
    if (negate) at++;
    const name = /^[a-z_]+/.exec(text.slice(at))?.[0];
    if (name === undefined) throw parseError(FORMAT_HINT);
    at += name.length;
    let key: string | undefined;
    if (name === 'metadata') {
      if (text[at] !== '[') throw parseError(FORMAT_HINT);
      at++;
      key = quoted();
      if (text[at] !== ']') throw parseError(FORMAT_HINT);
      at++;
    } else if (fields[name] === undefined) {
      throw parseError(`Field \`${name}\` is an unsupported search field for resource \`${resource}\`. See https://stripe.com/docs/search#query-fields-for-${resource.replace(/_/g, '-')} for a list of supported fields.`);
    }
    const op = /^(>=|<=|:|~|>|<)/.exec(text.slice(at))?.[0] as Operator | undefined;
    if (op === undefined) throw parseError(FORMAT_HINT);
    at += op.length;
    const kind: SearchFieldKind = key !== undefined ? 'string' : fields[name]!;
    let value: string;
    if (text[at] === "'" || text[at] === '"') value = quoted();
    else {
      value = /^[^\s]+/.exec(text.slice(at))?.[0] ?? '';
      at += value.length;
      if (kind !== 'number' || !/^-?\d+$/.test(value)) throw parseError(FORMAT_HINT);
    }
    if (kind === 'number' && op !== '~' && !/^-?\d+$/.test(value)) throw parseError(`The value of \`${name}\` must be a number.`);
    if (kind === 'string' && op !== ':' && op !== '~') throw parseError(`The operator \`${op}\` is only supported on numeric fields, not \`${name}\`.`);
    if (op === '~' && (kind !== 'string' || value.length < 3)) throw parseError('The substring operator `~` needs a string of at least 3 characters.');
    clauses.push({ negate, field: name, key, op, value });
    if (clauses.length > SEARCH_MAX_CLAUSES) throw parseError(`A search query may have at most ${SEARCH_MAX_CLAUSES} clauses.`);
    space();
    if (at >= text.length) break;
    const join = /^(AND|OR)\s/.exec(text.slice(at))?.[1] as 'AND' | 'OR' | undefined;
    if (join === undefined) throw parseError(FORMAT_HINT);
    joins.add(join);
    if (joins.size > 1) throw parseError('A search query cannot combine AND and OR; use one of them.');
    at += join.length;
    space();
  }
  return { clauses, join: joins.has('OR') ? 'OR' : 'AND' };
}

/** Whether a Stripe object (as the API shows it) matches the query. */
export function matchesSearch(query: SearchQuery, object: Record<string, unknown>): boolean {
  const test = (clause: Clause): boolean => {
    const raw = clause.key !== undefined ? (object.metadata as Record<string, unknown> | undefined)?.[clause.key] : object[clause.field];
    let result: boolean;
    if (typeof raw === 'number') {
      const value = Number(clause.value);
      result = clause.op === ':' ? raw === value : clause.op === '>' ? raw > value : clause.op === '<' ? raw < value : clause.op === '>=' ? raw >= value : clause.op === '<=' ? raw <= value : false;
    } else if (typeof raw === 'string') {
      const have = raw.toLowerCase();
      const want = clause.value.toLowerCase();
      result = clause.op === ':' ? have === want : clause.op === '~' ? have.includes(want) : false;
    } else {
      result = false;
    }
    return clause.negate ? !result : result;
  };
  return query.join === 'AND' ? query.clauses.every(test) : query.clauses.some(test);
}

/** Reads `query`, `limit` and `page` (Stripe's search parameters). */
export function parseSearchParams(params: Params, resource: string, fields: SearchFields): SearchInput {
  const text = params.requiredString('query', { maxChars: QUERY_MAX_CHARS });
  const limit = params.integer('limit', { min: 1, max: LIST_MAX_LIMIT }) ?? LIST_DEFAULT_LIMIT;
  const page = params.string('page', { maxChars: PAGE_MAX_CHARS });
  return { query: parseSearchQuery(text, resource, fields), limit, after: page === undefined ? undefined : decodePage(page) };
}

function encodePage(id: string): string {
  return Buffer.from(JSON.stringify({ after: id }), 'utf8').toString('base64url');
}

function decodePage(page: string): string {
  try {
    const decoded = JSON.parse(Buffer.from(page, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof decoded.after === 'string' && /^[a-z]{2,8}_[0-9A-Za-z]{10,40}$/.test(decoded.after)) return decoded.after;
  } catch {
    // Refused below.
  }
  throw new AcquirerError('parameter_invalid', 'Invalid page: not a next_page token from a previous search.', { param: 'page' });
}

/**
 * One page of search results from `table` (rows within `where`, which opens
 * with the merchant's scope), newest first: rows are read in batches, each
 * turned into its Stripe object by `toObject` and kept when it matches.
 */
export async function searchPage<R extends { id: string }, T extends Record<string, unknown>>(
  sql: Sql,
  spec: {
    readonly table: string;
    readonly columns: string;
    readonly where: string;
    readonly params: readonly unknown[];
    readonly input: SearchInput;
    readonly toObject: (row: R) => T;
  },
): Promise<{ items: Array<{ row: R; object: T }>; hasMore: boolean; nextPage: string | null }> {
  const { input } = spec;
  const items: Array<{ row: R; object: T }> = [];
  let cursor = input.after;
  for (;;) {
    const params: unknown[] = [...spec.params];
    if (cursor !== undefined) params.push(cursor);
    params.push(SCAN_BATCH);
    const rows = await sql.all<R>(
      `SELECT ${spec.columns} FROM ${spec.table} WHERE ${spec.where}${cursor === undefined ? '' : ' AND id < ?'} ORDER BY id DESC LIMIT ?`,
      params,
    );
    for (const row of rows) {
      const object = spec.toObject(row);
      if (!matchesSearch(input.query, object)) continue;
      if (items.length === input.limit) return { items, hasMore: true, nextPage: encodePage(items[items.length - 1]!.row.id) };
      items.push({ row, object });
    }
    if (rows.length < SCAN_BATCH) return { items, hasMore: false, nextPage: null };
    cursor = rows[rows.length - 1]!.id;
  }
}

export function searchResult<T>(url: string, data: T[], hasMore: boolean, nextPage: string | null): SearchResult<T> {
  return { object: 'search_result', data, has_more: hasMore, next_page: nextPage, url };
}
