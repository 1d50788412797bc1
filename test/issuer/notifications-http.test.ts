import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { CardlaneIssuer } from '../../src/issuer/authorization/cardlane-issuer.ts';
import { DEFAULT_HOLD_TTL_MS } from '../../src/issuer/authorization/engine-deps.ts';
import { expireDueAuthorizations } from '../../src/issuer/authorization/expire.ts';
import { notificationRoutes } from '../../src/issuer/http/notification-routes.ts';
import { chineseMessage, prefersChinese, withLocalizedErrors } from '../../src/issuer/http/error-language.ts';
import { ISSUER_ERROR_CODES } from '../../src/issuer/errors.ts';
import { createSession } from '../../src/issuer/identity/sessions.ts';
import { readSandboxInbox, SandboxSmsProvider } from '../../src/issuer/identity/sms-provider.ts';
import { Notifier } from '../../src/issuer/notifications/notifier.ts';
import { createHttpServer } from '../../src/platform/http/server.ts';
import { seededRandom } from '../../src/platform/ids.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { cardFixture, followUp, type CardFixture, type OpenedCard } from '../support/card-fixture.ts';

const usd = (minor: number) => ({ minor, currency: 'USD' });

describe('notifications: every decision and movement of a card, for its cardholder only', () => {
  let f: CardFixture;
  let app: FastifyInstance;
  let issuer: CardlaneIssuer;
  let notifier: Notifier;
  before(async () => {
    f = await cardFixture({ seed: 7 });
    notifier = new Notifier({ sms: new SandboxSmsProvider(f.ids), largePaymentUsdMinor: 10_000 });
    issuer = new CardlaneIssuer({ db: f.db, clock: f.clock, ids: f.ids, keyring: f.keyring, ledger: f.ledger, notifier });
    app = await createHttpServer({
      db: f.db,
      logger: createLogger({ level: 'silent' }),
      version: 'test',
      routes: [{ plugin: withLocalizedErrors(notificationRoutes({ db: f.db, clock: f.clock })), prefix: '/issuer/v1' }],
    });
  });
  after(async () => {
    await app.close();
    await f.cleanup();
  });

  const tick = () => f.clock.advanceMs(1_000);
  const sessionOf = (card: OpenedCard, seed: number) =>
    f.db.transaction((tx) => createSession(tx, { ids: f.ids, random: seededRandom(seed) }, card.cardholderId, f.clock.nowMs()));
  const phoneOf = async (card: OpenedCard) =>
    (await f.db.get<{ phone_e164: string }>('SELECT phone_e164 FROM issuer_cardholders WHERE id = ?', [card.cardholderId]))!.phone_e164;
  const list = (token: string, query = '') =>
    app.inject({ method: 'GET', url: `/issuer/v1/notifications${query}`, headers: { authorization: `Bearer ${token}` } });

  test('a decline becomes a notification and an SMS; approvals, releases, refunds and expiry are in the feed', async () => {
    const card = await f.openCard({ loadUsdMinor: 50_000 });
    const other = await f.openCard({ loadUsdMinor: 1_000 });
    const phone = await phoneOf(card);
    const smsBefore = (await readSandboxInbox(f.db, phone)).length;

    tick();
    const small = f.authRequest(card, { amount: usd(2_000) });
    assert.equal((await issuer.authorize(small)).responseCode, '00');
    tick();
    const declined = f.authRequest(card, { amount: usd(9_000_000) });
    assert.equal((await issuer.authorize(declined)).reason, 'insufficient_funds');
    tick();
    const large = f.authRequest(card, { amount: usd(20_000) });
    assert.equal((await issuer.authorize(large)).responseCode, '00');
    tick();
    await issuer.reverse(followUp(f, 'reversal', large.id, { amount: null }));
    tick();
    await issuer.clear(followUp(f, 'clearing', small.id, { amount: usd(2_000), final: true }));
    tick();
    await issuer.refund(followUp(f, 'refund', small.id, { amount: usd(500) }));
    tick();
    const expiring = f.authRequest(card, { amount: usd(300) });
    await issuer.authorize(expiring);
    // A repeat of a decided request is not notified twice.
    await issuer.authorize(declined);

    f.clock.advanceMs(DEFAULT_HOLD_TTL_MS + 1);
    await expireDueAuthorizations(f.db, f.clock, f.ledger, notifier);
    const session = await sessionOf(card, 11);
    const otherSession = await sessionOf(other, 12);

    const response = await list(session.token);
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    const kinds = (body.data as Array<Record<string, any>>).map((n) => [n.kind, n.amount.amount_minor]);
    assert.deepEqual(kinds, [
      ['hold_release', 300],
      ['authorization', 300],
      ['refund', 500],
      ['hold_release', 20_000],
      ['authorization', 20_000],
      ['decline', 9_000_000],
      ['authorization', 2_000],
    ]);
    assert.equal(body.unread_count, 7);
    assert.equal(body.has_more, false);
    const decline = body.data[5];
    assert.equal(decline.reason, 'insufficient_funds');
    assert.match(decline.reason_text.zh, /余额不足/);
    assert.equal(decline.card_last4, card.pan.slice(-4));
    assert.equal(decline.merchant_name, 'OPENAI *API');
    assert.equal(decline.important, true);
    assert.equal(decline.sms_sent, true);
    assert.equal(body.data[4].important, true, 'a payment over the threshold is important');
    assert.equal(body.data[6].important, false);

    // The decline and the large payment were texted, nothing else.
    const inbox = await readSandboxInbox(f.db, phone);
    assert.equal(inbox.length - smsBefore, 2);
    assert.ok(inbox.some((m) => m.body.includes('被拒绝') && m.body.includes(card.pan.slice(-4))));
    assert.ok(inbox.every((m) => !m.body.includes(card.pan)), 'never the card number');

    // Paging, newest first.
    const first = (await list(session.token, '?limit=3')).json();
    assert.equal(first.data.length, 3);
    assert.equal(first.has_more, true);
    const second = (await list(session.token, `?limit=3&before=${encodeURIComponent(first.data[2].id)}`)).json();
    assert.deepEqual(
      second.data.map((n: any) => n.id),
      body.data.slice(3, 6).map((n: any) => n.id),
    );

    // Another cardholder sees none of them, and cannot mark them read.
    const others = (await list(otherSession.token)).json();
    assert.deepEqual(others.data, []);
    assert.equal(others.unread_count, 0);
    const foreign = await app.inject({
      method: 'POST',
      url: '/issuer/v1/notifications/read',
      headers: { authorization: `Bearer ${otherSession.token}` },
      payload: { up_to_id: body.data[0].id },
    });
    assert.equal(foreign.statusCode, 404, foreign.body);
    assert.equal((await list(session.token)).json().unread_count, 7);

    // Marking read up to one marks it and everything older.
    const read = await app.inject({
      method: 'POST',
      url: '/issuer/v1/notifications/read',
      headers: { authorization: `Bearer ${session.token}` },
      payload: { up_to_id: body.data[2].id },
    });
    assert.equal(read.statusCode, 200, read.body);
    assert.deepEqual(read.json(), { marked: 5, unread_count: 2 });
    const after = (await list(session.token)).json();
    assert.deepEqual(
      after.data.map((n: any) => n.read_at !== null),
      [false, false, true, true, true, true, true],
    );

    // Signed out: no feed.
    assert.equal((await app.inject({ method: 'GET', url: '/issuer/v1/notifications' })).statusCode, 401);
  });

  test('error messages follow Accept-Language: Chinese for zh, English otherwise', async () => {
    const zh = await app.inject({ method: 'GET', url: '/issuer/v1/notifications', headers: { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8' } });
    assert.equal(zh.statusCode, 401);
    assert.equal(zh.json().error.code, 'authentication_required');
    assert.match(zh.json().error.message, /登录/);
    const en = await app.inject({ method: 'GET', url: '/issuer/v1/notifications', headers: { 'accept-language': 'en-US,zh;q=0.5' } });
    assert.doesNotMatch(en.json().error.message, /登录/);
    const none = await app.inject({ method: 'GET', url: '/issuer/v1/notifications' });
    assert.doesNotMatch(none.json().error.message, /登录/);

    const card = await f.openCard();
    const session = await sessionOf(card, 31);
    const missing = await app.inject({
      method: 'POST',
      url: '/issuer/v1/notifications/read',
      headers: { authorization: `Bearer ${session.token}`, 'accept-language': 'zh' },
      payload: { up_to_id: 'ntf_nothing' },
    });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.message, '找不到该对象。');
    assert.equal(missing.json().error.param, 'up_to_id');

    // Every issuer code has its Chinese sentence.
    for (const code of Object.keys(ISSUER_ERROR_CODES)) assert.ok(chineseMessage(code), code);
    assert.equal(prefersChinese('zh-TW'), true);
    assert.equal(prefersChinese('en, zh;q=0.9'), false);
    assert.equal(prefersChinese(undefined), false);
  });
});
