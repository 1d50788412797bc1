import type { FastifyPluginAsync } from 'fastify';
import type { Clock } from '../platform/clock.ts';
import type { Database } from '../platform/db/database.ts';
import { endpoint, registerEndpoints, type RouteAuth } from '../platform/http/typed-route.ts';
import type { AuditReport } from '../ledger/index.ts';
import { auditCardlane } from './audit.ts';
import { auditCheckTitle } from './audit-check-titles.ts';

/**
 * `POST /operator/v1/audit`: `cardlane audit` over HTTP, for the operator
 * console — every ledger invariant and every party's check, each with its
 * result and what it found, its name in English and Chinese. It reads the
 * whole ledger, so runs do not pile up: a request arriving while one runs
 * gets that run's report.
 */

const TAG = ['operations'];
const bilingual = { type: 'object', required: ['en', 'zh-CN'], properties: { en: { type: 'string' }, 'zh-CN': { type: 'string' } } } as const;
const auditResponses = {
  200: {
    type: 'object',
    required: ['object', 'ok', 'checked_at', 'stats', 'checks'],
    properties: {
      object: { type: 'string', enum: ['audit'] },
      ok: { type: 'boolean', description: 'Every check passed.' },
      checked_at: { type: 'string', format: 'date-time' },
      stats: {
        type: 'object',
        required: ['accounts', 'transfers', 'journal_sealed', 'journal_unsealed'],
        properties: { accounts: { type: 'integer' }, transfers: { type: 'integer' }, journal_sealed: { type: 'integer' }, journal_unsealed: { type: 'integer' } },
      },
      checks: {
        type: 'array',
        items: {
          type: 'object',
          required: ['name', 'title', 'ok', 'failures'],
          properties: {
            name: { type: 'string' },
            title: bilingual,
            ok: { type: 'boolean' },
            failures: { type: 'array', items: { type: 'string' }, description: 'What was found wrong (at most 20, in English: ids and amounts).' },
          },
        },
      },
    },
  },
  401: { $ref: 'ErrorResponse#' },
  403: { $ref: 'ErrorResponse#' },
} as const;

export function auditRoutes(deps: { readonly db: Database; readonly clock: Clock; readonly operatorAuth: RouteAuth }): FastifyPluginAsync {
  let running: Promise<AuditReport> | null = null;
  const run = (): Promise<AuditReport> => {
    running ??= auditCardlane(deps.db, deps.clock.nowMs()).finally(() => {
      running = null;
    });
    return running;
  };
  return async (app) => {
    registerEndpoints(app, [
      endpoint({
        method: 'POST',
        url: '/audit',
        auth: deps.operatorAuth,
        schema: {
          tags: TAG,
          summary: 'Run the ledger audit (cardlane audit) and answer every check’s result',
          description: 'An operator key, or the operator console’s session with its X-CSRF-Token. 200 whether or not every check passed: `ok` says.',
          response: auditResponses,
        },
        optionalBody: true,
        handler: async (request, reply) => {
          const report = await run();
          reply.header('cache-control', 'no-store');
          if (!report.ok) request.log.warn({ failed: report.checks.filter((c) => !c.ok).map((c) => c.name) }, 'ledger audit found problems');
          return {
            object: 'audit' as const,
            ok: report.ok,
            checked_at: new Date(report.checked_at_ms).toISOString(),
            stats: report.stats,
            checks: report.checks.map((check) => ({ name: check.name, title: auditCheckTitle(check.name), ok: check.ok, failures: check.failures })),
          };
        },
      }),
    ]);
  };
}
