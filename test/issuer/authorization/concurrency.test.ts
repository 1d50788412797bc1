import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { CardlaneIssuer } from '../../../src/issuer/authorization/cardlane-issuer.ts';
import { findAuthorizationByRequestId } from '../../../src/issuer/authorization/records.ts';
import { updateControls } from '../../../src/issuer/cards/card-controls-service.ts';
import type { Sql } from '../../../src/platform/db/database.ts';
import { Ledger } from '../../../src/ledger/ledger.ts';
import type { Balance } from '../../../src/ledger/types.ts';
import { IdGenerator, seededRandom } from '../../../src/platform/ids.ts';
import { cardFixture, followUp, type CardFixture } from '../../support/card-fixture.ts';

const usd = (minor: number) => ({ minor, currency: 'USD' });

describe('concurrent authorizations never spend more than the card has', () => {
  let f: CardFixture;
  before(async () => {
    f = await cardFixture();
  });
  afterEach(async () => {
    await f.assertConsistent();
  });
  after(async () => {
    await f.cleanup();
  });

  test('$10 on the card, 30 concurrent $1 authorizations: exactly 10 approved, 20 declined 51', async () => {
    const card = await f.openCard({ loadUsdMinor: 1_000 });
    const answers = await Promise.all(Array.from({ length: 30 }, () => f.issuer.authorize(f.authRequest(card, { amount: usd(100) }))));
    assert.equal(answers.filter((a) => a.responseCode === '00').length, 10);
    assert.equal(answers.filter((a) => a.responseCode === '51' && a.reason === 'insufficient_funds').length, 20);
    assert.equal(await f.available(card), 0);
    const held = await f.db.get<{ n: number; total: number }>(
      "SELECT COUNT(*) AS n, SUM(held_usd_minor) AS total FROM issuer_authorizations WHERE card_id = ? AND status = 'pending'",
      [card.cardId],
    );
    assert.deepEqual([Number(held!.n), Number(held!.total)], [10, 1_000]);
  });

  test('two issuer instances (two processes on PostgreSQL) share a card: still exactly what it holds', async () => {
    const card = await f.openCard({ loadUsdMinor: 1_000 });
    const other = new CardlaneIssuer({ db: f.db, clock: f.clock, ids: new IdGenerator(f.clock, seededRandom(991)), keyring: f.keyring, ledger: f.ledger });
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? f.issuer : other).authorize(f.authRequest(card, { amount: usd(100) }))),
    );
    assert.equal(answers.filter((a) => a.approved).length, 10);
    assert.equal(await f.available(card), 0);
  });

  test('a concurrent load and authorizations on one card: the floor holds, every approval is covered', async () => {
    const card = await f.openCard({ loadUsdMinor: 500 });
    const work: Array<Promise<unknown>> = [];
    for (let i = 0; i < 20; i++) work.push(f.issuer.authorize(f.authRequest(card, { amount: usd(50) })));
    work.push(f.load(card, 300));
    const answers = (await Promise.all(work)).slice(0, 20) as Array<{ approved: boolean }>;
    const approvedCount = answers.filter((a) => a.approved).length;
    assert.ok(approvedCount >= 10 && approvedCount <= 16, `approved ${approvedCount}`);
    assert.equal(await f.available(card), 800 - approvedCount * 50);
  });

  test('the ledger has the last word: a hold its floor refuses turns the approval into 51, and gives back what it took', async () => {
    // A ledger that overstates every balance by $100: the engine's own view says yes, the floor says no.
    class Optimistic extends Ledger {
      override async getBalances(sql: Sql, ids: readonly string[]): Promise<Balance[]> {
        return (await super.getBalances(sql, ids)).map((b) => ({ ...b, available: b.available + 10_000 }));
      }
    }
    const issuer = new CardlaneIssuer({ db: f.db, clock: f.clock, ids: f.ids, keyring: f.keyring, ledger: new Optimistic(f.clock) });
    const card = await f.openCard({ loadUsdMinor: 1_000 });
    await f.db.transaction((tx) =>
      updateControls(tx, f.cardDeps, { cardholderId: card.cardholderId, cardId: card.cardId, patch: { spending_limits: { per_day: 10_000 }, max_accounts_per_merchant: 1 } }),
    );
    const refused = f.authRequest(card, { amount: usd(5_000), merchantCustomerRef: 'cus_x' });
    const answer = await issuer.authorize(refused);
    assert.deepEqual([answer.responseCode, answer.reason, answer.approved, answer.approvalCode], ['51', 'insufficient_funds', false, null]);
    const record = await findAuthorizationByRequestId(f.db, refused.id);
    assert.deepEqual([record!.status, record!.heldUsdMinor, record!.checks.ledger], ['declined', 0, 'exceeds_credits']);
    assert.equal(await f.available(card), 1_000);
    // Neither the day's spend nor the merchant account was kept for it.
    await f.load(card, 9_000);
    const next = await issuer.authorize(f.authRequest(card, { amount: usd(6_000), merchantCustomerRef: 'cus_y' }));
    assert.equal(next.responseCode, '00', JSON.stringify(next));
  });

  test('many cards at once, with follow-ups in the same batches: each card stays within its balance', async () => {
    const cards = await Promise.all(Array.from({ length: 6 }, () => f.openCard({ loadUsdMinor: 700 })));
    const requests = cards.flatMap((card) => Array.from({ length: 10 }, () => f.authRequest(card, { amount: usd(100) })));
    const answers = await Promise.all(requests.map((r) => f.issuer.authorize(r)));
    for (const card of cards) {
      const mine = answers.filter((_, i) => requests[i]!.card.pan === card.pan);
      assert.equal(mine.filter((a) => a.approved).length, 7);
      assert.equal(await f.available(card), 0);
    }
    // Reverse every approved one while new authorizations arrive: each new one sees only what was released before it.
    const approvedIds = requests.filter((_, i) => answers[i]!.approved).map((r) => r.id);
    const mixed = await Promise.all([
      ...approvedIds.map((id) => f.issuer.reverse(followUp(f, 'reversal', id, { amount: null }))),
      ...cards.map((card) => f.issuer.authorize(f.authRequest(card, { amount: usd(700) }))),
    ]);
    assert.ok(mixed.slice(0, approvedIds.length).every((a) => a.responseCode === '00'));
    for (const [i, card] of cards.entries()) {
      const answer = mixed[approvedIds.length + i] as { approved: boolean };
      assert.equal(await f.available(card), answer.approved ? 0 : 700);
    }
  });
});
