import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { DemoAcquirerCredentials } from '../acquirer/index.ts';
import type { DemoBillingCredentials, BillingApi } from '../billing/index.ts';
import type { DemoIssuerCredentials } from '../issuer/index.ts';
import type { AuditReport } from '../ledger/index.ts';
import type { IssuerLinkMode } from '../network/index.ts';
import { systemClock, type Clock } from '../platform/clock.ts';
import type { LoadConfigInput } from '../platform/config.ts';
import type { Database } from '../platform/db/database.ts';
import { migrate, withStartupLock } from '../platform/db/migrations.ts';
import { isPostgresUrl, openDatabase } from '../platform/db/open.ts';
import { octal, securePrivateData, sqliteFiles } from '../platform/data-dir.ts';
import { writeDemoCredentialsSection } from '../platform/demo-credentials-file.ts';
import { isLoopbackAddress } from '../platform/http/loopback.ts';
import { createHttpServer } from '../platform/http/server.ts';
import { requireOperator } from '../platform/identity/operator-auth.ts';
import { cryptoRandom, IdGenerator } from '../platform/ids.ts';
import { createLogger, type LogDestination, type Logger } from '../platform/logger.ts';
import type { Runtime } from '../platform/module.ts';
import { startTasks, type BackgroundTask } from '../platform/task-runner.ts';
import { VERSION } from '../version.ts';
import { buildCardlane, type BuiltCardlane } from './build.ts';
import type { IssuerLink } from './issuer-link.ts';
import { registerIssuerLinkMetrics } from './issuer-link-metrics.ts';
import { loadCardlaneConfig, type CardlaneConfig } from './config.ts';
import { loadDeploymentSecrets, openSecretStore } from './secrets.ts';
import type { SecretStore } from '../platform/secrets/secret-store.ts';
import { allMigrations } from './modules.ts';

/** A running Cardlane. */
export interface Cardlane {
  /** Base URL of the HTTP server, e.g. http://127.0.0.1:4400 (the real port when 0 was asked for). */
  readonly url: string;
  readonly config: CardlaneConfig;
  /** Where the data lives, for people: no password. */
  readonly databaseDescription: string;
  /** Migrations this start applied (empty when the database was up to date). */
  readonly migrationsApplied: readonly string[];
  readonly backgroundTaskNames: readonly string[];
  /** The operator key file (`<dataDir>/operator-key`), for operator routes; null when this data directory has none. */
  readonly operatorKeyFile: string | null;
  /** True when this start created the operator key (first start). */
  readonly operatorKeyCreated: boolean;
  /**
   * When `operatorKeyFile` is null: true when the first operator key is live
   * and sealed in the database (another process created it, or the file was
   * removed here), so `cardlane operator-key` can write it to this data directory.
   */
  readonly operatorKeyInDatabase: boolean;
  /** The demo merchant's id and test keys (also in `<dataDir>/demo-credentials.json`). */
  readonly demoMerchant: DemoAcquirerCredentials;
  /** The demo API customer's organization and key for the merchant's API (also in `<dataDir>/demo-credentials.json`). */
  readonly demoOrganization: DemoBillingCredentials;
  /** The demo cardholder's id, phone and card (no card number: that is revealed through the issuer; also in `<dataDir>/demo-credentials.json`). */
  readonly demoCardholder: DemoIssuerCredentials;
  /** What a person should know about how exposed this instance is (each also logged as a warning); `cardlane up` prints them. */
  readonly securityWarnings: readonly string[];
  readonly logger: Logger;
  readonly db: Database;
  readonly http: FastifyInstance;
  /** Merchant billing's public API, for what a person does outside Cardlane's HTTP API (an API business's sign-up, "the next run" of a job). */
  readonly billing: BillingApi;
  /** How the card network reaches Cardlane's issuer: in process, or ISO 8583 over TCP with the issuer's server at `address` (`127.0.0.1:<port>`). */
  readonly issuerLink: { readonly mode: IssuerLinkMode; readonly address: string | null };
  /** The same audit as `cardlane audit`. */
  auditLedger(): Promise<AuditReport>;
  /** Runs one of the program's background tasks now, by name (the next run of a job, for tests and the demo story). */
  runTask(name: string): Promise<void>;
  /** The names `runTask` takes: every module's background tasks. */
  readonly taskNames: readonly string[];
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
  /** Replaces every module's periodic tasks (tests that watch the task runner). */
  readonly tasks?: () => BackgroundTask[];
  /**
   * Writes this server's URL to `<dataDir>/demo-credentials.json`, where
   * every `cardlane` command on the data directory looks for the running
   * server. Only the long-running server (`cardlane up`) sets it: a server
   * embedded for a while (the demo story, tests) on the same data directory
   * must not point the CLI at a port that closes when it ends.
   */
  readonly recordServerUrl?: boolean;
}

