import type { Sql, Tx } from '../../platform/db/database.ts';
import { IssuerError } from '../errors.ts';
import { validateBillingAddress, type BillingAddress } from '../billing-address.ts';
import { getCardholder } from './cardholders.ts';

/**
 * The cardholder's own billing address: what AVS checks. Until a cardholder
 * sets one, their cards carry the program's address (as every card did
 * before), which anyone can read and which so proves nothing; once set, it
 * is theirs. Each card keeps a copy on its row (`billing_*`, read with the
 * card by the authorization engine, so AVS costs no extra read): setting
 * the address rewrites every card of the cardholder in the same
 * transaction, and a card opened later starts with it.
 */

/** The address the cardholder set, or null while they use the program's. */
export async function cardholderBillingAddress(sql: Sql, cardholderId: string): Promise<BillingAddress | null> {
  const row = await sql.get<{ billing_address: string | null }>('SELECT billing_address FROM issuer_cardholders WHERE id = ?', [cardholderId]);
  return row?.billing_address ? (JSON.parse(row.billing_address) as BillingAddress) : null;
}

/** Validates and saves the address, and copies it onto every card of the cardholder. Bad input changes nothing. */
export async function setCardholderBillingAddress(tx: Tx, cardholderId: string, input: unknown, nowMs: number): Promise<BillingAddress> {
  const checked = validateBillingAddress(input);
  if (!checked.ok) throw new IssuerError('billing_address_invalid', checked.message, { param: checked.param === 'address' ? 'billing_address' : checked.param });
  const address = checked.address;
  // The card services' lock order: the cardholder, then their cards by id (as openCard and the authorization batches).
  const cardholder = await getCardholder(tx, cardholderId, { lock: true });
  if (cardholder === undefined) throw new IssuerError('resource_missing', 'No such cardholder.');
  await tx.run('UPDATE issuer_cardholders SET billing_address = ? WHERE id = ?', [JSON.stringify(address), cardholderId]);
  const cards = await tx.all<{ id: string }>(`SELECT id FROM issuer_cards WHERE cardholder_id = ? ORDER BY id ${tx.forUpdate}`, [cardholderId]);
  for (const card of cards) {
    await tx.run(
      `UPDATE issuer_cards SET billing_line1 = ?, billing_line2 = ?, billing_city = ?, billing_state = ?, billing_postal_code = ?, billing_country = ?, updated_at_ms = ?
        WHERE id = ?`,
      [address.line1, address.line2 ?? null, address.city, address.state, address.postal_code, address.country, nowMs, card.id],
    );
  }
  return address;
}
