import { createCardholder } from '../../src/issuer/identity/cardholders.ts';
import { SandboxSmsProvider } from '../../src/issuer/identity/sms-provider.ts';
import type { CardDeps } from '../../src/issuer/cards/card-deps.ts';
import { cardProgram } from '../../src/issuer/cards/card-program.ts';
import { openCard } from '../../src/issuer/cards/open-card.ts';
import type { Keyring } from '../../src/issuer/keyring.ts';
import { ensureIssuerAccounts, ensureWallet, SYSTEM_ACCOUNTS, TRANSFER_CODES } from '../../src/issuer/money/ledger-accounts.ts';
import type { Ledger } from '../../src/ledger/ledger.ts';
import type { Clock } from '../../src/platform/clock.ts';
import type { Database } from '../../src/platform/db/database.ts';
import { cryptoRandom, IdGenerator } from '../../src/platform/ids.ts';
import { inParallel, type Progress } from './grow-progress.ts';

export interface GrownCard {
  readonly cardId: string;
  readonly cardholderId: string;
}

/** Cardholders per transaction: each opens up to five cards, so a transaction writes a few hundred rows. */
const CARDHOLDERS_PER_TX = 20;

/**
 * Cards as a cardholder gets them: a KYC-approved cardholder (a phone of
 * its own), a wallet funded from the FX position (the generator is about
 * volume, not top-ups), then `openCard` — opening fee, sealed PAN and its
 * fingerprint, PAR, the card's ledger account — up to the program's five
 * cards per cardholder. Many cardholders per transaction; on PostgreSQL
 * `parallel` transactions at once.
 */
export async function growCards(
  input: { db: Database; ledger: Ledger; clock: Clock; keyring: Keyring; paymentAccountReference: (pan: string) => string | null; count: number; parallel: number; runTag: string },
  progress: Progress,
): Promise<GrownCard[]> {
  const { db, ledger, clock, keyring } = input;
  await ensureIssuerAccounts(ledger, db);
  const ids = new IdGenerator(clock, cryptoRandom);
  const program = cardProgram();
  const deps: CardDeps = {
    ledger,
    clock,
    ids,
    random: cryptoRandom,
    keyring,
    otpPepper: keyring.otpPepper,
    sms: new SandboxSmsProvider(ids),
    program,
    paymentAccountReference: input.paymentAccountReference,
  };
  const perHolder = program.maxCardsPerCardholder;
  const holders = Math.ceil(input.count / perHolder);
  const cards: GrownCard[] = [];
  const batches = Math.ceil(holders / CARDHOLDERS_PER_TX);
  await inParallel(batches, input.parallel, async (batch) => {
    const made = await db.transaction(async (tx) => {
      const out: GrownCard[] = [];
      for (let h = batch * CARDHOLDERS_PER_TX; h < Math.min(holders, (batch + 1) * CARDHOLDERS_PER_TX); h++) {
        // Phones unique per run (the tag) and per cardholder, apart from the demo's (138…) and bench:auth's (139…): +86 137 then 8 digits.
        const phone = `+86137${input.runTag}${String(h).padStart(6, '0')}`;
        const holder = await createCardholder(tx, { ids, random: cryptoRandom }, phone, clock.nowMs());
        await tx.run("UPDATE issuer_cardholders SET kyc_status = 'approved' WHERE id = ?", [holder.id]);
        const cardsHere = Math.min(perHolder, input.count - h * perHolder);
        const wallet = await ensureWallet(ledger, tx, holder.id);
        const fund = await ledger.createTransfer(tx, {
          id: `grow:fund:${holder.id}`,
          debit_account_id: SYSTEM_ACCOUNTS.usdFxPosition,
          credit_account_id: wallet,
          amount: cardsHere * program.openingFeeUsdMinor + 1_000_000,
          code: TRANSFER_CODES.top_up_credit,
        });
        if (fund.result !== 'ok') throw new Error(`funding ${wallet}: ${fund.result}`);
        for (let c = 0; c < cardsHere; c++) {
          const card = await openCard(tx, deps, { cardholderId: holder.id });
          out.push({ cardId: card.id, cardholderId: holder.id });
        }
      }
      return out;
    });
    cards.push(...made);
    progress.add(made.length);
  });
  return cards;
}
