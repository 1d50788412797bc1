import type { FastifyPluginAsync } from 'fastify';
import { DOCS_PATH, OPENAPI_PATH } from '../platform/http/openapi.ts';
import { VERSION } from '../version.ts';
import { APP_PATH, BILLING_PAGE_PATH, CONSOLE_PATH } from '../web/index.ts';

/**
 * `GET /`: where each part of Cardlane is. It is the first address
 * `cardlane up` prints, so a person opens it first, and a client finding
 * its way reads it as GitHub's API root is read; it answered a JSON 404.
 * Paths only, relative to this origin: the answer is the same behind any
 * proxy or port.
 */
export const frontDoorRoutes: FastifyPluginAsync = async (app) => {
  app.get('/', { schema: { hide: true } }, async () => ({
    object: 'cardlane',
    version: VERSION,
    pages: { cardholder_app: APP_PATH, billing: BILLING_PAGE_PATH, operator_console: CONSOLE_PATH, api_reference: DOCS_PATH },
    apis: {
      stripe_compatible: '/v1',
      issuer: '/issuer/v1',
      merchant_billing: '/billing/v1',
      openai_compatible: '/merchant/v1',
      doctor: '/doctor/v1',
      operator: '/operator/v1',
      openapi: OPENAPI_PATH,
    },
    operations: { health: '/healthz', readiness: '/readyz', metrics: '/metrics' },
  }));
};
