import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type { DisputeNetwork } from '../../src/network/messages.ts';
import { findAuthorizationByRequestId } from '../../src/issuer/authorization/records.ts';
import { closeCard } from '../../src/issuer/cards/card-money.ts';
import { DISPUTE_LOSSES } from '../../src/issuer/disputes/dispute-ledger.ts';
import { IssuerDisputes } from '../../src/issuer/disputes/disputes.ts';
import { walletAccountId } from '../../src/issuer/money/ledger-accounts.ts';
import { cardFixture, followUp, type CardFixture, type OpenedCard } from '../support/card-fixture.ts';

// A dispute's money (the provisional credit, the credit when won, the credit
// taken back when the merchant wins) goes to the card, or to the wallet when
// the card is closed. The card's status must be read under the card's lock:
// read unlocked, a close committing meanwhile (PostgreSQL, read committed)
// makes the dispute book against a card whose money has just been swept —
// a credit lands on a closed card nobody can unload any more, and a reversal
// finds nothing there, so the issuer writes off what the cardholder still has
// in the wallet. SQLite runs one writer at a time, so there the two never
// interleave; the test holds on either database.

const usd = (minor: number) => ({ minor, currency: 'USD' });

describe('a dispute racing the card’s close books its money where the card’s money went', () => {
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

  /** A card with $50 and a settled $20 payment on it; returns the authorization id. */
  async function settledPayment(): Promise<{ card: OpenedCard; authorizationId: string }> {
    const card = await f.openCard({ loadUsdMinor: 5_000 });
    const request = f.authRequest(card, { amount: usd(2_000) });
    assert.equal((await f.issuer.authorize(request)).responseCode, '00');
    assert.equal((await f.issuer.clear(followUp(f, 'clearing', request.id, { amount: usd(2_000), final: true }))).responseCode, '00');
    return { card, authorizationId: (await findAuthorizationByRequestId(f.db, request.id))!.id };
  }

  const wallet = async (card: OpenedCard) => (await f.ledger.getBalance(f.db, walletAccountId(card.cardholderId)))?.available ?? 0;
  const losses = async () => {
    const b = await f.ledger.getBalance(f.db, DISPUTE_LOSSES);
    return b === null ? 0 : b.debits_posted - b.credits_posted;
  };

  /**
   * Closes the card in a transaction that stays open until `racing` has
   * reached the database and is waiting on it (PostgreSQL: waiting on the
   * close's transaction; SQLite: queued behind the one writer), then commits.
   */
  async function whileClosing<T>(card: OpenedCard, racing: () => Promise<T>): Promise<T> {
    let commit!: () => void;
    const gate = new Promise<void>((resolve) => (commit = resolve));
    let closedUncommitted!: (xid: string | null) => void;
    const closed = new Promise<string | null>((resolve) => (closedUncommitted = resolve));
    const closing = f.db.transaction(async (tx) => {
      await closeCard(tx, f.cardDeps, { cardholderId: card.cardholderId, cardId: card.cardId });
      const xid = f.db.dialect === 'postgres' ? String((await tx.get<{ x: string }>('SELECT (txid_current() % 4294967296)::text AS x'))!.x) : null;
      closedUncommitted(xid);
      await gate;
    });
    const xid = await closed;
    const raced = racing();
    raced.catch(() => undefined);
    await waitingOn(xid);
    commit();
    await closing;
    return raced;
  }

  /** Until another transaction waits for `xid` (PostgreSQL); on SQLite, a moment for the racer to queue. */
  async function waitingOn(xid: string | null): Promise<void> {
    if (xid === null) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return;
    }
    for (let i = 0; i < 200; i++) {
      const waiting = await f.db.get<{ n: number | string }>(
        "SELECT COUNT(*) AS n FROM pg_locks WHERE locktype = 'transactionid' AND transactionid::text = ? AND NOT granted",
        [xid],
      );
      if (Number(waiting?.n ?? 0) > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.fail('the racing dispute never waited on the close');
  }

  test('a provisional credit given while the card closes lands in the wallet, not on the closed card', async () => {
    const { card, authorizationId } = await settledPayment();
    const disputes = new IssuerDisputes({ db: f.db, clock: f.clock, ids: f.ids, ledger: f.ledger });
    const walletBefore = await wallet(card);
    const dispute = await whileClosing(card, () =>
      disputes.open({ cardholderId: card.cardholderId, authorizationId, category: 'product_not_received', statement: 'Never arrived.' }),
    );
    assert.equal(Number(dispute.provisional_credit_minor), 2_000);
    assert.equal(await f.available(card), 0, 'a closed card keeps no free money: nobody could unload it');
    assert.equal(await wallet(card), walletBefore + 3_000 + 2_000, 'the swept balance and the provisional credit are both in the wallet');
  });

  test('a provisional credit taken back while the card closes comes from the wallet; the issuer writes nothing off', async () => {
    const { card, authorizationId } = await settledPayment();
    // The network's side is not under test: it takes the chargeback and the decision.
    const taken = async (request: { id: string }) => ({ type: 'dispute_response' as const, id: request.id, responseCode: '00' as const, reason: 'received', receiverRef: 'du_test', decidedBy: 'network' as const });
    const network: DisputeNetwork = { chargeback: taken, represent: taken, decide: taken, reportFraud: taken };
    const disputes = new IssuerDisputes({ db: f.db, clock: f.clock, ids: f.ids, ledger: f.ledger });
    disputes.connect(network);
    const opened = await disputes.open({ cardholderId: card.cardholderId, authorizationId, category: 'product_not_received', statement: 'Never arrived.' });
    assert.equal(opened.status, 'chargeback_sent');
    const answer = await disputes.receiveRepresentment({
      type: 'representment',
      id: 'rep_1',
      sender: 'cardlane-acquirer',
      chargebackId: opened.id,
      action: 'represent',
      evidence: { uncategorized_text: 'delivered' },
      sentAtMs: f.clock.nowMs(),
    });
    assert.equal(answer.responseCode, '00');
    const lossesBefore = await losses();
    const walletBefore = await wallet(card);

    const decided = await whileClosing(card, () => disputes.decide(opened.id, 'merchant', 'op_test'));
    assert.equal(decided.status, 'lost');
    assert.equal(await losses(), lossesBefore, 'nothing written off: the cardholder still had the credit, in the wallet');
    assert.equal(await wallet(card), walletBefore + 3_000 + 2_000 - 2_000, 'the sweep brought $50 (the $30 left and the $20 credit); the $20 credit went back');
    assert.equal(await f.available(card), 0);
  });
});