/**
 * Starts a running Cardlane: configuration → database → migrations →
 * the program built once (`build.ts`) → first-start seeds → HTTP server →
 * background tasks. If a step fails, what was already started
 * is stopped again before the error is thrown, so a failed start leaves no
 * open database or listening socket behind.
 */
export async function startCardlane(options: StartOptions = {}): Promise<Cardlane> {
  const config = loadCardlaneConfig(options);
  const clock = options.clock ?? systemClock;
  const logger =
    options.logger ??
    createLogger({ level: config.logLevel, ...(options.logDestination ? { destination: options.logDestination } : {}) });

  // Before anything is written there: refuses to start on data other users can read and cannot be made private.
  const securityWarnings = dataDirWarnings(config);
  for (const warning of securityWarnings) logger.warn({ data_dir: config.dataDir }, warning);
  const db = openDatabase(config.database);
  let http: FastifyInstance | null = null;
  let issuerLink: IssuerLink | null = null;
  try {
    const migrationsApplied = await migrate(db, allMigrations, clock.nowMs()).catch((error: unknown) => {
      throw new Error(`cannot prepare the database (${db.description}): ${(error as Error).message}`, { cause: error });
    });
    if (migrationsApplied.length > 0) logger.info({ migrations: migrationsApplied }, 'applied migrations');

    let listeningUrl: string | null = null;
    const self = {
      url(): string {
        if (listeningUrl === null) throw new Error('the server is not listening yet');
        return listeningUrl;
      },
    };
    const runtime: Runtime = { db, clock, ids: new IdGenerator(clock, cryptoRandom), random: cryptoRandom, config, logger };
    // One secret set per deployment, in the database: every process on it reads the same (or refuses a master key that does not open them).
    const secretStore = openSecretStore(db, config, clock);
    const secrets = await loadDeploymentSecrets(secretStore, config, logger);
    const app = buildCardlane(runtime, config, self, secrets);
    issuerLink = app.issuerLink;
    await issuerLink.start();
    if (issuerLink.mode === 'iso8583') logger.info({ issuer_link: issuerLink.address() }, 'the network reaches the issuer over ISO 8583');
    const seeded = await withStartupLock(db, () => seedFirstStart(app, secretStore));

    // /metrics tells how much business each route does: beyond loopback, only to the operator (metrics.ts).
    const metricsCredential = requireOperator(db, app.issuer.operatorKeys);
    http = await createHttpServer({ db, logger, version: VERSION, routes: app.routes, limits: config.http, metricsCredential });
    // The issuer link's counters and the advices it owes, on /metrics (only when the network reaches its issuer over ISO 8583).
    const linkIssuer = app.issuerLink.endpoint.name;
    registerIssuerLinkMetrics(http.metrics, app.issuerLink, () => app.network.network.owedAdvicesPending(linkIssuer));
    await listen(http, config);
    const url = baseUrl(http);
    listeningUrl = url;
    const exposed = networkExposureWarning(http);
    if (exposed !== null) {
      logger.warn({ address: (http.server.address() as AddressInfo).address }, exposed);
      securityWarnings.push(exposed);
    }
    // Every `cardlane` command on this data directory finds the server here, whatever port it was given.
    if (options.recordServerUrl === true) writeDemoCredentialsSection(config.dataDir, 'server', { url });
    const runner = startTasks(options.tasks ? options.tasks() : app.tasks, logger);
    logger.info({ url, database: db.description, version: VERSION }, 'cardlane is up');

    const server = http;
    let closing: Promise<void> | null = null;
    return {
      url,
      config,
      databaseDescription: db.description,
      migrationsApplied,
      backgroundTaskNames: runner.names,
      operatorKeyFile: seeded.issuer.operatorKeyFile,
      operatorKeyCreated: seeded.issuer.operatorKeyCreated,
      operatorKeyInDatabase: seeded.issuer.operatorKeyInDatabase,
      demoMerchant: seeded.demoMerchant,
      demoOrganization: seeded.demoOrganization,
      demoCardholder: seeded.demoCardholder,
      securityWarnings,
      logger,
      db,
      http: server,
      billing: app.billing,
      issuerLink: { mode: app.issuerLink.mode, address: app.issuerLink.address() },
      auditLedger: () => app.ledger.audit(),
      taskNames: app.tasks.map((t) => t.name),
      async runTask(name) {
        const task = app.tasks.find((t) => t.name === name);
        if (task === undefined) throw new RangeError(`no background task is named ${JSON.stringify(name)}`);
        await task.run();
      },
      close() {
        closing ??= stop(server, runner.stop(), app.issuerLink, db, logger, config.shutdownTimeoutMs);
        return closing;
      },
    };
  } catch (error) {
    await http?.close().catch(() => undefined);
    await issuerLink?.close().catch(() => undefined);
    await db.close().catch(() => undefined);
    throw error;
  }
}

