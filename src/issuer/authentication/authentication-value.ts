import { createHmac } from 'node:crypto';
import type { Keyring } from '../keyring.ts';

/**
 * The authentication value (Visa's CAVV, Mastercard's AAV) Cardlane's issuer
 * hands out when a challenge passes: an HMAC, under a key only the issuer
 * holds, over the authentication's id, the card, the purpose, the merchant
 * and the amount. The authorization that follows must carry it; the issuer
 * recomputes it from that authorization's own card, merchant and amount, so
 * a value moved to another card, merchant or amount does not verify, and a
 * made-up one cannot be computed. Single use is the records' job
 * (`used_by_request_id`).
 */

/** Electronic commerce indicator of a fully authenticated payment (Visa's 05). */
export const ECI_AUTHENTICATED = '05';

export interface AuthenticatedPayment {
  readonly id: string;
  readonly cardId: string;
  readonly purpose: string;
  readonly merchant: { readonly acquirerId: string; readonly merchantId: string };
  readonly amount: { readonly minor: number; readonly currency: string };
}

const keys = new WeakMap<Keyring, Buffer>();

/** A key of its own, derived from the keyring's pepper (a value never doubles as a one-time code's hash). */
function valueKey(keyring: Keyring): Buffer {
  let key = keys.get(keyring);
  if (key === undefined) {
    key = createHmac('sha256', keyring.otpPepper).update('cardlane:3ds-authentication-value:v1').digest();
    keys.set(keyring, key);
  }
  return key;
}

export function authenticationValue(keyring: Keyring, payment: AuthenticatedPayment): string {
  const fields = [payment.id, payment.cardId, payment.purpose, payment.merchant.acquirerId, payment.merchant.merchantId, String(payment.amount.minor), payment.amount.currency];
  // 20 bytes, as a CAVV carries.
  return createHmac('sha256', valueKey(keyring)).update(fields.join('\u0000'), 'utf8').digest().subarray(0, 20).toString('base64url');
}
