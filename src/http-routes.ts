import type { Clock } from './platform/clock.ts';
import type { Config } from './platform/config.ts';
import type { Database } from './platform/db/database.ts';
import type { RoutePlugin } from './platform/http/server.ts';

/**
 * Every party's HTTP routes, mounted on the one server by `runtime.ts`.
 * Each module exports a Fastify plugin for its own routes (with JSON schemas,
 * which become the OpenAPI document) and is added here with its prefix, e.g.
 * `{ plugin: acquirerRoutes(db, clock), prefix: '/acquirer/v1' }`.
 */
export function httpRoutes(db: Database, clock: Clock, config: Config): RoutePlugin[] {
  return [];
}
