import { systemClock } from '../../platform/clock.ts';
import { cryptoRandom, IdGenerator } from '../../platform/ids.ts';
import { Params } from './params.ts';
import { NO_RECOVERY } from './recovery.ts';
import type { StripeCall, StripeEndpoint } from './route.ts';
import { CURRENT_API_VERSION } from './api-version.ts';
import { endpointResource, expandablePaths } from './expand.ts';

/**
 * The OpenAPI description of /v1, derived from the endpoints themselves so
 * it cannot drift from what they accept: each endpoint's `parse` is run
 * against a recording `Params` that notes every parameter asked for — its
 * name, kind, limits, whether it is required — and answers with a plausible
 * value so parsing goes on to the next one. Twice: once answering every
 * optional parameter (to reach parameters read only when another is present,
 * like `card[…]`), once answering none (to reach what is read only in their
 * absence). POST parameters become an `application/x-www-form-urlencoded`
 * body (integers and booleans as Stripe documents them: as text on the
 * wire), GET and DELETE ones the query. The HTTP fuzzer (test/fuzz) reads
 * the same derivation.
 *
 * The result is given to @fastify/swagger per route (`swaggerTransform`), for
 * the document only: Stripe's form values stay strings that `Params` reads,
 * never validated by Fastify's JSON schema validator.
 */

export type JsonSchema = Record<string, any>;

type Field = JsonSchema & { 'x-required'?: boolean };

/** The names of /v1's security schemes in the document. */
export const SECRET_KEY_SCHEME = 'stripeSecretKey';
export const PUBLISHABLE_KEY_SCHEME = 'stripePublishableKey';

const SECURITY_SCHEMES = {
  [SECRET_KEY_SCHEME]: {
    type: 'http',
    scheme: 'bearer',
    description: "A merchant's secret key, sk_test_… (also accepted as the user name of HTTP Basic, as curl -u sk_test_…: sends it).",
  },
  [PUBLISHABLE_KEY_SCHEME]: {
    type: 'http',
    scheme: 'bearer',
    description:
      "A merchant's publishable key, pk_test_…: creates payment methods and tokens, and — with the intent's client_secret — retrieves and confirms that payment or setup intent, as Stripe.js does from a browser.",
  },
};

class RecordingParams extends Params {
  readonly fields: Record<string, Field>;
  readonly #answerOptional: boolean;

  constructor(fields: Record<string, Field>, answerOptional: boolean, prefix = '') {
    super({}, prefix);
    this.fields = fields;
    this.#answerOptional = answerOptional;
  }

