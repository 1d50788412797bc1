import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { DEMO_CREDENTIALS_FILE_NAME } from '../../src/acquirer/acquirer-start.ts';
import { cardBalance } from '../../src/issuer/cards/card-money.ts';
import { listCards } from '../../src/issuer/cards/cards.ts';
import { decryptPan } from '../../src/issuer/card-secrets.ts';
import {
  DEMO_CARD_LOAD_USD_MINOR,
  DEMO_CARDHOLDER_PHONE,
  DEMO_TOP_UP_CNY_MINOR,
  readDemoIssuerCredentials,
} from '../../src/issuer/demo-cardholder.ts';
import { issuerModule } from '../../src/issuer/module.ts';
import { Ledger } from '../../src/ledger/ledger.ts';
import type { Clock } from '../../src/platform/clock.ts';
import type { CardlaneConfig } from '../../src/app/config.ts';
import type { Database } from '../../src/platform/db/database.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { findCardholderByPhone } from '../../src/issuer/identity/cardholders.ts';
import { generateKeyring } from '../../src/issuer/keyring.ts';
import { AlipaySandbox } from '../../src/issuer/money/alipay-sandbox.ts';
import { walletAccountId } from '../../src/issuer/money/ledger-accounts.ts';
import { normalizePhone } from '../../src/issuer/phone.ts';
import { loadCardlaneConfig as loadConfig } from '../../src/app/config.ts';
import { openDatabase } from '../../src/platform/db/open.ts';
import { cryptoRandom, IdGenerator, seededRandom } from '../../src/platform/ids.ts';
import { testDatabaseKind } from '../support/databases.ts';
import { ledgerFixture, type LedgerFixture } from '../support/ledger-fixture.ts';

let f: LedgerFixture;
let dataDir: string;
beforeEach(async () => {
  f = await ledgerFixture();
  dataDir = mkdtempSync(join(tmpdir(), 'cardlane-issuer-demo-'));
});
afterEach(async () => {
  await f.assertAudit();
  await f.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
});

const config = () => loadConfig({ flags: { dataDir, database: f.location }, env: {} });
// One secret set for the deployment, as every process reads it from the secret store.
const secrets = { keyring: generateKeyring(seededRandom(5)), alipaySandboxKeyPem: AlipaySandbox.generatePrivateKeyPem() };

/** The demo cardholder as a start of Cardlane makes it: through the issuer's module, built on this database handle (a process of its own). */
function prepareDemoCardholder(db: Database, clock: Clock, cfg: CardlaneConfig) {
  const runtime = { db, clock, ids: new IdGenerator(clock, cryptoRandom), random: cryptoRandom, config: cfg, logger: createLogger({ level: 'silent' }) };
  return issuerModule.build({ ...runtime, ledger: db === f.db ? f.ledger : new Ledger(clock), payments: cfg.payments, paymentAccountReference: () => null, secrets }).api.prepareDemoCardholder();
}

test('the demo phone is one the issuer accepts for sign-in', () => {
  assert.deepEqual(normalizePhone(DEMO_CARDHOLDER_PHONE), { ok: true, e164: DEMO_CARDHOLDER_PHONE, country: 'CN' });
});

test('two processes starting at once, then a restart: one verified cardholder, one credited top-up, one loaded card, and no card number on disk', async () => {
  const path = join(dataDir, DEMO_CREDENTIALS_FILE_NAME);
  const acquirer = { merchant_id: 'acct_x', merchant_name: 'Acme AI', secret_key: 'sk_test_x', publishable_key: 'pk_test_x' };
  writeFileSync(path, JSON.stringify({ acquirer }));
  // A second handle on the same database stands in for a second process: its own pool and its own in-memory Alipay sandbox.
  // (On SQLite two handles in one process would block each other's event loop on the file lock, so the concurrent pair shares one.)
  const other = openDatabase(f.location);
  const concurrent = testDatabaseKind() === 'postgres' ? other : f.db;
  try {
    const [first, second] = await Promise.all([prepareDemoCardholder(f.db, f.clock, config()), prepareDemoCardholder(concurrent, f.clock, config())]);
    assert.deepEqual(second, first);
    f.clock.advanceMs(60_000);
    assert.deepEqual(await prepareDemoCardholder(other, f.clock, config()), first, 'a restart changes nothing');
  } finally {
    await other.close();
  }
  const credentials = readDemoIssuerCredentials(dataDir)!;

  const cardholders = await f.db.all<{ id: string }>('SELECT id FROM issuer_cardholders');
  assert.deepEqual(cardholders, [{ id: credentials.cardholder_id }]);
  const cardholder = (await findCardholderByPhone(f.db, DEMO_CARDHOLDER_PHONE))!;
  assert.equal(cardholder.kycStatus, 'approved');
  const verifications = await f.db.all<{ status: string; provider: string }>('SELECT status, provider FROM issuer_kyc_verifications');
  assert.deepEqual(verifications, [{ status: 'approved', provider: 'sandbox' }]);

  const orders = await f.db.all<{ status: string; cny_amount_minor: number | string; usd_amount_minor: number | string }>(
    'SELECT status, cny_amount_minor, usd_amount_minor FROM issuer_topup_orders',
  );
  assert.equal(orders.length, 1);
  assert.equal(orders[0]!.status, 'credited');
  assert.equal(Number(orders[0]!.cny_amount_minor), DEMO_TOP_UP_CNY_MINOR);

  const cards = await listCards(f.db, cardholder.id);
  assert.equal(cards.length, 1);
  const card = cards[0]!;
  assert.equal(card.status, 'active');
  assert.equal(card.id, credentials.card_id);
  assert.equal(card.last4, credentials.card_last4);
  assert.equal((await cardBalance(f.ledger, f.db, card.id)).availableUsdMinor, DEMO_CARD_LOAD_USD_MINOR);
  // The wallet keeps the top-up less the opening fee and the load.
  const wallet = await f.ledger.getBalance(f.db, walletAccountId(cardholder.id));
  assert.equal(wallet?.available, Number(orders[0]!.usd_amount_minor) - card.openingFeeUsdMinor - DEMO_CARD_LOAD_USD_MINOR);
  assert.ok(card.openingFeeUsdMinor > 0, 'the program’s opening fee applied');

  // The file keeps the other sections and holds only the ids, the phone and the last four digits.
  const file = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  assert.deepEqual(file, { acquirer, issuer: { cardholder_id: cardholder.id, phone: DEMO_CARDHOLDER_PHONE, card_id: card.id, card_last4: card.last4 } });
  assert.equal(statSync(path).mode & 0o777, 0o600);
  const pan = decryptPan(secrets.keyring, { ciphertext: card.panCiphertext, kid: card.panKid });
  assert.doesNotMatch(readFileSync(path, 'utf8'), new RegExp(pan));
});
