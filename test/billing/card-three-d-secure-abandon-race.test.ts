import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { afterEach, beforeEach, test } from 'node:test';
import type Stripe from 'stripe';
import { setCardVerificationAmount } from '../../src/acquirer/merchants/merchants.ts';
import { createBillingServices, type BillingServices } from '../../src/billing/billing-services.ts';
import { billingRoutes } from '../../src/billing/http/billing-routes.ts';
import { autoRechargeRoutes } from '../../src/billing/http/auto-recharge-routes.ts';
import { createOrganization } from '../../src/billing/organizations.ts';
import { findAttempt } from '../../src/billing/payments/payment-attempts.ts';
import { CHALLENGE_WINDOW_MS } from '../../src/billing/payments/payment-methods.ts';
import { BillingProvider } from '../../src/billing/payments/provider.ts';
import type { AuthorizationRequest } from '../../src/network/messages.ts';
import { createHttpServer } from '../../src/platform/http/server.ts';
import { IdGenerator, seededRandom } from '../../src/platform/ids.ts';
import { createLogger } from '../../src/platform/logger.ts';
import type { FastifyInstance } from 'fastify';
import { browse, pressChallengeButton, threeDSecureFixture, type ThreeDSecureFixture } from '../support/three-d-secure-fixture.ts';
import { BILLING_TEST_CONFIG } from './payments-fixture.ts';

/**
 * Billing gives up a card verification whose 3-D Secure challenge was left
 * unfinished (CHALLENGE_WINDOW_MS) by cancelling its SetupIntent — and the
 * customer's challenge comes back at that very moment: the acquirer has
 * taken the set-up into `processing` (its verification with the
 * authentication is out at the issuer), so it refuses the cancel
 * (`setup_intent_unexpected_state`, as Stripe does). Billing must then not
 * decide anything: the attempt stays `processing`, and a later pass of the
 * sweep reads the set-up and records how it really ended — the card added
 * once, with the hold the provider placed and released, or declined.
 *
 * At Stripe, which never lapses a challenge, this is the customer finishing
 * at minute 30. Nothing of Cardlane is replaced to make it happen here; the
 * ordering is forced at two seams:
 *  - billing talks to the acquirer through a plain HTTP relay, which can
 *    drop a request before it arrives (the provider unreachable) and, when
 *    billing's cancel arrives, lets the customer's browser come back first
 *    and only then forwards the cancel — an unlucky ordering of two real
 *    requests that no clock can produce, since billing reads the set-up and
 *    cancels it in one go;
 *  - the network's authorize waits at a gate, so the acquirer's
 *    continuation is caught while `processing` (as the acquirer's own
 *    exactly-once tests hold a confirm in flight).
 */

let f: ThreeDSecureFixture;
let relay: Relay;
let app: FastifyInstance;
let billing: BillingServices;
let billingUrl: string;
let newOrg: () => Promise<{ orgId: string; apiKey: string }>;
/** Gates still shut when a test ends (it failed midway): opened, so nothing waits on them past the test. */
let shutGates: (() => void)[] = [];

const HOLD = 500; // the seed's $5 verification hold, released at once (the merchant's default)