  #note(name: string, field: Field, required: boolean | undefined): boolean {
    const known = this.fields[name];
    this.fields[name] = known === undefined ? { ...field, 'x-required': required === true } : { ...field, ...known, 'x-required': known['x-required'] || required === true };
    return required === true || this.#answerOptional;
  }

  override has(name: string): boolean {
    return this.#answerOptional && name in this.fields;
  }

  override string(name: string, options: { required?: boolean; maxChars?: number; pattern?: RegExp; what?: string } = {}): string | undefined {
    const field: Field = { type: 'string', maxLength: options.maxChars ?? 5_000 };
    if (options.pattern) field.pattern = options.pattern.source;
    if (!this.#note(name, field, options.required)) return undefined;
    return sampleFor(name, options.pattern);
  }

  override requiredString(name: string, options: { maxChars?: number; pattern?: RegExp; what?: string } = {}): string {
    return this.string(name, { ...options, required: true })!;
  }

  override integer(name: string, options: { required?: boolean; min?: number; max?: number } = {}): number | undefined {
    const field: Field = { type: 'integer' };
    if (options.min !== undefined) field.minimum = options.min;
    if (options.max !== undefined) field.maximum = options.max;
    if (!this.#note(name, field, options.required)) return undefined;
    if (name === 'exp_year') return new Date(systemClock.nowMs()).getUTCFullYear() + 2;
    if (name === 'exp_month') return 12;
    return options.min !== undefined && options.min > 1000 ? options.min : Math.min(options.max ?? 1000, 1000);
  }

  override boolean(name: string, options: { required?: boolean } = {}): boolean | undefined {
    return this.#note(name, { type: 'boolean' }, options.required) ? false : undefined;
  }

  override enumOf<T extends string>(name: string, values: readonly T[], options: { required?: boolean } = {}): T | undefined {
    return this.#note(name, { type: 'string', enum: [...values] }, options.required) ? values[0] : undefined;
  }

  override object(name: string, options: { required?: boolean } = {}): Params | undefined {
    const existing = this.fields[name]?.properties as Record<string, Field> | undefined;
    const children: Record<string, Field> = existing ?? {};
    if (!this.#note(name, { type: 'object', properties: children }, options.required)) return undefined;
    return new RecordingParams(children, this.#answerOptional, this.name(name));
  }

  override objectList(name: string, options: { required?: boolean; maxItems?: number } = {}): Params[] | undefined {
    const existing = (this.fields[name]?.items as Field | undefined)?.properties as Record<string, Field> | undefined;
    const children: Record<string, Field> = existing ?? {};
    if (!this.#note(name, { type: 'array', maxItems: options.maxItems ?? 20, items: { type: 'object', properties: children } }, options.required)) return undefined;
    return [new RecordingParams(children, this.#answerOptional, `${this.name(name)}[0]`)];
  }

  override stringList(name: string, options: { maxItems?: number; maxChars?: number } = {}): string[] | undefined {
    const field: Field = { type: 'array', maxItems: options.maxItems ?? 100, items: { type: 'string', maxLength: options.maxChars ?? 200 } };
    return this.#note(name, field, false) ? [] : undefined;
  }

  override metadata(name = 'metadata'): { readonly clear: boolean; readonly set: Record<string, string | null> } | undefined {
    const field: Field = { type: 'object', maxProperties: 50, additionalProperties: { type: 'string', maxLength: 500 }, 'x-metadata': true };
    return this.#note(name, field, false) ? { clear: false, set: {} } : undefined;
  }

  override expand(allowed?: readonly string[]): string[] {
    // Expandable fields named as the acquirer's objects name them: the endpoint's own list when it gives one.
    const paths = allowed ?? ['customer', 'payment_method', 'latest_charge', 'data.customer', 'latest_charge.balance_transaction'];
    this.#note('expand', { type: 'array', maxItems: 20, items: { type: 'string', enum: [...paths] } }, false);
    return [];
  }

  override finish(): void {}
}

/** A value that passes the endpoint's own check for a few well-known names, so parsing reaches the parameters after it. */
function sampleFor(name: string, pattern: RegExp | undefined): string {
  if (name === 'currency') return 'usd';
  if (name === 'number') return '4242424242424242';
  if (name === 'url') return 'https://example.com/hook';
  // Countries are checked against the ISO list (platform/countries.ts): a made-up sample would stop the recording there.
  if (name === 'country' || name === 'address_country') return 'US';
  if (pattern) {
    for (const candidate of ['cus_01M95S6EY6AJ1PPF7JBDS1ABFJ', 'pm_01M95S6EY6AJ1PPF7JBDS1ABFJ', 'pi_01M95S6EY6AJ1PPF7JBDS1ABFJ', 'ch_01M95S6EY6AJ1PPF7JBDS1ABFJ', 'tok_visa', '123', 'x']) {
      if (pattern.test(candidate)) return candidate;
    }
  }
  return 'x';
}

function toSchema(fields: Record<string, Field>): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [name, field] of Object.entries(fields)) {
    const { 'x-required': isRequired, ...schema } = field;
    if (schema.type === 'object' && schema.properties) properties[name] = toSchema(schema.properties as Record<string, Field>);
    else if (schema.type === 'array' && schema.items?.type === 'object') properties[name] = { ...schema, items: toSchema(schema.items.properties as Record<string, Field>) };
    else properties[name] = schema;
    if (isRequired) required.push(name);
  }
  const schema: JsonSchema = { type: 'object', additionalProperties: false, properties };
  if (required.length > 0) schema.required = required;
  return schema;
}

const fakeCall = (endpoint: StripeEndpoint<unknown>): StripeCall => ({
  merchant: { id: 'acct_openapi', name: 'OpenAPI', statementDescriptor: 'OPENAPI', mcc: '5734', country: 'US', defaultCurrency: 'usd', cardVerificationAmountMinor: 0, createdAtMs: 0 } as StripeCall['merchant'],
  keyKind: 'secret',
  apiKeyHash: 'x',
  path: Object.fromEntries([...endpoint.url.matchAll(/:(\w+)/g)].map((m) => [m[1]!, 'x'])),
  nowMs: systemClock.nowMs(),
  requestId: 'req_openapi',
  clientAddress: '127.0.0.1',
  recovery: NO_RECOVERY,
});

/**
 * The parameters an endpoint reads, as one JSON object schema (names in
 * Stripe's nesting: `card` is an object with `number`, …). `parse` must not
 * touch the database; an endpoint whose cross-parameter rule refuses the
 * sample values is described by what it read before.
 */
export function endpointParameters(endpoint: StripeEndpoint<unknown>): JsonSchema {
  const fields: Record<string, Field> = {};
  for (const answerOptional of [true, false]) {
    try {
      endpoint.parse(new RecordingParams(fields, answerOptional), fakeCall(endpoint));
    } catch {
      // A cross-parameter rule refused the sample values; what was read before it is recorded.
    }
  }
  return toSchema(fields);
}

/** For building endpoints whose `parse` is all that will be run (deps unused by `parse`). */
export function inertDependencies(): Record<string, unknown> {
  return { clock: systemClock, ids: new IdGenerator(systemClock, cryptoRandom), random: cryptoRandom };
}

// ---- Answers ----------------------------------------------------------------

const str = { type: 'string' };
const int = { type: 'integer' };
const bool = { type: 'boolean' };
const nullable = (schema: JsonSchema): JsonSchema => ({ ...schema, nullable: true });
const obj = (properties: Record<string, JsonSchema>, required: string[] = Object.keys(properties)): JsonSchema => ({ type: 'object', properties, required, additionalProperties: true });
const anyObject = { type: 'object', additionalProperties: true };
const metadata = { type: 'object', additionalProperties: { type: 'string' } };
const idOrObject = nullable({ anyOf: [str, anyObject] });
const automaticPaymentMethods = nullable(obj({ enabled: bool, allow_redirects: { type: 'string', enum: ['always', 'never'] } }, ['enabled']));
const constant = (value: string) => ({ type: 'string', enum: [value] });

const address = obj({ line1: nullable(str), line2: nullable(str), city: nullable(str), state: nullable(str), postal_code: nullable(str), country: nullable(str) });
const billingDetails = obj({ name: nullable(str), email: nullable(str), phone: nullable(str), address });

const RESOURCES: Record<string, JsonSchema> = {
  customer: obj({
    id: str, object: constant('customer'), address: nullable(anyObject), balance: int, created: int, currency: nullable(str), delinquent: nullable(bool),
    description: nullable(str), email: nullable(str), invoice_settings: anyObject, livemode: bool, metadata, name: nullable(str), phone: nullable(str),
  }),
  payment_method: obj({
    id: str, object: constant('payment_method'), billing_details: billingDetails,
    card: obj({
      brand: str, checks: nullable(anyObject), country: nullable(str), exp_month: int, exp_year: int, fingerprint: nullable(str),
      funding: str, last4: str,
    }),
    created: int, customer: idOrObject, livemode: bool, metadata, type: constant('card'),
  }),
  setup_intent: obj({
    id: str, object: constant('setup_intent'), automatic_payment_methods: automaticPaymentMethods, cancellation_reason: nullable(str), client_secret: nullable(str), created: int, customer: idOrObject,
    description: nullable(str), last_setup_error: nullable(anyObject), latest_attempt: idOrObject, livemode: bool, metadata, next_action: nullable(anyObject),
    payment_method: idOrObject, payment_method_types: { type: 'array', items: str },
    status: { type: 'string', enum: ['requires_payment_method', 'requires_confirmation', 'requires_action', 'processing', 'canceled', 'succeeded'] },
    usage: str,
  }, ['id', 'object', 'client_secret', 'created', 'livemode', 'payment_method', 'status', 'usage']),
  payment_intent: obj({
    id: str, object: constant('payment_intent'), amount: int, amount_capturable: int, amount_received: int, automatic_payment_methods: automaticPaymentMethods, canceled_at: nullable(int), cancellation_reason: nullable(str),
    capture_method: str, client_secret: nullable(str), confirmation_method: str, created: int, currency: str, customer: idOrObject, description: nullable(str),
    last_payment_error: nullable(anyObject), latest_charge: idOrObject, livemode: bool, metadata, next_action: nullable(anyObject), payment_method: idOrObject,
    payment_method_types: { type: 'array', items: str }, setup_future_usage: nullable(str),
    status: { type: 'string', enum: ['requires_payment_method', 'requires_confirmation', 'requires_action', 'processing', 'requires_capture', 'canceled', 'succeeded'] },
  }, ['id', 'object', 'amount', 'capture_method', 'client_secret', 'created', 'currency', 'livemode', 'payment_method', 'status']),
  charge: obj({
    id: str, object: constant('charge'), amount: int, amount_captured: int, amount_refunded: int, billing_details: billingDetails, captured: bool, created: int,
    currency: str, customer: idOrObject, failure_code: nullable(str), failure_message: nullable(str), livemode: bool, metadata, outcome: nullable(anyObject), paid: bool,
    payment_intent: idOrObject, payment_method: nullable(str), payment_method_details: nullable(anyObject), refunded: bool, status: { type: 'string', enum: ['succeeded', 'pending', 'failed'] },
  }),
  refund: obj({
    id: str, object: constant('refund'), amount: int, charge: idOrObject, created: int, currency: str, metadata, payment_intent: idOrObject, reason: nullable(str), status: nullable(str),
  }),
  event: obj({
    id: str, object: constant('event'), api_version: nullable(str), created: int, data: obj({ object: anyObject }, ['object']), livemode: bool, pending_webhooks: int,
    request: nullable(anyObject), type: str,
  }),
  webhook_endpoint: obj({
    id: str, object: constant('webhook_endpoint'), api_version: nullable(str), created: int, description: nullable(str), enabled_events: { type: 'array', items: str },
    livemode: bool, metadata, status: str, url: str,
  }),
  balance: obj({
    object: constant('balance'), livemode: bool,
    available: { type: 'array', items: obj({ amount: int, currency: str, source_types: obj({ card: int }) }) },
    pending: { type: 'array', items: obj({ amount: int, currency: str, source_types: obj({ card: int }) }) },
    connect_reserved: { type: 'array', items: obj({ amount: int, currency: str }) },
  }),
  balance_transaction: obj({
    id: str, object: constant('balance_transaction'), amount: int, available_on: int, balance_type: str, created: int, currency: str, description: nullable(str),
    exchange_rate: nullable({ type: 'number' }), fee: int, fee_details: { type: 'array', items: obj({ amount: int, currency: str, description: nullable(str), type: str }) },
    net: int, reporting_category: str, source: idOrObject, status: { type: 'string', enum: ['available', 'pending'] }, type: str,
  }),
  test_clock: obj({
    id: str, object: constant('test_helpers.test_clock'), created: int, deletes_after: int, frozen_time: int, livemode: bool, name: nullable(str),
    status: { type: 'string', enum: ['ready', 'advancing', 'internal_failure'] }, status_details: anyObject,
  }),
  product: obj({
    id: str, object: constant('product'), active: bool, created: int, default_price: idOrObject, description: nullable(str), livemode: bool, metadata, name: str, updated: int,
  }),
  price: obj({
    id: str, object: constant('price'), active: bool, created: int, currency: str, livemode: bool, lookup_key: nullable(str), metadata, nickname: nullable(str), product: idOrObject,
    recurring: nullable(obj({ interval: { type: 'string', enum: ['day', 'week', 'month', 'year'] }, interval_count: int, usage_type: str })),
    type: { type: 'string', enum: ['one_time', 'recurring'] }, unit_amount: nullable(int), unit_amount_decimal: nullable(str),
  }),
  subscription: obj({
    id: str, object: constant('subscription'), billing_cycle_anchor: int, cancel_at: nullable(int), cancel_at_period_end: bool, canceled_at: nullable(int), created: int, currency: str,
    customer: idOrObject, default_payment_method: idOrObject, description: nullable(str), ended_at: nullable(int),
    items: obj({
      object: constant('list'), has_more: bool, url: str,
      data: { type: 'array', items: obj({ id: str, object: constant('subscription_item'), current_period_end: int, current_period_start: int, price: anyObject, quantity: int, subscription: str }) },
    }),
    latest_invoice: idOrObject, livemode: bool, metadata, start_date: int,
    status: { type: 'string', enum: ['incomplete', 'incomplete_expired', 'trialing', 'active', 'past_due', 'canceled', 'unpaid', 'paused'] }, test_clock: nullable(str),
  }),
  invoice: obj({
    id: str, object: constant('invoice'), amount_due: int, amount_paid: int, amount_remaining: int, attempt_count: int, attempted: bool, billing_reason: nullable(str), created: int,
    currency: str, customer: idOrObject, lines: obj({ object: constant('list'), data: { type: 'array', items: obj({ id: str, object: constant('line_item'), amount: int, period: obj({ start: int, end: int }) }) }, has_more: bool, url: str }),
    livemode: bool, metadata, number: nullable(str), parent: nullable(anyObject), period_end: int, period_start: int,
    payments: obj({ object: constant('list'), data: { type: 'array', items: obj({ id: str, object: constant('invoice_payment'), payment: anyObject, status: str }) }, has_more: bool, url: str }),
    status: nullable({ type: 'string', enum: ['draft', 'open', 'paid', 'uncollectible', 'void'] }), status_transitions: anyObject, subscription: idOrObject, test_clock: nullable(str), total: int,
  }),
  token: obj({
    id: str, object: constant('token'), card: obj({ id: str, object: constant('card'), brand: str, exp_month: int, exp_year: int, funding: str, last4: str }),
    client_ip: nullable(str), created: int, livemode: bool, type: constant('card'), used: bool,
  }),
};

const LIST = (item: JsonSchema): JsonSchema => obj({ object: constant('list'), data: { type: 'array', items: item }, has_more: bool, url: str });
const SEARCH = (item: JsonSchema): JsonSchema =>
  obj({ object: constant('search_result'), data: { type: 'array', items: item }, has_more: bool, next_page: nullable(str), url: str });
/** Resources of which a merchant has exactly one: a GET of their path is the object, not a list. */
const SINGLETONS = new Set(['balance']);
/** Resources a DELETE ends rather than deletes: it answers the object itself (a canceled subscription), as at Stripe. */
const ENDED_BY_DELETE = new Set(['subscriptions']);
const DELETED = obj({ id: str, object: str, deleted: { type: 'boolean', enum: [true] } });

const ERROR = obj({
  error: obj(
    {
      type: { type: 'string', enum: ['api_error', 'card_error', 'idempotency_error', 'invalid_request_error', 'rate_limit_error', 'authentication_error'] },
      code: str, decline_code: str, message: str, param: str, doc_url: str, payment_intent: anyObject, setup_intent: anyObject, payment_method: anyObject, charge: str,
    },
    ['type', 'message'],
  ),
});

/** The resource an endpoint answers with, from its path: `/customers/:id/payment_methods` → a list of payment_method. */
function answerSchema(endpoint: StripeEndpoint<unknown>): JsonSchema {
  // `/test_helpers/test_clocks/…` names its resource after the prefix.
  const segments = endpoint.url.split('/').filter((s) => s !== '' && s !== 'test_helpers');
  if (endpoint.method === 'DELETE') return ENDED_BY_DELETE.has(segments[0]!) ? RESOURCES[segments[0]!.replace(/s$/, '')]! : DELETED;
  if (SINGLETONS.has(segments[0]!)) return RESOURCES[segments[0]!] ?? anyObject;
  const resourceOf = (segment: string) => segment.replace(/s$/, '');
  const last = segments[segments.length - 1]!;
  if (endpoint.method === 'GET' && last === 'search') return SEARCH(RESOURCES[resourceOf(segments[0]!)] ?? anyObject);
  const isList = endpoint.method === 'GET' && !last.startsWith(':');
  const resource = isList ? resourceOf(last) : resourceOf(segments[0]!);
  const schema = RESOURCES[resource] ?? anyObject;
  return isList ? LIST(schema) : schema;
}

/** `expand[]` as the route reads and applies it for the endpoint's object (expand.ts): every path it may name. */
function withExpand(endpoint: StripeEndpoint<any>, parameters: JsonSchema): JsonSchema {
  const resource = endpointResource(endpoint.method, endpoint.url);
  if (resource === undefined) return parameters;
  const expand = { type: 'array', maxItems: 20, items: { type: 'string', enum: expandablePaths(resource) } };
  return { ...parameters, properties: { ...parameters.properties, expand } };
}

/** The description of one route in the document, as @fastify/swagger's per-route `swaggerTransform`. */
export function openApiOperation(endpoint: StripeEndpoint<any>): (document: { schema: any; url: string; [key: string]: any }) => { schema: any; url: string } {
  let parameters: JsonSchema | undefined;
  return ({ schema, url, openapiObject }) => {
    // The schemes are the acquirer's: added to the document by its own routes (before their operations are built).
    const components = (openapiObject.components ??= {});
    components.securitySchemes = { ...SECURITY_SCHEMES, ...components.securitySchemes };
    parameters ??= withExpand(endpoint, endpointParameters(endpoint));
    const browser = endpoint.allowPublishable === true || endpoint.clientSecret !== undefined;
    const security = browser ? [{ [SECRET_KEY_SCHEME]: [] }, { [PUBLISHABLE_KEY_SCHEME]: [] }] : [{ [SECRET_KEY_SCHEME]: [] }];
    const request = endpoint.method === 'POST' ? { body: parameters, consumes: ['application/x-www-form-urlencoded'] } : Object.keys(parameters.properties).length > 0 ? { querystring: parameters } : {};
    const errorAnswer = { description: "Stripe's error object", ...ERROR };
    const description = [
      endpoint.clientSecret !== undefined ? `With a publishable key, client_secret is required and must be the ${endpoint.clientSecret.objectName}'s; the answer then holds only: ${endpoint.clientSecret.publicFields.join(', ')}.` : '',
      endpoint.method === 'POST' ? 'An Idempotency-Key header (up to 255 characters) makes it safe to retry: the first answer is saved and replayed.' : '',
      `A Stripe-Version header may name any API version up to ${CURRENT_API_VERSION} (anything else is a 400); answers carry the version in Stripe-Version.`,
    ].filter((line) => line !== '').join(' ');
    return {
      url,
      schema: {
        ...schema,
        description,
        ...request,
        security,
        response: {
          [String(endpoint.status ?? 200)]: { description: 'The object', ...answerSchema(endpoint) },
          '4XX': errorAnswer,
          '5XX': errorAnswer,
        },
      },
    };
  };
}
