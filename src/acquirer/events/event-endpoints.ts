import { AcquirerError } from '../errors.ts';
import type { AcquirerDeps } from '../acquirer-deps.ts';
import { listPage, parseListQuery, stripeList, type ListQuery } from '../stripe/list.ts';
import type { StripeEndpoint } from '../stripe/route.ts';
import { createdCondition, parseCreatedFilter, type CreatedRange } from './created-filter.ts';
import { EVENT_COLUMNS, eventObject, requireEvent, type EventRow } from './events.ts';
import { refuseExpand } from './refuse-expand.ts';

/**
 * GET /v1/events/:id and GET /v1/events. Events are read-only: they are
 * recorded by the changes they describe. `type` takes one name or a
 * pattern with `*` (`payment_intent.*`), `types[]` up to 20 exact names,
 * as Stripe's list does.
 */

const TYPE_PATTERN = /^[a-z0-9_.*]{1,100}$/;
const EXACT_TYPE = /^[a-z0-9_.]{1,100}$/;
const TYPES_MAX = 20;

interface ListEventsInput {
  readonly query: ListQuery;
  readonly type: string | undefined;
  readonly types: string[] | undefined;
  readonly created: CreatedRange | undefined;
}

export function eventEndpoints(deps: AcquirerDeps): StripeEndpoint<any>[] {
  const retrieve: StripeEndpoint<{ id: string }> = {
    method: 'GET',
    url: '/events/:id',
    summary: 'Retrieve an event',
    parse: (params, call) => {
      refuseExpand(params);
      return { id: call.path.id! };
    },
    run: async (input, call) => eventObject(await requireEvent(deps.db, call.merchant.id, input.id)),
  };

  const list: StripeEndpoint<ListEventsInput> = {
    method: 'GET',
    url: '/events',
    summary: 'List events',
    parse: (params) => {
      refuseExpand(params);
      const input: ListEventsInput = {
        query: parseListQuery(params),
        type: params.string('type', { maxChars: 100, pattern: TYPE_PATTERN, what: 'an event type, optionally with * as a wildcard' }),
        types: params.stringList('types', { maxItems: TYPES_MAX, maxChars: 100 }),
        created: parseCreatedFilter(params),
      };
      if (input.types !== undefined) {
        if (input.type !== undefined) {
          throw new AcquirerError('parameter_invalid', 'You may only specify one of these parameters: type, types.', { param: 'types' });
        }
        input.types.forEach((type, index) => {
          if (!EXACT_TYPE.test(type)) throw new AcquirerError('parameter_invalid', `Invalid types[${index}]: not an event type.`, { param: `types[${index}]` });
        });
      }
      return input;
    },
    run: async (input, call) => {
      let where = 'merchant_id = ?';
      const params: unknown[] = [call.merchant.id];
      if (input.type !== undefined) {
        if (input.type.includes('*')) {
          // `_` is a LIKE wildcard and common in type names; escape it so it matches only itself.
          where += " AND type LIKE ? ESCAPE '!'";
          params.push(input.type.replace(/[!%_]/g, (c) => `!${c}`).replace(/\*/g, '%'));
        } else {
          where += ' AND type = ?';
          params.push(input.type);
        }
      } else if (input.types !== undefined && input.types.length > 0) {
        where += ` AND type IN (${input.types.map(() => '?').join(', ')})`;
        params.push(...input.types);
      }
      const created = createdCondition(input.created);
      where += created.sql;
      params.push(...created.params);
      const page = await listPage<EventRow>(deps.db, { table: 'acquirer_events', columns: EVENT_COLUMNS, where, params, query: input.query });
      return stripeList('/v1/events', page.rows.map(eventObject), page.hasMore);
    },
  };

  return [retrieve, list];
}
