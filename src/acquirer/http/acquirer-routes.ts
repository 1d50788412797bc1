import type { FastifyPluginAsync } from 'fastify';
import type { AcquirerDeps } from '../acquirer-deps.ts';
import { acceptStripeForms, stripeRoute, type StripeEndpoint } from '../stripe/route.ts';

/**
 * The acquirer's Stripe-compatible API as one Fastify plugin, mounted at
 * `/v1` (the path the official SDKs use; point them at Cardlane with
 * `host`, `port` and `protocol`). Form parsing is registered inside the
 * plugin only, so the other parties keep their JSON-only bodies.
 */
export function acquirerRoutes(deps: AcquirerDeps, endpoints: ReadonlyArray<StripeEndpoint<any>>): FastifyPluginAsync {
  return async (app) => {
    acceptStripeForms(app);
    for (const endpoint of endpoints) stripeRoute(app, deps, endpoint);
  };
}
