import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { backfillCardPaymentAccountReferences } from '../../src/issuer/cards/card-par-backfill.ts';
import { issuerDoctorRecords } from '../../src/issuer/doctor-records.ts';
import { prepareIssuer } from '../../src/issuer/issuer-start.ts';
import { isPaymentAccountReference, paymentAccountReferences } from '../../src/network/payment-account-reference.ts';
import { cardFixture, TEST_NETWORK_PAR_KEY, type CardFixture } from '../support/card-fixture.ts';

// The issuer stores each card's PAR (the network's payment account reference)
// when the card is opened, and gives cards from before PARs theirs at start-up.

const parOf = paymentAccountReferences(TEST_NETWORK_PAR_KEY);

async function storedPars(f: CardFixture): Promise<Map<string, string | null>> {
  const rows = await f.db.all<{ id: string; payment_account_reference: string | null }>('SELECT id, payment_account_reference FROM issuer_cards ORDER BY id');
  return new Map(rows.map((row) => [row.id, row.payment_account_reference]));
}

/** As if the cards had been opened before the column existed. */
async function forgetPars(f: CardFixture): Promise<void> {
  await f.db.run('UPDATE issuer_cards SET payment_account_reference = NULL');
}

test('a card is opened with the PAR the network gives its number, and the doctor reads it without the number', async () => {
  const f = await cardFixture();
  try {
    const card = await f.openCard();
    const record = await issuerDoctorRecords(f.db).card(card.cardId);
    assert.ok(record);
    assert.equal(record.paymentAccountReference, parOf(card.pan));
    assert.ok(isPaymentAccountReference(record.paymentAccountReference));
    assert.deepEqual(Object.keys(record).sort(), ['cardholderId', 'controls', 'id', 'last4', 'paymentAccountReference', 'status']);
    assert.ok(!JSON.stringify(record).includes(card.pan));
  } finally {
    await f.cleanup();
  }
});

test('the backfill gives every card without a PAR its PAR, in batches, once', async () => {
  const f = await cardFixture();
  try {
    const cards = [];
    for (let i = 0; i < 5; i++) cards.push(await f.openCard());
    const opened = await storedPars(f);
    await forgetPars(f);

    const first = await backfillCardPaymentAccountReferences(f.db, f.keyring, parOf, 2);
    assert.deepEqual(first, { updated: 5, skipped: 0 });
    assert.deepEqual(await storedPars(f), opened, 'the same PARs as when the cards were opened');
    for (const card of cards) assert.equal(opened.get(card.cardId), parOf(card.pan));

    assert.deepEqual(await backfillCardPaymentAccountReferences(f.db, f.keyring, parOf, 2), { updated: 0, skipped: 0 }, 'idempotent');
  } finally {
    await f.cleanup();
  }
});

test('a card whose number does not decrypt is skipped, and the others are still filled', async () => {
  const f = await cardFixture();
  try {
    const broken = await f.openCard();
    const fine = await f.openCard();
    await forgetPars(f);
    await f.db.run("UPDATE issuer_cards SET pan_kid = 'k-gone' WHERE id = ?", [broken.cardId]);

    assert.deepEqual(await backfillCardPaymentAccountReferences(f.db, f.keyring, parOf, 1), { updated: 1, skipped: 1 });
    const pars = await storedPars(f);
    assert.equal(pars.get(broken.cardId), null);
    assert.equal(pars.get(fine.cardId), parOf(fine.pan));
  } finally {
    await f.cleanup();
  }
});

test("prepareIssuer backfills at start-up with the issuer's keyring and the network's PAR function", async () => {
  const f = await cardFixture();
  const dataDir = mkdtempSync(join(tmpdir(), 'cardlane-issuer-par-'));
  try {
    const card = await f.openCard();
    await forgetPars(f);
    await prepareIssuer(
      f.db,
      { ledger: f.ledger, ids: f.ids, random: f.cardDeps.random, clock: f.clock, keyring: f.keyring, paymentAccountReference: paymentAccountReferences(TEST_NETWORK_PAR_KEY) },
      dataDir,
    );
    assert.equal((await storedPars(f)).get(card.cardId), parOf(card.pan));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    await f.cleanup();
  }
});
