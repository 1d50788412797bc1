import { AcquirerError } from '../errors.ts';
import type { AcquirerDeps } from '../acquirer-deps.ts';
import { createdCondition, parseCreatedFilter, type CreatedRange } from '../events/created-filter.ts';
import { refuseExpand } from '../events/refuse-expand.ts';
import { listPage, parseListQuery, stripeList, type ListQuery } from '../stripe/list.ts';
import type { Params } from '../stripe/params.ts';
import { parseSearchParams, searchPage, searchResult, type SearchFields, type SearchInput } from '../stripe/search.ts';
import type { StripeCall, StripeEndpoint } from '../stripe/route.ts';
import { requireTestClock } from '../test-clocks/test-clocks.ts';
import {
  createCustomer,
  CUSTOMER_COLUMNS,
  customerObject,
  deleteCustomer,
  deletedCustomerObject,
  findCustomerIncludingDeleted,
  noSuchCustomer,
  updateCustomer,
  type CustomerFields,
  type CustomerRow,
} from './customers.ts';

/**
 * Stripe's customer endpoints: create, retrieve, update, list, delete.
 *
 * A deleted customer is retrieved as `{id, object: 'customer', deleted:
 * true}` (200), exactly as Stripe answers and as the SDK's types expect
 * (`Customer | DeletedCustomer`); updating or deleting it again is a 404,
 * and it is gone from lists and from `getCustomer`.
 */

export const EMAIL_MAX_CHARS = 512;
export const NAME_MAX_CHARS = 256;
export const PHONE_MAX_CHARS = 20;
export const DESCRIPTION_MAX_CHARS = 1_000;
// Loose on purpose, like Stripe's check: one @, something on each side, a dot in the domain, no spaces.
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

interface ChangeInput {
  readonly fields: CustomerFields;
  readonly metadata: ReturnType<Params['metadata']>;
  readonly defaultPaymentMethodId: string | null | undefined;
}

interface ListCustomersInput {
  readonly query: ListQuery;
  readonly email: string | undefined;
  readonly created: CreatedRange | undefined;
}

/** The fields Stripe's customer search supports (besides `metadata['key']`). */
export const CUSTOMER_SEARCH_FIELDS: SearchFields = { email: 'string', name: 'string', phone: 'string', created: 'number' };

