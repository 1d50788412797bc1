import type { FastifyPluginAsync } from 'fastify';
import { webPageRoutes } from './web-page-routes.ts';

/**
 * The operator console at `/console` (src/web/console/, served as every
 * page is: web-page-routes.ts, with the same strict CSP). It talks only to
 * this origin's operator routes, with the session cookie its sign-in sets.
 */

export const CONSOLE_PATH = '/console';

export function consolePageRoutes(): FastifyPluginAsync {
  return webPageRoutes({ name: 'console', path: CONSOLE_PATH, title: 'operator console' });
}
