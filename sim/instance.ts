import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadDeploymentSecrets, openSecretStore } from '../src/app/secrets.ts';
import { buildCardlane, type BuiltCardlane } from '../src/app/build.ts';
import { loadCardlaneConfig } from '../src/app/config.ts';
import { allMigrations } from '../src/app/modules.ts';
import type { ManualClock } from '../src/platform/clock.ts';
import type { Database } from '../src/platform/db/database.ts';
import { migrate, withStartupLock } from '../src/platform/db/migrations.ts';
import { openDatabase } from '../src/platform/db/open.ts';
import { PostgresDatabase } from '../src/platform/db/postgres.ts';
import { createHttpServer } from '../src/platform/http/server.ts';
import { IdGenerator, seededRandom } from '../src/platform/ids.ts';
import { createLogger } from '../src/platform/logger.ts';
import type { Runtime } from '../src/platform/module.ts';
import type { BackgroundTask } from '../src/platform/task-runner.ts';
import { VERSION } from '../src/version.ts';
import { CrashableDatabase } from './crashable-db.ts';

/** The issuer time-out the simulated network runs with: short, so a slow issuer can be played in real milliseconds. */
export const SIM_ISSUER_TIMEOUT_MS = 60;

export interface InstanceOptions {
  readonly database: string;
  readonly dataDir: string;
  readonly clock: ManualClock;
  /** Seeds this generation's ids and random bytes (the run's seed and the restart count). */
  readonly randomSeed: number;
}

/**
 * One life of the Cardlane process: the start sequence of src/app/start.ts
 * (migrate, build through the composition root, first-start seeds, routes),
 * but with the virtual clock, seeded randomness, a crashable database
 * handle, no listening socket (requests go through Fastify's `inject`) and
 * no timers for the tasks (the simulator steps them under its clock).
 */
export interface Instance {
  readonly db: CrashableDatabase;
  readonly http: FastifyInstance;
  readonly app: BuiltCardlane;
  readonly tasks: readonly BackgroundTask[];
  readonly merchantSecretKey: string;
  readonly operatorKey: string;
}

export function writeSimConfig(dataDir: string): void {
  // A config file the program reads as any deployment's: the short issuer time-out for playing slow issuers.
  writeFileSync(join(dataDir, 'cardlane.json'), JSON.stringify({ payments: { issuerTimeoutMs: SIM_ISSUER_TIMEOUT_MS } }));
}

export async function startInstance(options: InstanceOptions): Promise<Instance> {
  const config = loadCardlaneConfig({ flags: { dataDir: options.dataDir, database: options.database, logLevel: 'silent' }, env: {}, cwd: options.dataDir });
  const raw = openDatabase(config.database);
  await prepareSchema(raw, options.clock.nowMs());
  const db = new CrashableDatabase(raw);
  const random = seededRandom(options.randomSeed);
  const logger = createLogger({ level: 'silent' });
  const runtime: Runtime = { db, clock: options.clock, ids: new IdGenerator(options.clock, random), random, config, logger };
  const self = {
    url(): string {
      // Billing pays through this server over HTTP; the simulator does not drive billing (it has no socket).
      throw new Error('the simulated server does not listen on a socket');
    },
  };
  // The deployment's secrets, as every process reads them (sealed in the database under the data directory's master key).
  const secretStore = openSecretStore(db, config, options.clock);
  const secrets = await loadDeploymentSecrets(secretStore, config, logger);
  const app = buildCardlane(runtime, config, self, secrets);
  const seeded = await withStartupLock(db, async () => {
    const issuer = await app.issuer.prepare(secretStore);
    await app.acquirer.prepare();
    const demoMerchant = await app.acquirer.prepareDemoMerchant();
    await app.billing.prepareDemoOrganization();
    await app.issuer.prepareDemoCardholder();
    return { issuer, demoMerchant };
  });
  const http = await createHttpServer({ db, logger, version: VERSION, routes: app.routes, limits: config.http });
  await http.ready();
  const operatorKeyFile = seeded.issuer.operatorKeyFile;
  if (operatorKeyFile === null) throw new Error('the simulated issuer has no operator key file');
  return {
    db,
    http,
    app,
    tasks: app.tasks,
    merchantSecretKey: seeded.demoMerchant.secret_key,
    operatorKey: readFileSync(operatorKeyFile, 'utf8').trim(),
  };
}

async function prepareSchema(db: Database, nowMs: number): Promise<void> {
  // Migrations run on the real handle: they are not where the crashes under test happen.
  if (db instanceof PostgresDatabase) await db.ensureSchema();
  await migrate(db, allMigrations, nowMs);
}
