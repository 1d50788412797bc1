import type { FastifyPluginAsync } from 'fastify';
import { webPageRoutes } from './web-page-routes.ts';

/**
 * The billing page at `/billing` (src/web/billing/, served as every page is:
 * web-page-routes.ts). It talks to billing's API on this origin and, to
 * tokenize a card as Stripe.js does, to the payment provider — whose origin
 * the Content-Security-Policy adds when it is known.
 */

export const BILLING_PAGE_PATH = '/billing';

export interface BillingPageOptions {
  /** The payment provider's origin, or null while it is not known (the server is not listening yet): the page can then do all but add a card. */
  readonly providerOrigin: () => string | null;
}

export function billingPageRoutes(options: BillingPageOptions): FastifyPluginAsync {
  return webPageRoutes({
    name: 'billing',
    path: BILLING_PAGE_PATH,
    title: 'billing page',
    connectSrc: () => {
      const origin = options.providerOrigin();
      return origin === null ? [] : [origin];
    },
  });
}
