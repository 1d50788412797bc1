import { existsSync, readFileSync } from 'node:fs';
import { brotliCompressSync, gzipSync, constants as zlib } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors.ts';
import type { RouteTypes } from '../../platform/http/typed-route.ts';
import { pickAppLanguage } from './app-language.ts';

/**
 * The cardholder app at `/app`: one HTML document (src/web/app/index.html,
 * copied next to the compiled server code by the build) and the bundle that
 * `scripts/build.mjs` makes with esbuild into dist/web/app/assets/ — found
 * from the package root whether this code runs from src/ or from dist/.
 *
 * The app talks only to this origin's `/issuer/v1` and `/doctor/v1`, so the
 * Content-Security-Policy allows exactly that: scripts and styles from here,
 * nothing inline, no frames around it. Each asset is compressed once at
 * load (brotli, else gzip) and sent as the client accepts.
 */

export const APP_PATH = '/app';

const HTML_FILE = new URL('../app/index.html', import.meta.url);
// src/web/serve/ and dist/web/serve/ are both three levels below the package root.
const ASSETS_DIR = new URL('../../../dist/web/app/assets/', import.meta.url);
const ASSET_TYPES: Readonly<Record<string, string>> = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'icon.svg': 'image/svg+xml',
};
const NOT_BUILT = `the cardholder app is not built: ${fileURLToPath(ASSETS_DIR)} is missing; run \`npm run build\``;

export const APP_CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "form-action 'none'; base-uri 'none'; frame-ancestors 'none'";

interface Asset {
  readonly type: string;
  readonly body: Buffer;
  readonly br: Buffer;
  readonly gzip: Buffer;
}

export interface AppPageOptions {
  /** Sandbox providers (SMS inbox, KYC, Alipay) stand in for the world: the app then says where their side can be played. */
  readonly sandbox: boolean;
}

function loadAssets(): Map<string, Asset> | null {
  if (!existsSync(new URL('app.js', ASSETS_DIR))) return null;
  const assets = new Map<string, Asset>();
  for (const [name, type] of Object.entries(ASSET_TYPES)) {
    const file = new URL(name, ASSETS_DIR);
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

const assetParams = { type: 'object', required: ['name'], properties: { name: { type: 'string', maxLength: 64 } } } as const;

export function appPageRoutes(options: AppPageOptions): FastifyPluginAsync {
  const template = readFileSync(HTML_FILE, 'utf8');
  // Read once; when missing, looked for again on each request, so a build made while the server runs is picked up.
  let assets = loadAssets();
  const assetsOrFail = (request: FastifyRequest): Map<string, Asset> => {
    assets ??= loadAssets();
    if (assets === null) {
      request.log.error(NOT_BUILT);
      throw new AppError('service_unavailable', 'The cardholder app is not built on this server.');
    }
    return assets;
  };

  return async (app) => {
    if (assets === null) app.log.error(NOT_BUILT);
    const page = async (request: FastifyRequest, reply: FastifyReply) => {
      assetsOrFail(request);
      const lang = pickAppLanguage(request.headers['accept-language']);
      // The language and the sandbox flag ride in the document (attributes, not script): nothing inline runs.
      const html = template.replaceAll('{{lang}}', lang).replaceAll('{{sandbox}}', options.sandbox ? 'true' : 'false');
      secure(reply)
        .type('text/html; charset=utf-8')
        .header('content-security-policy', APP_CONTENT_SECURITY_POLICY)
        .header('x-frame-options', 'DENY')
        .header('cache-control', 'no-store')
        .header('vary', 'accept-language');
      return html;
    };
    app.get(APP_PATH, { schema: { hide: true } }, page);
    app.get(`${APP_PATH}/`, { schema: { hide: true } }, page);
    app.get<RouteTypes<{ params: typeof assetParams }>>(`${APP_PATH}/assets/:name`, { schema: { hide: true, params: assetParams } }, async (request, reply) => {
      const asset = assetsOrFail(request).get(request.params.name);
      if (asset === undefined) return reply.callNotFound();
      return sendAsset(request, reply, asset);
    });
  };
}
