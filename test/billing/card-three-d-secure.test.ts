import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type Stripe from 'stripe';
import { createBillingServices } from '../../src/billing/billing-services.ts';
import { billingRoutes } from '../../src/billing/http/billing-routes.ts';
import { createOrganization } from '../../src/billing/organizations.ts';
import { listAttempts } from '../../src/billing/payments/payment-attempts.ts';
import { CHALLENGE_WINDOW_MS } from '../../src/billing/payments/payment-methods.ts';
import { BillingProvider } from '../../src/billing/payments/provider.ts';
import { createHttpServer } from '../../src/platform/http/server.ts';
import { IdGenerator, seededRandom } from '../../src/platform/ids.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { browse, pressChallengeButton, threeDSecureFixture, type ThreeDSecureFixture } from '../support/three-d-secure-fixture.ts';
import { BILLING_TEST_CONFIG } from './payments-fixture.ts';

/**
 * Adding a card the bank wants 3-D Secure for, over billing's API as the
 * billing page uses it: the add answers `requires_action` with the bank's
 * challenge page, the browser completes (or fails) the challenge and comes
 * back to the billing page, and billing finishes the verification by
 * reading the provider's set-up — one set-up per card, however often the
 * page asks.
 */

let f: ThreeDSecureFixture;
let app: FastifyInstance;
let billingUrl: string;
let newOrg: () => Promise<{ orgId: string; apiKey: string }>;

beforeEach(async () => {
  f = await threeDSecureFixture();
  const provider = new BillingProvider({ stripeBaseUrl: f.url, stripeSecretKey: f.merchant.secretKey, stripePublishableKey: f.merchant.publishableKey }, '/nonexistent');
  const random = seededRandom(11);
  const ids = new IdGenerator(f.clock, random);
  const billing = createBillingServices({ db: f.db, clock: f.clock, settings: BILLING_TEST_CONFIG, provider, ids, ledger: f.ledger });
  app = await createHttpServer({ db: f.db, logger: createLogger({ level: 'silent' }), version: 'test', routes: [{ plugin: billingRoutes(billing), prefix: '/billing/v1' }] });
  await app.listen({ host: '127.0.0.1', port: 0 });
  billingUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  newOrg = async () => {
    const created = await f.db.transaction((tx) => createOrganization(tx, { clock: f.clock, ids, random, ledger: f.ledger }, { name: 'Example API customer' }));
    return { orgId: created.organization.id, apiKey: created.apiKey };
  };
});
afterEach(async () => {
  await f.assertAudit();
  await app.close();
  await f.close();
});

async function api(apiKey: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${billingUrl}/billing/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
}

const tokenize = async (number: string) =>
  (await f.stripe.paymentMethods.create({ type: 'card', card: { number, exp_month: 12, exp_year: 2034, cvc: '123' } } as Stripe.PaymentMethodCreateParams)).id;

const pageUrl = () => `${billingUrl}/billing#/cards`;

async function setUpIntents(): Promise<number> {
  return (await f.db.all('SELECT id FROM acquirer_setup_intents')).length;
}

/** Adds the card and checks it waits for the challenge; returns the verification and the challenge page. */
async function addNeedingChallenge(apiKey: string, pm: string): Promise<{ attempt: string; challenge: string }> {
  const added = await api(apiKey, 'POST', '/payment_methods', { payment_method: pm, return_url: pageUrl() });
  assert.equal(added.status, 202, JSON.stringify(added.body));
  assert.equal(added.body.status, 'requires_action');
  assert.equal(added.body.kind, 'verification');
  assert.equal(added.body.next_action.type, 'redirect_to_url');
  const challenge: string = added.body.next_action.redirect_to_url.url;
  assert.ok(challenge.startsWith(`${f.url}/3ds/test-bank/`), challenge);
  assert.equal(added.body.next_action.redirect_to_url.return_url, `${billingUrl}/billing?card_attempt=${added.body.id}#/cards`);
  return { attempt: added.body.id, challenge };
}

/** The browser on the bank's page: presses the button and follows the acquirer back; returns the billing page address it lands on. */
async function challenge(url: string, action: 'complete' | 'fail'): Promise<URL> {
  const back = await browse(await pressChallengeButton(url, action));
  assert.equal(back.status, 303);
  return new URL(back.headers.get('location')!);
}

