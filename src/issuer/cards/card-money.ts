import type { Sql, Tx } from '../../platform/db/database.ts';
import { IssuerError } from '../errors.ts';
import type { Ledger, Transfer } from '../../ledger/index.ts';
import { releaseCardAuthorizations } from '../authorization/release-on-close.ts';
import { ensureWallet } from '../money/ledger-accounts.ts';
import { CARD_TRANSFER_CODES, cardAccountId } from './card-accounts.ts';
import type { CardDeps } from './card-deps.ts';
import { getCardOf, setCardStatus, type Card } from './cards.ts';

/** $1,000,000 in cents: a bound on one movement, far above any real card load. */
export const MOVE_MAX_USD_MINOR = 100_000_000;
/** A card has few holds; the bound only stops a runaway loop (pages of 100). */
const CLOSE_MAX_PAGES = 100;

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
    throw new IssuerError(
      'insufficient_funds',
      load ? 'The wallet balance is not enough to load this amount.' : 'The card’s available balance (holds count) is not enough to unload this amount.',
      { param: 'amount' },
    );
  }
  if (outcome.result !== 'ok') throw new Error(`card ${input.direction} ${id}: ${outcome.result}`);
  await tx.run('UPDATE issuer_cards SET updated_at_ms = ? WHERE id = ?', [deps.clock.nowMs(), card.id]);
  return card;
}

/**
 * Closes a card: its open holds are voided (released; the merchant never
 * captured them), whatever remains goes back to the wallet, and the card is
 * closed for good. All in the caller's transaction.
 */
export async function closeCard(tx: Tx, deps: CardDeps, input: { readonly cardholderId: string; readonly cardId: string }): Promise<Card> {
  const card = await getCardOf(tx, input.cardholderId, input.cardId, { lock: true });
  requireOpen(card);
  const account = cardAccountId(card.id);
  // Authorizations first, so their records say how they ended; any other hold is voided below.
  await releaseCardAuthorizations(tx, deps.ledger, card.id, deps.clock.nowMs());
  const holds = await openHolds(deps.ledger, tx, account);
  for (const hold of holds) {
    const outcome = await deps.ledger.createTransfer(tx, {
      id: `${hold.id}:void_on_close`.slice(0, 128),
      pending_id: hold.id,
      code: hold.code,
      flags: ['void_pending_transfer'],
      metadata: { card_id: card.id, reason: 'card_closed' },
    });
    // An expired hold no longer holds anything; the sweeper finalizes it.
    if (outcome.result !== 'ok' && outcome.result !== 'pending_transfer_expired') throw new Error(`void hold ${hold.id} on close: ${outcome.result}`);
  }
  const balance = await cardBalance(deps.ledger, tx, card.id);
  if (balance.availableUsdMinor > 0) {
    const wallet = await ensureWallet(deps.ledger, tx, card.cardholderId);
    const outcome = await deps.ledger.createTransfer(tx, {
      id: `card:${card.id}:close_sweep`,
      debit_account_id: account,
      credit_account_id: wallet,
      // Balancing: moves exactly what the card has, even if a figure above is stale.
      amount: balance.availableUsdMinor,
      code: CARD_TRANSFER_CODES.card_close_sweep,
      flags: ['balancing_debit'],
      metadata: { card_id: card.id },
    });
    if (outcome.result !== 'ok') throw new Error(`close sweep of ${card.id}: ${outcome.result}`);
  }
  await setCardStatus(tx, card.id, 'closed', deps.clock.nowMs());
  return card;
}

async function openHolds(ledger: Ledger, sql: Sql, accountId: string): Promise<Transfer[]> {
  const holds: Transfer[] = [];
  let after: string | null = null;
  for (let page = 0; page < CLOSE_MAX_PAGES; page++) {
    const result = await ledger.listAccountTransfers(sql, accountId, { limit: 100, after });
    holds.push(...result.data.filter((t) => t.debit_account_id === accountId && t.pending_status === 'pending'));
    if (!result.has_more) return holds;
    after = result.next_cursor;
  }
  throw new Error(`card account ${accountId} has more than ${CLOSE_MAX_PAGES * 100} transfers; close needs a ledger query for open holds`);
}