beforeEach(async () => {
  f = await threeDSecureFixture();
  await f.db.transaction((tx) => setCardVerificationAmount(tx, f.merchant.merchant.id, HOLD));
  relay = await relayTo(f.url);
  const provider = new BillingProvider({ stripeBaseUrl: relay.url, stripeSecretKey: f.merchant.secretKey, stripePublishableKey: f.merchant.publishableKey }, '/nonexistent');
  const random = seededRandom(11);
  const ids = new IdGenerator(f.clock, random);
  billing = createBillingServices({ db: f.db, clock: f.clock, settings: BILLING_TEST_CONFIG, provider, ids, ledger: f.ledger });
  app = await createHttpServer({
    db: f.db,
    logger: createLogger({ level: 'silent' }),
    version: 'test',
    routes: [
      { plugin: billingRoutes(billing), prefix: '/billing/v1' },
      { plugin: autoRechargeRoutes(billing), prefix: '/billing/v1' },
    ],
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  billingUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  newOrg = async () => {
    const created = await f.db.transaction((tx) => createOrganization(tx, { clock: f.clock, ids, random, ledger: f.ledger }, { name: 'Example API customer' }));
    return { orgId: created.organization.id, apiKey: created.apiKey };
  };
});
afterEach(async () => {
  for (const open of shutGates) open();
  shutGates = [];
  await f.assertAudit();
  await app.close();
  await relay.close();
  await f.close();
});

/**
 * A relay to the acquirer that runs `beforeForward` for each request before passing it on (a throw drops the request, as
 * an unreachable provider would); requests and answers pass untouched, and each answer is kept in `answers`.
 */
interface Relay {
  readonly url: string;
  beforeForward: ((method: string, path: string) => Promise<void>) | null;
  readonly answers: { readonly method: string; readonly path: string; readonly status: number; readonly body: string }[];
  close(): Promise<void>;
}

async function relayTo(upstreamUrl: string): Promise<Relay> {
  const upstream = new URL(upstreamUrl);
  const server: Server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', async () => {
      try {
        await relay.beforeForward?.(incoming.method ?? 'GET', (incoming.url ?? '').split('?')[0]!);
      } catch {
        incoming.socket.destroy();
        return;
      }
      const forward = httpRequest({ host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers: incoming.headers }, (answer) => {
        const body: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => body.push(chunk));
        answer.on('end', () => {
          const text = Buffer.concat(body);
          relay.answers.push({ method: incoming.method ?? 'GET', path: (incoming.url ?? '').split('?')[0]!, status: answer.statusCode ?? 502, body: text.toString('utf8') });
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          outgoing.end(text);
        });
      });
      forward.on('error', () => incoming.socket.destroy());
      forward.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const relay: Relay = {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    beforeForward: null,
    answers: [],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return relay;
}

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

/** The next authorization waits at the network's door until released: the continuation's verification "in flight". */
function holdNextAuthorization(): { arrived: Promise<void>; release(): void } {
  const real = f.network.authorize.bind(f.network);
  let release!: () => void;
  let arrived!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const seen = new Promise<void>((resolve) => (arrived = resolve));
  shutGates.push(() => release());
  f.network.authorize = async (request: AuthorizationRequest) => {
    f.network.authorize = real;
    arrived();
    await gate;
    return real(request);
  };
  return { arrived: seen, release };
}

/**
 * Sets the race up and returns the verification, its set-up, the network's gate and the browser's return.
 *
 * Cardlane's acquirer ends a challenge past the issuer's time (10 minutes) when the set-up is read, so billing's read
 * 30 minutes after the verification began finds `requires_action` only if the set-up itself began later — here, as
 * when the provider was unreachable when the card was first added: billing's first sends never reach it (the relay
 * drops them), and the customer, pressing "add" again 25 minutes on, gets the challenge then. They pass it at the bank
 * just before billing's window ends; billing's sweep then reads the set-up (`requires_action`) and cancels it — and that
 * cancel is held at the relay until the browser's return has taken the set-up into `processing`, its verification
 * waiting at the network's gate.
 */
async function abandonRacingTheReturn(apiKey: string, pm: string) {
  const body = { payment_method: pm, return_url: `${billingUrl}/billing#/cards` };
  const creates = (method: string, path: string) => method === 'POST' && path === '/v1/setup_intents';
  relay.beforeForward = async (method, path) => {
    if (creates(method, path)) throw new Error('the provider is unreachable');
  };
  const first = await api(apiKey, 'POST', '/payment_methods', body);
  assert.deepEqual([first.status, first.body.status], [202, 'processing'], JSON.stringify(first.body));
  const attemptId: string = first.body.id;
  // Down for 25 minutes: the sweep's re-sends (same idempotency key) do not get through either.
  for (let pass = 0; pass < 5; pass++) {
    f.clock.advanceMs(5 * 60_000);
    await billing.resumeStuckPayments();
  }
  relay.beforeForward = null;

  const again = await api(apiKey, 'POST', '/payment_methods', body);
  assert.deepEqual([again.status, again.body.id, again.body.status], [202, attemptId, 'requires_action'], JSON.stringify(again.body));
  const setupIntentId = (await findAttempt(f.db, attemptId))!.providerIntentId!;
  f.clock.advanceMs(4 * 60_000);
  const back = await pressChallengeButton(again.body.next_action.redirect_to_url.url, 'complete');
  f.clock.advanceMs(CHALLENGE_WINDOW_MS - 29 * 60_000);

  const gate = holdNextAuthorization();
  let returning: Promise<Response> | null = null;
  const cancelPath = `/v1/setup_intents/${setupIntentId}/cancel`;
  relay.beforeForward = async (method, path) => {
    if (method !== 'POST' || path !== cancelPath || returning !== null) return;
    returning = browse(back);
    await gate.arrived;
  };
  return {
    attemptId,
    setupIntentId,
    gate,
    /** What the acquirer answered billing's cancels. */
    cancels: () => relay.answers.filter((answer) => answer.method === 'POST' && answer.path === cancelPath),
    browserBack: () => returning!,
  };
}

/** The one cancel billing sent was refused because the set-up had gone `processing`. */
function assertCancelRefusedAsProcessing(race: Awaited<ReturnType<typeof abandonRacingTheReturn>>): void {
  const cancels = race.cancels();
  assert.equal(cancels.length, 1, 'billing asked once to cancel the abandoned set-up');
  assert.equal(cancels[0]!.status, 400, cancels[0]!.body);
  const error = JSON.parse(cancels[0]!.body).error;
  assert.equal(error.code, 'setup_intent_unexpected_state');
  assert.match(error.message, /status of processing/);
}

async function setupEvents(si: string, type: string): Promise<number> {
  const events = await f.stripe.events.list({ limit: 100, type });
  return events.data.filter((e) => (e.data.object as { id: string }).id === si).length;
}

/** What the test bank still holds for the merchant's card verifications. */
async function heldAtIssuer(): Promise<number> {
  const row = await f.db.get<{ held: number | string | null }>(
    "SELECT SUM(authorized_minor - released_minor - cleared_minor) AS held FROM test_bank_authorizations WHERE purpose = 'account_verification' AND merchant_id = ?",
    [f.merchant.merchant.id],
  );
  return Number(row?.held ?? 0);
}

async function approvedVerifications(si: string): Promise<number> {
  return (await f.db.all("SELECT id FROM acquirer_charges WHERE setup_intent_id = ? AND network_response_code = '00'", [si])).length;
}

test('the set-up goes processing as billing abandons it: the cancel is refused, billing waits, and a later sweep adds the card once, usable', async () => {
  const { orgId, apiKey } = await newOrg();
  // Needs 3-D Secure to be set up; merchant-initiated payments under that set-up go through without asking again.
  const pm = await tokenize('4000002500003155');
  const race = await abandonRacingTheReturn(apiKey, pm);

  // The sweep gives the challenge up — and loses the race: the acquirer refuses the cancel, billing decides nothing.
  assert.equal((await billing.resumeStuckPayments()).attempts, 1);
  assertCancelRefusedAsProcessing(race);
  const undecided = (await findAttempt(f.db, race.attemptId))!;
  assert.deepEqual([undecided.status, undecided.failure, undecided.providerIntentId], ['processing', null, race.setupIntentId]);
  assert.equal((await api(apiKey, 'GET', '/payment_methods')).body.data.length, 0, 'not a card until the set-up has succeeded');
  assert.equal(await setupEvents(race.setupIntentId, 'setup_intent.canceled'), 0);

  // While the verification is still out, the next pass reads `processing` and waits again; it does not try to cancel again.
  f.clock.advanceMs(60_000);
  assert.equal((await billing.resumeStuckPayments()).attempts, 1);
  assert.equal((await findAttempt(f.db, race.attemptId))!.status, 'processing');
  assert.equal(race.cancels().length, 1, 'a processing set-up is read, not cancelled');

  // The issuer answers; the browser lands on the billing page.
  race.gate.release();
  const back = await race.browserBack();
  assert.equal(back.status, 303);
  const landing = new URL(back.headers.get('location')!);
  assert.deepEqual([landing.searchParams.get('card_attempt'), landing.searchParams.get('redirect_status')], [race.attemptId, 'succeeded']);
  assert.equal((await f.stripe.setupIntents.retrieve(race.setupIntentId)).status, 'succeeded');

  // The next pass reads the set-up and adds the card, with the hold the verification placed (and released).
  f.clock.advanceMs(60_000);
  assert.equal((await billing.resumeStuckPayments()).attempts, 1);
  const done = (await findAttempt(f.db, race.attemptId))!;
  assert.deepEqual([done.status, done.providerIntentId], ['succeeded', race.setupIntentId]);
  const cards = (await api(apiKey, 'GET', '/payment_methods')).body.data;
  assert.deepEqual(cards.map((card: { id: string }) => card.id), [pm]);
  assert.equal(cards[0].verification.payment, race.attemptId);
  assert.deepEqual([cards[0].verification.hold?.amount_minor, cards[0].verification.released], [HOLD, true]);
  assert.equal((await billing.resumeStuckPayments()).attempts, 0, 'nothing left for the sweep');

  // The billing page's own "finish" after landing answers the same card; nothing was done twice.
  const finished = await api(apiKey, 'POST', `/payment_methods/verifications/${race.attemptId}/complete`);
  assert.deepEqual([finished.status, finished.body.id], [201, pm]);
  assert.equal((await f.db.all('SELECT id FROM billing_payment_methods WHERE org_id = ?', [orgId])).length, 1);
  assert.equal((await f.db.all('SELECT id FROM acquirer_setup_intents')).length, 1, 'one set-up');
  assert.equal(await approvedVerifications(race.setupIntentId), 1, 'one verification approved, after the challenge');
  assert.equal(await setupEvents(race.setupIntentId, 'setup_intent.succeeded'), 1);
  const attached = (await f.stripe.events.list({ limit: 100, type: 'payment_method.attached' })).data.filter((e) => (e.data.object as { id: string }).id === pm);
  assert.equal(attached.length, 1, 'the card attached to the customer once');
  assert.equal(await heldAtIssuer(), 0, 'no verification hold left at the issuer');

  // Usable: as the default card it pays an auto-recharge off-session, under the set-up's authentication.
  assert.equal((await api(apiKey, 'POST', `/payment_methods/${pm}/default`)).body.is_default, true);
  const rule = await api(apiKey, 'POST', '/auto_recharge', { enabled: true, threshold: 500, target: 2_000 });
  assert.equal(rule.status, 200, JSON.stringify(rule.body));
  const recharge = await billing.autoRecharge.runFor(orgId);
  assert.equal(recharge.result, 'charged');
  assert.equal(recharge.result === 'charged' ? recharge.attempt.status : null, 'succeeded');
});

test('the set-up goes processing as billing abandons it and the issuer then declines: a later sweep fails the verification with the decline, no card, no hold', async () => {
  const { apiKey } = await newOrg();
  // Needs 3-D Secure, then declines even once authenticated — its set-up too.
  const pm = await tokenize('4000008400001629');
  const race = await abandonRacingTheReturn(apiKey, pm);

  assert.equal((await billing.resumeStuckPayments()).attempts, 1);
  assertCancelRefusedAsProcessing(race);
  assert.equal((await findAttempt(f.db, race.attemptId))!.status, 'processing', 'a refused cancel decides nothing');

  race.gate.release();
  const back = await race.browserBack();
  assert.equal(new URL(back.headers.get('location')!).searchParams.get('redirect_status'), 'failed');
  assert.equal((await f.stripe.setupIntents.retrieve(race.setupIntentId)).status, 'requires_payment_method');

  f.clock.advanceMs(60_000);
  assert.equal((await billing.resumeStuckPayments()).attempts, 1);
  const failed = (await findAttempt(f.db, race.attemptId))!;
  assert.equal(failed.status, 'failed');
  // The issuer's decline, not the refused cancel nor an "abandoned" challenge.
  assert.deepEqual([failed.failure?.code, failed.failure?.decline_code], ['card_declined', 'generic_decline']);
  assert.equal((await api(apiKey, 'GET', '/payment_methods')).body.data.length, 0);
  const finished = await api(apiKey, 'POST', `/payment_methods/verifications/${race.attemptId}/complete`);
  assert.deepEqual([finished.status, finished.body.error?.code], [402, 'card_declined']);
  assert.equal((await billing.resumeStuckPayments()).attempts, 0);
  assert.equal(await setupEvents(race.setupIntentId, 'setup_intent.canceled'), 0);
  assert.equal(await approvedVerifications(race.setupIntentId), 0);
  assert.equal(await heldAtIssuer(), 0);
});
