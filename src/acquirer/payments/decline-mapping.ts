import type { AcquirerErrorCode } from '../errors.ts';
import type { AuthorizationResponse, IsoResponseCode } from '../../network/messages.ts';

/**
 * How an issuer's answer (ISO 8583 field 39 plus the issuer's reason) becomes
 * what a Stripe client sees: the error `code`, the `decline_code`, the
 * message for the customer, and the `advice_code` that says whether trying
 * again can help (Visa's retry categories: "cannot approve now" may be
 * retried, "never approve" must not be, bad data needs new card details).
 */

export interface StripeDecline {
  readonly code: AcquirerErrorCode;
  readonly declineCode: string;
  readonly message: string;
  readonly adviceCode: 'try_again_later' | 'do_not_try_again' | 'confirm_card_data';
}

const DECLINED = 'Your card was declined.';

const BY_ISO: Record<IsoResponseCode, Omit<StripeDecline, 'adviceCode'> & { adviceCode?: StripeDecline['adviceCode'] }> = {
  '00': { code: 'card_declined', declineCode: 'generic_decline', message: DECLINED },
  '03': { code: 'card_declined', declineCode: 'merchant_blacklist', message: DECLINED },
  '04': { code: 'card_declined', declineCode: 'pickup_card', message: DECLINED },
  '05': { code: 'card_declined', declineCode: 'do_not_honor', message: DECLINED },
  '12': { code: 'card_declined', declineCode: 'transaction_not_allowed', message: DECLINED },
  '13': { code: 'card_declined', declineCode: 'invalid_amount', message: DECLINED },
  '14': { code: 'incorrect_number', declineCode: 'incorrect_number', message: 'Your card number is incorrect.', adviceCode: 'confirm_card_data' },
  '15': { code: 'card_declined', declineCode: 'card_not_supported', message: 'Your card is not supported.' },
  '41': { code: 'card_declined', declineCode: 'lost_card', message: DECLINED },
  '43': { code: 'card_declined', declineCode: 'stolen_card', message: DECLINED },
  '51': { code: 'card_declined', declineCode: 'insufficient_funds', message: 'Your card has insufficient funds.', adviceCode: 'try_again_later' },
  '54': { code: 'expired_card', declineCode: 'expired_card', message: 'Your card has expired.', adviceCode: 'confirm_card_data' },
  '57': { code: 'card_declined', declineCode: 'transaction_not_allowed', message: DECLINED },
  '59': { code: 'card_declined', declineCode: 'fraudulent', message: DECLINED },
  '61': { code: 'card_declined', declineCode: 'card_velocity_exceeded', message: 'Your card has exceeded its amount limit.', adviceCode: 'try_again_later' },
  '62': { code: 'card_declined', declineCode: 'restricted_card', message: DECLINED },
  '65': { code: 'card_declined', declineCode: 'card_velocity_exceeded', message: 'Your card has exceeded its velocity limit.', adviceCode: 'try_again_later' },
  '91': { code: 'card_declined', declineCode: 'issuer_not_available', message: 'Your card issuer could not be reached. Try again in a little bit.', adviceCode: 'try_again_later' },
  '93': { code: 'card_declined', declineCode: 'transaction_not_allowed', message: DECLINED },
  '94': { code: 'card_declined', declineCode: 'duplicate_transaction', message: DECLINED },
  '96': { code: 'processing_error', declineCode: 'processing_error', message: 'An error occurred while processing your card. Try again in a little bit.', adviceCode: 'try_again_later' },
  N7: { code: 'incorrect_cvc', declineCode: 'incorrect_cvc', message: "Your card's security code is incorrect.", adviceCode: 'confirm_card_data' },
  // A customer-initiated payment answered 1A goes to 3-D Secure instead (payment-authentication.ts); this is what an off-session one gets.
  '1A': { code: 'card_declined', declineCode: 'authentication_required', message: 'Your card was declined. This transaction requires authentication.' },
};

/** Issuer reasons that say more than their ISO code (the issuer's `reason` field). */
const BY_REASON: Record<string, Omit<StripeDecline, 'adviceCode'> & { adviceCode?: StripeDecline['adviceCode'] }> = {
  generic_decline: { code: 'card_declined', declineCode: 'generic_decline', message: DECLINED },
  avs_postal_code_mismatch: { code: 'incorrect_zip', declineCode: 'incorrect_zip', message: "Your card's zip code failed validation.", adviceCode: 'confirm_card_data' },
  avs_mismatch: { code: 'incorrect_zip', declineCode: 'incorrect_zip', message: "Your card's address and zip code failed validation.", adviceCode: 'confirm_card_data' },
  avs_line1_mismatch: { code: 'incorrect_address', declineCode: 'incorrect_address', message: "Your card's address failed validation.", adviceCode: 'confirm_card_data' },
  currency_not_supported: { code: 'card_declined', declineCode: 'currency_not_supported', message: 'Your card does not support this currency.' },
  authentication_required: { code: 'card_declined', declineCode: 'authentication_required', message: 'Your card was declined. This transaction requires authentication.' },
  card_velocity_exceeded: { code: 'card_declined', declineCode: 'card_velocity_exceeded', message: 'Your card has exceeded its velocity limit.', adviceCode: 'try_again_later' },
};

export function stripeDeclineFor(response: Pick<AuthorizationResponse, 'responseCode' | 'reason'>): StripeDecline {
  const entry = BY_REASON[response.reason] ?? BY_ISO[response.responseCode];
  // Without a retry category of its own a decline is final: retrying "do not honour" only annoys the issuer.
  return { code: entry.code, declineCode: entry.declineCode, message: entry.message, adviceCode: entry.adviceCode ?? 'do_not_try_again' };
}

/** A block by the merchant's own rules: never reached the network. */
export function stripeDeclineForBlock(declineCode: string): StripeDecline {
  const known: Record<string, AcquirerErrorCode> = { incorrect_cvc: 'incorrect_cvc', incorrect_zip: 'incorrect_zip', incorrect_address: 'incorrect_address' };
  return {
    code: known[declineCode] ?? 'card_declined',
    declineCode,
    message: declineCode === 'fraudulent' ? DECLINED : 'Your card was declined.',
    adviceCode: declineCode === 'card_velocity_exceeded' ? 'try_again_later' : 'do_not_try_again',
  };
}
