import { CARD_TRANSFER_CODES, cardAccountId } from '../../src/issuer/cards/card-accounts.ts';
import { SYSTEM_ACCOUNTS, walletAccountId } from '../../src/issuer/money/ledger-accounts.ts';
import type { Ledger } from '../../src/ledger/ledger.ts';
import type { TransferInput } from '../../src/ledger/index.ts';
import type { Database } from '../../src/platform/db/database.ts';
import type { GrownCard } from './grow-cards.ts';
import { inParallel, type Progress } from './grow-progress.ts';

/** Cycles per ledger batch: 3 transfers each in the first batch (750), their posts in the second. */
const CYCLES_PER_BATCH = 250;
const HOLD_TIMEOUT_MS = 7 * 24 * 3_600_000;

/**
 * Ledger transfers as a card's life makes them, through the ledger itself
 * (journal, history chains, open-account entries), in batches of up to
 * 1,000: a cycle is a load wallet → card, an authorization hold card →
 * network settlement, its post, and a refund network settlement → wallet.
 * Every balance ends where it began, so any number of cycles keeps every
 * limit, and the hot accounts (network settlement) get two entries a cycle
 * while each card and wallet gets a few transfers: a grown ledger's shape.
 */
export async function growTransfers(
  input: { db: Database; ledger: Ledger; cards: readonly GrownCard[]; count: number; parallel: number; runTag: string; random: () => number },
  progress: Progress,
): Promise<number> {
  const cycles = Math.ceil(input.count / 4);
  const batches = Math.ceil(cycles / CYCLES_PER_BATCH);
  let written = 0;
  await inParallel(batches, input.parallel, async (batch) => {
    const first: TransferInput[] = [];
    const posts: TransferInput[] = [];
    for (let c = batch * CYCLES_PER_BATCH; c < Math.min(cycles, (batch + 1) * CYCLES_PER_BATCH); c++) {
      const card = input.cards[Math.floor(input.random() * input.cards.length)]!;
      const amount = 1 + Math.floor(input.random() * 5_000);
      const id = `grow:${input.runTag}:${c}`;
      const account = cardAccountId(card.cardId);
      const wallet = walletAccountId(card.cardholderId);
      first.push(
        { id: `${id}:load`, debit_account_id: wallet, credit_account_id: account, amount, code: CARD_TRANSFER_CODES.card_load },
        {
          id: `${id}:hold`,
          debit_account_id: account,
          credit_account_id: SYSTEM_ACCOUNTS.usdNetworkSettlement,
          amount,
          code: CARD_TRANSFER_CODES.authorization_hold,
          flags: ['pending'],
          timeout_ms: HOLD_TIMEOUT_MS,
        },
      );
      posts.push(
        { id: `${id}:post`, pending_id: `${id}:hold`, code: CARD_TRANSFER_CODES.authorization_hold, flags: ['post_pending_transfer'] },
        { id: `${id}:refund`, debit_account_id: SYSTEM_ACCOUNTS.usdNetworkSettlement, credit_account_id: wallet, amount, code: CARD_TRANSFER_CODES.merchant_refund_wallet },
      );
    }
    for (const inputs of [first, posts]) {
      const outcomes = await input.ledger.createTransfers(input.db, inputs);
      const failed = outcomes.find((outcome) => outcome.result !== 'ok');
      if (failed) throw new Error(`ledger transfer ${failed.id}: ${failed.result}`);
    }
    written += first.length + posts.length;
    progress.add(first.length + posts.length);
  });
  return written;
}