export function customerEndpoints(deps: AcquirerDeps): StripeEndpoint<any>[] {
  const eventDeps = (call: StripeCall) => ({ ids: deps.ids, nowMs: call.nowMs });
  const request = (call: StripeCall) => ({ id: call.requestId, idempotencyKey: call.idempotencyKey ?? null });

  const create: StripeEndpoint<ChangeInput & { testClockId: string | undefined }> = {
    method: 'POST',
    url: '/customers',
    summary: 'Create a customer',
    parse: (params) => {
      refuseExpand(params);
      return { ...parseChanges(params), testClockId: params.string('test_clock', { maxChars: 64, pattern: /^clock_[0-9A-Za-z]{10,40}$/, what: 'not a test clock id' }) };
    },
    run: async (input, call) => {
      const { testClockId, ...changes } = input;
      const row = await deps.db.transaction(async (tx) => {
        const clock = testClockId === undefined ? undefined : await requireTestClock(tx, call.merchant.id, testClockId);
        const testClock = clock === undefined ? undefined : { id: clock.id, frozenTimeMs: Number(clock.frozen_time_ms) };
        const created = await createCustomer(tx, eventDeps(call), { merchantId: call.merchant.id, ...changes, ...(testClock ? { testClock } : {}), request: request(call) });
        await call.recovery.record(tx, created.id);
        return created;
      });
      return customerObject(row);
    },
    // A create cut short after it committed: the customer it made, not a second one.
    resume: async (_input, call, customerId) => {
      const row = await findCustomerIncludingDeleted(deps.db, call.merchant.id, customerId);
      if (row === undefined) throw noSuchCustomer(customerId);
      return row.deleted_at_ms === null ? customerObject(row) : deletedCustomerObject(row.id);
    },
  };

  const retrieve: StripeEndpoint<{ id: string }> = {
    method: 'GET',
    url: '/customers/:id',
    summary: 'Retrieve a customer',
    parse: (params, call) => {
      refuseExpand(params);
      return { id: call.path.id! };
    },
    run: async (input, call) => {
      const row = await findCustomerIncludingDeleted(deps.db, call.merchant.id, input.id);
      if (row === undefined) throw noSuchCustomer(input.id);
      return row.deleted_at_ms === null ? customerObject(row) : deletedCustomerObject(row.id);
    },
  };

  const update: StripeEndpoint<ChangeInput & { id: string }> = {
    method: 'POST',
    url: '/customers/:id',
    summary: 'Update a customer',
    parse: (params, call) => {
      refuseExpand(params);
      return { id: call.path.id!, ...parseChanges(params) };
    },
    run: async (input, call) => {
      const row = await deps.db.transaction((tx) =>
        updateCustomer(tx, eventDeps(call), { merchantId: call.merchant.id, ...input, request: request(call) }),
      );
      return customerObject(row);
    },
  };

  const list: StripeEndpoint<ListCustomersInput> = {
    method: 'GET',
    url: '/customers',
    summary: 'List customers',
    parse: (params) => {
      refuseExpand(params);
      return {
        query: parseListQuery(params),
        email: params.string('email', { maxChars: EMAIL_MAX_CHARS }),
        created: parseCreatedFilter(params),
      };
    },
    run: async (input, call) => {
      let where = 'merchant_id = ? AND deleted_at_ms IS NULL';
      const params: unknown[] = [call.merchant.id];
      if (input.email !== undefined) {
        // Stripe's email filter is exact and case-sensitive.
        where += ' AND email = ?';
        params.push(input.email);
      }
      const created = createdCondition(input.created);
      where += created.sql;
      params.push(...created.params);
      const page = await listPage<CustomerRow>(deps.db, { table: 'acquirer_customers', columns: CUSTOMER_COLUMNS, where, params, query: input.query });
      return stripeList('/v1/customers', page.rows.map(customerObject), page.hasMore);
    },
  };

  const search: StripeEndpoint<SearchInput> = {
    method: 'GET',
    url: '/customers/search',
    summary: "Search customers with Stripe's query language (email:'…', name:'…', metadata['key']:'…', created>…; AND or OR)",
    parse: (params) => {
      refuseExpand(params);
      return parseSearchParams(params, 'customers', CUSTOMER_SEARCH_FIELDS);
    },
    run: async (input, call) => {
      const page = await searchPage<CustomerRow, ReturnType<typeof customerObject>>(deps.db, {
        table: 'acquirer_customers',
        columns: CUSTOMER_COLUMNS,
        where: 'merchant_id = ? AND deleted_at_ms IS NULL',
        params: [call.merchant.id],
        input,
        toObject: customerObject,
      });
      return searchResult('/v1/customers/search', page.items.map((item) => item.object), page.hasMore, page.nextPage);
    },
  };

  const remove: StripeEndpoint<{ id: string }> = {
    method: 'DELETE',
    url: '/customers/:id',
    summary: 'Delete a customer',
    parse: (_params, call) => ({ id: call.path.id! }),
    run: async (input, call) => {
      await deps.db.transaction((tx) => deleteCustomer(tx, eventDeps(call), { merchantId: call.merchant.id, id: input.id, request: request(call) }));
      return deletedCustomerObject(input.id);
    },
  };

  return [create, search, retrieve, update, list, remove];
}

/** The fields create and update share. An empty string clears a field, as in Stripe's form encoding. */
function parseChanges(params: Params): ChangeInput {
  const text = (name: string, maxChars: number): string | null | undefined => {
    const value = params.string(name, { maxChars });
    return value === '' ? null : value;
  };
  const email = text('email', EMAIL_MAX_CHARS);
  if (typeof email === 'string' && !EMAIL_PATTERN.test(email)) {
    throw new AcquirerError('parameter_invalid', `Invalid email address: ${email}`, { param: 'email' });
  }
  const fields: CustomerFields = {
    email,
    name: text('name', NAME_MAX_CHARS),
    phone: text('phone', PHONE_MAX_CHARS),
    description: text('description', DESCRIPTION_MAX_CHARS),
  };
  const metadata = params.metadata();
  const invoiceSettings = params.object('invoice_settings');
  const defaultPaymentMethod = invoiceSettings?.string('default_payment_method', { maxChars: 255 });
  return {
    fields,
    metadata,
    defaultPaymentMethodId: defaultPaymentMethod === '' ? null : defaultPaymentMethod,
  };
}
