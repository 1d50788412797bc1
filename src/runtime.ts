import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { prepareDemoMerchant, type DemoAcquirerCredentials } from './acquirer/acquirer-start.ts';
import { backgroundTasks } from './background-tasks.ts';
import { prepareDemoOrganization, type DemoBillingCredentials } from './billing/billing-start.ts';
import { billingServices } from './billing/billing-services.ts';
import { httpRoutes } from './http-routes.ts';
import { prepareDemoCardholder, type DemoIssuerCredentials } from './issuer/demo-cardholder.ts';
import { prepareIssuer } from './issuer/issuer-start.ts';
import { systemClock, type Clock } from './platform/clock.ts';
import { loadConfig, type Config, type LoadConfigInput } from './platform/config.ts';
import type { Database } from './platform/db/database.ts';
import { migrate } from './platform/db/migrations.ts';
import { openDatabase } from './platform/db/open.ts';
import { createHttpServer, type RoutePlugin } from './platform/http/server.ts';
import { createLogger, type LogDestination, type Logger } from './platform/logger.ts';
import { allMigrations } from './platform/schema.ts';
import { startTasks, type BackgroundTask } from './platform/task-runner.ts';
import { VERSION } from './version.ts';

/** A running Cardlane. */
export interface Cardlane {
  /** Base URL of the HTTP server, e.g. http://127.0.0.1:4400 (the real port when 0 was asked for). */
  readonly url: string;
  readonly config: Config;
  /** Where the data lives, for people: no password. */
  readonly databaseDescription: string;
  /** Migrations this start applied (empty when the database was up to date). */
  readonly migrationsApplied: readonly string[];
  readonly backgroundTaskNames: readonly string[];
  /** The operator key file (`<dataDir>/operator-key`), for operator routes; null when it was removed. */
  readonly operatorKeyFile: string | null;
  /** True when this start created the operator key (first start). */
  readonly operatorKeyCreated: boolean;
  /** The demo merchant's id and test keys (also in `<dataDir>/demo-credentials.json`). */
  readonly demoMerchant: DemoAcquirerCredentials;
  /** The demo API customer's organization and key for the merchant's API (also in `<dataDir>/demo-credentials.json`). */
  readonly demoOrganization: DemoBillingCredentials;
  /** The demo cardholder's id, phone and card (no card number: that is revealed through the issuer; also in `<dataDir>/demo-credentials.json`). */
  readonly demoCardholder: DemoIssuerCredentials;
  readonly logger: Logger;
  readonly db: Database;
  readonly http: FastifyInstance;
  /**
   * Stops accepting requests, lets in-flight requests and task runs finish
   * (up to config.shutdownTimeoutMs, then cuts the connections), and closes
   * the database. Safe to call more than once.
   */
  close(): Promise<void>;
}

export interface StartOptions extends LoadConfigInput {
  readonly clock?: Clock;
  /** Defaults to a logger at config.logLevel writing to standard error. */
  readonly logger?: Logger;
  readonly logDestination?: LogDestination;
  /** Defaults to every module's routes (`http-routes.ts`). */
  readonly routes?: (db: Database, clock: Clock, config: Config) => RoutePlugin[];
  /** Defaults to every module's periodic tasks (`background-tasks.ts`). */
  readonly tasks?: (db: Database, clock: Clock, config: Config, logger: Logger) => BackgroundTask[];
}

/**
 * Composes a running Cardlane: configuration → database → migrations →
 * HTTP server → background tasks. If a step fails, what was already started
 * is stopped again before the error is thrown, so a failed start leaves no
 * open database or listening socket behind.
 */
export async function startCardlane(options: StartOptions = {}): Promise<Cardlane> {
  const config = loadConfig(options);
  const clock = options.clock ?? systemClock;
  const logger =
    options.logger ??
    createLogger({ level: config.logLevel, ...(options.logDestination ? { destination: options.logDestination } : {}) });

  const db = openDatabase(config.database);
  let http: FastifyInstance | null = null;
  try {
    const migrationsApplied = await migrate(db, allMigrations, clock.nowMs()).catch((error: unknown) => {
      throw new Error(`cannot prepare the database (${db.description}): ${(error as Error).message}`, { cause: error });
    });
    if (migrationsApplied.length > 0) logger.info({ migrations: migrationsApplied }, 'applied migrations');
    const issuer = await prepareIssuer(db, clock, config.dataDir);
    const demoMerchant = await prepareDemoMerchant(db, clock, config.dataDir);
    const demoOrganization = await prepareDemoOrganization(db, clock, config.dataDir);
    const demoCardholder = await prepareDemoCardholder(db, clock, config);

    http = await createHttpServer({
      db,
      logger,
      version: VERSION,
      routes: (options.routes ?? httpRoutes)(db, clock, config),
      limits: config.http,
    });
    await listen(http, config);
    const url = baseUrl(http);
    // Billing pays through this server's own acquirer unless configured otherwise; it needs the address it listens on.
    billingServices(db, clock, config).provider.setSelfUrl(url);
    const runner = startTasks((options.tasks ?? backgroundTasks)(db, clock, config, logger), logger);
    logger.info({ url, database: db.description, version: VERSION }, 'cardlane is up');

    const server = http;
    let closing: Promise<void> | null = null;
    return {
      url,
      config,
      databaseDescription: db.description,
      migrationsApplied,
      backgroundTaskNames: runner.names,
      operatorKeyFile: issuer.operatorKeyFile,
      operatorKeyCreated: issuer.operatorKeyCreated,
      demoMerchant,
      demoOrganization,
      demoCardholder,
      logger,
      db,
      http: server,
      close() {
        closing ??= stop(server, runner.stop(), db, logger, config.shutdownTimeoutMs);
        return closing;
      },
    };
  } catch (error) {
    await http?.close().catch(() => undefined);
    await db.close().catch(() => undefined);
    throw error;
  }
}

async function listen(http: FastifyInstance, config: Config): Promise<void> {
  try {
    await http.listen({ host: config.host, port: config.port });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const where = `${config.host}:${config.port}`;
    if (code === 'EADDRINUSE') {
      throw new Error(`cannot listen on ${where}: the port is in use (is another Cardlane running? choose one with --port)`);
    }
    if (code === 'EACCES') throw new Error(`cannot listen on ${where}: permission denied (ports below 1024 need privileges)`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
      throw new Error(`cannot listen on ${where}: no such address on this machine (check --host)`);
    }
    throw error;
  }
}

/** A URL a client on this machine can use: a wildcard listen address is not one. */
function baseUrl(http: FastifyInstance): string {
  const address = http.server.address() as AddressInfo;
  let host = address.address;
  if (host === '0.0.0.0') host = '127.0.0.1';
  else if (host === '::') host = '::1';
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

async function stop(
  http: FastifyInstance,
  tasksStopped: Promise<void>,
  db: Database,
  logger: Logger,
  timeoutMs: number,
): Promise<void> {
  const drained = Promise.all([http.close(), tasksStopped]).then(() => true);
  const inTime = await Promise.race([drained, delay(timeoutMs).then(() => false)]);
  if (!inTime) {
    logger.warn({ timeout_ms: timeoutMs }, 'requests or background tasks still running at the shutdown deadline; cutting them off');
    http.server.closeAllConnections();
  }
  await db.close();
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
