import type { Tx } from '../../platform/db/database.ts';
import type { Ledger } from '../../ledger/index.ts';
import { ensureWallet } from '../money/ledger-accounts.ts';
import { CARD_TRANSFER_CODES, cardAccountId } from './card-accounts.ts';

/**
 * A closed card keeps the holds of the authorizations it approved while it
 * was open (the merchant may still capture them), so closing moves only the
 * card's free balance to the wallet. Each later event that frees money on a
 * closed card — a hold captured in part and the rest released, reversed,
 * or expired — calls this again in its own transaction, so the card never
 * keeps free money and the wallet never gets held money: one rule, "move
 * what is free now", instead of tracking which hold ended.
 *
 * The caller holds the card row's lock (the lock order of every card
 * writer: card row, then ledger accounts). A balancing debit moves exactly
 * what the ledger finds available, even if a figure read earlier is stale;
 * the transfer id only has to be unique, since a repeat finds nothing free.
 */
export async function sweepFreeBalance(tx: Tx, ledger: Ledger, card: { readonly id: string; readonly cardholderId: string }, transferId: string): Promise<number> {
  const account = cardAccountId(card.id);
  const available = (await ledger.getBalance(tx, account))?.available ?? 0;
  if (available <= 0) return 0;
  const wallet = await ensureWallet(ledger, tx, card.cardholderId);
  const outcome = await ledger.createTransfer(tx, {
    id: transferId,
    debit_account_id: account,
    credit_account_id: wallet,
    amount: available,
    code: CARD_TRANSFER_CODES.card_close_sweep,
    flags: ['balancing_debit'],
    metadata: { card_id: card.id },
  });
  if (outcome.result !== 'ok') throw new Error(`sweep of closed card ${card.id} (${transferId}): ${outcome.result}`);
  return outcome.transfer?.amount ?? available;
}
