import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { usdBetween, type IssuerFx } from '../../../src/issuer/authorization/foreign-exchange.ts';
import { cardStatement } from '../../../src/issuer/cards/statement.ts';
import { cardFixture, followUp, type CardFixture } from '../../support/card-fixture.ts';

// A card statement's amounts are USD cents. An incremental authorization on a
// payment in another currency is asked in that currency: its line must say
// what the card was (or would have been) billed in USD, never the foreign
// figure read as cents (¥1,000,000 is not −$10,000.00), and carry what was
// asked, as the payment's own line does.

const FX: IssuerFx = { ratesToUsd: { JPY: '0.0067' }, crossBorderFeeBps: 100 };
let f: CardFixture;
before(async () => {
  f = await cardFixture({ fx: FX });
});
afterEach(async () => {
  await f.assertConsistent();
});
after(async () => {
  await f.cleanup();
});

test('increments on a yen payment: the approved one shows the USD billed, the declined one moves nothing; both show the yen asked', async () => {
  const card = await f.openCard({ loadUsdMinor: 10_000 });
  const request = f.authRequest(card, { amount: { minor: 10_000, currency: 'JPY' } });
  assert.equal((await f.issuer.authorize(request)).responseCode, '00');
  f.clock.advanceMs(1_000);
  const raised = await f.issuer.incrementAuthorization(followUp(f, 'incremental_authorization', request.id, { amount: { minor: 1_500, currency: 'JPY' } }));
  assert.equal(raised.responseCode, '00');
  f.clock.advanceMs(1_000);
  const refused = await f.issuer.incrementAuthorization(followUp(f, 'incremental_authorization', request.id, { amount: { minor: 1_000_000, currency: 'JPY' } }));
  assert.deepEqual([refused.responseCode, refused.reason], ['51', 'insufficient_funds']);

  const { lines } = await cardStatement(f.ledger, f.db, { cardholderId: card.cardholderId, cardId: card.cardId, limit: 50, after: null });
  const increments = lines.filter((l) => l.type === 'incremental_authorization').map((l) => [l.amountUsdMinor, l.status, l.requested]);
  const terms = { currency: 'JPY', rate: '0.0067', feeBps: 100 };
  assert.deepEqual(increments, [
    [0, 'declined', { minor: 1_000_000, currency: 'JPY' }],
    [-usdBetween(10_000, 11_500, terms), 'pending', { minor: 1_500, currency: 'JPY' }],
  ]);
});
