import { isCountryCode } from '../platform/countries.ts';
import type { FollowUpRequest, IsoResponseCode } from './messages.ts';
import { isValidPan } from './pan-format.ts';

/**
 * The network's format checks on every message it receives. A message that
 * fails one is answered by the network itself and never reaches an issuer:
 * ISO 14 for a card number that is not one, 13 for an amount that is not a
 * valid amount, 12 for anything else malformed. Messages arrive typed, but
 * the types are the sender's promise, not a fact, so every field is checked
 * as if it were `unknown`.
 *
 * Text. Every free-text field (the acquirer's and merchant's ids, the
 * merchant's name, the AVS data, the customer reference, the 3-D Secure
 * value, the cardholder's name) must be well-formed Unicode: a lone UTF-16
 * surrogate — half a character — is refused 12 with that field's reason.
 * Such a string is not text a person typed but a broken encoder or a probe,
 * and no wire to an issuer can carry it: ISO 8583 sends text as bytes
 * (ASCII, or UTF-8 in private data), and UTF-8 has no spelling for half a
 * character. The other choices are worse for a payment: replacing it
 * (U+FFFD) silently changes what the issuer compares (AVS, the name) and
 * what the cardholder's statement shows; escaping it would need every issuer
 * to read an escape no standard defines. So the network refuses it at its
 * edge, before any issuer, the same in process as over the link.
 */

export interface Refusal {
  readonly code: Extract<IsoResponseCode, '12' | '13' | '14'>;
  /** A stable snake_case reason, e.g. `invalid_currency`. */
  readonly reason: string;
}

const MESSAGE_ID_PATTERN = /^[\x21-\x7e]{1,255}$/;
const CURRENCY_PATTERN = /^[A-Z]{3}$/;
const MCC_PATTERN = /^\d{4}$/;
const CVV2_PATTERN = /^\d{3,4}$/;
const MAX_TEXT_LENGTH = 255;
/** Field 43's name part is shorter in ISO 8583, but statement names arrive from several acquirers; bounded all the same. */
const MAX_MERCHANT_NAME_LENGTH = 100;
const MAX_AVS_FIELD_LENGTH = 200;
/**
 * Account-name verification's name: as long as Cardlane's issuer compares
 * (its own check refuses more), and short enough for every way to an
 * issuer — over ISO 8583 it travels in one private subelement of at most
 * 999 bytes, which 200 UTF-16 units always fit (3 bytes each at most).
 * Checked here, at the network's edge, so a name is refused the same way
 * in process and over the link, not answered 96 by a wire that cannot
 * carry it.
 */
const MAX_CARDHOLDER_NAME_LENGTH = 200;

const refuse = (code: Refusal['code'], reason: string): Refusal => ({ code, reason });

/** Visible ASCII, 1–255 characters: what an id chosen by a sender may be. */
export function isValidMessageId(id: unknown): id is string {
  return typeof id === 'string' && MESSAGE_ID_PATTERN.test(id);
}

