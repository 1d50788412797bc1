import { AcquirerError } from '../errors.ts';
import type { AcquirerDeps } from '../acquirer-deps.ts';
import { EVENT_TYPES, isEventType } from '../events/event-types.ts';
import { refuseExpand } from '../events/refuse-expand.ts';
import { listPage, parseListQuery, stripeList, type ListQuery } from '../stripe/list.ts';
import type { Params } from '../stripe/params.ts';
import type { StripeEndpoint } from '../stripe/route.ts';
import { PUBLIC_ADDRESSES_ONLY, refusedHostReason, type WebhookNetworkPolicy } from './webhook-address-policy.ts';
import { openWebhookSecret } from './webhook-secret.ts';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getWebhookEndpoint,
  noSuchWebhookEndpoint,
  updateWebhookEndpoint,
  WEBHOOK_ENDPOINT_COLUMNS,
  webhookEndpointObject,
  type WebhookEndpointRow,
} from './webhook-endpoints.ts';

/**
 * Stripe's webhook endpoint API: create (answers the signing secret, once),
 * retrieve, update (url, enabled_events, disabled, description, metadata),
 * list, delete.
 *
 * URLs may be http or https (test mode, as at Stripe, and Cardlane's own
 * parties listen on plain http locally); nothing else, and no credentials
 * in the URL, which would be stored and shown in clear. Hosts that are
 * loopback, private or otherwise non-public addresses are refused unless
 * the acquirer allows private networks (webhook-address-policy.ts).
 */

export const WEBHOOK_URL_MAX_CHARS = 2_048;
export const WEBHOOK_DESCRIPTION_MAX_CHARS = 5_000;

interface CreateInput {
  readonly url: string;
  readonly enabledEvents: string[];
  readonly description: string | null;
  readonly metadata: ReturnType<Params['metadata']>;
}

interface UpdateInput {
  readonly id: string;
  readonly url: string | undefined;
  readonly enabledEvents: string[] | undefined;
  readonly description: string | null | undefined;
  readonly disabled: boolean | undefined;
  readonly metadata: ReturnType<Params['metadata']>;
}

