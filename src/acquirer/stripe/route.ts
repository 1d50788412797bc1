import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../platform/clock.ts';
import type { Database, Sql } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { AcquirerError } from '../errors.ts';
import { hashRequest, validateIdempotencyKey } from '../../platform/idempotency.ts';
import { authenticateApiKeyCached, hashApiKey, type ApiKeyKind, type Merchant } from '../merchants/merchants.ts';
import { parseForm, type FormObject } from './form-body.ts';
import { claimIdempotencyKey, completeIdempotencyKey, recordRecoveryPoint, releaseIdempotencyKey, suspendIdempotencyKey, type HeldKey } from './idempotency-keys.ts';
import { Params } from './params.ts';
import { requestedApiVersion } from './api-version.ts';
import { checkExpandPaths, endpointResource, expandAnswer } from './expand.ts';
import type { ApiRateGate } from './api-rate-limit.ts';
import { openApiOperation } from './openapi.ts';
import { isOutcomePending, NO_RECOVERY, type Recovery } from './recovery.ts';

/**
 * One Stripe-compatible endpoint: authentication by API key, Stripe's form
 * encoding, strict parameters, idempotency keys and Stripe's error object,
 * so every endpoint behaves the same way for the official SDK.
 *
 * An endpoint is split in two so the rules hold by construction:
 * `parse` reads and validates every parameter (and nothing unread gets
 * through), `run` acts. A failure in `parse` changes nothing and saves no
 * idempotency key, as at Stripe. A card error thrown by `run` is a real
 * answer (the attempt was recorded) and is saved and replayed like a
 * success; any other error releases the key so a retry runs afresh — unless
 * the request had already recorded a recovery point, or its outcome is not
 * known yet: then the retry resumes it (idempotency-keys.ts).
 */

export interface StripeCall {
  readonly merchant: Merchant;
  readonly keyKind: ApiKeyKind;
  /** The key's stored hash: names the key (for per-key limits) without holding it. */
  readonly apiKeyHash: string;
  readonly path: Readonly<Record<string, string>>;
  readonly nowMs: number;
  readonly requestId: string;
  /** The request's Idempotency-Key, when it has one (events name it in `request.idempotency_key`, as Stripe's do). */
  readonly idempotencyKey?: string;
  /** The peer's address as the socket saw it (no proxy headers are trusted), for per-client limits. */
  readonly clientAddress: string;
  /** Where the handler records its recovery point (a no-op without an Idempotency-Key or a `resume`). */
  readonly recovery: Recovery;
  /** The scheme and host the client reached Cardlane at (`http://127.0.0.1:4400`): absolute URLs it hands out (3-D Secure redirects) use it. */
  readonly origin?: string;
}

export interface StripeEndpoint<I> {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** Fastify path under /v1, e.g. `/payment_intents/:id/confirm`. */
  readonly url: string;
  readonly summary: string;
  /** Publishable keys may only call endpoints that allow them (creating a payment method), as at Stripe. */
  readonly allowPublishable?: boolean;
  /**
   * A publishable key may also call this endpoint with the intent's
   * `client_secret`, as Stripe.js confirms and retrieves an intent from the
   * customer's browser. The route checks the secret (in constant time)
   * against the intent at `:id` before `run`, and answers the publishable
   * key with `publicFields` of the object only. `parse` sees `call.keyKind`
   * and reads only what a publishable key may send; anything else is an
   * unknown parameter.
   */
  readonly clientSecret?: ClientSecretAccess;
  readonly parse: (params: Params, call: StripeCall) => I;
  readonly run: (input: I, call: StripeCall) => Promise<unknown>;
  /**
   * Answers a retry of a request whose earlier attempt with the same
   * Idempotency-Key was cut short (a crash, an unknown network outcome)
   * after `run` recorded `point`: finishes that work and answers what the
   * first attempt would have, never starting the work again. Endpoints
   * without it record no point, so a cut-short request of theirs simply runs
   * again — only right where running twice changes nothing (an update that
   * sets values, a retrieve).
   */
  readonly resume?: (input: I, call: StripeCall, point: string) => Promise<unknown>;
  /** HTTP status of a success; 200 like Stripe. */
  readonly status?: number;
}

export interface ClientSecretAccess {
  /** Stripe's name of the object in errors: `PaymentIntent`, `SetupIntent`. */
  readonly objectName: 'PaymentIntent' | 'SetupIntent';
  /** The stored client_secret of the merchant's intent `id`; undefined when there is none. */
  readonly lookup: (sql: Sql, merchantId: string, id: string) => Promise<string | undefined>;
  /** The fields of the object a publishable key is shown. */
  readonly publicFields: readonly string[];
}

export interface StripeRouteDeps {
  readonly db: Database;
  readonly clock: Clock;
  /** The per-key request limit (api-rate-limit.ts); absent is no limit. */
  readonly apiRateGate?: ApiRateGate;
}

const FORM = 'application/x-www-form-urlencoded';
/** Prefixes a publishable key's idempotency keys: a control character, which no key sent in a header can hold (validateIdempotencyKey). */
const PUBLISHABLE_KEY_SCOPE = 'pk\u001f';

