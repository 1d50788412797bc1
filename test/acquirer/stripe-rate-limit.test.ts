import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import Stripe from 'stripe';
import { acquirerEndpoints } from '../../src/acquirer/acquirer-endpoints.ts';
import { acquirerConfigSection } from '../../src/acquirer/config.ts';
import { acquirerRoutes } from '../../src/acquirer/http/acquirer-routes.ts';
import { claimIdempotencyKey } from '../../src/acquirer/stripe/idempotency-keys.ts';
import { hashRequest } from '../../src/platform/idempotency.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { createHttpServer } from '../../src/platform/http/server.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';

// Issue 20, item 6: Stripe's 429 `rate_limit` (configurable, off by default)
// and one behaviour for concurrent requests with one Idempotency-Key.

let f: AcquirerFixture;
let limited: FastifyInstance | undefined;
beforeEach(async () => {
  f = await acquirerFixture({ endpoints: acquirerEndpoints });
});
afterEach(async () => {
  await limited?.close();
  limited = undefined;
  await f.close();
});

/** The same acquirer served with a per-key limit, as `acquirer.apiRequestsPerSecond` configures it. */
async function limitedServer(perSecond: number): Promise<{ stripeFor: (key: string) => Stripe }> {
  const deps = { ...f.deps, apiRequestsPerSecond: perSecond };
  limited = await createHttpServer({ db: f.db, logger: createLogger({ level: 'silent' }), version: 'test', routes: [{ plugin: acquirerRoutes(deps, acquirerEndpoints(deps)), prefix: '/v1' }] });
  await limited.listen({ host: '127.0.0.1', port: 0 });
  const { port } = limited.server.address() as { port: number };
  return { stripeFor: (key) => new Stripe(key, { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0, telemetry: false }) };
}

test('the limit is off by default and set with acquirer.apiRequestsPerSecond or CARDLANE_ACQUIRER_API_REQUESTS_PER_SECOND', async () => {
  const load = (env: Record<string, string>) => loadConfig({ env: { CARDLANE_DATA_DIR: '/nonexistent-cardlane-test', ...env } }, [acquirerConfigSection]);
  assert.equal(load({}).acquirer.apiRequestsPerSecond, 0);
  assert.equal(load({ CARDLANE_ACQUIRER_API_REQUESTS_PER_SECOND: '25' }).acquirer.apiRequestsPerSecond, 25);
  assert.throws(() => load({ CARDLANE_ACQUIRER_API_REQUESTS_PER_SECOND: 'fast' }), /apiRequestsPerSecond/);
  // Off: many more requests than any limit below, all answered.
  const answers = await Promise.all(Array.from({ length: 30 }, () => f.stripe.customers.list({ limit: 1 })));
  assert.equal(answers.length, 30);
});

test('over the per-key limit: 429 rate_limit (StripeRateLimitError) with Retry-After; another key has its own budget; the clock refills it', async () => {
  const server = await limitedServer(3);
  const stripe = server.stripeFor(f.merchant.secretKey);
  for (let i = 0; i < 3; i += 1) await stripe.customers.create({ email: `c${i}@example.com` });
  const refused = await stripe.customers.create({ email: 'late@example.com' }).then(
    () => assert.fail('the fourth request within the second must be refused'),
    (error: unknown) => error,
  );
  assert.ok(refused instanceof Stripe.errors.StripeRateLimitError, String(refused));
  assert.equal(refused.statusCode, 429);
  assert.equal(refused.code, 'rate_limit');
  assert.equal(refused.headers?.['retry-after'], '1');
  // The refused request changed nothing.
  assert.equal((await f.stripe.customers.list({ limit: 10 })).data.length, 3);

  const other = await f.addMerchant({ name: 'Other' });
  await server.stripeFor(other.secretKey).customers.list();

  f.clock.advanceMs(1_000);
  await stripe.customers.create({ email: 'after-a-second@example.com' });
});

test('one Idempotency-Key while its first request is in flight: 409 idempotency_key_in_use (the SDK retries it), then the saved answer', async () => {
  const params = { email: 'once@example.com' };
  // The first request holds the key (claimed, not finished), as a request still running does.
  const requestHash = hashRequest({ method: 'POST', path: '/v1/customers', params });
  const held = await claimIdempotencyKey(f.db, { merchantId: f.merchant.merchant.id, key: 'in-flight', requestHash, nowMs: f.clock.nowMs() });
  assert.equal(held.kind, 'claimed');
  const second = await f.stripe.customers.create(params, { idempotencyKey: 'in-flight' }).then(
    () => assert.fail('a second request while the first runs must be refused'),
    (error: unknown) => error,
  );
  assert.ok(second instanceof Stripe.errors.StripeIdempotencyError || second instanceof Stripe.errors.StripeError, String(second));
  assert.deepEqual([(second as Stripe.errors.StripeError).statusCode, (second as Stripe.errors.StripeError).code], [409, 'idempotency_key_in_use']);
  assert.equal((await f.stripe.customers.list()).data.length, 0, 'the refused request created nothing');

  // Once a request with a key has finished, every later one with that key gets its saved answer.
  const first = await f.stripe.customers.create({ email: 'done@example.com' }, { idempotencyKey: 'finished' });
  const again = await f.stripe.customers.create({ email: 'done@example.com' }, { idempotencyKey: 'finished' });
  assert.equal(again.id, first.id);
  assert.equal(again.lastResponse.headers['idempotent-replayed'], 'true');
});
