import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { DEFAULT_HOLD_TTL_MS } from '../../../src/issuer/authorization/engine-deps.ts';
import { expireDueAuthorizations } from '../../../src/issuer/authorization/expire.ts';
import { declineText } from '../../../src/issuer/authorization/decline-text.ts';
import { cardStatement, type StatementLine } from '../../../src/issuer/cards/statement.ts';
import { cardRoutes } from '../../../src/issuer/http/card-routes.ts';
import { createSession } from '../../../src/issuer/identity/sessions.ts';
import { createHttpServer } from '../../../src/platform/http/server.ts';
import { seededRandom } from '../../../src/platform/ids.ts';
import { createLogger } from '../../../src/platform/logger.ts';
import { cardFixture, followUp, type CardFixture, type OpenedCard } from '../../support/card-fixture.ts';

const usd = (minor: number) => ({ minor, currency: 'USD' });

describe('the card statement shows every authorization, decline and what followed', () => {
  let f: CardFixture;
  let app: FastifyInstance;
  before(async () => {
    f = await cardFixture();
    app = await createHttpServer({
      db: f.db,
      logger: createLogger({ level: 'silent' }),
      version: 'test',
      routes: [{ plugin: cardRoutes({ db: f.db, deps: f.cardDeps }), prefix: '/issuer/v1' }],
    });
  });
  afterEach(async () => {
    await f.assertConsistent();
  });
  after(async () => {
    await app.close();
    await f.cleanup();
  });

  const statement = async (card: OpenedCard, limit = 100, after: string | null = null) =>
    cardStatement(f.ledger, f.db, { cardholderId: card.cardholderId, cardId: card.cardId, limit, after });

  const summary = (lines: readonly StatementLine[]) => lines.map((l) => [l.type, l.amountUsdMinor, l.status]);

  /** Moves the clock on so that each line has its own millisecond (the order is then certain). */
  const tick = () => f.clock.advanceMs(1_000);

  test('approvals, declines with Chinese and English text, clearings, reversals, refunds, increments and expiry', async () => {
    const card = await f.openCard({ loadUsdMinor: 5_000 });
    tick();
    const held = f.authRequest(card, { amount: usd(2_000) });
    assert.equal((await f.issuer.authorize(held)).responseCode, '00');
    tick();
    const wrongCvv = f.authRequest(card, { amount: usd(999), card: { pan: card.pan, expMonth: card.expMonth, expYear: card.expYear, cvv2: card.cvv2 === '000' ? '001' : '000' } });
    assert.equal((await f.issuer.authorize(wrongCvv)).reason, 'cvv2_mismatch');
    tick();
    const tooMuch = f.authRequest(card, { amount: usd(100_000) });
    assert.equal((await f.issuer.authorize(tooMuch)).reason, 'insufficient_funds');
    tick();
    const euro = f.authRequest(card, { amount: { minor: 1_000, currency: 'EUR' } });
    assert.equal((await f.issuer.authorize(euro)).reason, 'currency_not_supported');
    tick();
    await f.issuer.clear(followUp(f, 'clearing', held.id, { amount: usd(1_500), final: true }));
    tick();
    await f.issuer.refund(followUp(f, 'refund', held.id, { amount: usd(500) }));
    tick();
    const reversed = f.authRequest(card, { amount: usd(300) });
    await f.issuer.authorize(reversed);
    tick();
    await f.issuer.reverse(followUp(f, 'reversal', reversed.id, { amount: null }));
    tick();
    const raised = f.authRequest(card, { amount: usd(100) });
    await f.issuer.authorize(raised);
    tick();
    await f.issuer.incrementAuthorization(followUp(f, 'incremental_authorization', raised.id, { amount: usd(50) }));
    tick();
    await f.issuer.incrementAuthorization(followUp(f, 'incremental_authorization', raised.id, { amount: usd(100_000) }));
    tick();
    // A refused follow-up changed nothing: it is not on the statement.
    await f.issuer.clear(followUp(f, 'clearing', reversed.id, { amount: usd(1), final: true }));

    const page = await statement(card);
    assert.equal(page.hasMore, false);
    assert.deepEqual(summary(page.lines), [
      ['incremental_authorization', -100_000, 'declined'],
      ['incremental_authorization', -50, 'pending'],
      ['authorization', -100, 'pending'],
      ['reversal', 300, 'reversed'],
      ['authorization', -300, 'reversed'],
      ['refund', 500, 'refunded'],
      ['clearing', -1_500, 'settled'],
      ['authorization', 0, 'declined'],
      ['authorization', -100_000, 'declined'],
      ['authorization', -999, 'declined'],
      ['authorization', -2_000, 'settled'],
      ['load', 5_000, 'settled'],
    ]);
    const cvvLine = page.lines[9]!;
    assert.deepEqual(cvvLine.decline, { responseCode: 'N7', reason: 'cvv2_mismatch', message: declineText('cvv2_mismatch') });
    assert.match(cvvLine.decline!.message.zh, /安全码/);
    assert.match(cvvLine.decline!.message.en, /security code/);
    assert.deepEqual(page.lines[7]!.requested, { minor: 1_000, currency: 'EUR' });
    assert.equal(page.lines[7]!.decline!.reason, 'currency_not_supported');
    assert.deepEqual(page.lines[0]!.decline!.reason, 'insufficient_funds');
    assert.deepEqual(page.lines[2]!.merchant, { name: 'OPENAI *API', mcc: '5734', country: 'US' });
    assert.equal(page.lines[10]!.authorizationId, page.lines[6]!.authorizationId, 'the clearing belongs to its authorization');

    // Expiry: the pending authorization and its raise expire; the sweep adds the event.
    f.clock.advanceMs(DEFAULT_HOLD_TTL_MS);
    let lines = (await statement(card)).lines;
    assert.deepEqual(summary(lines.filter((l) => l.authorizationId === page.lines[2]!.authorizationId)), [
      ['incremental_authorization', -100_000, 'declined'],
      ['incremental_authorization', -50, 'expired'],
      ['authorization', -100, 'expired'],
    ]);
    await expireDueAuthorizations(f.db, f.clock, f.ledger);
    lines = (await statement(card)).lines;
    assert.deepEqual(summary(lines.filter((l) => l.type === 'expiry')), [['expiry', 150, 'expired']]);
    assert.equal(await f.available(card), 5_000 - 1_500 + 500);
  });

  test('pages of two go through every line once, across sources sharing a millisecond', async () => {
    const card = await f.openCard({ loadUsdMinor: 1_000 });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const request = f.authRequest(card, { amount: usd(100 + i) });
      await f.issuer.authorize(request);
      ids.push(request.id);
    }
    await f.issuer.clear(followUp(f, 'clearing', ids[0]!, { amount: usd(100), final: true }));
    await f.load(card, 50);
    await f.issuer.authorize(f.authRequest(card, { amount: usd(1_000_000) }));
    const all = (await statement(card)).lines;
    assert.equal(all.length, 8);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const page = await statement(card, 2, cursor);
      seen.push(...page.lines.map((l) => l.id));
      if (!page.hasMore) break;
      assert.ok(page.nextCursor);
      cursor = page.nextCursor;
    }
    assert.deepEqual([...seen].sort(), all.map((l) => l.id).sort(), 'every line once');
    await assert.rejects(statement(card, 2, 'not-a-cursor'), (error: { code?: string }) => error.code === 'parameter_invalid');
  });

  test('a card with thousands of engine transfers: the statement reads the ledger within its budget and still lists every line once', async () => {
    const card = await f.openCard({ loadUsdMinor: 100_000 });
    tick();
    // 100 authorizations cleared in 10 parts each: 2,100 ledger transfers behind 1,100 lines.
    const requests = Array.from({ length: 100 }, () => f.authRequest(card, { amount: usd(1_000) }));
    await Promise.all(requests.map((r) => f.issuer.authorize(r)));
    for (let part = 0; part < 10; part++) {
      tick();
      const answers = await Promise.all(requests.map((r) => f.issuer.clear(followUp(f, 'clearing', r.id, { amount: usd(100), final: part === 9 }))));
      assert.ok(answers.every((a) => a.responseCode === '00'));
    }
    tick();
    await f.load(card, 1);
    const first = await statement(card, 5);
    assert.deepEqual(summary(first.lines.slice(0, 1)), [['load', 1, 'settled']]);
    const seen = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    for (; pages < 100; pages++) {
      const page = await statement(card, 100, cursor);
      for (const line of page.lines) {
        assert.ok(!seen.has(line.id), `line ${line.id} twice`);
        seen.add(line.id);
      }
      if (!page.hasMore) break;
      cursor = page.nextCursor;
    }
    assert.equal(seen.size, 2 + 100 + 1_000, 'two loads, 100 authorizations, 1,000 clearings');
    assert.equal(await f.available(card), 1);
  });

  test('over HTTP: the statement and the authorizations list, with decline texts, for the card’s owner only', async () => {
    const card = await f.openCard({ loadUsdMinor: 1_000 });
    const other = await f.openCard();
    const session = await f.db.transaction((tx) => createSession(tx, { ids: f.ids, random: seededRandom(5) }, card.cardholderId, f.clock.nowMs()));
    const otherSession = await f.db.transaction((tx) => createSession(tx, { ids: f.ids, random: seededRandom(6) }, other.cardholderId, f.clock.nowMs()));
    tick();
    await f.db.run("UPDATE issuer_cards SET status = 'frozen' WHERE id = ?", [card.cardId]);
    await f.issuer.authorize(f.authRequest(card, { amount: usd(500) }));
    await f.db.run("UPDATE issuer_cards SET status = 'active' WHERE id = ?", [card.cardId]);
    tick();
    await f.issuer.authorize(f.authRequest(card, { amount: usd(400) }));

    const get = (url: string, token: string) =>
      app.inject({ method: 'GET', url: `/issuer/v1/cards/${card.cardId}${url}`, headers: { authorization: `Bearer ${token}` } });
    const statementResponse = await get('/statement', session.token);
    assert.equal(statementResponse.statusCode, 200, statementResponse.body);
    const data = statementResponse.json().data as Array<Record<string, any>>;
    assert.deepEqual(
      data.map((l) => [l.type, l.amount, l.status]),
      [
        ['authorization', -400, 'pending'],
        ['authorization', -500, 'declined'],
        ['load', 1_000, 'settled'],
      ],
    );
    assert.deepEqual(data[1]!.decline, {
      response_code: '62',
      reason: 'card_frozen',
      message_zh: declineText('card_frozen').zh,
      message_en: declineText('card_frozen').en,
    });
    assert.equal(data[0]!.decline, null);
    assert.match(data[0]!.authorization, /^iauth_/);
    assert.deepEqual(data[0]!.merchant, { name: 'OPENAI *API', mcc: '5734', country: 'US' });

    const list = await get('/authorizations', session.token);
    assert.equal(list.statusCode, 200, list.body);
    const authorizations = list.json().data as Array<Record<string, any>>;
    assert.deepEqual(
      authorizations.map((a) => [a.status, a.amount, a.held, a.response_code, a.reason]),
      [
        ['pending', 400, 400, '00', 'approved'],
        ['declined', 500, 0, '62', 'card_frozen'],
      ],
    );
    assert.equal(authorizations[1]!.decline.message_en, declineText('card_frozen').en);
    assert.equal(authorizations[0]!.checks, undefined, 'the issuer’s check details stay internal');

    assert.equal((await get('/statement', otherSession.token)).statusCode, 404);
    assert.equal((await get('/authorizations', otherSession.token)).statusCode, 404);
    assert.equal((await get('/authorizations', 'nope')).statusCode, 401);
  });
});
