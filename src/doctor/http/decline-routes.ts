import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../platform/clock.ts';
import { decodeCursor, pageOf } from '../../platform/db/keyset-page.ts';
import { AppError } from '../../platform/errors.ts';
import { endpoint, registerEndpoints, type RouteAuth } from '../../platform/http/typed-route.ts';
import { SEED_CAUSES } from '../catalogue-types.ts';
import { declineItem, declineSummary, positionOf, SEED_CAUSE_TITLES } from '../decline-stats.ts';
import type { Doctor } from '../doctor.ts';
import type { NetworkRecords } from '../ports.ts';
import { principalOf } from './doctor-auth.ts';

/**
 * The operator's view of declines over a period, at `/doctor/v1/declines`:
 * `GET /declines/summary?from=&to=` counts every authorization the network
 * answered and files each decline under its cause (decline-stats.ts);
 * `GET /declines?from=&to=` lists the declines themselves, newest first,
 * by a stable cursor. An operator key or the console's session only.
 */

const TAG = ['doctor'];
// A quarter: the console's longest preset is 30 days; beyond this a question belongs in a report, not a request.
export const DECLINE_WINDOW_MAX_MS = 93 * 24 * 3600_000;
const PAGE_MAX = 100;

const windowProperties = {
  from: { type: 'string', format: 'date-time', description: 'Start of the period (included), ISO 8601 with its offset.' },
  to: { type: 'string', format: 'date-time', description: 'End of the period (excluded); at most 93 days after `from`.' },
} as const;
const summaryQuery = { type: 'object', required: ['from', 'to'], additionalProperties: false, properties: windowProperties } as const;
const listQuery = {
  type: 'object',
  required: ['from', 'to'],
  additionalProperties: false,
  properties: {
    ...windowProperties,
    limit: { type: 'integer', minimum: 1, maximum: PAGE_MAX, default: 20 },
    cursor: { type: 'string', minLength: 1, maxLength: 400, description: 'The previous page’s `next_cursor`.' },
  },
} as const;

const bilingual = { type: 'object', required: ['en', 'zh-CN'], properties: { en: { type: 'string' }, 'zh-CN': { type: 'string' } } } as const;
const errors = { 400: { $ref: 'ErrorResponse#' }, 401: { $ref: 'ErrorResponse#' }, 403: { $ref: 'ErrorResponse#' } } as const;

const summaryResponses = {
  200: {
    type: 'object',
    required: ['object', 'from', 'to', 'authorizations', 'approved', 'declined', 'causes'],
    properties: {
      object: { type: 'string', enum: ['decline_summary'] },
      from: { type: 'string', format: 'date-time' },
      to: { type: 'string', format: 'date-time' },
      authorizations: { type: 'integer', description: 'Authorizations the network answered in the period.' },
      approved: { type: 'integer' },
      declined: { type: 'integer' },
      causes: {
        type: 'array',
        description: 'The causes with declines, most first; in each, every (decider, response code, reason).',
        items: {
          type: 'object',
          required: ['seed_cause', 'title', 'count', 'groups'],
          properties: {
            seed_cause: { type: 'string', enum: SEED_CAUSES },
            title: bilingual,
            count: { type: 'integer' },
            groups: {
              type: 'array',
              items: {
                type: 'object',
                required: ['decided_by', 'response_code', 'reason', 'count', 'retryable', 'title'],
                properties: {
                  decided_by: { type: 'string', enum: ['issuer', 'network'] },
                  response_code: { type: 'string', description: 'ISO 8583 field 39.' },
                  reason: { type: 'string' },
                  count: { type: 'integer' },
                  retryable: { type: 'boolean' },
                  title: bilingual,
                },
              },
            },
          },
        },
      },
    },
  },
  ...errors,
} as const;

