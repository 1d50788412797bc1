import { isCountryCode } from '../../platform/countries.ts';
import type { AuthorizationRequest, Money } from '../../network/messages.ts';

/**
 * Messages come from another party, so every field is checked before the
 * engine trusts it. A message whose id is unusable cannot be recorded or
 * answered as a repeat, so it is refused without a record; any other fault
 * is a recorded decline (`invalid_request` 12, or `invalid_amount` 13) with
 * the fields cut to their bounds.
 */

/** Message ids are ISO retrieval reference numbers in spirit: short, printable. */
export const MESSAGE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
/** $1,000,000 in cents: the card controls' own maximum; anything above is a mistake. */
export const AMOUNT_MAX_MINOR = 100_000_000;

const BOUNDS = { acquirerId: 64, merchantId: 64, name: 100, customerRef: 255, line1: 200, postalCode: 20 } as const;

export function isMessageId(id: unknown): id is string {
  return typeof id === 'string' && MESSAGE_ID_PATTERN.test(id);
}

export type RequestCheck = 'ok' | 'invalid_request' | 'invalid_amount';

/** Whether the authorization request is well-formed; the amount rule depends on its purpose. */
export function checkAuthorizationRequest(request: AuthorizationRequest): RequestCheck {
  const r = request as unknown as Record<string, unknown>;
  if (r.purpose !== 'purchase' && r.purpose !== 'account_verification') return 'invalid_request';
  if (r.entryMode !== 'ecommerce' && r.entryMode !== 'credential_on_file') return 'invalid_request';
  if (r.initiator !== 'customer' && r.initiator !== 'merchant') return 'invalid_request';
  if (!Number.isSafeInteger(r.sentAtMs)) return 'invalid_request';
  const card = r.card as Record<string, unknown> | null;
  if (typeof card !== 'object' || card === null) return 'invalid_request';
  if (typeof card.pan !== 'string' || card.pan.length > 19) return 'invalid_request';
  if (!Number.isSafeInteger(card.expMonth) || !Number.isSafeInteger(card.expYear)) return 'invalid_request';
  if (card.cvv2 !== null && typeof card.cvv2 !== 'string') return 'invalid_request';
  const merchant = r.merchant as Record<string, unknown> | null;
  if (typeof merchant !== 'object' || merchant === null) return 'invalid_request';
  if (!boundedText(merchant.acquirerId, BOUNDS.acquirerId) || !boundedText(merchant.merchantId, BOUNDS.merchantId)) return 'invalid_request';
  if (!boundedText(merchant.name, BOUNDS.name)) return 'invalid_request';
  if (typeof merchant.mcc !== 'string' || !/^\d{4}$/.test(merchant.mcc)) return 'invalid_request';
  if (typeof merchant.country !== 'string' || !isCountryCode(merchant.country)) return 'invalid_request';
  if (r.merchantCustomerRef !== null && !boundedText(r.merchantCustomerRef, BOUNDS.customerRef)) return 'invalid_request';
  if (r.cardholderName !== undefined && r.cardholderName !== null && !(typeof r.cardholderName === 'string' && r.cardholderName.length <= 200)) return 'invalid_request';
  const storedCredential = r.storedCredentialOriginalId;
  if (storedCredential !== undefined && storedCredential !== null && !isMessageId(storedCredential)) return 'invalid_request';
  const avs = r.avs as Record<string, unknown> | null;
  if (avs !== null) {
    if (typeof avs !== 'object') return 'invalid_request';
    if (avs.line1 !== null && !(typeof avs.line1 === 'string' && avs.line1.length <= BOUNDS.line1)) return 'invalid_request';
    if (avs.postalCode !== null && !(typeof avs.postalCode === 'string' && avs.postalCode.length <= BOUNDS.postalCode)) return 'invalid_request';
  }
  const amount = checkMoney(r.amount);
  if (amount !== 'ok') return amount;
  // A verification may be for nothing; a purchase is for something.
  if (r.purpose === 'purchase' && (r.amount as Money).minor === 0) return 'invalid_amount';
  return 'ok';
}

/** Money of a message: a currency code and a whole, non-negative amount within bounds. */
export function checkMoney(money: unknown): RequestCheck {
  if (typeof money !== 'object' || money === null) return 'invalid_request';
  const m = money as Record<string, unknown>;
  if (typeof m.currency !== 'string' || !/^[A-Z]{3}$/.test(m.currency)) return 'invalid_request';
  if (typeof m.minor !== 'number' || !Number.isSafeInteger(m.minor) || m.minor < 0 || m.minor > AMOUNT_MAX_MINOR) return 'invalid_amount';
  return 'ok';
}

function boundedText(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= max;
}

/** A string field cut to its bound, or '' when it is not a string: what a declined record can store of a bad message. */
export function clip(value: unknown, max: number): string {
  return typeof value === 'string' ? value.slice(0, max) : '';
}

export { BOUNDS as FIELD_BOUNDS };
