import type { Tx } from '../../platform/db/database.ts';

/**
 * Each card's payment account reference (the network's PAR, see
 * src/network/payment-account-reference.ts): how a party that never holds
 * the card number — an acquirer's records, the decline doctor — is matched
 * with this card. Kept in its own column beside the card rather than on
 * `Card`, because nothing that decides on a card needs it.
 */

export async function saveCardPaymentAccountReference(tx: Tx, cardId: string, paymentAccountReference: string): Promise<void> {
  await tx.run('UPDATE issuer_cards SET payment_account_reference = ? WHERE id = ?', [paymentAccountReference, cardId]);
}