export function webhookEndpointEndpoints(deps: AcquirerDeps): StripeEndpoint<any>[] {
  const policy = deps.webhookNetwork ?? PUBLIC_ADDRESSES_ONLY;
  const create: StripeEndpoint<CreateInput> = {
    method: 'POST',
    url: '/webhook_endpoints',
    summary: 'Create a webhook endpoint',
    parse: (params) => {
      refuseExpand(params);
      const description = params.string('description', { maxChars: WEBHOOK_DESCRIPTION_MAX_CHARS });
      return {
        url: parseUrl(params, true, policy)!,
        enabledEvents: parseEnabledEvents(params, true)!,
        description: description === '' || description === undefined ? null : description,
        metadata: params.metadata(),
      };
    },
    run: async (input, call) => {
      const { row, secret } = await deps.db.transaction(async (tx) => {
        const created = await createWebhookEndpoint(tx, { ids: deps.ids, random: deps.random, vaultKey: deps.vaultKey, nowMs: call.nowMs }, { merchantId: call.merchant.id, ...input });
        await call.recovery.record(tx, created.row.id);
        return created;
      });
      return webhookEndpointObject(row, secret);
    },
    // A create cut short after it committed: the endpoint it made, with its signing secret (shown only in the answer to a create).
    resume: async (_input, call, endpointId) => {
      const row = await getWebhookEndpoint(deps.db, call.merchant.id, endpointId);
      if (row === undefined) throw noSuchWebhookEndpoint(endpointId);
      return webhookEndpointObject(row, openWebhookSecret(deps.vaultKey, row.id, row.secret_sealed));
    },
  };

  const retrieve: StripeEndpoint<{ id: string }> = {
    method: 'GET',
    url: '/webhook_endpoints/:id',
    summary: 'Retrieve a webhook endpoint',
    parse: (params, call) => {
      refuseExpand(params);
      return { id: call.path.id! };
    },
    run: async (input, call) => {
      const row = await getWebhookEndpoint(deps.db, call.merchant.id, input.id);
      if (row === undefined) throw noSuchWebhookEndpoint(input.id);
      return webhookEndpointObject(row);
    },
  };

  const update: StripeEndpoint<UpdateInput> = {
    method: 'POST',
    url: '/webhook_endpoints/:id',
    summary: 'Update a webhook endpoint',
    parse: (params, call) => {
      refuseExpand(params);
      const description = params.string('description', { maxChars: WEBHOOK_DESCRIPTION_MAX_CHARS });
      return {
        id: call.path.id!,
        url: parseUrl(params, false, policy),
        enabledEvents: parseEnabledEvents(params, false),
        description: description === '' ? null : description,
        disabled: params.boolean('disabled'),
        metadata: params.metadata(),
      };
    },
    run: async (input, call) => {
      const row = await deps.db.transaction((tx) => updateWebhookEndpoint(tx, { merchantId: call.merchant.id, ...input }));
      return webhookEndpointObject(row);
    },
  };

  const list: StripeEndpoint<{ query: ListQuery }> = {
    method: 'GET',
    url: '/webhook_endpoints',
    summary: 'List webhook endpoints',
    parse: (params) => {
      refuseExpand(params);
      return { query: parseListQuery(params) };
    },
    run: async (input, call) => {
      const page = await listPage<WebhookEndpointRow>(deps.db, {
        table: 'acquirer_webhook_endpoints',
        columns: WEBHOOK_ENDPOINT_COLUMNS,
        where: 'merchant_id = ? AND deleted_at_ms IS NULL',
        params: [call.merchant.id],
        query: input.query,
      });
      return stripeList('/v1/webhook_endpoints', page.rows.map((row) => webhookEndpointObject(row)), page.hasMore);
    },
  };

  const remove: StripeEndpoint<{ id: string }> = {
    method: 'DELETE',
    url: '/webhook_endpoints/:id',
    summary: 'Delete a webhook endpoint',
    parse: (_params, call) => ({ id: call.path.id! }),
    run: async (input, call) => {
      await deps.db.transaction((tx) => deleteWebhookEndpoint(tx, { merchantId: call.merchant.id, id: input.id, nowMs: call.nowMs }));
      return { id: input.id, object: 'webhook_endpoint', deleted: true };
    },
  };

  return [create, retrieve, update, list, remove];
}

function parseUrl(params: Params, required: boolean, policy: WebhookNetworkPolicy): string | undefined {
  const raw = params.string('url', { required, maxChars: WEBHOOK_URL_MAX_CHARS });
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AcquirerError('url_invalid', `Invalid URL: ${raw.slice(0, 200)}`, { param: 'url' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new AcquirerError('url_invalid', 'Invalid URL: webhook URLs must use http or https.', { param: 'url' });
  }
  if (url.username !== '' || url.password !== '') {
    throw new AcquirerError('url_invalid', 'Invalid URL: webhook URLs may not contain a user name or password.', { param: 'url' });
  }
  // The parser has already turned 0x7f000001, 2130706433 and 0177.0.0.1 into 127.0.0.1. Names are checked as they resolve, at each delivery.
  const refused = policy.allowPrivateNetworks ? null : refusedHostReason(url.hostname);
  if (refused !== null) {
    throw new AcquirerError(
      'url_invalid',
      `Invalid URL: ${url.hostname} is ${refused}; webhook URLs must reach a public address (private networks are allowed only when the acquirer is configured for local development).`,
      { param: 'url' },
    );
  }
  return raw;
}

function parseEnabledEvents(params: Params, required: boolean): string[] | undefined {
  if (required && !params.has('enabled_events')) {
    // Read it so the missing-parameter error names it as Stripe does.
    params.string('enabled_events', { required: true });
  }
  const list = params.stringList('enabled_events', { maxItems: EVENT_TYPES.length + 1, maxChars: 100 });
  if (list === undefined) return undefined;
  if (list.length === 0) throw new AcquirerError('parameter_invalid', 'enabled_events must list at least one event type, or *.', { param: 'enabled_events' });
  list.forEach((type, index) => {
    if (type !== '*' && !isEventType(type)) {
      throw new AcquirerError('parameter_invalid', `Invalid enabled_events[${index}]: ${type.slice(0, 100)} is not an event type Cardlane sends.`, {
        param: `enabled_events[${index}]`,
      });
    }
  });
  return [...new Set(list)];
}
