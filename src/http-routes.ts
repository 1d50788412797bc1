import type { Clock } from './platform/clock.ts';
import type { Config } from './platform/config.ts';
import type { Database } from './platform/db/database.ts';
import type { RoutePlugin } from './platform/http/server.ts';
import { cryptoRandom } from './platform/ids.ts';
import { identityRoutes } from './issuer/http/identity-routes.ts';
import { createSandboxIdentityDeps } from './issuer/identity/create-identity-deps.ts';
import { loadOrCreateKeyring } from './issuer/keyring-file.ts';

/**
 * Every party's HTTP routes, mounted on the one server by `runtime.ts`.
 * Each module exports a Fastify plugin for its own routes (with JSON schemas,
 * which become the OpenAPI document) and is added here with its prefix, e.g.
 * `{ plugin: acquirerRoutes(db, clock), prefix: '/acquirer/v1' }`.
 */
export function httpRoutes(db: Database, clock: Clock, config: Config): RoutePlugin[] {
  const keyring = loadOrCreateKeyring(config.dataDir, cryptoRandom);
  const identity = createSandboxIdentityDeps({ clock, otpPepper: keyring.otpPepper });
  return [{ plugin: identityRoutes({ db, deps: identity }), prefix: '/issuer/v1' }];
}
