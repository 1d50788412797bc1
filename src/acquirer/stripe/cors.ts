import type { FastifyInstance } from 'fastify';

/**
 * Lets browsers call the Stripe-compatible API from any origin, as Stripe's
 * own API does: a merchant's checkout page tokenizes a card with its
 * publishable key straight from the customer's browser, so that the card
 * number never touches the merchant's servers. Keys travel in the
 * `Authorization` header, never in cookies, so allowing every origin grants
 * a page nothing its key does not already grant (and no credentials are
 * allowed). Preflights are answered here; every answer — errors included, so
 * a page can read why it was refused — carries the headers.
 */

const ALLOWED_METHODS = 'GET, POST, DELETE';
const ALLOWED_HEADERS = 'Authorization, Content-Type, Idempotency-Key, Stripe-Version, Stripe-Account';
/** What a page may read of an answer besides the body. */
const EXPOSED_HEADERS = 'Request-Id, Idempotent-Replayed';
const PREFLIGHT_MAX_AGE_S = 300;

export function allowBrowserCalls(app: FastifyInstance): void {
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('access-control-allow-origin', '*');
    reply.header('access-control-expose-headers', EXPOSED_HEADERS);
  });
  app.options('/*', { schema: { hide: true } }, async (_request, reply) => {
    reply.header('access-control-allow-methods', ALLOWED_METHODS);
    reply.header('access-control-allow-headers', ALLOWED_HEADERS);
    reply.header('access-control-max-age', String(PREFLIGHT_MAX_AGE_S));
    return reply.status(204).send();
  });
}
