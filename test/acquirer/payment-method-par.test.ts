import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { acquirerEndpoints } from '../../src/acquirer/acquirer-endpoints.ts';
import { prepareAcquirer, VAULT_KEY_FILE_NAME, VAULT_KEY_SECRET } from '../../src/acquirer/acquirer-start.ts';
import { SecretStore } from '../../src/platform/secrets/secret-store.ts';
import { acquirerDoctorRecords } from '../../src/acquirer/doctor-records.ts';
import { backfillPaymentMethodPars } from '../../src/acquirer/payments/payment-method-par-backfill.ts';
import { issuerDoctorRecords } from '../../src/issuer/doctor-records.ts';
import { defaultBinTable } from '../../src/network/bins.ts';
import { CardNetwork } from '../../src/network/card-network.ts';
import { PAR_KEY_FILE_NAME, PAR_KEY_SECRET } from '../../src/network/par-key-file.ts';
import { isPaymentAccountReference, paymentAccountReferences } from '../../src/network/payment-account-reference.ts';
import { createTestIssuers } from '../../src/network/test-issuers/create-test-issuers.ts';
import { IdGenerator, seededRandom } from '../../src/platform/ids.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';
import { cardFixture, TEST_NETWORK_PAR_KEY, type CardFixture, type OpenedCard } from '../support/card-fixture.ts';

// The acquirer asks the network for the card account's PAR when it vaults a
// card and keeps it (never shown on the Stripe object); payment methods from
// before PARs get theirs at start-up, from the sealed number the vault keeps.

const parOf = paymentAccountReferences(TEST_NETWORK_PAR_KEY);
const ADDRESS = { line1: '548 Market St', postal_code: '94104', country: 'US' };

let f: AcquirerFixture & { base: CardFixture };
beforeEach(async () => {
  const base = await cardFixture();
  f = await acquirerFixture({
    base,
    endpoints: acquirerEndpoints,
    network: (b) => {
      const ids = new IdGenerator(b.clock, seededRandom(77));
      return new CardNetwork({ db: b.db, clock: b.clock, ids, bins: defaultBinTable(), issuers: [...createTestIssuers({ db: b.db, clock: b.clock, ids }), b.issuer], parKey: TEST_NETWORK_PAR_KEY });
    },
  });
});
afterEach(async () => {
  await f.close();
});

function vault(pan: string, card?: OpenedCard) {
  return f.stripe.paymentMethods.create({
    type: 'card',
    card: { number: pan, exp_month: card?.expMonth ?? 12, exp_year: card?.expYear ?? 2030, cvc: card?.cvv2 ?? '123' },
    billing_details: { name: 'Li Lei', address: ADDRESS },
  });
}

async function storedPars(): Promise<Map<string, string | null>> {
  const rows = await f.db.all<{ id: string; payment_account_reference: string | null }>('SELECT id, payment_account_reference FROM acquirer_payment_methods ORDER BY id');
  return new Map(rows.map((row) => [row.id, row.payment_account_reference]));
}

test("a card opened at Cardlane's issuer and vaulted by the acquirer carry the same PAR; the Stripe object does not show it", async () => {
  const card = await f.base.openCard();
  const other = await f.base.openCard();
  const pm = await vault(card.pan, card);
  const again = await vault(card.pan, card);

  const acquirer = acquirerDoctorRecords(f.db);
  const issuer = issuerDoctorRecords(f.db);
  const vaulted = (await acquirer.paymentMethod(f.merchant.merchant.id, pm.id))?.card.paymentAccountReference;
  assert.ok(isPaymentAccountReference(vaulted));
  assert.equal(vaulted, (await issuer.card(card.cardId))?.paymentAccountReference);
  assert.equal((await acquirer.paymentMethod(f.merchant.merchant.id, again.id))?.card.paymentAccountReference, vaulted, 'one account, one PAR');
  assert.notEqual((await issuer.card(other.cardId))?.paymentAccountReference, vaulted);

  const shown = JSON.stringify(await f.stripe.paymentMethods.retrieve(pm.id));
  assert.ok(!shown.includes(vaulted!) && !shown.includes('payment_account_reference'), shown);
});

test('the backfill gives payment methods without a PAR theirs from the sealed number, in batches, once; a number that does not open is skipped', async () => {
  const card = await f.base.openCard();
  const pms = [await vault(card.pan, card), await vault('4242424242424242'), await vault('4000000000009995')];
  const vaulted = await storedPars();
  assert.equal(vaulted.get(pms[1]!.id), parOf('4242424242424242'), "the network assigns PARs to the test bank's cards too");
  await f.db.run('UPDATE acquirer_payment_methods SET payment_account_reference = NULL');

  assert.deepEqual(await backfillPaymentMethodPars(f.db, Buffer.alloc(32, 8), parOf, 2), { updated: 0, skipped: 3 }, 'another vault key opens nothing');
  assert.deepEqual(await backfillPaymentMethodPars(f.db, f.deps.vaultKey, parOf, 2), { updated: 3, skipped: 0 });
  assert.deepEqual(await storedPars(), vaulted);
  assert.deepEqual(await backfillPaymentMethodPars(f.db, f.deps.vaultKey, parOf, 2), { updated: 0, skipped: 0 }, 'idempotent');
});

test("prepareAcquirer backfills at start-up with the vault key and the network's PAR key imported from an older data directory's files", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cardlane-acquirer-par-'));
  try {
    const card = await f.base.openCard();
    const pm = await vault(card.pan, card);
    await f.db.run('UPDATE acquirer_payment_methods SET payment_account_reference = NULL');
    writeFileSync(join(dataDir, VAULT_KEY_FILE_NAME), `${f.deps.vaultKey.toString('hex')}\n`, { mode: 0o600 });
    writeFileSync(join(dataDir, PAR_KEY_FILE_NAME), `${TEST_NETWORK_PAR_KEY.toString('hex')}\n`, { mode: 0o600 });

    const store = new SecretStore(f.db, { key: Buffer.alloc(32, 1), source: 'test' }, () => 0);
    const vaultKey = (await store.loadOrCreate(VAULT_KEY_SECRET, dataDir)).value;
    const parKey = (await store.loadOrCreate(PAR_KEY_SECRET, dataDir)).value;
    assert.deepEqual(await prepareAcquirer(f.db, vaultKey, paymentAccountReferences(parKey)), { updated: 1, skipped: 0 });
    assert.equal((await storedPars()).get(pm.id), (await issuerDoctorRecords(f.db).card(card.cardId))?.paymentAccountReference);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
