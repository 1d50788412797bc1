import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

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

/** Observes every request's duration, and serves the registry at GET /metrics. */
export function installMetrics(app: FastifyInstance, registry: Registry): void {
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
        description: 'Process metrics and HTTP request durations, in the Prometheus text format.',
        response: {
          200: {
            description: 'Prometheus text exposition format',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
        },
      },
    },
    async (_request, reply) => {
      reply.type(registry.contentType);
      return registry.metrics();
    },
  );
}
