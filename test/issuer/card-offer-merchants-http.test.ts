import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { updateControls } from '../../src/issuer/cards/card-controls-service.ts';
import { cardRoutes } from '../../src/issuer/http/card-routes.ts';
import { createCardholder } from '../../src/issuer/identity/cardholders.ts';
import { createSession } from '../../src/issuer/identity/sessions.ts';
import { createHttpServer } from '../../src/platform/http/server.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { cardFixture, MERCHANT, type CardFixture, type OpenedCard } from '../support/card-fixture.ts';

// The two reads the cardholder app needs around a card (card-offer-endpoints.ts):
// what opening a card costs this cardholder — the program's fee, or nothing
// when an invite code waived it — and the merchants a card is bound to under
// the accounts-per-merchant rule, as the authorization engine recorded them.

let f: CardFixture;
let app: FastifyInstance;

beforeEach(async () => {
  f = await cardFixture({ seed: 41 });
  app = await createHttpServer({
    db: f.db,
    logger: createLogger({ level: 'silent' }),
    version: 'test',
    routes: [{ plugin: cardRoutes({ db: f.db, deps: f.cardDeps }), prefix: '/issuer/v1' }],
  });
});

afterEach(async () => {
  await app.close();
  await f.assertConsistent();
  await f.cleanup();
});

async function tokenFor(cardholderId: string): Promise<string> {
  return (await f.db.transaction((tx) => createSession(tx, { ids: f.ids, random: f.cardDeps.random }, cardholderId, f.clock.nowMs()))).token;
}

async function get(url: string, token?: string) {
  const response = await app.inject({ method: 'GET', url: `/issuer/v1${url}`, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  return { status: response.statusCode, body: response.json() as Record<string, any> };
}

const spend = async (card: OpenedCard, overrides: Parameters<CardFixture['authRequest']>[1]) => f.issuer.authorize(f.authRequest(card, overrides));

test('GET /card-offer: the program’s fee and how many cards are open; waived (0) for a cardholder who came with an invite code', async () => {
  const card = await f.openCard();
  const token = await tokenFor(card.cardholderId);
  const offer = await get('/card-offer', token);
  assert.equal(offer.status, 200);
  assert.deepEqual(offer.body, {
    object: 'card_offer',
    opening_fee: { amount: 200, currency: 'usd', waived: false, program_amount: 200 },
    max_cards: 5,
    cards_open: 1,
  });

  const invited = await f.db.transaction((tx) => createCardholder(tx, { ids: f.ids, random: f.cardDeps.random }, '+8613912345678', f.clock.nowMs()));
  await f.db.run('UPDATE issuer_cardholders SET opening_fee_waived = ? WHERE id = ?', [1, invited.id]);
  const waived = await get('/card-offer', await tokenFor(invited.id));
  assert.equal(waived.status, 200);
  assert.deepEqual(waived.body.opening_fee, { amount: 0, currency: 'usd', waived: true, program_amount: 200 });
  assert.equal(waived.body.cards_open, 0);

  assert.equal((await get('/card-offer')).status, 401);
});

test('GET /cards/:id/merchants: each merchant with its bound accounts against the card’s limit; a fifth account is declined and binds nothing', async () => {
  const card = await f.openCard({ loadUsdMinor: 5_000 });
  const token = await tokenFor(card.cardholderId);
  const empty = await get(`/cards/${card.cardId}/merchants`, token);
  assert.equal(empty.status, 200);
  assert.deepEqual(empty.body, { object: 'list', max_accounts_per_merchant: 4, data: [] });

  for (const ref of ['cus_a', 'cus_b', 'cus_c', 'cus_d']) assert.equal((await spend(card, { merchantCustomerRef: ref })).responseCode, '00');
  f.clock.advanceMs(60_000);
  const other = { ...MERCHANT, merchantId: 'acct_other', name: 'OTHER SHOP', mcc: '5999', country: 'GB' };
  assert.equal((await spend(card, { merchantCustomerRef: 'cus_x', merchant: other })).responseCode, '00');
  // The same account again binds nothing new; a payment without a customer reference binds nothing at all.
  assert.equal((await spend(card, { merchantCustomerRef: 'cus_a' })).responseCode, '00');
  assert.equal((await spend(card, { merchantCustomerRef: null })).responseCode, '00');
  // The fifth account at the first merchant: declined by the rule.
  const fifth = await spend(card, { merchantCustomerRef: 'cus_e' });
  assert.notEqual(fifth.responseCode, '00');

  const bound = await get(`/cards/${card.cardId}/merchants`, token);
  assert.equal(bound.status, 200);
  assert.equal(bound.body.max_accounts_per_merchant, 4);
  const rows = bound.body.data as Array<Record<string, any>>;
  assert.deepEqual(
    rows.map((m) => [m.merchant.id, m.merchant.name, m.merchant.mcc, m.merchant.country, m.accounts, m.full]),
    [
      ['acct_other', 'OTHER SHOP', '5999', 'GB', 1, false],
      ['acct_openai', MERCHANT.name, MERCHANT.mcc, MERCHANT.country, 4, true],
    ],
  );
  assert.ok(Date.parse(rows[1]!.first_bound_at) <= Date.parse(rows[1]!.last_bound_at));
  assert.equal(JSON.stringify(bound.body).includes('cus_'), false, 'the merchant’s customer references stay out');

  // Raising the limit frees the merchant: the list says so at once.
  await f.db.transaction((tx) => updateControls(tx, f.cardDeps, { cardholderId: card.cardholderId, cardId: card.cardId, patch: { max_accounts_per_merchant: 6 } }));
  const raised = await get(`/cards/${card.cardId}/merchants`, token);
  assert.equal(raised.body.max_accounts_per_merchant, 6);
  assert.equal(raised.body.data[1].full, false);

  // Another cardholder's card is 404; no session is 401.
  const stranger = await f.openCard();
  assert.equal((await get(`/cards/${card.cardId}/merchants`, await tokenFor(stranger.cardholderId))).status, 404);
  assert.equal((await get(`/cards/${card.cardId}/merchants`)).status, 401);
});