test('4000002760003184: adding the card asks for 3-D Secure; the page comes back after the challenge and the card is added, with one set-up', async () => {
  const { orgId, apiKey } = await newOrg();
  const pm = await tokenize('4000002760003184');
  const { attempt, challenge: page } = await addNeedingChallenge(apiKey, pm);
  assert.equal((await api(apiKey, 'GET', '/payment_methods')).body.data.length, 0, 'not a card before the challenge');

  // Pressing "add" again, or finishing before the challenge: the same open verification, no second set-up.
  const again = await api(apiKey, 'POST', '/payment_methods', { payment_method: pm, return_url: pageUrl() });
  assert.equal(again.status, 202);
  assert.equal(again.body.id, attempt);
  assert.equal(again.body.next_action.redirect_to_url.url, page);
  const early = await api(apiKey, 'POST', `/payment_methods/verifications/${attempt}/complete`);
  assert.equal(early.status, 202);
  assert.equal(early.body.status, 'requires_action');
  assert.equal(await setUpIntents(), 1);

  const back = await challenge(page, 'complete');
  assert.equal(`${back.origin}${back.pathname}${back.hash}`, pageUrl());
  assert.equal(back.searchParams.get('card_attempt'), attempt);
  assert.equal(back.searchParams.get('redirect_status'), 'succeeded');

  const done = await api(apiKey, 'POST', `/payment_methods/verifications/${attempt}/complete`);
  assert.equal(done.status, 201, JSON.stringify(done.body));
  assert.equal(done.body.id, pm);
  assert.equal(done.body.last4, '3184');
  const listed = (await api(apiKey, 'GET', '/payment_methods')).body.data;
  assert.deepEqual(listed.map((card: { id: string }) => card.id), [pm]);
  // Finishing twice (a reload of the page) answers the card again; adding it again too.
  assert.equal((await api(apiKey, 'POST', `/payment_methods/verifications/${attempt}/complete`)).status, 201);
  assert.equal((await api(apiKey, 'POST', '/payment_methods', { payment_method: pm })).status, 201);
  assert.equal(await setUpIntents(), 1);

  const attempts = await listAttempts(f.db, orgId, { limit: 10 });
  assert.deepEqual(attempts.map((a) => [a.kind, a.status]), [['verification', 'succeeded']]);
  const si = await f.stripe.setupIntents.retrieve(attempts[0]!.providerIntentId!);
  assert.equal(si.status, 'succeeded');
  const events = (await f.stripe.events.list({ limit: 100 })).data.map((e) => e.type).filter((t) => t.startsWith('setup_intent.')).reverse();
  assert.deepEqual(events, ['setup_intent.created', 'setup_intent.requires_action', 'setup_intent.succeeded']);

  // The card is the organization's: it can be made the default and be charged off-session only as the bank allows (3184 always asks).
  assert.equal((await api(apiKey, 'POST', `/payment_methods/${pm}/default`)).body.is_default, true);
});

test('a failed challenge: the card is not added, and the answer explains the failed authentication', async () => {
  const { orgId, apiKey } = await newOrg();
  const pm = await tokenize('4000002760003184');
  const { attempt, challenge: page } = await addNeedingChallenge(apiKey, pm);
  const back = await challenge(page, 'fail');
  assert.equal(back.searchParams.get('redirect_status'), 'failed');

  const done = await api(apiKey, 'POST', `/payment_methods/verifications/${attempt}/complete`);
  assert.equal(done.status, 402, JSON.stringify(done.body));
  assert.equal(done.body.error.code, 'card_declined');
  const failure = done.body.error.payment.failure;
  assert.equal(failure.code, 'setup_intent_authentication_failure');
  assert.ok(failure.explanation, 'the doctor explains it');
  assert.equal((await api(apiKey, 'GET', '/payment_methods')).body.data.length, 0);
  assert.deepEqual((await listAttempts(f.db, orgId, { limit: 10 })).map((a) => a.status), ['failed']);

  // Trying again is a new verification with a new challenge.
  const retry = await addNeedingChallenge(apiKey, pm);
  assert.notEqual(retry.attempt, attempt);
});

test('a challenge never finished: the verification fails as abandoned and the card is not added', async () => {
  const { apiKey } = await newOrg();
  const pm = await tokenize('4000002760003184');
  const { attempt } = await addNeedingChallenge(apiKey, pm);
  f.clock.advanceMs(CHALLENGE_WINDOW_MS);
  const done = await api(apiKey, 'POST', `/payment_methods/verifications/${attempt}/complete`);
  assert.equal(done.status, 402, JSON.stringify(done.body));
  assert.equal(done.body.error.payment.failure.code, 'setup_intent_authentication_failure');
  assert.ok(done.body.error.payment.failure.explanation);
  assert.equal((await api(apiKey, 'GET', '/payment_methods')).body.data.length, 0);
  const [failed] = await listAttempts(f.db, (await f.db.get<{ org_id: string }>('SELECT org_id FROM billing_payment_attempts WHERE id = ?', [attempt]))!.org_id, { limit: 1 });
  assert.equal(failed!.failure!.provider_error.authentication_reason, 'abandoned');
});

test("return_url must be this server's billing page; another organization cannot finish the verification", async () => {
  const { apiKey } = await newOrg();
  const pm = await tokenize('4000002760003184');
  for (const bad of ['https://evil.example/billing', `${billingUrl}/elsewhere`, 'javascript:alert(1)', `http://user:pw@${new URL(billingUrl).host}/billing`]) {
    const refused = await api(apiKey, 'POST', '/payment_methods', { payment_method: pm, return_url: bad });
    assert.equal(refused.status, 400, bad);
    assert.equal(refused.body.error.param, 'return_url');
  }
  assert.equal(await setUpIntents(), 0, 'a refused return_url creates nothing');

  const { attempt } = await addNeedingChallenge(apiKey, pm);
  const other = await newOrg();
  const stranger = await api(other.apiKey, 'POST', `/payment_methods/verifications/${attempt}/complete`);
  assert.equal(stranger.status, 404);
  assert.equal(stranger.body.error.code, 'resource_missing');
});

test('a card that needs no challenge is added at once, return_url or not', async () => {
  const { apiKey } = await newOrg();
  const added = await api(apiKey, 'POST', '/payment_methods', { payment_method: await tokenize('4242424242424242'), return_url: pageUrl() });
  assert.equal(added.status, 201, JSON.stringify(added.body));
});
