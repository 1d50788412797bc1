import { createHmac } from 'node:crypto';
import { isValidPan } from './pan-format.ts';

/**
 * Payment Account Reference (EMVCo PAR): a non-financial reference to a card
 * account that the network assigns, so parties that must recognise the same
 * account — the issuer that holds the card, an acquirer that vaulted it, a
 * tool that explains their records — can do so without a card number. A PAR
 * cannot be used to pay and cannot be turned back into the number.
 *
 * Format as EMVCo specifies it: 29 upper-case alphanumerics, the first four
 * the BIN Controller Identifier (the network that controls the BIN range),
 * then 25 that identify the account. Here the 25 are a keyed HMAC-SHA256 of
 * the PAN under the network's PAR key, read as a number in base 36: the same
 * number always gets the same PAR, and because the HMAC is keyed, a copy of
 * the records does not let anyone hash the BIN's numbers to find one.
 * (A real network keeps a PAR vault and also maps tokens to the same PAR; a
 * keyed function is the vault without the table.)
 */

/** The network's BIN Controller Identifier: Cardlane's network controls every BIN in its table. */
export const CARDLANE_BIN_CONTROLLER_ID = 'CL01';
export const PAR_LENGTH = 29;
const ACCOUNT_CHARS = PAR_LENGTH - CARDLANE_BIN_CONTROLLER_ID.length;
const ACCOUNT_SPACE = 36n ** BigInt(ACCOUNT_CHARS);
const PAR_PATTERN = /^[0-9A-Z]{4}[0-9A-Z]{25}$/;
/** Domain-separates this use of the key, should it ever key anything else. */
const PAR_DOMAIN = 'par:v1:';
export const PAR_KEY_BYTES = 32;

/** A card number's PAR; the caller holds the number only for this call. */
export type PaymentAccountReferenceOf = (pan: string) => string;

/** The PAR of `pan` under `parKey`. Throws on anything but a valid card number (a PAR names an account, not a typo). */
export function paymentAccountReference(parKey: Buffer, pan: string): string {
  if (parKey.length !== PAR_KEY_BYTES) throw new RangeError(`the network's PAR key must be ${PAR_KEY_BYTES} bytes`);
  if (!isValidPan(pan)) throw new TypeError('a payment account reference needs a valid card number');
  const digest = createHmac('sha256', parKey).update(`${PAR_DOMAIN}${pan}`, 'utf8').digest('hex');
  // 2^256 is ~10^38 times 36^25, so taking the remainder leaves no bias worth the name.
  const account = (BigInt(`0x${digest}`) % ACCOUNT_SPACE).toString(36).toUpperCase().padStart(ACCOUNT_CHARS, '0');
  return `${CARDLANE_BIN_CONTROLLER_ID}${account}`;
}

/** The PAR function of one network key, for injection where a card number is first seen. */
export function paymentAccountReferences(parKey: Buffer): PaymentAccountReferenceOf {
  if (parKey.length !== PAR_KEY_BYTES) throw new RangeError(`the network's PAR key must be ${PAR_KEY_BYTES} bytes`);
  return (pan) => paymentAccountReference(parKey, pan);
}

export function isPaymentAccountReference(value: unknown): value is string {
  return typeof value === 'string' && PAR_PATTERN.test(value);
}
