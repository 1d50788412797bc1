/// <reference types="@fastify/swagger" />
// (For the schema's documentation fields: summary, tags, security…)
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';
import type { RateLimiter } from './rate-limit.ts';

/**
 * Endpoints declared as data, with requests typed from their JSON schemas.
 *
 * An endpoint is `{ method, url, auth, schema, handler }`; a module lists
 * its endpoints and registers them with one loop (`registerEndpoints`). The
 * schema is what Fastify validates with and what becomes the OpenAPI
 * document; `FromSchema` derives the handler's `request.body`,
 * `request.query` and `request.params` types from that same schema, so a
 * handler reads what the validator let through instead of casting.
 */

// --- Types from JSON schemas ------------------------------------------------

/**
 * The TypeScript type of a value a JSON schema (declared `as const`) accepts,
 * for the subset of JSON Schema Cardlane's routes use: `type` (a name or a
 * list), `enum`, `const`, `nullable`, `anyOf`, `properties` with `required`,
 * `additionalProperties` and `items`. A property with a `default` is always
 * present after validation (Fastify's validator fills defaults in), so it is
 * not optional. `$ref`s and schemas without a type give `unknown`: the
 * handler must check such a value itself.
 */
export type FromSchema<S> = S extends { readonly enum: readonly (infer E)[] }
  ? E | NullOf<S>
  : S extends { readonly const: infer C }
    ? C
    : S extends { readonly anyOf: readonly (infer A)[] }
      ? FromSchema<A>
      : S extends { readonly $ref: string }
        ? unknown
        : S extends { readonly type: readonly (infer N)[] }
          ? TypeNamed<N, S>
          : S extends { readonly type: infer N }
            ? TypeNamed<N, S> | NullOf<S>
            : unknown;

type NullOf<S> = S extends { readonly nullable: true } ? null : never;

type TypeNamed<N, S> = N extends 'string'
  ? string
  : N extends 'integer' | 'number'
    ? number
    : N extends 'boolean'
      ? boolean
      : N extends 'null'
        ? null
        : N extends 'array'
          ? ArrayOf<S>
          : N extends 'object'
            ? ObjectOf<S>
            : unknown;

type ArrayOf<S> = S extends { readonly items: infer I } ? FromSchema<I>[] : unknown[];

type ObjectOf<S> = S extends { readonly properties: infer P }
  ? Flatten<
      { readonly [K in keyof P as K extends PresentKeys<S, P> ? K : never]: FromSchema<P[K]> } & {
        readonly [K in keyof P as K extends PresentKeys<S, P> ? never : K]?: FromSchema<P[K]>;
      } & AdditionalOf<S, {}>
    >
  : AdditionalOf<S, Readonly<Record<string, unknown>>>;

/** Keys always present once validated: the required ones and the ones with a default. */
type PresentKeys<S, P> =
  | (S extends { readonly required: readonly (infer R)[] } ? R : never)
  | { [K in keyof P]: P[K] extends { readonly default: unknown } ? K : never }[keyof P];

type AdditionalOf<S, Otherwise> = S extends { readonly additionalProperties: false }
  ? {}
  : S extends { readonly additionalProperties: infer A extends object }
    ? Readonly<Record<string, FromSchema<A>>>
    : Otherwise;

type Flatten<T> = { [K in keyof T]: T[K] } & {};

// --- Endpoints ---------------------------------------------------------------

/**
 * The route types Fastify takes, derived from a route's schema: what
 * `TypedRequest` is built on, and usable alone for a route registered the
 * plain way (`app.get<RouteTypes<typeof schema>>(…)`).
 */
export interface RouteTypes<S> {
  Body: S extends { readonly body: infer B } ? FromSchema<B> : unknown;
  Querystring: S extends { readonly querystring: infer Q } ? FromSchema<Q> : unknown;
  Params: S extends { readonly params: infer P } ? FromSchema<P> : unknown;
}

/** A request whose body, query string and path parameters are typed from the endpoint's schema. */
export type TypedRequest<S> = FastifyRequest<RouteTypes<S>>;

/** A hook that runs before the handler and throws to refuse the request. */
export type RouteCheck = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/**
 * Who may call an endpoint: a check run at `phase` (`onRequest`, before the
 * body is read, or `preHandler`, after validation), and the OpenAPI security
 * requirement that documents it (added to the endpoint's schema).
 */
export interface RouteAuth {
  readonly phase: 'onRequest' | 'preHandler';
  readonly check: RouteCheck;
  readonly security?: FastifySchema['security'];
}

export interface Endpoint<S extends FastifySchema = FastifySchema> {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Fastify path under the plugin's prefix, e.g. `/cards/:id/freeze`. */
  readonly url: string;
  /** null for a public endpoint. */
  readonly auth: RouteAuth | null;
  /** A per-client-address limit checked before anything else (every public endpoint has one); documented in the endpoint's description. */
  readonly rateLimit?: RateLimiter;
  readonly schema: S;
  /** The body may be left out altogether; it then reads as `{}` (and the schema's defaults apply). */
  readonly optionalBody?: boolean;
  readonly handler: (request: TypedRequest<S>, reply: FastifyReply) => Promise<unknown>;
}

/**
 * Declares an endpoint. An identity function, there for the types: `S` is
 * inferred from the schema written in the call (as if `as const`), and the
 * handler's request is typed from it.
 */
export function endpoint<const S extends FastifySchema>(declared: Endpoint<S>): Endpoint<S> {
  return declared;
}

/** Any endpoint, whatever its schema: what a module's list of endpoints holds (each was type-checked where `endpoint()` declared it). */
export type AnyEndpoint = Endpoint<any>;

/** Registers every endpoint on `app`, in order (the OpenAPI document lists them in this order). */
export function registerEndpoints(app: FastifyInstance, endpoints: readonly AnyEndpoint[]): void {
  for (const declared of endpoints) {
    const { auth, rateLimit } = declared;
    let schema: FastifySchema = auth?.security === undefined ? declared.schema : { ...declared.schema, security: auth.security };
    if (rateLimit !== undefined) schema = { ...schema, description: [schema.description, rateLimit.describe()].filter(Boolean).join(' ') };
    const onRequest = [...(rateLimit === undefined ? [] : [rateLimit.hook]), ...(auth?.phase === 'onRequest' ? [auth.check] : [])];
    app.route({
      method: declared.method,
      url: declared.url,
      schema,
      ...(onRequest.length === 0 ? {} : { onRequest }),
      ...(auth?.phase === 'preHandler' ? { preHandler: auth.check } : {}),
      ...(declared.optionalBody ? { preValidation: readAbsentBodyAsEmpty } : {}),
      handler: declared.handler,
    });
  }
}

async function readAbsentBodyAsEmpty(request: FastifyRequest): Promise<void> {
  request.body ??= {};
}
