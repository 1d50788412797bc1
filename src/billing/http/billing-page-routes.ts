import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyBaseLogger, FastifyPluginAsync, FastifyReply } from 'fastify';
import type { RouteTypes } from '../../platform/http/typed-route.ts';
import { BillingError } from '../errors.ts';
import type { BillingProvider } from '../payments/provider.ts';

/**
 * The billing page: one HTML document, its style sheet and icon (next to
 * this code: src/billing/page/, or dist/billing/page/ where the build copies
 * them), and its scripts — TypeScript compiled for the browser by the build
 * (src/billing/page/tsconfig.json) into dist/billing/page/, found from the
 * package root whether the server itself runs from src/ or from dist/. No
 * outside assets. The page talks to `/billing/v1` and, to tokenize a card,
 * to the payment provider — so the Content-Security-Policy allows exactly
 * those two origins to be fetched and nothing inline to run.
 */

const PAGE_DIR = new URL('../page/', import.meta.url);
// src/billing/http/ and dist/billing/http/ are both three levels below the package root.
const PACKAGE_ROOT = new URL('../../../', import.meta.url);
const SCRIPTS_DIR = new URL('dist/billing/page/', PACKAGE_ROOT);
const SCRIPT_NAME = /^[a-z][a-z0-9-]*\.js$/;
const NOT_BUILT = `the billing page is not built: ${fileURLToPath(SCRIPTS_DIR)} is missing; run \`npm run build\``;

const assetParams = { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } as const;

const read = (name: string) => readFileSync(new URL(name, PAGE_DIR), 'utf8');

export const BILLING_PAGE_PATH = '/billing';

interface Asset {
  readonly type: string;
  readonly body: string;
}

const SCRIPT_TYPE = 'text/javascript; charset=utf-8';

/** The page's compiled scripts by file name, or null when they are not built. */
function loadScripts(): Map<string, Asset> | null {
  if (!existsSync(new URL('billing-page.js', SCRIPTS_DIR))) return null;
  const scripts = new Map<string, Asset>();
  for (const name of readdirSync(SCRIPTS_DIR)) {
    if (SCRIPT_NAME.test(name)) scripts.set(name, { type: SCRIPT_TYPE, body: readFileSync(new URL(name, SCRIPTS_DIR), 'utf8') });
  }
  return scripts;
}

export function billingPageRoutes(provider: BillingProvider): FastifyPluginAsync {
  const html = read('billing-page.html');
  const assets = new Map<string, Asset>([
    ['billing-page.css', { type: 'text/css; charset=utf-8', body: read('billing-page.css') }],
    ['billing-icon.svg', { type: 'image/svg+xml', body: read('billing-icon.svg') }],
  ]);
  // Read once; when missing, looked for again on each request, so a build made while the server runs is picked up.
  let scripts = loadScripts();

  /** The page's scripts; when they are not built, the log says so and the request fails (503). */
  function scriptsOrFail(log: FastifyBaseLogger): Map<string, Asset> {
    scripts ??= loadScripts();
    if (scripts === null) {
      log.error(NOT_BUILT);
      throw new BillingError('service_unavailable', 'The billing page is not built on this server.');
    }
    return scripts;
  }

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
    if (scripts === null) app.log.error(NOT_BUILT);
    const page = async (request: { log: FastifyBaseLogger }, reply: FastifyReply) => {
      scriptsOrFail(request.log);
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
    app.get<RouteTypes<{ params: typeof assetParams }>>(`${BILLING_PAGE_PATH}/assets/:name`, { schema: { hide: true, params: assetParams } }, async (request, reply) => {
      const { name } = request.params;
      const asset = assets.get(name) ?? (SCRIPT_NAME.test(name) ? scriptsOrFail(request.log).get(name) : undefined);
      if (asset === undefined) return reply.callNotFound();
      common(reply, asset.type);
      return asset.body;
    });
  };
}
