import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Clock } from '../../platform/clock.ts';
import type { Sql } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { RateLimiter, type RateLimitPolicy } from '../../platform/http/rate-limit.ts';
import type { RouteTypes } from '../../platform/http/typed-route.ts';
import { catalogueJson } from '../catalogue.ts';
import { LANGS, type Lang } from '../catalogue-types.ts';
import type { Doctor } from '../doctor.ts';
import { VIEWS } from '../views.ts';
import { principalOf } from './doctor-auth.ts';
import { isDisputeId } from '../dispute-trace.ts';
import type { NetworkRecords } from '../ports.ts';
import { registerDeclineRoutes } from './decline-routes.ts';

export interface DoctorRoutesOptions {
  /** Not read: the doctor asks its ports who a credential is. Optional so callers that still pass it keep compiling. */
  readonly db?: Sql;
  readonly clock: Clock;
  readonly doctor: Doctor;
  /** The network's records, for the operator's declines by cause (decline-routes.ts); without them those routes are not served. */
  readonly network?: NetworkRecords;
}

const TAG = ['doctor'];
/** Per client address on the one route that needs no credential: documentation, so plenty; a flood costs the caller. */
export const CATALOGUE_RATE_LIMIT: RateLimitPolicy = { name: 'doctor_catalogue', burst: 60, perWindow: 60, windowMs: 60_000 };
const SECURITY: Array<Record<string, string[]>> = [{ cardholderSession: [] }, { operatorKey: [] }];
const AUTH_TEXT =
  'Authenticate with a merchant secret key (sk_test_…: the merchant view of its own payments), an operator key (op_…: everything) or a cardholder session token (payments on your own cards).';
const viewLangQuery = {
  view: { type: 'string', enum: [...VIEWS], description: "Optional; must be the credential's view." },
  lang: { type: 'string', enum: [...LANGS], description: 'en (default) or zh-CN; else from Accept-Language.' },
} as const;
const traceParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 255 } } } as const;
const traceQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...viewLangQuery,
    tz: { type: 'string', minLength: 1, maxLength: 64, description: "The reader's IANA time zone for times the advice mentions (e.g. Europe/Berlin); default Asia/Shanghai for zh-CN, UTC for en." },
  },
} as const;
const cardParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 100 } } } as const;
const cardTracesQuery = {
  type: 'object',
  required: ['from', 'to'],
  additionalProperties: false,
  properties: { from: { type: 'string', format: 'date-time' }, to: { type: 'string', format: 'date-time' }, ...viewLangQuery, tz: traceQuery.properties.tz },
} as const;
const catalogueQuery = { type: 'object', additionalProperties: false, properties: { lang: viewLangQuery.lang } } as const;
const errors = { 400: { $ref: 'ErrorResponse#' }, 401: { $ref: 'ErrorResponse#' }, 403: { $ref: 'ErrorResponse#' }, 404: { $ref: 'ErrorResponse#' } } as const;

/**
 * The doctor's API, mounted at `/doctor/v1`:
 * - `GET /traces/:id` — a payment intent, setup intent, charge, billing
 *   attempt or issuer authorization, followed across the parties;
 * - `GET /cards/:id/traces?from=&to=` — every attempt on a Cardlane card in
 *   a time window (cardholder and operator);
 * - `GET /catalogue` — the decline catalogue (public: it is documentation);
 * - `GET /declines/summary`, `GET /declines` — declines over a period by
 *   cause, and the latest of them (operator; decline-routes.ts).
 * Responses are the doctor's trace JSON (trace-types.ts), unfiltered by a
 * response schema so nothing is dropped silently.
 */
export function doctorRoutes(options: DoctorRoutesOptions): FastifyPluginAsync {
  const { clock, doctor } = options;
  const catalogueLimit = new RateLimiter(CATALOGUE_RATE_LIMIT, clock);
  return async (app: FastifyInstance) => {
    // Traces and declines are personal (a card's payments, merchants, amounts): never kept by a browser's or a proxy's
    // cache, whichever credential read them — a console session's cookie, unlike a key in Authorization, does not keep
    // a shared cache from storing the answer. The catalogue is documentation and may be cached.
    app.addHook('onRequest', async (request, reply) => {
      if (!request.routeOptions.url?.endsWith('/catalogue')) reply.header('cache-control', 'no-store');
    });

    app.get<RouteTypes<{ params: typeof traceParams; querystring: typeof traceQuery }>>(
      '/traces/:id',
      {
        schema: {
          tags: TAG,
          summary: 'Why was this payment declined? Follow one attempt across billing, acquirer, network and issuer (or a dispute, du_… or idsp_…, across issuer, network and acquirer)',
          description: AUTH_TEXT,
          security: SECURITY,
          params: traceParams,
          querystring: traceQuery,
          response: errors,
        },
      },
      async (request, reply) => {
        const query = request.query;
        const principal = await principalOf(doctor, clock, request, reply, query.view);
        // A dispute is traced across the parties like a payment, at the same address.
        if (isDisputeId(request.params.id)) return doctor.traceDispute(request.params.id, principal, langOf(request, query.lang));
        return doctor.trace(request.params.id, principal, langOf(request, query.lang), { nowMs: clock.nowMs(), ...(query.tz === undefined ? {} : { timeZone: query.tz }) });
      },
    );

    app.get<RouteTypes<{ params: typeof cardParams; querystring: typeof cardTracesQuery }>>(
      '/cards/:id/traces',
      {
        schema: {
          tags: TAG,
          summary: 'Every attempt on a card in a time window, each diagnosed',
          description: `${AUTH_TEXT} Merchants cannot use this route.`,
          security: SECURITY,
          params: cardParams,
          querystring: cardTracesQuery,
          response: errors,
        },
      },
      async (request, reply) => {
        const query = request.query;
        const principal = await principalOf(doctor, clock, request, reply, query.view);
        const window = { fromMs: timeOf(query.from, 'from'), toMs: timeOf(query.to, 'to') };
        return doctor.traceCard(request.params.id, window, principal, langOf(request, query.lang), query.tz === undefined ? undefined : { timeZone: query.tz });
      },
    );

    app.get<RouteTypes<{ querystring: typeof catalogueQuery }>>(
      '/catalogue',
      {
        onRequest: catalogueLimit.hook,
        schema: {
          tags: TAG,
          summary: 'The decline catalogue: every reason, who decides, its codes, and what to do, in English and Chinese',
          description: catalogueLimit.describe(),
          querystring: catalogueQuery,
        },
      },
      async (request) => {
        const lang = request.query.lang;
        return { object: 'list', data: catalogueJson(lang) };
      },
    );

    if (options.network !== undefined) registerDeclineRoutes(app, { clock, doctor, network: options.network });
  };
}

function langOf(request: FastifyRequest, asked: Lang | undefined): Lang {
  if (asked !== undefined) return asked;
  const accept = request.headers['accept-language'];
  return typeof accept === 'string' && /^\s*zh\b/i.test(accept) ? 'zh-CN' : 'en';
}

function timeOf(text: string, param: string): number {
  const ms = Date.parse(text);
  if (!Number.isSafeInteger(ms)) throw new AppError('parameter_invalid', `${param} must be an ISO 8601 time.`, { param });
  return ms;
}
