import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TransferInput } from '../../src/ledger/index.ts';
import { CARD_TRANSFER_CODES, cardAccountId } from '../../src/issuer/cards/card-accounts.ts';
import { closeCard } from '../../src/issuer/cards/card-money.ts';
import { walletAccountId } from '../../src/issuer/money/ledger-accounts.ts';
import { cardFixture, type CardFixture } from '../support/card-fixture.ts';

// Closing reads no history: a card with a long past (twice the 10,000
// transfers the close path once paged through before giving up with a 500)
// closes like a new one, on both databases (issue 15: "closing a card with
// 20,000 transfers works"). The history is booked straight through the
// ledger in batches of 1,000, so the test takes seconds.

let f: CardFixture;
before(async () => {
  f = await cardFixture();
});
after(async () => {
  await f.assertConsistent();
  await f.cleanup();
});

const HISTORY_TRANSFERS = 20_002;

test('a card with more than 20,000 transfers closes, its balance back in the wallet, its hold kept', async () => {
  const card = await f.openCard({ loadUsdMinor: 5_000 });
  const account = cardAccountId(card.cardId);
  const wallet = walletAccountId(card.cardholderId);
  // Unload and load a cent, over and over: the balance ends where it began.
  for (let done = 0; done < HISTORY_TRANSFERS; ) {
    const batch: TransferInput[] = [];
    for (; batch.length < 1_000 && done < HISTORY_TRANSFERS; done++) {
      const unload = done % 2 === 0;
      batch.push({
        id: `test:history:${done}`,
        debit_account_id: unload ? account : wallet,
        credit_account_id: unload ? wallet : account,
        amount: 1,
        code: unload ? CARD_TRANSFER_CODES.card_unload : CARD_TRANSFER_CODES.card_load,
      });
    }
    for (const outcome of await f.ledger.createTransfers(f.db, batch)) assert.equal(outcome.result, 'ok');
  }
  const held = f.authRequest(card, { amount: { minor: 1_200, currency: 'USD' } });
  assert.equal((await f.issuer.authorize(held)).responseCode, '00');

  await f.db.transaction((tx) => closeCard(tx, f.cardDeps, { cardholderId: card.cardholderId, cardId: card.cardId }));
  assert.equal((await f.ledger.getBalance(f.db, wallet))!.available, 3_800);
  const balance = (await f.ledger.getBalance(f.db, account))!;
  assert.deepEqual([balance.available, balance.debits_pending], [0, 1_200]);
});
