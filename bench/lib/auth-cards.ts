import { Ledger } from '../../src/ledger/ledger.ts';
import { createCardholder } from '../../src/issuer/identity/cardholders.ts';
import { SandboxSmsProvider } from '../../src/issuer/identity/sms-provider.ts';
import { cardProgram } from '../../src/issuer/cards/card-program.ts';
import type { CardDeps } from '../../src/issuer/cards/card-deps.ts';
import { moveCardMoney } from '../../src/issuer/cards/card-money.ts';
import { openCard } from '../../src/issuer/cards/open-card.ts';
import { decryptPan, deriveCvv2 } from '../../src/issuer/card-secrets.ts';
import type { Keyring } from '../../src/issuer/keyring.ts';
import { ensureIssuerAccounts, ensureWallet, SYSTEM_ACCOUNTS, TRANSFER_CODES } from '../../src/issuer/money/ledger-accounts.ts';
import type { Clock } from '../../src/platform/clock.ts';
import type { Database } from '../../src/platform/db/database.ts';
import { IdGenerator, seededRandom } from '../../src/platform/ids.ts';

export interface BenchCard {
  readonly pan: string;
  readonly expMonth: number;
  readonly expYear: number;
  readonly cvv2: string;
}

/**
 * Cards of Cardlane's own issuer for the benchmark, made the way a
 * cardholder gets them (a KYC-approved cardholder, `openCard`, a load from
 * the wallet), each holding `loadUsdMinor`. Wallets are funded straight from
 * the FX position account: the benchmark is about authorizations, not top-ups.
 */
export async function openBenchCards(db: Database, clock: Clock, keyring: Keyring, count: number, loadUsdMinor: number): Promise<BenchCard[]> {
  const ledger = new Ledger(clock);
  await ensureIssuerAccounts(ledger, db);
  const ids = new IdGenerator(clock, seededRandom(11));
  const deps: CardDeps = {
    ledger,
    clock,
    ids,
    random: seededRandom(12),
    keyring,
    otpPepper: Buffer.alloc(32, 1),
    sms: new SandboxSmsProvider(ids),
    program: cardProgram(),
  };
  const cards: BenchCard[] = [];
  for (let i = 0; i < count; i++) {
    const phone = `+8613${String(900_000_000 + i).padStart(9, '0')}`;
    const holder = await db.transaction((tx) => createCardholder(tx, { ids, random: deps.random }, phone, clock.nowMs()));
    await db.run("UPDATE issuer_cardholders SET kyc_status = 'approved' WHERE id = ?", [holder.id]);
    const wallet = await ensureWallet(ledger, db, holder.id);
    const fund = await ledger.createTransfer(db, {
      id: `bench:fund:${holder.id}`,
      debit_account_id: SYSTEM_ACCOUNTS.usdFxPosition,
      credit_account_id: wallet,
      amount: loadUsdMinor + deps.program.openingFeeUsdMinor,
      code: TRANSFER_CODES.top_up_credit,
    });
    if (fund.result !== 'ok') throw new Error(`funding the bench wallet: ${fund.result}`);
    const card = await db.transaction((tx) => openCard(tx, deps, { cardholderId: holder.id }));
    await db.transaction((tx) => moveCardMoney(tx, deps, { cardholderId: holder.id, cardId: card.id, amountUsdMinor: loadUsdMinor, direction: 'load' }));
    const pan = decryptPan(keyring, { ciphertext: card.panCiphertext, kid: card.panKid });
    cards.push({ pan, expMonth: card.expMonth, expYear: card.expYear, cvv2: deriveCvv2(keyring, pan, card.expMonth, card.expYear) });
  }
  return cards;
}