const declineItemSchema = {
  type: 'object',
  required: ['id', 'object', 'answered_at', 'decided_by', 'issuer', 'response_code', 'reason', 'seed_cause', 'cause_title', 'title', 'retryable', 'initiator', 'card', 'merchant', 'amount'],
  properties: {
    id: { type: 'string', description: 'The network message (trace it at /doctor/v1/traces/{id}).' },
    object: { type: 'string', enum: ['declined_authorization'] },
    answered_at: { type: 'string', format: 'date-time' },
    decided_by: { type: 'string', enum: ['issuer', 'network'] },
    issuer: { type: 'string', nullable: true },
    response_code: { type: 'string' },
    reason: { type: 'string' },
    seed_cause: { type: 'string', enum: SEED_CAUSES },
    cause_title: bilingual,
    title: bilingual,
    retryable: { type: 'boolean' },
    initiator: { type: 'string', nullable: true, description: 'customer (customer-initiated) or merchant (merchant-initiated, e.g. an auto-recharge).' },
    card: {
      type: 'object',
      required: ['brand', 'last4', 'funding', 'country'],
      description: 'The card by its last four digits only.',
      properties: { brand: { type: 'string', nullable: true }, last4: { type: 'string', nullable: true }, funding: { type: 'string', nullable: true }, country: { type: 'string', nullable: true } },
    },
    merchant: {
      type: 'object',
      required: ['name', 'mcc', 'country'],
      properties: { name: { type: 'string', nullable: true }, mcc: { type: 'string', nullable: true }, country: { type: 'string', nullable: true } },
    },
    amount: { type: 'object', nullable: true, required: ['amount_minor', 'currency'], properties: { amount_minor: { type: 'integer' }, currency: { type: 'string' } } },
  },
} as const;

const listResponses = {
  200: {
    type: 'object',
    required: ['object', 'data', 'has_more', 'next_cursor'],
    properties: {
      object: { type: 'string', enum: ['list'] },
      data: { type: 'array', items: declineItemSchema },
      has_more: { type: 'boolean' },
      next_cursor: { type: 'string', nullable: true },
    },
  },
  ...errors,
} as const;

function windowOf(query: { readonly from: string; readonly to: string }) {
  const fromMs = Date.parse(query.from);
  const toMs = Date.parse(query.to);
  if (!Number.isSafeInteger(fromMs) || fromMs < 0) throw new AppError('parameter_invalid', 'from must be an ISO 8601 time.', { param: 'from' });
  if (!Number.isSafeInteger(toMs)) throw new AppError('parameter_invalid', 'to must be an ISO 8601 time.', { param: 'to' });
  if (toMs <= fromMs) throw new AppError('parameter_invalid', 'to must come after from.', { param: 'to' });
  if (toMs - fromMs > DECLINE_WINDOW_MAX_MS) throw new AppError('parameter_invalid', 'A period is at most 93 days.', { param: 'to' });
  return { fromMs, toMs };
}

export function registerDeclineRoutes(app: FastifyInstance, deps: { readonly clock: Clock; readonly doctor: Doctor; readonly network: NetworkRecords }): void {
  const { clock, doctor, network } = deps;
  const operatorOnly: RouteAuth = {
    phase: 'preHandler',
    security: [{ operatorKey: [] }, { operatorSession: [] }],
    check: async (request, reply) => {
      const principal = await principalOf(doctor, clock, request, reply, undefined);
      if (principal.view !== 'operator') throw new AppError('permission_denied', 'Only an operator sees every party’s declines.');
    },
  };
  registerEndpoints(app, [
    endpoint({
      method: 'GET',
      url: '/declines/summary',
      auth: operatorOnly,
      schema: { tags: TAG, summary: 'Authorizations and declines over a period, by cause, response code and reason (operator)', querystring: summaryQuery, response: summaryResponses },
      handler: async (request) => {
        const window = windowOf(request.query);
        const summary = await declineSummary(network, window);
        return {
          object: 'decline_summary' as const,
          from: new Date(window.fromMs).toISOString(),
          to: new Date(window.toMs).toISOString(),
          authorizations: summary.authorizations,
          approved: summary.approved,
          declined: summary.declined,
          causes: summary.causes.map((cause) => ({
            seed_cause: cause.seedCause,
            title: SEED_CAUSE_TITLES[cause.seedCause],
            count: cause.count,
            groups: cause.groups.map((g) => ({ decided_by: g.decidedBy, response_code: g.responseCode, reason: g.reason, count: g.count, retryable: g.retryable, title: g.title })),
          })),
        };
      },
    }),
    endpoint({
      method: 'GET',
      url: '/declines',
      auth: operatorOnly,
      schema: { tags: TAG, summary: 'Declined authorizations over a period, newest first (operator)', querystring: listQuery, response: listResponses },
      handler: async (request) => {
        const { limit, cursor } = request.query;
        const window = windowOf(request.query);
        const after = cursor === undefined ? null : decodeCursor(cursor);
        const page = pageOf(await network.declinedAuthorizations(window, after, limit + 1), limit, positionOf);
        return { object: 'list' as const, data: page.data.map(declineItem), has_more: page.hasMore, next_cursor: page.nextCursor };
      },
    }),
  ]);
}
