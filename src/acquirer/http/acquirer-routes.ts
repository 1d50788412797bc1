import type { FastifyPluginAsync } from 'fastify';
import type { AcquirerDeps } from '../acquirer-deps.ts';
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
    for (const endpoint of endpoints) stripeRoute(app, deps, endpoint);
  };
}
