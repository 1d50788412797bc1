import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

export const OPENAPI_PATH = '/openapi.json';
export const DOCS_PATH = '/docs';

/**
 * The OpenAPI 3 document is generated from the routes' own JSON schemas (the
 * same ones Fastify validates with), so it cannot drift from what the server
 * accepts. Must be installed before any route is added: @fastify/swagger
 * collects routes as they are registered.
 *
 * The reference page is Swagger UI served from the package's own files: no
 * CDN, so it works on a machine without internet access.
 */
export async function installOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Cardlane',
        version,
        description:
          'The whole path of a card payment: issuer, card network, Stripe-compatible acquirer, merchant billing and a decline doctor.',
      },
      tags: [{ name: 'operations', description: 'Health, readiness and metrics for operators' }],
      components: {
        securitySchemes: {
          cardholderSession: { type: 'http', scheme: 'bearer', description: 'A cardholder session token from POST /issuer/v1/sessions.' },
          operatorKey: { type: 'http', scheme: 'bearer', description: 'An issuer operator key, op_….' },
        },
      },
    },
    // Shared schemas (app.addSchema) become components named by their $id,
    // so `$ref: 'ErrorResponse#'` reads as ErrorResponse in the document.
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, index) => (typeof json.$id === 'string' ? json.$id : `def-${index}`),
    },
  });
  await app.register(swaggerUi, {
    routePrefix: DOCS_PATH,
    uiConfig: { docExpansion: 'list', deepLinking: true },
  });
  app.get(OPENAPI_PATH, { schema: { hide: true } }, async () => app.swagger());
}
