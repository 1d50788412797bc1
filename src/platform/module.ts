import type { Clock } from './clock.ts';
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import type { Migration } from './db/migrations.ts';
import type { ErrorTable } from './errors.ts';
import type { RoutePlugin } from './http/server.ts';
import type { IdGenerator, RandomSource } from './ids.ts';
import type { Logger } from './logger.ts';
import type { BackgroundTask } from './task-runner.ts';

/**
 * How a module describes itself to the composition root (`src/app/`), as
 * Medusa's modules do in `module-definition.ts`: its own migrations and
 * error codes, and a builder that makes its routes, background tasks and
 * public API from the dependencies it is given. The platform only defines
 * the shape; it never imports a module.
 */
export interface ModuleDescription<Deps, Api> {
  /** Short and stable, e.g. `issuer`: names the module in logs and checks. */
  readonly name: string;
  /** Applied in this order, after the modules listed before this one; ids are never renamed or reordered once released. */
  readonly migrations: readonly Migration[];
  /** The codes the module's own error class throws (see `moduleErrors`); empty when it only throws the platform's. */
  readonly errorCodes: ErrorTable;
  build(deps: Deps): BuiltModule<Api>;
}

/** What a module's builder returns. */
export interface BuiltModule<Api> {
  readonly routes: readonly RoutePlugin[];
  readonly tasks: readonly BackgroundTask[];
  /** What other modules (through the composition root) and the program may use. */
  readonly api: Api;
}

/**
 * What every module is built with: one of each, made once by the
 * composition root and shared, so there is one id generator and one clock
 * in a running Cardlane.
 */
export interface Runtime {
  readonly db: Database;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly random: RandomSource;
  readonly config: Config;
  readonly logger: Logger;
}

/** The address a running server answers at: known only once it listens, so it is read when needed rather than passed as a value. */
export interface ServerAddress {
  /** The base URL, e.g. http://127.0.0.1:4400; throws before the server listens. */
  url(): string;
}
