import type { Clock } from './platform/clock.ts';
import type { Config } from './platform/config.ts';
import type { Database } from './platform/db/database.ts';
import type { RoutePlugin } from './platform/http/server.ts';
import { cryptoRandom, IdGenerator } from './platform/ids.ts';
import { acquirerEndpoints } from './acquirer/acquirer-endpoints.ts';
import { acquirerRoutes } from './acquirer/http/acquirer-routes.ts';
import { billingServices } from './billing/billing-services.ts';
import { billingRoutes } from './billing/http/billing-routes.ts';
import { subscriptionRoutes } from './billing/http/subscription-routes.ts';
import { autoRechargeRoutes } from './billing/http/auto-recharge-routes.ts';
import { billingPageAndSessions } from './billing/billing-page-start.ts';
import { merchantApiRoutes } from './billing/merchant-api-routes.ts';
import { doctorHttpRoutes } from './doctor/doctor-start.ts';
import { Ledger } from './ledger/ledger.ts';
import { cardRoutes } from './issuer/http/card-routes.ts';
import { paymentParties } from './payment-parties.ts';
import { runtimeCardDeps } from './issuer/cards/card-deps.ts';
import { identityRoutes } from './issuer/http/identity-routes.ts';
import { moneyRoutes } from './issuer/http/money-routes.ts';
import { issuerServices } from './issuer/issuer-services.ts';
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
  const money = issuerServices(db, clock, config);
  const { acquirer } = paymentParties(db, clock, config);
  return [
    // The acquirer answers at /v1 because that is the path the official Stripe SDKs call.
    { plugin: acquirerRoutes(acquirer, acquirerEndpoints(acquirer)), prefix: '/v1' },
    {
      plugin: merchantApiRoutes(
        db,
        { clock, ids: new IdGenerator(clock, cryptoRandom), random: cryptoRandom, ledger: new Ledger(clock) },
        { afterUsage: (orgId) => void billingServices(db, clock, config).autoRecharge.nudge(orgId) },
      ),
      prefix: '/merchant/v1',
    },
    { plugin: billingRoutes(billingServices(db, clock, config)), prefix: '/billing/v1' },
    { plugin: subscriptionRoutes(billingServices(db, clock, config)), prefix: '/billing/v1' },
    { plugin: autoRechargeRoutes(billingServices(db, clock, config)), prefix: '/billing/v1' },
    billingPageAndSessions(db, clock, config),
    { plugin: identityRoutes({ db, deps: identity }), prefix: '/issuer/v1' },
    { plugin: moneyRoutes({ db, clock, ledger: money.money.ledger, ...money }), prefix: '/issuer/v1' },
    { plugin: cardRoutes({ db, deps: runtimeCardDeps({ ledger: money.money.ledger, clock, keyring, sms: identity.sms }) }), prefix: '/issuer/v1' },
    doctorHttpRoutes(db, clock, config),
  ];
}
