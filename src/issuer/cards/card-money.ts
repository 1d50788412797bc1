import type { Sql, Tx } from '../../platform/db/database.ts';
import { IssuerError } from '../errors.ts';
import type { Ledger } from '../../ledger/index.ts';
import { insufficientFunds } from '../money/insufficient-funds.ts';
import { ensureWallet } from '../money/ledger-accounts.ts';
import { CARD_TRANSFER_CODES, cardAccountId } from './card-accounts.ts';
import type { CardDeps } from './card-deps.ts';
import { getCardOf, setCardStatus, type Card } from './cards.ts';
import { sweepFreeBalance } from './closed-card-sweep.ts';

/** $1,000,000 in cents: a bound on one movement, far above any real card load. */
export const MOVE_MAX_USD_MINOR = 100_000_000;

export interface CardBalance {
  /** Credits posted − debits posted, in USD cents. */
  readonly postedUsdMinor: number;
  /** Held by pending authorizations. */
  readonly heldUsdMinor: number;
  /** What can be spent or unloaded now: posted − held. */
  readonly availableUsdMinor: number;
}

export async function cardBalance(ledger: Ledger, sql: Sql, cardId: string): Promise<CardBalance> {
  const balance = await ledger.getBalance(sql, cardAccountId(cardId));
  if (balance === null) return { postedUsdMinor: 0, heldUsdMinor: 0, availableUsdMinor: 0 };
  return {
    postedUsdMinor: balance.credits_posted - balance.debits_posted,
    heldUsdMinor: balance.debits_pending,
    availableUsdMinor: balance.available,
  };
}

export function requireOpen(card: Card): void {
  if (card.status === 'closed') throw new IssuerError('card_closed', `Card ending ${card.last4} is closed; it cannot be changed.`);
}

/**
 * Moves `amountUsdMinor` between the cardholder's wallet and the card, in
 * the caller's transaction. Frozen cards can still be loaded and unloaded
 * (freezing stops spending, not the owner's own money); closed cards cannot.
 */
export async function moveCardMoney(
  tx: Tx,
  deps: CardDeps,
  input: { readonly cardholderId: string; readonly cardId: string; readonly amountUsdMinor: unknown; readonly direction: 'load' | 'unload' },
): Promise<Card> {
  const amount = input.amountUsdMinor;
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount < 1 || amount > MOVE_MAX_USD_MINOR) {
    throw new IssuerError('parameter_invalid', `amount is a whole number of USD cents from 1 to ${MOVE_MAX_USD_MINOR}.`, { param: 'amount' });
  }
  const card = await getCardOf(tx, input.cardholderId, input.cardId, { lock: true });
  requireOpen(card);
  const wallet = await ensureWallet(deps.ledger, tx, card.cardholderId);
  const account = cardAccountId(card.id);
  const load = input.direction === 'load';
  const id = `card:${card.id}:${input.direction}:${deps.ids.next('mv')}`;
  const outcome = await deps.ledger.createTransfer(tx, {
    id,
    debit_account_id: load ? wallet : account,
    credit_account_id: load ? account : wallet,
    amount,
    code: load ? CARD_TRANSFER_CODES.card_load : CARD_TRANSFER_CODES.card_unload,
    metadata: { card_id: card.id },
  });
  if (outcome.result === 'exceeds_credits') {
    // Loading is refused by the wallet's balance, unloading by the card's: the answer names the one that was short.
    throw await (load ? insufficientFunds(tx, deps.ledger, 'wallet', wallet) : insufficientFunds(tx, deps.ledger, 'card', account));
  }
  if (outcome.result !== 'ok') throw new Error(`card ${input.direction} ${id}: ${outcome.result}`);
  await tx.run('UPDATE issuer_cards SET updated_at_ms = ? WHERE id = ?', [deps.clock.nowMs(), card.id]);
  return card;
}

/**
 * Closes a card: it approves nothing from now on (the authorization engine
 * declines a closed card, 14), but the holds of authorizations it already
 * approved stay until they are captured, reversed or expire — the merchant
 * was promised that money. Only the free balance goes back to the wallet
 * now; whatever a hold frees later follows it there (closed-card-sweep.ts).
 * All in the caller's transaction. Nothing here reads the card's history,
 * so any number of past transfers closes the same way.
 */
export async function closeCard(tx: Tx, deps: CardDeps, input: { readonly cardholderId: string; readonly cardId: string }): Promise<Card> {
  const card = await getCardOf(tx, input.cardholderId, input.cardId, { lock: true });
  requireOpen(card);
  await setCardStatus(tx, card.id, 'closed', deps.clock.nowMs());
  await sweepFreeBalance(tx, deps.ledger, card, `card:${card.id}:close_sweep`);
  return card;
}
