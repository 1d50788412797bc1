import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type { AuthorizationRequest, AuthorizationResponse, IssuerEndpoint } from '../../../src/network/messages.ts';
import { BinTable } from '../../../src/network/bins.ts';
import { CardNetwork } from '../../../src/network/card-network.ts';
import { listAuthorizationMessages } from '../../../src/issuer/authorization/message-records.ts';
import { findAuthorizationByRequestId } from '../../../src/issuer/authorization/records.ts';
import { cardStatement } from '../../../src/issuer/cards/statement.ts';
import { cardFixture, followUp, type CardFixture } from '../../support/card-fixture.ts';

const usd = (minor: number) => ({ minor, currency: 'USD' });

/**
 * The engine behind the real card network (routing by BIN, time-outs,
 * stand-in, its follow-through): what the acquirer will see, and what the
 * issuer's records and the cardholder's statement say afterwards.
 */
describe('Cardlane’s issuer behind the card network', () => {
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

  const network = (issuer: IssuerEndpoint, timeoutMs = 2_000) =>
    new CardNetwork({ db: f.db, clock: f.clock, ids: f.ids, bins: new BinTable([{ prefix: f.cardDeps.program.bin, brand: 'visa', country: 'US', funding: 'prepaid', issuer: 'cardlane', issuerName: 'Cardlane' }]), issuers: [issuer], timeoutMs, lateAnswerWaitMs: 5_000 });

  test('authorize, clear and refund through the network; repeats through the network answer the same', async () => {
    const card = await f.openCard({ loadUsdMinor: 5_000 });
    const net = network(f.issuer);
    const request = f.authRequest(card, { amount: usd(1_200) });
    const answer = await net.authorize(request);
    assert.deepEqual([answer.responseCode, answer.decidedBy, answer.issuer], ['00', 'issuer', 'cardlane']);
    assert.match(answer.issuerAuthorizationId ?? '', /^iauth_/);
    assert.deepEqual(await net.authorize(request), answer);
    assert.equal((await net.clear(followUp(f, 'clearing', request.id, { amount: usd(1_200), final: true }))).responseCode, '00');
    assert.equal((await net.refund(followUp(f, 'refund', request.id, { amount: usd(200) }))).responseCode, '00');
    assert.equal(await f.available(card), 4_000);
    const declined = await net.authorize(f.authRequest(card, { amount: usd(1_000_000) }));
    assert.deepEqual([declined.responseCode, declined.reason, declined.decidedBy], ['51', 'insufficient_funds', 'issuer']);
  });

  test('the issuer answers too late: the network stands in (91), then reverses and advises; the card holds nothing', async () => {
    const card = await f.openCard({ loadUsdMinor: 5_000 });
    // The real engine, answering a quarter of a second late.
    const slow: IssuerEndpoint = {
      name: f.issuer.name,
      authorize: async (request: AuthorizationRequest): Promise<AuthorizationResponse> => {
        await new Promise((resolve) => setTimeout(resolve, 250));
        return f.issuer.authorize(request);
      },
      incrementAuthorization: (r) => f.issuer.incrementAuthorization(r),
      reverse: (r) => f.issuer.reverse(r),
      clear: (r) => f.issuer.clear(r),
      refund: (r) => f.issuer.refund(r),
      advise: (a) => f.issuer.advise(a),
    };
    const net = network(slow, 50);
    const request = f.authRequest(card, { amount: usd(1_500) });
    const answer = await net.authorize(request);
    assert.deepEqual([answer.responseCode, answer.decidedBy, answer.approved], ['91', 'network', false]);
    await net.idle();
    const record = await findAuthorizationByRequestId(f.db, request.id);
    assert.ok(record);
    assert.equal(record.approved, true, 'the engine did approve, late');
    assert.deepEqual([record.status, record.heldUsdMinor, record.releasedUsdMinor], ['reversed', 0, 1_500]);
    assert.equal(await f.available(card), 5_000, 'nothing stays held for a payment the merchant was told was declined');
    const messages = await listAuthorizationMessages(f.db, record.id);
    assert.deepEqual(
      messages.map((m) => [m.type, m.responseCode]).sort(),
      [
        ['advice', '00'],
        ['reversal', '00'],
      ],
    );
    const lines = (await cardStatement(f.ledger, f.db, { cardholderId: card.cardholderId, cardId: card.cardId })).lines;
    assert.deepEqual(
      lines.filter((l) => l.authorizationId === record.id).map((l) => [l.type, l.amountUsdMinor, l.status]),
      [
        ['reversal', 1_500, 'reversed'],
        ['authorization', -1_500, 'reversed'],
      ],
    );
  });
});