/**
 * What a first start makes — the issuer's accounts and operator key, the
 * demo merchant, organization and cardholder — each idempotent, and made
 * under the start-up lock so that processes starting at once on one
 * database make them once.
 */
async function seedFirstStart(app: BuiltCardlane, secretStore: SecretStore) {
  const issuer = await app.issuer.prepare(secretStore);
  await app.acquirer.prepare();
  const demoMerchant = await app.acquirer.prepareDemoMerchant();
  const demoOrganization = await app.billing.prepareDemoOrganization();
  const demoCardholder = await app.issuer.prepareDemoCardholder();
  return { issuer, demoMerchant, demoOrganization, demoCardholder };
}

/** Narrows the data directory (and a SQLite file kept elsewhere) to its owner; a warning for each path that was open to others. */
function dataDirWarnings(config: CardlaneConfig): string[] {
  const database = isPostgresUrl(config.database) || config.database === ':memory:' ? [] : sqliteFiles(config.database);
  return securePrivateData(config.dataDir, database).map(
    (t) => `${t.path} was open to other users (mode ${octal(t.fromMode)}); narrowed to ${octal(t.toMode)}. Codes and keys in it may have been read: rotate what matters.`,
  );
}

/**
 * The sandbox providers are always on today (the SMS inbox, the KYC outcome
 * controls, the Alipay sandbox), so listening beyond this machine puts the
 * sandbox's mailboxes and controls within reach of the network: say so.
 */
function networkExposureWarning(http: FastifyInstance): string | null {
  const { address } = http.server.address() as AddressInfo;
  if (isLoopbackAddress(address)) return null;
  return (
    `listening on ${address}, reachable from the network, with the sandbox providers on (SMS inbox, KYC controls, Alipay sandbox): ` +
    'anyone who can reach this port can try them; listen on 127.0.0.1 unless the network is yours alone.'
  );
}

async function listen(http: FastifyInstance, config: CardlaneConfig): Promise<void> {
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
  issuerLink: IssuerLink,
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
  // After the requests that may still be using it, before the database its issuer writes to.
  await issuerLink.close();
  await db.close();
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
