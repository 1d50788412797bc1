import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type { AuthorizationResponse, FollowUpResponse } from '../../../src/network/messages.ts';
import { CardlaneIssuer } from '../../../src/issuer/authorization/cardlane-issuer.ts';
import { DEFAULT_HOLD_TTL_MS } from '../../../src/issuer/authorization/engine-deps.ts';
import { expireDueAuthorizations } from '../../../src/issuer/authorization/expire.ts';
import { listAuthorizationMessages } from '../../../src/issuer/authorization/message-records.ts';
import { findAuthorizationByRequestId, type IssuerAuthorization } from '../../../src/issuer/authorization/records.ts';
import { cardAccountId } from '../../../src/issuer/cards/card-accounts.ts';
import { cardBalance, closeCard } from '../../../src/issuer/cards/card-money.ts';
import { updateControls } from '../../../src/issuer/cards/card-controls-service.ts';
import { SYSTEM_ACCOUNTS, walletAccountId } from '../../../src/issuer/money/ledger-accounts.ts';
import { cardFixture, followUp, type CardFixture, type OpenedCard } from '../../support/card-fixture.ts';

const usd = (minor: number) => ({ minor, currency: 'USD' });

describe('holds after approval: clearing, reversal, expiry, refund, incremental', () => {
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

  /** A card with $50 and an approved purchase of `amount`; returns the request id. */
  async function approved(amount: number, card?: OpenedCard): Promise<{ card: OpenedCard; requestId: string }> {
    const c = card ?? (await f.openCard({ loadUsdMinor: 5_000 }));
    const request = f.authRequest(c, { amount: usd(amount) });
    const response = await f.issuer.authorize(request);
    assert.equal(response.responseCode, '00', JSON.stringify(response));
    return { card: c, requestId: request.id };
  }

  const record = async (requestId: string): Promise<IssuerAuthorization> => (await findAuthorizationByRequestId(f.db, requestId))!;
  const posted = async (card: OpenedCard) => (await cardBalance(f.ledger, f.db, card.cardId)).postedUsdMinor;
  const settlement = async () => {
    const b = await f.ledger.getBalance(f.db, SYSTEM_ACCOUNTS.usdNetworkSettlement);
    return (b?.credits_posted ?? 0) - (b?.debits_posted ?? 0);
  };

  function expectAnswer(answer: FollowUpResponse, code: string, reason: string, amount: number): void {
    assert.equal(answer.type, 'follow_up_response');
    assert.equal(answer.responseCode, code, JSON.stringify(answer));
    assert.equal(answer.reason, reason);
    assert.equal(answer.amount.minor, amount);
    assert.equal(answer.decidedBy, 'issuer');
  }

  test('partial and multiple clearings; the final one releases the rest and closes the authorization', async () => {
    const { card, requestId } = await approved(2_000);
    const settledBefore = await settlement();
    expectAnswer(await f.issuer.clear(followUp(f, 'clearing', requestId, { amount: usd(500), final: false })), '00', 'cleared', 500);
    assert.equal(await f.available(card), 3_000, 'the cleared part left the card, the rest is still held');
    assert.equal(await posted(card), 4_500);
    expectAnswer(await f.issuer.clear(followUp(f, 'clearing', requestId, { amount: usd(700), final: false })), '00', 'cleared', 700);
    let r = await record(requestId);
    assert.deepEqual([r.status, r.heldUsdMinor, r.clearedUsdMinor], ['pending', 800, 1_200]);
    expectAnswer(await f.issuer.clear(followUp(f, 'clearing', requestId, { amount: usd(300), final: true })), '00', 'cleared', 300);
    r = await record(requestId);
    assert.deepEqual([r.status, r.heldUsdMinor, r.clearedUsdMinor, r.releasedUsdMinor], ['closed', 0, 1_500, 500]);
    assert.notEqual(r.closedAtMs, null);
    assert.equal(await f.available(card), 3_500, 'the $5 never cleared is back');
    assert.equal(await posted(card), 3_500);
    assert.equal((await settlement()) - settledBefore, 1_500, 'the network is owed what was cleared');
    expectAnswer(await f.issuer.clear(followUp(f, 'clearing', requestId, { amount: usd(1), final: true })), '12', 'authorization_closed', 0);
    const messages = await listAuthorizationMessages(f.db, r.id);
    assert.deepEqual(
      messages.map((m) => [m.type, m.responseCode, m.movedUsdMinor]),
      [
        ['clearing', '00', 500],
        ['clearing', '00', 700],
        ['clearing', '00', 300],
        ['clearing', '12', 0],
      ],
    );
  });

  test('a clearing of everything held, not final, also closes it (nothing is left)', async () => {
    const { card, requestId } = await approved(1_000);
    expectAnswer(await f.issuer.clear(followUp(f, 'clearing', requestId, { amount: usd(1_000), final: false })), '00', 'cleared', 1_000);
    assert.equal((await record(requestId)).status, 'closed');
    assert.equal(await f.available(card), 4_000);
  });

  test('follow-up refusals: unknown original 12, over what is held 13, wrong currency 13, wrong state 12', async () => {
    const { card, requestId } = await approved(1_000);
    expectAnswer(await f.issuer.clear(followUp(f, 'clearing', 'auth_nope', { amount: usd(100), final: true })), '12', 'original_not_found', 0);
    expectAnswer(await f.issuer.reverse(followUp(f, 'reversal', 'auth_nope', { amount: null })), '12', 'original_not_found', 0);
    expectAnswer(await f.issuer.refund(followUp(f, 'refund', 'auth_nope', { amount: usd(1) })), '12', 'original_not_found', 0);
    expectAnswer(await f.issuer.clear(followUp(f, 'clearing', requestId, { amount: usd(1_001), final: true })), '13', 'amount_exceeds_held', 0);
    expectAnswer(await f.issuer.reverse(followUp(f, 'reversal', requestId, { amount: usd(1_001) })), '13', 'amount_exceeds_held', 0);
    expectAnswer(await f.issuer.clear(followUp(f, 'clearing', requestId, { amount: { minor: 100, currency: 'EUR' }, final: true })), '13', 'currency_mismatch', 0);
    expectAnswer(await f.issuer.clear(followUp(f, 'clearing', requestId, { amount: usd(0), final: true })), '13', 'invalid_amount', 0);
    expectAnswer(await f.issuer.clear(followUp(f, 'clearing', requestId, { amount: usd(-1), final: true })), '13', 'invalid_amount', 0);
    expectAnswer(await f.issuer.refund(followUp(f, 'refund', requestId, { amount: usd(100) })), '12', 'not_cleared', 0);
    assert.equal(await f.available(card), 4_000, 'refusals change nothing');

    const declined = f.authRequest(card, { amount: usd(999_999) });
    assert.equal((await f.issuer.authorize(declined)).responseCode, '51');
    expectAnswer(await f.issuer.clear(followUp(f, 'clearing', declined.id, { amount: usd(100), final: true })), '12', 'authorization_declined', 0);
    expectAnswer(await f.issuer.reverse(followUp(f, 'reversal', declined.id, { amount: null })), '12', 'authorization_declined', 0);

    const verification = f.authRequest(card, { purpose: 'account_verification', amount: usd(500) });
    assert.equal((await f.issuer.authorize(verification)).responseCode, '00');
    expectAnswer(await f.issuer.clear(followUp(f, 'clearing', verification.id, { amount: usd(500), final: true })), '12', 'not_a_purchase', 0);
    expectAnswer(await f.issuer.reverse(followUp(f, 'reversal', verification.id, { amount: null })), '00', 'reversed', 500);
    assert.equal(await f.available(card), 4_000);
    const zero = f.authRequest(card, { purpose: 'account_verification', amount: usd(0) });
    assert.equal((await f.issuer.authorize(zero)).responseCode, '00');
    expectAnswer(await f.issuer.reverse(followUp(f, 'reversal', zero.id, { amount: null })), '00', 'reversed', 0);
  });

  test('reversal: partial, then the rest; a reversal after that is refused', async () => {
    const { card, requestId } = await approved(2_000);
    expectAnswer(await f.issuer.reverse(followUp(f, 'reversal', requestId, { amount: usd(500) })), '00', 'reversed', 500);
    assert.equal(await f.available(card), 3_500);
    let r = await record(requestId);
    assert.deepEqual([r.status, r.heldUsdMinor, r.releasedUsdMinor], ['pending', 1_500, 500]);
    expectAnswer(await f.issuer.reverse(followUp(f, 'reversal', requestId, { amount: null })), '00', 'reversed', 1_500);
    r = await record(requestId);
    assert.deepEqual([r.status, r.heldUsdMinor, r.releasedUsdMinor, r.clearedUsdMinor], ['reversed', 0, 2_000, 0]);
    assert.equal(await f.available(card), 5_000, 'every cent is back');
    assert.equal(await posted(card), 5_000);
    expectAnswer(await f.issuer.reverse(followUp(f, 'reversal', requestId, { amount: null })), '12', 'authorization_reversed', 0);
    expectAnswer(await f.issuer.clear(followUp(f, 'clearing', requestId, { amount: usd(1), final: true })), '12', 'authorization_reversed', 0);
  });

  test('cleared in part, the rest reversed: the authorization is closed with both', async () => {
    const { card, requestId } = await approved(2_000);
    await f.issuer.clear(followUp(f, 'clearing', requestId, { amount: usd(1_200), final: false }));
    expectAnswer(await f.issuer.reverse(followUp(f, 'reversal', requestId, { amount: null })), '00', 'reversed', 800);
    const r = await record(requestId);
    assert.deepEqual([r.status, r.clearedUsdMinor, r.releasedUsdMinor], ['closed', 1_200, 800]);
    assert.equal(await f.available(card), 3_800);
  });

  test('expiry: after 7 days the hold holds nothing, clearing is refused, the funds are available again', async () => {
    const { card, requestId } = await approved(2_000);
    const partial = await approved(1_000, card);
    await f.issuer.clear(followUp(f, 'clearing', partial.requestId, { amount: usd(400), final: false }));
    assert.equal(await f.available(card), 2_000);
    f.clock.advanceMs(DEFAULT_HOLD_TTL_MS - 1);
    assert.equal(await f.available(card), 2_000, 'still held a millisecond before');
    f.clock.advanceMs(1);
    assert.equal(await f.available(card), 4_600, 'released the moment it expires, before any sweep');
    expectAnswer(await f.issuer.clear(followUp(f, 'clearing', requestId, { amount: usd(2_000), final: true })), '12', 'authorization_expired', 0);
    let r = await record(requestId);
    assert.deepEqual([r.status, r.heldUsdMinor, r.releasedUsdMinor], ['expired', 0, 2_000]);
    expectAnswer(await f.issuer.reverse(followUp(f, 'reversal', requestId, { amount: null })), '12', 'authorization_expired', 0);
    // The sweep brings the rest of the records along; the partly cleared one ends closed.
    // (Other tests' holds on this database expire too; what matters is this one.)
    assert.ok((await expireDueAuthorizations(f.db, f.clock, f.ledger)) >= 1);
    r = await record(partial.requestId);
    assert.deepEqual([r.status, r.clearedUsdMinor, r.releasedUsdMinor], ['closed', 400, 600]);
    assert.equal(await expireDueAuthorizations(f.db, f.clock, f.ledger), 0, 'nothing twice');
    await f.ledger.expireDue(f.db);
    assert.equal(await f.available(card), 4_600);
    // The expired purchase can still not be refunded (nothing was cleared); the partial one can.
    expectAnswer(await f.issuer.refund(followUp(f, 'refund', requestId, { amount: usd(1) })), '12', 'not_cleared', 0);
    expectAnswer(await f.issuer.refund(followUp(f, 'refund', partial.requestId, { amount: usd(400) })), '00', 'refunded', 400);
    assert.equal(await f.available(card), 5_000);
  });

  test('a configured hold time: one hour', async () => {
    const issuer = new CardlaneIssuer({ db: f.db, clock: f.clock, ids: f.ids, keyring: f.keyring, ledger: f.ledger, holdTtlMs: 3_600_000 });
    const card = await f.openCard({ loadUsdMinor: 1_000 });
    const request = f.authRequest(card, { amount: usd(1_000) });
    assert.equal((await issuer.authorize(request)).responseCode, '00');
    assert.equal((await record(request.id)).expiresAtMs, f.clock.nowMs() + 3_600_000);
    f.clock.advanceMs(3_600_000);
    assert.equal(await f.available(card), 1_000);
    assert.throws(() => new CardlaneIssuer({ db: f.db, clock: f.clock, ids: f.ids, keyring: f.keyring, ledger: f.ledger, holdTtlMs: 0 }), RangeError);
  });

  test('refunds: partial, then the rest; never more than cleared minus refunded', async () => {
    const { card, requestId } = await approved(2_000);
    await f.issuer.clear(followUp(f, 'clearing', requestId, { amount: usd(1_500), final: true }));
    assert.equal(await f.available(card), 3_500);
    expectAnswer(await f.issuer.refund(followUp(f, 'refund', requestId, { amount: usd(500) })), '00', 'refunded', 500);
    assert.equal(await f.available(card), 4_000);
    expectAnswer(await f.issuer.refund(followUp(f, 'refund', requestId, { amount: usd(1_001) })), '13', 'amount_exceeds_refundable', 0);
    expectAnswer(await f.issuer.refund(followUp(f, 'refund', requestId, { amount: usd(1_000) })), '00', 'refunded', 1_000);
    expectAnswer(await f.issuer.refund(followUp(f, 'refund', requestId, { amount: usd(1) })), '13', 'amount_exceeds_refundable', 0);
    assert.equal(await f.available(card), 5_000);
    const r = await record(requestId);
    assert.deepEqual([r.clearedUsdMinor, r.refundedUsdMinor], [1_500, 1_500]);
  });

  test('a refund after the card was closed goes to the wallet (the card’s money went there)', async () => {
    const { card, requestId } = await approved(2_000);
    await f.issuer.clear(followUp(f, 'clearing', requestId, { amount: usd(2_000), final: true }));
    await f.db.transaction((tx) => closeCard(tx, f.cardDeps, { cardholderId: card.cardholderId, cardId: card.cardId }));
    const wallet = async () => (await f.ledger.getBalance(f.db, walletAccountId(card.cardholderId)))!.available;
    const before = await wallet();
    expectAnswer(await f.issuer.refund(followUp(f, 'refund', requestId, { amount: usd(2_000) })), '00', 'refunded', 2_000);
    assert.equal(await wallet(), before + 2_000);
    assert.equal(await f.available(card), 0);
  });

  test('closing a card keeps approved holds for the merchant; only free money goes to the wallet, the rest as each hold ends', async () => {
    const { card, requestId } = await approved(2_000);
    const partial = await approved(1_000, card);
    const released = await approved(500, card);
    const expiring = await approved(700, card);
    await f.issuer.clear(followUp(f, 'clearing', partial.requestId, { amount: usd(300), final: false }));
    const wallet = async () => (await f.ledger.getBalance(f.db, walletAccountId(card.cardholderId)))!.available;
    await f.db.transaction((tx) => closeCard(tx, f.cardDeps, { cardholderId: card.cardholderId, cardId: card.cardId }));
    // $50 − $3 cleared − $20 − $7 − $5 − $7 held = $8 free.
    assert.equal(await wallet(), 800, 'only the free balance is swept on close');
    assert.equal(await f.available(card), 0);
    assert.deepEqual([(await record(requestId)).status, (await record(requestId)).heldUsdMinor], ['pending', 2_000], 'the hold survives the close');
    assert.equal((await f.issuer.authorize(f.authRequest(card))).reason, 'card_closed', 'no new authorizations');
    const raise = await f.issuer.incrementAuthorization(followUp(f, 'incremental_authorization', requestId, { amount: usd(100) }));
    assert.deepEqual([raise.responseCode, raise.reason], ['14', 'card_closed'], 'nor increases');

    // The merchant captures $15 of $20: the issuer clears it, the $5 released goes to the wallet.
    expectAnswer(await f.issuer.clear(followUp(f, 'clearing', requestId, { amount: usd(1_500), final: true })), '00', 'cleared', 1_500);
    assert.equal(await wallet(), 1_300);
    // The rest of the partly cleared one is captured in a second, final clearing.
    expectAnswer(await f.issuer.clear(followUp(f, 'clearing', partial.requestId, { amount: usd(700), final: true })), '00', 'cleared', 700);
    assert.equal(await wallet(), 1_300);
    // A reversal frees its hold to the wallet.
    expectAnswer(await f.issuer.reverse(followUp(f, 'reversal', released.requestId, { amount: null })), '00', 'reversed', 500);
    assert.equal(await wallet(), 1_800);
    // An expiry too, once the sweep brings the records along.
    f.clock.advanceMs(DEFAULT_HOLD_TTL_MS);
    assert.ok((await expireDueAuthorizations(f.db, f.clock, f.ledger)) >= 1);
    assert.equal((await record(expiring.requestId)).status, 'expired');
    assert.equal(await wallet(), 2_500, 'everything not captured is back in the wallet');
    const balance = await f.ledger.getBalance(f.db, cardAccountId(card.cardId));
    assert.deepEqual([balance!.available, balance!.debits_pending, balance!.credits_posted - balance!.debits_posted], [0, 0, 0]);
    await f.ledger.expireDue(f.db);
  });

  test('a closed card whose expired hold is named by a late follow-up sweeps at once', async () => {
    const { card, requestId } = await approved(2_000);
    await f.db.transaction((tx) => closeCard(tx, f.cardDeps, { cardholderId: card.cardholderId, cardId: card.cardId }));
    const wallet = async () => (await f.ledger.getBalance(f.db, walletAccountId(card.cardholderId)))!.available;
    assert.equal(await wallet(), 3_000);
    f.clock.advanceMs(DEFAULT_HOLD_TTL_MS);
    expectAnswer(await f.issuer.clear(followUp(f, 'clearing', requestId, { amount: usd(2_000), final: true })), '12', 'authorization_expired', 0);
    assert.equal(await wallet(), 5_000);
    await f.ledger.expireDue(f.db);
  });

  test('incremental authorization: re-checks balance and limits, raises the hold, clears as one', async () => {
    const { card, requestId } = await approved(2_000);
    const raise = async (amount: number) => f.issuer.incrementAuthorization(followUp(f, 'incremental_authorization', requestId, { amount: usd(amount) }));
    let answer: AuthorizationResponse = await raise(1_000);
    assert.equal(answer.type, 'authorization_response');
    assert.deepEqual([answer.responseCode, answer.approved, answer.approvedAmount.minor], ['00', true, 1_000]);
    assert.match(answer.approvalCode ?? '', /^[0-9A-Z]{6}$/);
    let r = await record(requestId);
    assert.equal(answer.issuerAuthorizationId, r.id);
    assert.deepEqual([r.approvedUsdMinor, r.heldUsdMinor, r.status], [3_000, 3_000, 'pending']);
    assert.equal(await f.available(card), 2_000);

    answer = await raise(2_001);
    assert.deepEqual([answer.responseCode, answer.reason, answer.approved, answer.approvedAmount.minor], ['51', 'insufficient_funds', false, 0]);
    assert.equal(await f.available(card), 2_000, 'a refused increase leaves the hold as it was');

    await f.db.transaction((tx) => updateControls(tx, f.cardDeps, { cardholderId: card.cardholderId, cardId: card.cardId, patch: { spending_limits: { per_transaction: 3_500 } } }));
    answer = await raise(501);
    assert.deepEqual([answer.responseCode, answer.reason], ['61', 'limit_per_transaction_exceeded']);
    answer = await raise(500);
    assert.equal(answer.responseCode, '00');
    r = await record(requestId);
    assert.deepEqual([r.approvedUsdMinor, r.heldUsdMinor], [3_500, 3_500]);
    const expiresAtMs = r.expiresAtMs;

    expectAnswer(await f.issuer.clear(followUp(f, 'clearing', requestId, { amount: usd(3_500), final: true })), '00', 'cleared', 3_500);
    assert.equal(await f.available(card), 1_500);
    assert.equal(expiresAtMs, (await record(requestId)).expiresAtMs, 'a raised hold keeps the original expiry');
    answer = await raise(100);
    assert.deepEqual([answer.responseCode, answer.reason], ['12', 'authorization_closed']);
    const unknown = await f.issuer.incrementAuthorization(followUp(f, 'incremental_authorization', 'auth_nope', { amount: usd(100) }));
    assert.deepEqual([unknown.responseCode, unknown.reason, unknown.issuerAuthorizationId], ['12', 'original_not_found', null]);
  });

  test('incremental authorization counts toward the day limit', async () => {
    const card = await f.openCard({ loadUsdMinor: 5_000 });
    await f.db.transaction((tx) => updateControls(tx, f.cardDeps, { cardholderId: card.cardholderId, cardId: card.cardId, patch: { spending_limits: { per_day: 2_500 } } }));
    const { requestId } = await approved(2_000, card);
    const raised = await f.issuer.incrementAuthorization(followUp(f, 'incremental_authorization', requestId, { amount: usd(500) }));
    assert.equal(raised.responseCode, '00');
    const next = await f.issuer.authorize(f.authRequest(card, { amount: usd(1) }));
    assert.deepEqual([next.responseCode, next.reason], ['61', 'limit_per_day_exceeded']);
    // A new UTC day starts from zero.
    f.clock.advanceMs(24 * 3_600_000);
    assert.equal((await f.issuer.authorize(f.authRequest(card, { amount: usd(1) }))).responseCode, '00');
  });

  test('repeats: the same follow-up twice answers the same and acts once; an id reused for another kind is refused', async () => {
    const { card, requestId } = await approved(2_000);
    const clearing = followUp(f, 'clearing', requestId, { amount: usd(500), final: false });
    const first = await f.issuer.clear(clearing);
    const [second, third] = await Promise.all([f.issuer.clear(clearing), f.issuer.clear(clearing)]);
    assert.deepEqual(second, first);
    assert.deepEqual(third, first);
    assert.equal((await record(requestId)).clearedUsdMinor, 500);
    assert.equal(await posted(card), 4_500);
    const reused = await f.issuer.reverse({ type: 'reversal', id: clearing.id, originalId: requestId, amount: null, sentAtMs: 0 });
    assert.deepEqual([reused.responseCode, reused.reason], ['12', 'message_id_reused']);
    assert.equal((await record(requestId)).heldUsdMinor, 1_500);

    const increment = followUp(f, 'incremental_authorization', requestId, { amount: usd(100) });
    const answers = await Promise.all([1, 2, 3].map(() => f.issuer.incrementAuthorization(increment)));
    assert.deepEqual(answers[1], answers[0]);
    assert.deepEqual(answers[2], answers[0]);
    assert.equal((await record(requestId)).heldUsdMinor, 1_600);
  });

  test('the same authorization sent five times at once: one decision, five identical answers', async () => {
    const card = await f.openCard({ loadUsdMinor: 5_000 });
    const request = f.authRequest(card, { amount: usd(1_000) });
    const answers = await Promise.all([1, 2, 3, 4, 5].map(() => f.issuer.authorize(request)));
    for (const answer of answers) assert.deepEqual(answer, answers[0]);
    assert.equal(answers[0]!.responseCode, '00');
    assert.equal(await f.available(card), 4_000);
    const count = await f.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM issuer_authorizations WHERE request_id = ?', [request.id]);
    assert.equal(Number(count!.n), 1);
  });

  test('advice: a stand-in decline the issuer never saw is recorded; a late copy of the request gets that answer', async () => {
    const card = await f.openCard({ loadUsdMinor: 5_000 });
    const request = f.authRequest(card, { amount: usd(1_000) });
    const standIn: AuthorizationResponse = {
      type: 'authorization_response',
      id: request.id,
      responseCode: '91',
      approved: false,
      approvalCode: null,
      approvedAmount: usd(0),
      avs: { line1: 'unchecked', postalCode: 'unchecked' },
      cvv2: 'unchecked',
      reason: 'issuer_unavailable',
      issuerAuthorizationId: null,
      decidedBy: 'network',
      issuer: 'cardlane',
    };
    await f.issuer.advise({ type: 'advice', id: f.nextId('advice'), request, response: standIn });
    const r = await record(request.id);
    assert.deepEqual([r.decidedBy, r.status, r.responseCode, r.reason, r.cardId], ['network', 'declined', '91', 'issuer_unavailable', card.cardId]);
    const late = await f.issuer.authorize(request);
    assert.deepEqual([late.responseCode, late.decidedBy, late.approved, late.issuerAuthorizationId], ['91', 'network', false, null]);
    assert.equal(await f.available(card), 5_000);
  });

  test('advice: the issuer approved but answered too late; the hold is released at once', async () => {
    const card = await f.openCard({ loadUsdMinor: 5_000 });
    const request = f.authRequest(card, { amount: usd(1_000) });
    const approvedAnswer = await f.issuer.authorize(request);
    assert.equal(approvedAnswer.responseCode, '00');
    const advice = {
      type: 'advice' as const,
      id: f.nextId('advice'),
      request,
      response: { ...approvedAnswer, responseCode: '91' as const, approved: false, approvalCode: null, reason: 'issuer_unavailable', decidedBy: 'network' as const, issuerAuthorizationId: null },
    };
    await f.issuer.advise(advice);
    await f.issuer.advise(advice);
    const r = await record(request.id);
    assert.deepEqual([r.status, r.releasedUsdMinor], ['reversed', 1_000]);
    assert.equal(await f.available(card), 5_000);
    assert.equal((await listAuthorizationMessages(f.db, r.id)).filter((m) => m.type === 'advice').length, 1, 'acted once');
  });
});
