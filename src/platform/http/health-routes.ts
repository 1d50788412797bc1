import type { FastifyInstance } from 'fastify';
import type { Database } from '../db/database.ts';
import { AppError } from '../errors.ts';

/**
 * Two probes with different meanings, as orchestrators expect:
 * `/healthz` — the process is alive and serving (restart it if not);
 * `/readyz`  — it can do useful work, i.e. its database answers (stop
 * sending it traffic if not, but do not restart it: the database may be
 * what is down).
 */
export interface HealthOptions {
  readonly db: Pick<Database, 'ping'>;
  /** A ping slower than this counts as down: a hung pool must not hang the probe. */
  readonly readinessTimeoutMs: number;
}

const statusSchema = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string', enum: ['ok'] } },
} as const;

export function installHealthRoutes(app: FastifyInstance, options: HealthOptions): void {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Liveness: the process is up',
        response: { 200: statusSchema },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Readiness: the database answers',
        response: {
          200: {
            type: 'object',
            required: ['status', 'checks'],
            properties: {
              status: { type: 'string', enum: ['ok'] },
              checks: { type: 'object', properties: { database: { type: 'string', enum: ['ok'] } } },
            },
          },
          503: { $ref: 'ErrorResponse#' },
        },
      },
    },
    async (request) => {
      try {
        await withTimeout(options.db.ping(), options.readinessTimeoutMs);
      } catch (error) {
        request.log.warn({ err: error }, 'readiness check failed: database did not answer');
        throw new AppError('database_unavailable');
      }
      return { status: 'ok' as const, checks: { database: 'ok' as const } };
    },
  );
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
