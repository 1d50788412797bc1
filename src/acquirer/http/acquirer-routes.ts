import type { FastifyPluginAsync } from 'fastify';
import type { AcquirerDeps } from '../acquirer-deps.ts';
import { apiRateGate } from '../stripe/api-rate-limit.ts';
import { allowBrowserCalls } from '../stripe/cors.ts';
import { acceptStripeForms, stripeRoute, type StripeEndpoint } from '../stripe/route.ts';

/**
 * The acquirer's Stripe-compatible API as one Fastify plugin, mounted at
 * `/v1` (the path the official SDKs use; point them at Cardlane with
 * `host`, `port` and `protocol`). Form parsing is registered inside the
 * plugin only, so the other parties keep their JSON-only bodies; so is
 * CORS (cors.ts): browsers may call this API from any origin, as Stripe's.
 */
export function acquirerRoutes(deps: AcquirerDeps, endpoints: ReadonlyArray<StripeEndpoint<any>>): FastifyPluginAsync {
  return async (app) => {
    acceptStripeForms(app);
    allowBrowserCalls(app);
    // One limiter for all of /v1: a key's budget is its account's, whichever endpoint it spends it on.
    const routeDeps = { db: deps.db, clock: deps.clock, apiRateGate: apiRateGate(deps.clock, deps.apiRequestsPerSecond ?? 0) };
    for (const endpoint of endpoints) stripeRoute(app, routeDeps, endpoint);
  };
}
