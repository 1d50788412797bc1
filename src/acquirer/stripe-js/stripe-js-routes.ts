import type { FastifyPluginAsync } from 'fastify';
import { CARD_ELEMENT_CSS, CARD_ELEMENT_HTML, CARD_ELEMENT_JS } from './card-element-source.ts';
import { STRIPE_JS } from './stripe-js-source.ts';

/**
 * The Stripe.js stand-in at /js: `stripe.js` for the merchant's page (any
 * origin may load it, as Stripe's), and the card element's frame. The frame
 * may be embedded by any page (it is the merchant's checkout that embeds
 * it); its own scripts and calls are Cardlane's only.
 */
const FRAME_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors *";
const CACHE = 'no-cache';

export function stripeJsRoutes(): FastifyPluginAsync {
  return async (app) => {
    const asset = (path: string, type: string, body: string, headers: Record<string, string> = {}) =>
      app.get(path, { schema: { hide: true } }, async (_request, reply) => {
        reply.header('cache-control', CACHE).header('access-control-allow-origin', '*').header('x-content-type-options', 'nosniff');
        for (const [name, value] of Object.entries(headers)) reply.header(name, value);
        return reply.type(type).send(body);
      });
    asset('/stripe.js', 'text/javascript; charset=utf-8', STRIPE_JS);
    asset('/card-element.html', 'text/html; charset=utf-8', CARD_ELEMENT_HTML, { 'content-security-policy': FRAME_POLICY });
    asset('/card-element.js', 'text/javascript; charset=utf-8', CARD_ELEMENT_JS);
    asset('/card-element.css', 'text/css; charset=utf-8', CARD_ELEMENT_CSS);
  };
}
