import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { BLOCK_PREPAID_ON_CUSTOMER_INITIATED } from '../../src/acquirer/risk/presets.ts';
import { CATALOGUE } from '../../src/doctor/catalogue.ts';
import { doctorRoutes } from '../../src/doctor/http/doctor-routes.ts';
import { createOperatorKey } from '../../src/issuer/identity/operator-keys.ts';
import { createSession } from '../../src/issuer/identity/sessions.ts';
import { createHttpServer } from '../../src/platform/http/server.ts';
import { createLogger } from '../../src/platform/logger.ts';
import type { OpenedCard } from '../support/card-fixture.ts';
import { doctorFixture, type DoctorFixture } from './doctor-fixture.ts';

// The doctor's API over real HTTP: each party's own credential decides the view.

let f: DoctorFixture;
let server: FastifyInstance;
let url: string;
let card: OpenedCard;
let piId: string;
let sessionToken: string;
let operatorKey: string;

before(async () => {
  f = await doctorFixture();
  server = await createHttpServer({
    db: f.db,
    logger: createLogger({ level: 'silent' }),
    version: 'test',
    routes: [{ plugin: doctorRoutes({ db: f.db, clock: f.clock, doctor: f.doctor }), prefix: '/doctor/v1' }],
  });
  await server.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(server.server.address() as { port: number }).port}/doctor/v1`;

  // The seed's payment: a prepaid card refused on a customer-initiated purchase.
  await f.addRule(BLOCK_PREPAID_ON_CUSTOMER_INITIATED);
  card = await f.base.openCard({ loadUsdMinor: 5000 });
  const customer = await f.stripe.customers.create({ email: 'li.lei@example.com' });
  const pm = await f.paymentMethod(card);
  await f.stripe.setupIntents.create({ customer: customer.id, payment_method: pm.id, confirm: true });
  const pi = await f.stripe.paymentIntents.create({ amount: 1500, currency: 'usd', customer: customer.id, payment_method: pm.id });
  await f.declineOf(f.stripe.paymentIntents.confirm(pi.id));
  piId = pi.id;

  sessionToken = (await f.db.transaction((tx) => createSession(tx, { ids: f.deps.ids, random: f.deps.random }, card.cardholderId, f.clock.nowMs()))).token;
  operatorKey = (await createOperatorKey(f.db, { ids: f.deps.ids, random: f.deps.random }, 'doctor test', f.clock.nowMs())).key;
});

after(async () => {
  await server.close();
  await f.close();
});

async function get(path: string, token?: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any; cacheControl: string | null }> {
  const response = await fetch(`${url}${path}`, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
  return { status: response.status, body: await response.json(), cacheControl: response.headers.get('cache-control') };
}

test('the merchant, with its secret key, sees its rule and not the card', async () => {
  const { status, body } = await get(`/traces/${piId}`, f.merchant.secretKey);
  assert.equal(status, 200);
  assert.equal(body.view, 'merchant');
  const attempt = body.attempts.at(-1);
  assert.deepEqual([attempt.verdict.decided_by, attempt.verdict.reason, attempt.verdict.rule.applies_to], ['acquirer_rule', 'rule_card_funding', 'customer_initiated']);
  assert.equal(attempt.seed_remedy.recommended, true);
  assert.ok(!JSON.stringify(body).includes(card.cardId));
});

test('the cardholder, with a session, sees the issuer side and the remedy, in Chinese when asked, without the rule', async () => {
  const { status, body } = await get(`/traces/${piId}`, sessionToken, { 'accept-language': 'zh-CN,zh;q=0.9' });
  assert.equal(status, 200);
  assert.deepEqual([body.view, body.lang], ['cardholder', 'zh-CN']);
  const attempt = body.attempts.at(-1);
  assert.equal(attempt.verdict.title, '商户不接受该类型的卡');
  assert.equal(attempt.seed_remedy.recommended, true);
  assert.equal(attempt.verdict.rule, undefined);
  assert.doesNotMatch(JSON.stringify(body), /rr_|:card_funding:|Block prepaid/);

  const window = await get(`/cards/${card.cardId}/traces?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z&lang=en`, sessionToken);
  assert.equal(window.status, 200);
  assert.deepEqual(window.body.attempts.map((a: any) => a.purpose), ['account_verification']);
  assert.match(window.body.notes.join(' '), /never reaches the issuer/);
});

test('the operator key sees everything, including the attempt that never reached the issuer on the card window', async () => {
  const trace = await get(`/traces/${piId}?view=operator`, operatorKey);
  assert.equal(trace.status, 200);
  assert.match(trace.body.attempts.at(-1).verdict.rule.id, /^rr_/);
  const window = await get(`/cards/${card.cardId}/traces?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z`, operatorKey);
  assert.deepEqual(window.body.attempts.map((a: any) => [a.purpose, a.reached_issuer]), [['account_verification', true], ['purchase', false]]);
  // Personal answers are never stored by a cache, whatever credential read them; the catalogue (documentation) may be.
  assert.deepEqual([trace.cacheControl, window.cacheControl], ['no-store', 'no-store']);
  assert.notEqual((await get('/catalogue')).cacheControl, 'no-store');
});

test('credentials are checked and views cannot be widened', async () => {
  assert.equal((await get(`/traces/${piId}`)).status, 401);
  assert.equal((await get(`/traces/${piId}`, 'sk_test_00000000000000000000000000000000')).status, 401);
  const widened = await get(`/traces/${piId}?view=operator`, f.merchant.secretKey);
  assert.deepEqual([widened.status, widened.body.error.code], [403, 'permission_denied']);
  assert.equal((await get(`/traces/${piId}`, f.merchant.publishableKey)).status, 403);
  const other = await f.addMerchant({ name: 'Other' });
  assert.deepEqual((await get(`/traces/${piId}`, other.secretKey)).body.error.code, 'resource_missing');
  assert.equal((await get(`/cards/${card.cardId}/traces?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z`, f.merchant.secretKey)).status, 403);
  assert.equal((await get(`/cards/${card.cardId}/traces?from=yesterday&to=2026-12-01T00:00:00Z`, operatorKey)).status, 400);
  assert.equal((await get('/traces/pi_DOESNOTEXIST00000', operatorKey)).status, 404);
});

test('the catalogue is public documentation', async () => {
  const { status, body } = await get('/catalogue?lang=zh-CN');
  assert.equal(status, 200);
  assert.equal(body.data.length, CATALOGUE.size);
  const frozen = body.data.find((e: any) => e.reason === 'card_frozen');
  assert.deepEqual([frozen.decided_by, frozen.iso_code, frozen.stripe_decline_code, frozen.text.title], ['issuer', '62', 'restricted_card', '卡片已冻结']);
});
