import type { Sql } from '../../platform/db/database.ts';
import type { Ledger } from '../../ledger/index.ts';
import { ACCOUNT_CODES, ISSUER_USD_LEDGER } from '../money/ledger-accounts.ts';

/**
 * A card's money is a USD-book account of its own (code 2), floored at
 * zero: `debits_must_not_exceed_credits` counts pending debits, so holds
 * placed by the authorization engine reduce what can be spent or unloaded.
 *
 * Card transfer codes (the money slice uses 1–19):
 *   20 card_opening_fee   wallet → USD fee revenue
 *   21 card_load          wallet → card
 *   22 card_unload        card → wallet
 *   23 card_close_sweep   card → wallet, the whole remaining balance (balancing debit)
 *   30 authorization_hold      card → network settlement, pending: a purchase's hold; its
 *                              post (clearing) and void (reversal) carry the same code
 *   31 verification_hold       the same for an account verification with an amount
 *   32 merchant_refund         network settlement → card, posted
 *   33 merchant_refund_wallet  network settlement → wallet, posted: a refund for a card
 *                              that was closed meanwhile (its money went to the wallet)
 */
export const CARD_TRANSFER_CODES = {
  card_opening_fee: 20,
  card_load: 21,
  card_unload: 22,
  card_close_sweep: 23,
  authorization_hold: 30,
  verification_hold: 31,
  merchant_refund: 32,
  merchant_refund_wallet: 33,
} as const;

const CARD_ID_PATTERN = /^card_[A-Za-z0-9]{1,60}$/;

export function cardAccountId(cardId: string): string {
  if (!CARD_ID_PATTERN.test(cardId)) throw new RangeError(`not a card id: ${JSON.stringify(cardId)}`);
  return `iss:card:${cardId}`;
}

/** Creates the card's account (in the caller's transaction); a bug if it exists with other properties. */
export async function createCardAccount(ledger: Ledger, sql: Sql, cardId: string, cardholderId: string): Promise<string> {
  const id = cardAccountId(cardId);
  const [outcome] = await ledger.createAccounts(sql, [
    {
      id,
      ledger: ISSUER_USD_LEDGER,
      currency: 'USD',
      code: ACCOUNT_CODES.card,
      flags: ['debits_must_not_exceed_credits'],
      metadata: { card_id: cardId, cardholder_id: cardholderId },
    },
  ]);
  if (outcome?.result !== 'ok' && outcome?.result !== 'exists') throw new Error(`card account ${id}: ${outcome?.result}`);
  return id;
}