/** Null when the authorization request is well formed, else why not. */
export function checkAuthorization(request: unknown): Refusal | null {
  const r = asRecord(request);
  if (!r || r.type !== 'authorization') return refuse('12', 'invalid_message_type');
  if (!isValidMessageId(r.id)) return refuse('12', 'invalid_message_id');
  if (r.purpose !== 'purchase' && r.purpose !== 'account_verification') return refuse('12', 'invalid_purpose');
  if (r.initiator !== 'customer' && r.initiator !== 'merchant') return refuse('12', 'invalid_initiator');
  if (r.entryMode !== 'ecommerce' && r.entryMode !== 'credential_on_file') return refuse('12', 'invalid_entry_mode');

  const card = asRecord(r.card);
  if (!card || !isValidPan(card.pan)) return refuse('14', 'invalid_card_number');
  if (!isInteger(card.expMonth, 1, 12) || !isInteger(card.expYear, 1000, 9999)) return refuse('12', 'invalid_expiry');
  if (card.cvv2 !== null && !(typeof card.cvv2 === 'string' && CVV2_PATTERN.test(card.cvv2))) return refuse('12', 'invalid_cvv2');

  const amount = asRecord(r.amount);
  const minimum = r.purpose === 'account_verification' ? 0 : 1;
  if (!amount || !isInteger(amount.minor, minimum, Number.MAX_SAFE_INTEGER)) return refuse('13', 'invalid_amount');
  if (!isCurrency(amount.currency)) return refuse('12', 'invalid_currency');

  const merchant = asRecord(r.merchant);
  if (!merchant) return refuse('12', 'invalid_merchant');
  if (!isText(merchant.acquirerId, MAX_TEXT_LENGTH) || !isText(merchant.merchantId, MAX_TEXT_LENGTH)) return refuse('12', 'invalid_merchant');
  if (!isText(merchant.name, MAX_MERCHANT_NAME_LENGTH)) return refuse('12', 'invalid_merchant_name');
  if (typeof merchant.mcc !== 'string' || !MCC_PATTERN.test(merchant.mcc)) return refuse('12', 'invalid_mcc');
  if (typeof merchant.country !== 'string' || !isCountryCode(merchant.country)) return refuse('12', 'invalid_merchant_country');

  if (r.avs !== null) {
    const avs = asRecord(r.avs);
    if (!avs || !isOptionalText(avs.line1, MAX_AVS_FIELD_LENGTH) || !isOptionalText(avs.postalCode, MAX_AVS_FIELD_LENGTH)) {
      return refuse('12', 'invalid_avs');
    }
  }
  if (!isOptionalText(r.merchantCustomerRef, MAX_TEXT_LENGTH)) return refuse('12', 'invalid_merchant_customer_ref');
  const storedCredential = r.storedCredentialOriginalId;
  if (storedCredential !== undefined && storedCredential !== null && !isValidMessageId(storedCredential)) return refuse('12', 'invalid_stored_credential');
  if (r.authentication !== undefined && r.authentication !== null) {
    const auth = asRecord(r.authentication);
    if (!auth || !isValidMessageId(auth.transactionId) || !isText(auth.value, MAX_TEXT_LENGTH) || typeof auth.eci !== 'string' || !/^\d{2}$/.test(auth.eci)) {
      return refuse('12', 'invalid_authentication');
    }
  }
  if (r.cardholderName !== undefined && r.cardholderName !== null && !isWellFormedText(r.cardholderName, MAX_CARDHOLDER_NAME_LENGTH)) {
    return refuse('12', 'invalid_cardholder_name');
  }
  if (!isInteger(r.sentAtMs, 0, Number.MAX_SAFE_INTEGER)) return refuse('12', 'invalid_sent_at');
  return null;
}

/**
 * Fields 6/51 of an authorization's answer (`cardholderBilling`), checked
 * against the transaction's currency (field 49): absent, or a whole amount
 * in another ISO 4217 currency — the card's, into which the issuer converted.
 * Billing in the transaction's own currency would say nothing and is refused,
 * so a record never shows a conversion that did not happen.
 */
export function isValidCardholderBilling(billing: unknown, transactionCurrency: string): boolean {
  if (billing === undefined) return true;
  const b = asRecord(billing);
  return b !== null && isInteger(b.minor, 0, Number.MAX_SAFE_INTEGER) && isCurrency(b.currency) && b.currency !== transactionCurrency;
}

/** Null when the follow-up of the expected `type` is well formed, else why not. */
export function checkFollowUp(request: unknown, type: FollowUpRequest['type']): Refusal | null {
  const r = asRecord(request);
  if (!r || r.type !== type) return refuse('12', 'invalid_message_type');
  if (!isValidMessageId(r.id)) return refuse('12', 'invalid_message_id');
  if (!isValidMessageId(r.originalId)) return refuse('12', 'invalid_original_id');
  if (r.originalId === r.id) return refuse('12', 'invalid_original_id');
  if (!(type === 'reversal' && r.amount === null)) {
    const amount = asRecord(r.amount);
    if (!amount || !isInteger(amount.minor, 1, Number.MAX_SAFE_INTEGER)) return refuse('13', 'invalid_amount');
    if (!isCurrency(amount.currency)) return refuse('12', 'invalid_currency');
  }
  if (type === 'clearing' && typeof r.final !== 'boolean') return refuse('12', 'invalid_final');
  if (!isInteger(r.sentAtMs, 0, Number.MAX_SAFE_INTEGER)) return refuse('12', 'invalid_sent_at');
  return null;
}

function asRecord(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function isInteger(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;
}

function isCurrency(value: unknown): value is string {
  return typeof value === 'string' && CURRENCY_PATTERN.test(value);
}

/** Well-formed text (below), not blank. */
function isText(value: unknown, maxLength: number): value is string {
  return isWellFormedText(value, maxLength) && value.trim() !== '';
}

/** Text of at most `maxLength` UTF-16 units with no lone surrogate: no wire carries half a character (UTF-8 cannot spell one). */
function isWellFormedText(value: unknown, maxLength: number): value is string {
  return typeof value === 'string' && value.length <= maxLength && !hasLoneSurrogate(value);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when `value` holds half a UTF-16 surrogate pair: not well-formed Unicode, so no UTF-8 for it exists. */
export function hasLoneSurrogate(value: string): boolean {
  return LONE_SURROGATE.test(value);
}

function isOptionalText(value: unknown, maxLength: number): boolean {
  return value === null || isWellFormedText(value, maxLength);
}