/** Makes `app` (an encapsulated plugin) parse Stripe's form bodies. */
export function acceptStripeForms(app: FastifyInstance): void {
  app.addContentTypeParser(FORM, { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseForm(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

export function stripeRoute<I>(app: FastifyInstance, deps: StripeRouteDeps, endpoint: StripeEndpoint<I>): void {
  app.route({
    method: endpoint.method,
    url: endpoint.url,
    schema: { summary: endpoint.summary, tags: ['acquirer (Stripe-compatible)'], hide: false },
    // The document's parameters, security and answers (openapi.ts); for the document only, never used to validate.
    config: { swaggerTransform: openApiOperation(endpoint) },
    handler: async (request, reply) => {
      const version = requestedApiVersion(request.headers['stripe-version']);
      reply.header('stripe-version', version);
      const { merchant, kind, keyHash } = await authenticate(deps, request);
      const rate = deps.apiRateGate?.(keyHash);
      if (rate !== undefined && !rate.ok) {
        // Before the parameters are read or anything runs: a refused request changes nothing and holds no idempotency key.
        const retryAfterS = Math.max(1, Math.ceil(rate.retryAfterMs / 1000));
        reply.header('retry-after', String(retryAfterS));
        throw new AcquirerError('rate_limit', `Request rate limit exceeded for this API key; retry in ${retryAfterS} s.`);
      }
      if (kind === 'publishable' && !endpoint.allowPublishable && endpoint.clientSecret === undefined) {
        throw new AcquirerError('permission_denied', 'This API call cannot be made with a publishable API key. Please use a secret API key.');
      }
      const call: StripeCall = {
        merchant,
        keyKind: kind,
        apiKeyHash: keyHash,
        path: (request.params ?? {}) as Record<string, string>,
        nowMs: deps.clock.nowMs(),
        requestId: request.id,
        clientAddress: request.ip,
        recovery: NO_RECOVERY,
        origin: `${request.protocol}://${request.host}`,
      };
      const data = endpoint.method === 'POST' ? bodyOf(request) : queryOf(request);
      const params = new Params(data);
      const input = endpoint.parse(params, call);
      // expand[] on a secret key's request: checked now (a refusal changes nothing), applied to the answer (expand.ts).
      // An endpoint of an expandable object need not read it itself.
      const resource = kind === 'secret' ? endpointResource(endpoint.method, endpoint.url) : undefined;
      if (resource !== undefined && !params.wasRead('expand')) params.expand();
      params.finish();
      const expandPaths = params.expandPaths;
      if (resource !== undefined) checkExpandPaths(resource, expandPaths);
      const expanded = (body: unknown) => (resource === undefined || expandPaths.length === 0 ? body : expandAnswer(deps.db, merchant.id, resource, body, expandPaths));
      const browser = kind === 'publishable' && !endpoint.allowPublishable ? endpoint.clientSecret : undefined;
      if (browser !== undefined) await checkClientSecret(deps.db, browser, merchant.id, call.path.id ?? '', data.client_secret);
      const view = browser === undefined ? (result: { status: number; body: unknown }) => result : (result: { status: number; body: unknown }) => publicView(browser, result);

      const key = request.headers['idempotency-key'];
      if (endpoint.method !== 'POST' || key === undefined) return answer(reply, view(await runOnce(async () => expanded(await endpoint.run(input, call)), endpoint.status)));

      validateIdempotencyKey(key);
      // A publishable key's request is another request than a secret key's with the same parameters: its answer is
      // the public view, and a key shared between the two must never replay one's answer to the other.
      const requestHash = hashRequest({ method: 'POST', path: request.url.split('?')[0]!, params: kind === 'publishable' ? { publishable: data } : data });
      // And a publishable key is public: its keys are a namespace of their own, or anyone could claim the key the
      // merchant's server sends next (an order number) and have that request refused, or probe which keys it used.
      const storedKey = kind === 'publishable' ? `${PUBLISHABLE_KEY_SCOPE}${key}` : key;
      const claim = await claimIdempotencyKey(deps.db, { merchantId: merchant.id, key: storedKey, shownKey: key, requestHash, nowMs: call.nowMs });
      if (claim.kind === 'replay') {
        reply.header('idempotent-replayed', 'true');
        return reply.status(claim.status).type('application/json').send(claim.bodyJson);
      }
      const held: HeldKey = { merchantId: merchant.id, key: storedKey, attempt: claim.attempt };
      const withKey: StripeCall = { ...call, idempotencyKey: key };
      const keyed: StripeCall = endpoint.resume === undefined ? withKey : { ...withKey, recovery: { record: (tx, point) => recordRecoveryPoint(tx, held, point) } };
      let result: { status: number; body: unknown };
      try {
        const { resume } = endpoint;
        if (claim.recoveryPoint !== null && resume === undefined) throw new Error(`idempotency key ${key} has a recovery point but ${endpoint.url} cannot resume`);
        const point = claim.recoveryPoint;
        result = view(await runOnce(async () => expanded(await (point === null ? endpoint.run(input, keyed) : resume!(input, keyed, point))), endpoint.status));
      } catch (error) {
        if (isOutcomePending(error)) {
          await suspendIdempotencyKey(deps.db, held).catch(() => undefined);
          // The same request again resumes it; Stripe's SDKs retry on this header with the same key.
          reply.header('stripe-should-retry', 'true');
        } else {
          await releaseIdempotencyKey(deps.db, held).catch(() => undefined);
        }
        throw error;
      }
      const bodyJson = JSON.stringify(result.body);
      await completeIdempotencyKey(deps.db, { ...held, status: result.status, bodyJson });
      return reply.status(result.status).type('application/json').send(bodyJson);
    },
  });
}

/**
 * A publishable key's request must carry the intent's own client_secret.
 * Compared as SHA-256 digests with timingSafeEqual, so neither the time
 * taken nor a length difference tells how much of a guess was right.
 */
async function checkClientSecret(sql: Sql, access: ClientSecretAccess, merchantId: string, id: string, given: unknown): Promise<void> {
  if (typeof given !== 'string' || given === '') {
    throw new AcquirerError('parameter_missing', 'Missing required param: client_secret.', { param: 'client_secret' });
  }
  const stored = await access.lookup(sql, merchantId, id);
  const noun = access.objectName === 'PaymentIntent' ? 'payment_intent' : 'setup_intent';
  if (stored === undefined) throw new AcquirerError('resource_missing', `No such ${noun}: '${id}'`, { param: 'intent' });
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  if (!timingSafeEqual(digest(stored), digest(given))) {
    throw new AcquirerError(
      access.objectName === 'PaymentIntent' ? 'payment_intent_invalid_parameter' : 'setup_intent_invalid_parameter',
      `The client_secret provided does not match the client_secret associated with the ${access.objectName}.`,
      { param: 'client_secret' },
    );
  }
}

/** What a publishable key is shown of an intent, in a success and inside a card error (`error.payment_intent`). */
function publicView(access: ClientSecretAccess, result: { status: number; body: unknown }): { status: number; body: unknown } {
  const pick = (object: unknown): unknown => {
    if (typeof object !== 'object' || object === null) return object;
    const source = object as Record<string, unknown>;
    return Object.fromEntries(access.publicFields.filter((field) => field in source).map((field) => [field, source[field]]));
  };
  const body = result.body as Record<string, unknown> | null;
  if (body !== null && typeof body === 'object' && typeof body.error === 'object' && body.error !== null) {
    const error = { ...(body.error as Record<string, unknown>) };
    for (const field of ['payment_intent', 'setup_intent']) if (field in error) error[field] = pick(error[field]);
    return { status: result.status, body: { error } };
  }
  return { status: result.status, body: pick(body) };
}

async function runOnce(handler: () => Promise<unknown>, status = 200): Promise<{ status: number; body: unknown }> {
  try {
    return { status, body: await handler() };
  } catch (error) {
    if (error instanceof AppError && error.type === 'card_error' && !isOutcomePending(error)) return { status: error.status, body: error.toBody() };
    throw error;
  }
}

function answer(reply: FastifyReply, result: { status: number; body: unknown }): FastifyReply {
  return reply.status(result.status).type('application/json').send(JSON.stringify(result.body));
}

async function authenticate(deps: StripeRouteDeps, request: FastifyRequest): Promise<{ merchant: Merchant; kind: ApiKeyKind; keyHash: string }> {
  const key = apiKeyOf(request);
  if (key === undefined) {
    throw new AcquirerError(
      'authentication_required',
      'You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. \'Authorization: Bearer YOUR_SECRET_KEY\').',
    );
  }
  const keyHash = hashApiKey(key);
  // Cached for a second per process (merchants.ts AUTHENTICATED_KEY_TTL_MS): the bound on a change made elsewhere.
  const found = await authenticateApiKeyCached(deps.db, key, keyHash);
  if (found === undefined) throw new AcquirerError('authentication_required', `Invalid API Key provided: ${maskKey(key)}`);
  return { ...found, keyHash };
}

/** `Authorization: Bearer <key>`, or Basic with the key as the user name (curl -u sk_test_…:), as Stripe accepts. */
function apiKeyOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (bearer) return bearer[1];
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (basic) return Buffer.from(basic[1]!, 'base64').toString('utf8').split(':')[0] || undefined;
  return undefined;
}

function maskKey(key: string): string {
  const shown = key.length > 12 ? `${key.slice(0, 8)}${'*'.repeat(Math.min(key.length - 12, 24))}${key.slice(-4)}` : '****';
  return shown.replace(/[^\x20-\x7e]/g, '?');
}

function bodyOf(request: FastifyRequest): FormObject {
  const body = request.body;
  if (body === undefined || body === null || body === '') return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new AcquirerError('body_invalid', 'The request body must be form-encoded parameters.');
  return body as FormObject;
}

function queryOf(request: FastifyRequest): FormObject {
  const question = request.url.indexOf('?');
  return question === -1 ? {} : parseForm(request.url.slice(question + 1));
}
