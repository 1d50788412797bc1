import { existsSync, readFileSync } from 'node:fs';
import { brotliCompressSync, gzipSync, constants as zlib } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors.ts';
import type { RouteTypes } from '../../platform/http/typed-route.ts';
import { pickAppLanguage } from './app-language.ts';

/**
 * Serves one of Cardlane's browser pages (src/web/<name>/): its HTML
 * document (copied next to the compiled server code by the build) and the
 * bundle `scripts/build.mjs` makes with esbuild into dist/web/<name>/assets/
 * — found from the package root whether this code runs from src/ or dist/.
 *
 * Every page gets the same strict Content-Security-Policy: scripts and
 * styles from this origin only, nothing inline, no frames around it; a page
 * may add origins it must fetch from (the billing page tokenizes cards at
 * the payment provider). The document's `{{lang}}` is the language chosen
 * from Accept-Language; other `{{name}}`s come from the page's options. Each
 * asset is compressed once at load (brotli, else gzip) and sent as the
 * client accepts.
 */

const ASSET_TYPES: Readonly<Record<string, string>> = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'icon.svg': 'image/svg+xml',
};

export function webPageContentSecurityPolicy(connectSrc: readonly string[] = []): string {
  return (
    `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src ${["'self'", ...connectSrc].join(' ')}; ` +
    "form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
  );
}

export interface WebPage {
  /** The folder under src/web/ (and dist/web/) the page is built from. */
  readonly name: string;
  /** Where it is served, e.g. `/app`; its assets are under `{path}/assets/`. */
  readonly path: string;
  /** What to call it in the log and the 503 when it is not built. */
  readonly title: string;
  /** Values put into the document for `{{key}}` (attributes only: nothing inline runs). */
  readonly fill?: Readonly<Record<string, string>>;
  /** Values for `{{key}}` known only at each load (e.g. once the server listens); HTML-escaped, for attributes. */
  readonly fillAtLoad?: () => Readonly<Record<string, string>>;
  /** Origins besides this one the page fetches from, asked at each load (they may be known only once the server listens). */
  readonly connectSrc?: () => readonly string[];
}

interface Asset {
  readonly type: string;
  readonly body: Buffer;
  readonly br: Buffer;
  readonly gzip: Buffer;
}

function loadAssets(dir: URL): Map<string, Asset> | null {
  if (!existsSync(new URL('app.js', dir))) return null;
  const assets = new Map<string, Asset>();
  for (const [name, type] of Object.entries(ASSET_TYPES)) {
    const file = new URL(name, dir);
    if (!existsSync(file)) continue;
    const body = readFileSync(file);
    assets.set(name, {
      type,
      body,
      br: brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }),
      gzip: gzipSync(body, { level: 9 }),
    });
  }
  return assets;
}

function secure(reply: FastifyReply): FastifyReply {
  return reply
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cross-origin-opener-policy', 'same-origin')
    .header('cross-origin-resource-policy', 'same-origin');
}

function sendAsset(request: FastifyRequest, reply: FastifyReply, asset: Asset): Buffer {
  const accepted = String(request.headers['accept-encoding'] ?? '');
  secure(reply).type(asset.type).header('cache-control', 'no-cache').header('vary', 'accept-encoding');
  if (/\bbr\b/.test(accepted)) {
    reply.header('content-encoding', 'br');
    return asset.br;
  }
  if (/\bgzip\b/.test(accepted)) {
    reply.header('content-encoding', 'gzip');
    return asset.gzip;
  }
  return asset.body;
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const assetParams = { type: 'object', required: ['name'], properties: { name: { type: 'string', maxLength: 64 } } } as const;

export function webPageRoutes(page: WebPage): FastifyPluginAsync {
  const template = readFileSync(new URL(`../${page.name}/index.html`, import.meta.url), 'utf8');
  // src/web/serve/ and dist/web/serve/ are both three levels below the package root.
  const assetsDir = new URL(`../../../dist/web/${page.name}/assets/`, import.meta.url);
  const notBuilt = `the ${page.title} is not built: ${fileURLToPath(assetsDir)} is missing; run \`npm run build\``;
  let document = template;
  for (const [key, value] of Object.entries(page.fill ?? {})) document = document.replaceAll(`{{${key}}}`, value);
  // Read once; when missing, looked for again on each request, so a build made while the server runs is picked up.
  let assets = loadAssets(assetsDir);
  const assetsOrFail = (request: FastifyRequest): Map<string, Asset> => {
    assets ??= loadAssets(assetsDir);
    if (assets === null) {
      request.log.error(notBuilt);
      throw new AppError('service_unavailable', `The ${page.title} is not built on this server.`);
    }
    return assets;
  };

  return async (app) => {
    if (assets === null) app.log.error(notBuilt);
    const serveDocument = async (request: FastifyRequest, reply: FastifyReply) => {
      assetsOrFail(request);
      const lang = pickAppLanguage(request.headers['accept-language']);
      secure(reply)
        .type('text/html; charset=utf-8')
        .header('content-security-policy', webPageContentSecurityPolicy(page.connectSrc?.() ?? []))
        .header('x-frame-options', 'DENY')
        .header('cache-control', 'no-store')
        .header('vary', 'accept-language');
      let filled = document;
      for (const [key, value] of Object.entries(page.fillAtLoad?.() ?? {})) filled = filled.replaceAll(`{{${key}}}`, escapeAttribute(value));
      return filled.replaceAll('{{lang}}', lang);
    };
    app.get(page.path, { schema: { hide: true } }, serveDocument);
    app.get(`${page.path}/`, { schema: { hide: true } }, serveDocument);
    app.get<RouteTypes<{ params: typeof assetParams }>>(`${page.path}/assets/:name`, { schema: { hide: true, params: assetParams } }, async (request, reply) => {
      const asset = assetsOrFail(request).get(request.params.name);
      if (asset === undefined) return reply.callNotFound();
      return sendAsset(request, reply, asset);
    });
  };
}
