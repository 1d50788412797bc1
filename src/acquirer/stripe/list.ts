import type { Sql } from '../../platform/db/database.ts';
import { AcquirerError, noSuchObject } from '../errors.ts';
import type { Params } from './params.ts';

/**
 * Stripe's list pagination. Objects come newest first; ids are
 * `<prefix>_<ULID>`, which sort by creation time, so the id is the cursor:
 * `starting_after` pages towards older objects, `ending_before` towards
 * newer ones. One extra row is read to know `has_more` without a count.
 * The SDK's auto-pagination walks `starting_after` with the last id of each page.
 */

export const LIST_DEFAULT_LIMIT = 10;
export const LIST_MAX_LIMIT = 100;

export interface ListQuery {
  readonly limit: number;
  readonly startingAfter: string | undefined;
  readonly endingBefore: string | undefined;
}

export interface StripeList<T> {
  readonly object: 'list';
  readonly data: T[];
  readonly has_more: boolean;
  readonly url: string;
}

const CURSOR = /^[a-z]{2,8}_[0-9A-Za-z]{10,40}$/;

export function parseListQuery(params: Params): ListQuery {
  const limit = params.integer('limit', { min: 1, max: LIST_MAX_LIMIT }) ?? LIST_DEFAULT_LIMIT;
  const startingAfter = params.string('starting_after', { maxChars: 64, pattern: CURSOR, what: 'not an object id' });
  const endingBefore = params.string('ending_before', { maxChars: 64, pattern: CURSOR, what: 'not an object id' });
  if (startingAfter !== undefined && endingBefore !== undefined) {
    throw new AcquirerError('parameter_invalid', 'You may only specify one of these parameters: starting_after, ending_before.', { param: 'ending_before' });
  }
  return { limit, startingAfter, endingBefore };
}

/**
 * Reads one page of `table` rows matching `where` (which must not be empty;
 * scope every list to its merchant). `columns` may name any columns; `id` must be one.
 */
export async function listPage<R extends { id: string }>(
  sql: Sql,
  spec: { readonly table: string; readonly columns: string; readonly where: string; readonly params: readonly unknown[]; readonly query: ListQuery },
): Promise<{ rows: R[]; hasMore: boolean }> {
  const { query } = spec;
  await requireCursor(sql, spec);
  let cursor = '';
  const params: unknown[] = [...spec.params];
  if (query.startingAfter !== undefined) {
    cursor = ' AND id < ?';
    params.push(query.startingAfter);
  } else if (query.endingBefore !== undefined) {
    cursor = ' AND id > ?';
    params.push(query.endingBefore);
  }
  const order = query.endingBefore !== undefined ? 'ASC' : 'DESC';
  params.push(query.limit + 1);
  const rows = await sql.all<R>(`SELECT ${spec.columns} FROM ${spec.table} WHERE ${spec.where}${cursor} ORDER BY id ${order} LIMIT ?`, params);
  const hasMore = rows.length > query.limit;
  const page = rows.slice(0, query.limit);
  if (order === 'ASC') page.reverse();
  return { rows: page, hasMore };
}

/**
 * A cursor must name an object of the list's kind that the merchant has, as
 * at Stripe (`No such customer: 'cus_…'`, 400: a query parameter names it, not
 * the URL path): an unknown id answering the
 * first page would make a client's pagination loop for ever. Looked up within
 * the merchant's scope (every list's `where` opens with `merchant_id = ?`),
 * not the list's filters, so an object that left the filter while a client
 * paged (a deleted customer) still serves as a cursor.
 */
async function requireCursor(sql: Sql, spec: { readonly table: string; readonly where: string; readonly params: readonly unknown[]; readonly query: ListQuery }): Promise<void> {
  const { startingAfter, endingBefore } = spec.query;
  const id = startingAfter ?? endingBefore;
  if (id === undefined) return;
  const merchantScoped = /^merchant_id = \?/.test(spec.where);
  const found = merchantScoped
    ? await sql.get<{ id: string }>(`SELECT id FROM ${spec.table} WHERE merchant_id = ? AND id = ?`, [spec.params[0], id])
    : await sql.get<{ id: string }>(`SELECT id FROM ${spec.table} WHERE ${spec.where} AND id = ?`, [...spec.params, id]);
  if (found === undefined) {
    const noun = spec.table.replace(/^acquirer_/, '').replace(/s$/, '');
    throw noSuchObject(`No such ${noun}: '${id}'`, startingAfter !== undefined ? 'starting_after' : 'ending_before');
  }
}

export function stripeList<T>(url: string, data: T[], hasMore: boolean): StripeList<T> {
  return { object: 'list', data, has_more: hasMore, url };
}

/** The expand paths that apply inside each item of a list (`data.latest_charge` → `latest_charge`). */
export function expandInList(paths: readonly string[]): string[] {
  return paths.filter((path) => path.startsWith('data.')).map((path) => path.slice('data.'.length));
}

/** The expand paths below `field` (`latest_charge.payment_method` → `payment_method`). */
export function expandBelow(paths: readonly string[], field: string): string[] {
  return paths.filter((path) => path.startsWith(`${field}.`)).map((path) => path.slice(field.length + 1));
}
