import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

export const OPENAPI_PATH = '/openapi.json';
export const DOCS_PATH = '/docs';

/**
 * The reference page's Content-Security-Policy, on the page and every file
 * under /docs: Swagger UI's scripts, styles and images from this server
 * only (no inline script, no eval), its "Try it out" calls to this server
 * only, no forms, and no framing — the page holds whatever credential a
 * reader types into "Authorize", so no other site may frame it and no
 * injected markup may run. Images may be `data:` URLs: the logo and the
 * icons are inlined that way. The one inline stylesheet allowed, by its
 * hash, is the two colours of Swagger UI's own top-bar logo (a `<style>`
 * in its SVG); a Swagger UI that changes it shows up in
 * test/platform/docs-page.test.ts as a refused style.
 */
const SWAGGER_LOGO_STYLE_HASH = "'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='";
export const DOCS_CSP =
  `default-src 'none'; script-src 'self'; style-src 'self' ${SWAGGER_LOGO_STYLE_HASH}; img-src 'self' data:; font-src 'self' data:; ` +
  "connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'";

/**
 * The OpenAPI 3 document is generated from the routes' own JSON schemas (the
 * same ones Fastify validates with), so it cannot drift from what the server
 * accepts. Must be installed before any route is added: @fastify/swagger
 * collects routes as they are registered.
 *
 * The reference page is Swagger UI served from the package's own files: no
 * CDN, so it works on a machine without internet access.
 *
 * Both are public, read-only and hold no data: they describe the API of an
 * open-source program (what its source says anyway), and an integrator
 * reads them before holding any key, as Stripe publishes its own OpenAPI
 * document. SECURITY.md lists them among the routes anyone may reach.
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
          cardholderAppSession: {
            type: 'apiKey',
            in: 'cookie',
            name: 'cardlane_cardholder',
            description:
              'The cardholder app’s session (POST /issuer/v1/browser-session sets it after the SMS code), named `__Host-cardlane_cardholder` over HTTPS; a change also sends its X-CSRF-Token header.',
          },
          operatorKey: { type: 'http', scheme: 'bearer', description: 'An issuer operator key, op_….' },
          operatorSession: {
            type: 'apiKey',
            in: 'cookie',
            name: 'cardlane_operator',
            description:
              'The operator console’s session (POST /issuer/v1/operator/session exchanges an operator key for it), named `__Host-cardlane_operator` over HTTPS; a change also sends its X-CSRF-Token header.',
          },
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
    // No validator badge: it would send the document to validator.swagger.io.
    uiConfig: { docExpansion: 'list', deepLinking: true, validatorUrl: null },
    staticCSP: DOCS_CSP,
  });
  app.get(OPENAPI_PATH, { schema: { hide: true } }, async () => app.swagger());
}
