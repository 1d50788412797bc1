import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync, type FastifyReply } from 'fastify';
import type { Registry } from 'prom-client';
import { systemClock } from '../clock.ts';
import { HTTP_DEFAULTS } from '../config.ts';
import type { Database } from '../db/database.ts';
import { AppError, errorBodySchema } from '../errors.ts';
import { IdGenerator } from '../ids.ts';
import type { Logger } from '../logger.ts';
import { loggableUrl } from '../log-redaction.ts';
import { toHttpError, routeNotFound } from './error-mapper.ts';
import { answerClientError } from './client-errors.ts';
import { installHealthRoutes } from './health-routes.ts';
import { createMetricsRegistry, installMetrics, type MetricsCredential } from './metrics.ts';
import { installOpenApi } from './openapi.ts';
import { refuseUnknownParameters } from './strict-params.ts';
import { refuseNulCharacters } from './nul-characters.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The server's Prometheus registry; modules register their own metrics here. */
    readonly metrics: Registry;
  }
}

/** A module's routes: a Fastify plugin, optionally mounted under a prefix. */
export type RoutePlugin = FastifyPluginAsync | { readonly plugin: FastifyPluginAsync; readonly prefix?: string };

export interface HttpLimits {
  /** Largest request body accepted (413 above). */
  readonly bodyLimitBytes: number;
  /** Time a client has to send its whole request, headers and body. */
  readonly requestTimeoutMs: number;
  /** How long an idle keep-alive connection is kept. */
  readonly keepAliveTimeoutMs: number;
}


export interface HttpServerOptions {
  readonly db: Pick<Database, 'ping'>;
  readonly logger: Logger;
  readonly version: string;
  readonly routes?: readonly RoutePlugin[];
  readonly limits?: Partial<HttpLimits>;
  /** A /readyz database ping slower than this reports not ready. */
  readonly readinessTimeoutMs?: number;
  /**
   * What /metrics needs from a request when the server listens beyond
   * loopback (metrics.ts). Omitted: /metrics is open, for servers that
   * tests and tools build without one; a running Cardlane passes the
   * operator key's check.
   */
  readonly metricsCredential?: MetricsCredential;
}

// Routes probed every few seconds by machines: logged at debug, not info,
// so they do not bury the requests people care about.
const PROBE_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * The HTTP server every party's routes are mounted on, with the operational
 * endpoints (/healthz, /readyz, /metrics, /openapi.json, /docs), one error
 * shape for every failure, explicit limits, and a clean way to stop.
 * Returns the server ready to `listen`; tests use `inject` without listening.
 */
export async function createHttpServer(options: HttpServerOptions): Promise<FastifyInstance> {
  const limits: HttpLimits = { ...HTTP_DEFAULTS, ...options.limits };
  const requestIds = new IdGenerator(systemClock);

  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    logController: new LogController({
      // One line per request, written below with the route and the duration,
      // instead of Fastify's two ("incoming request", "request completed").
      disableRequestLogging: true,
      requestIdLogLabel: 'request_id',
    }),
    genReqId: () => requestIds.next('req'),
    bodyLimit: limits.bodyLimitBytes,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // A socket silent for this long is dead; generous, since a handler may
    // legitimately wait on a slow provider while the socket is quiet.
    connectionTimeout: limits.requestTimeoutMs * 4,
    // While closing we answer 503 ourselves, in our own error shape (below).
    return503OnClosing: false,
    // Idle keep-alive sockets are closed at once on close(); busy ones
    // finish their request first.
    forceCloseConnections: 'idle',
    // Path parameters are ids and short names; a longer one is an attack or a bug.
    routerOptions: { maxParamLength: 200 },
    // A URL the router cannot decode (`/v1/x/%ED%A0%80`, invalid UTF-8) or a
    // path parameter over maxParamLength is refused before any route or error
    // handler runs; without this, Fastify answers in its own shape
    // (`{"error":"Bad Request","code":"FST_ERR_BAD_URL"}`), not ours.
    frameworkErrors: (error, request, reply) => {
      const mapped = toHttpError(error, { requestId: request.id });
      // The framework's reply here is typed for route schemas it has not seen yet; ours is plain JSON.
      void (reply as unknown as FastifyReply).status(mapped.status).send(mapped.body);
    },
    // Requests Node's parser refuses (headers over 16 KiB, …): our shape too.
    clientErrorHandler: answerClientError,
  });

  const registry = createMetricsRegistry(options.version);
  app.decorate('metrics', registry);
  app.addSchema(errorBodySchema);

  installErrorHandling(app);
  refuseUnknownParameters(app);
  refuseNulCharacters(app);
  installRequestLogging(app);
  installClosingGuard(app);
  await installOpenApi(app, options.version);
  installMetrics(app, registry, options.metricsCredential);
  installHealthRoutes(app, { db: options.db, readinessTimeoutMs: options.readinessTimeoutMs ?? 2_000 });

  for (const route of options.routes ?? []) {
    if (typeof route === 'function') await app.register(route);
    else await app.register(route.plugin, route.prefix === undefined ? {} : { prefix: route.prefix });
  }
  return app;
}

function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const mapped = toHttpError(error, { requestId: request.id });
    if (mapped.internal) request.log.error({ err: error }, 'request failed with an unexpected error');
    else if (mapped.status >= 500) request.log.warn({ code: mapped.body.error.code }, 'request failed');
    else request.log.info({ code: mapped.body.error.code, param: mapped.body.error.param }, 'request rejected');
    return reply.status(mapped.status).send(mapped.body);
  });

  app.setNotFoundHandler((request, reply) => {
    const mapped = routeNotFound(request.method, request.url);
    return reply.status(mapped.status).send(mapped.body);
  });
}

function installRequestLogging(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    // Stripe answers with Request-Id; a client quoting it finds the log line.
    reply.header('request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url;
    const line = {
      method: request.method,
      // Card numbers hidden by percent-encoding and secrets in the query never reach the log (log-redaction.ts).
      url: loggableUrl(request.url),
      route,
      status_code: reply.statusCode,
      duration_ms: Math.round(reply.elapsedTime * 1_000) / 1_000,
    };
    if (route !== undefined && PROBE_ROUTES.has(route)) request.log.debug(line, 'request completed');
    else request.log.info(line, 'request completed');
  });
}

/**
 * From the moment close() is called, new requests (including ones arriving
 * on kept-alive connections) get 503 `service_unavailable`, and every answer
 * asks the client to close its connection, so load balancers move on while
 * requests already running finish normally.
 */
function installClosingGuard(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async () => {
    if (closing) throw new AppError('service_unavailable', 'The server is shutting down; retry on another instance.');
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });
}
