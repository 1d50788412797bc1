import { readFileSync } from 'node:fs';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { BillingProvider } from '../payments/provider.ts';

/**
 * The billing page: one HTML document and its script and style sheet,
 * served from `src/billing/page/` as they are (no build step, no outside
 * assets). The page talks to `/billing/v1` and, to tokenize a card, to the
 * payment provider — so the Content-Security-Policy allows exactly those
 * two origins to be fetched and nothing inline to run.
 */

const PAGE_DIR = new URL('../page/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, PAGE_DIR), 'utf8');

export const BILLING_PAGE_PATH = '/billing';

export function billingPageRoutes(provider: BillingProvider): FastifyPluginAsync {
  const html = read('billing-page.html');
  const assets: Record<string, { type: string; body: string }> = {
    'billing-page.js': { type: 'text/javascript; charset=utf-8', body: read('billing-page.js') },
    'billing-page.css': { type: 'text/css; charset=utf-8', body: read('billing-page.css') },
    'billing-icon.svg': { type: 'image/svg+xml', body: read('billing-icon.svg') },
  };

  function providerOrigin(): string | null {
    try {
      return new URL(provider.endpoint().baseUrl).origin;
    } catch {
      // No provider yet (the server is not listening): the page can still sign in and show everything but add a card.
      return null;
    }
  }

  function common(reply: FastifyReply, type: string): FastifyReply {
    return reply
      .type(type)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-cache');
  }

  return async (app) => {
    const page = async (_request: unknown, reply: FastifyReply) => {
      const origin = providerOrigin();
      const connect = origin === null ? "'self'" : `'self' ${origin}`;
      common(reply, 'text/html; charset=utf-8')
        .header(
          'content-security-policy',
          `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src ${connect}; form-action 'none'; base-uri 'none'; frame-ancestors 'none'`,
        )
        .header('x-frame-options', 'DENY');
      return html;
    };
    app.get(BILLING_PAGE_PATH, { schema: { hide: true } }, page);
    app.get(`${BILLING_PAGE_PATH}/`, { schema: { hide: true } }, page);
    app.get<{ Params: { name: string } }>(`${BILLING_PAGE_PATH}/assets/:name`, { schema: { hide: true } }, async (request, reply) => {
      const asset = Object.hasOwn(assets, request.params.name) ? assets[request.params.name] : undefined;
      if (asset === undefined) return reply.callNotFound();
      common(reply, asset.type);
      return asset.body;
    });
  };
}
