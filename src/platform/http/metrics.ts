import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { isLoopbackAddress } from './loopback.ts';

/**
 * Prometheus metrics. Each server gets its own registry (not prom-client's
 * global one) so several servers in one process — tests, or a future
 * per-party split — never collide on metric names. Modules add their own
 * metrics to `app.metrics`.
 */
export function createMetricsRegistry(version: string): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const buildInfo = new Gauge({
    name: 'cardlane_build_info',
    help: 'Always 1; the labels say which Cardlane is running.',
    labelNames: ['version'],
    registers: [registry],
  });
  buildInfo.set({ version }, 1);
  return registry;
}

// Label for requests no route matched: keeps scanners hitting random URLs
// from creating a time series per URL.
const UNMATCHED_ROUTE = '(unmatched)';

/**
 * What a request for /metrics from beyond this machine must carry (the
 * operator key, in a running Cardlane): a preHandler that throws 401.
 */
export type MetricsCredential = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/**
 * Observes every request's duration, and serves the registry at GET
 * /metrics. With a `credential`, /metrics is open only while the server
 * listens on loopback alone (a scraper on this machine); listening anywhere
 * else — or not yet listening — every request must pass the credential.
 * The numbers hold no ids, amounts or keys, but they do tell how much
 * business flows through each route (payments, declines, sign-in attempts
 * per minute), the Node version and the memory in use: an operator's
 * figures, not the network's. Prometheus sends the key as a bearer token
 * (`authorization: { credentials_file: <dataDir>/operator-key }`).
 */
export function installMetrics(app: FastifyInstance, registry: Registry, credential?: MetricsCredential): void {
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from receiving a request to finishing its response, by route template, method and status.',
    labelNames: ['route', 'method', 'status_code'],
    // From sub-millisecond health checks to slow multi-party payment flows.
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  app.addHook('onResponse', async (request, reply) => {
    duration.observe(
      {
        route: request.routeOptions.url ?? UNMATCHED_ROUTE,
        method: request.method,
        status_code: String(reply.statusCode),
      },
      reply.elapsedTime / 1_000,
    );
  });

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['operations'],
        summary: 'Prometheus metrics',
        description:
          'Process metrics and HTTP request durations, in the Prometheus text format. ' +
          'Needs the operator key (Authorization: Bearer op_…) unless the server listens on loopback only.',
        ...(credential === undefined ? {} : { security: [{ operatorKey: [] }] }),
        response: {
          200: {
            description: 'Prometheus text exposition format',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
          ...(credential === undefined ? {} : { 401: { $ref: 'ErrorResponse#' } }),
        },
      },
      ...(credential === undefined
        ? {}
        : {
            preHandler: async (request: FastifyRequest, reply: FastifyReply) => {
              if (!listensOnLoopbackOnly(request.server)) await credential(request, reply);
            },
          }),
    },
    async (_request, reply) => {
      reply.type(registry.contentType);
      return registry.metrics();
    },
  );
}

/** True when the server's socket is bound to a loopback address; false for a wildcard, any other address, or no socket yet. */
function listensOnLoopbackOnly(app: FastifyInstance): boolean {
  const bound = app.server.address();
  return bound !== null && typeof bound === 'object' && isLoopbackAddress(bound.address);
}
