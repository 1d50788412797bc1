import type { FastifyPluginAsync } from 'fastify';
import { webPageContentSecurityPolicy, webPageRoutes } from './web-page-routes.ts';

/**
 * The cardholder app at `/app` (src/web/app/, served as every page is:
 * web-page-routes.ts). It talks only to this origin's `/issuer/v1` and
 * `/doctor/v1`, so its Content-Security-Policy allows nothing else.
 */

export const APP_PATH = '/app';

export const APP_CONTENT_SECURITY_POLICY = webPageContentSecurityPolicy();

export interface AppPageOptions {
  /** Sandbox providers (SMS inbox, KYC, Alipay) stand in for the world: the app then says where their side can be played. */
  readonly sandbox: boolean;
  /**
   * The options a sandbox hint's `npx cardlane …` command needs to reach this
   * server (its data directory, its URL; sandbox-cli-options.ts), asked at
   * each load because the URL is known only once the server listens.
   */
  readonly cliOptions?: () => string;
}

export function appPageRoutes(options: AppPageOptions): FastifyPluginAsync {
  const { cliOptions } = options;
  return webPageRoutes({
    name: 'app',
    path: APP_PATH,
    title: 'cardholder app',
    fill: { sandbox: options.sandbox ? 'true' : 'false' },
    fillAtLoad: () => ({ cliOptions: options.sandbox && cliOptions !== undefined ? cliOptions() : '' }),
  });
}
