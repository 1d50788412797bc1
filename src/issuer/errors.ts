import { moduleErrors, type ErrorTable } from '../platform/errors.ts';

/**
 * The issuer's error codes. Each module declares its own codes here and
 * throws them with its own error class, so the platform's registry (platform/errors.ts)
 * holds only the generic ones; the composition root checks that no two modules
 * declare the same code. Codes are stable: never rename one once released.
 */
export const ISSUER_ERROR_CODES = {
  // Issuer: identity
  phone_invalid: { type: 'invalid_request_error', status: 400, message: 'This is not a mobile phone number that can receive text messages.' },
  invite_code_invalid: { type: 'invalid_request_error', status: 400, message: 'An invite code is 8 letters and digits, like 7KQ2-M9XD.' },
  invite_code_unknown: { type: 'invalid_request_error', status: 400, message: 'No cardholder has this invite code.' },
  invite_code_own: { type: 'invalid_request_error', status: 400, message: 'You cannot use your own invite code.' },
  invite_code_already_applied: { type: 'invalid_request_error', status: 409, message: 'An invite code was already applied to this account.' },
  invite_code_too_late: { type: 'invalid_request_error', status: 409, message: 'An invite code can only be applied before the first card is opened.' },
  kyc_required: { type: 'invalid_request_error', status: 403, message: 'Identity verification (KYC) must be approved first.' },
  kyc_already_approved: { type: 'invalid_request_error', status: 409, message: 'Identity verification is already approved.' },
  kyc_not_pending: { type: 'invalid_request_error', status: 409, message: 'This verification is no longer pending.' },
  // Worded the same whatever the reason: it must not hint at a screening match (kyc-reasons.ts).
  kyc_resubmission_not_allowed: {
    type: 'invalid_request_error',
    status: 409,
    message: 'Identity verification cannot be started again after this outcome. Contact Cardlane customer support if you have questions.',
  },
  billing_address_invalid: { type: 'invalid_request_error', status: 400, message: 'This is not a billing address the issuer can check.' },

  // Issuer: money
  setting_invalid: { type: 'invalid_request_error', status: 400, message: 'This setting value is not allowed.' },
  top_up_amount_out_of_range: { type: 'invalid_request_error', status: 400, message: 'The top-up amount is below the minimum or above the maximum.' },
  quote_expired: { type: 'invalid_request_error', status: 400, message: 'The quote has expired; ask for a new one.' },
  notify_signature_invalid: { type: 'invalid_request_error', status: 400, message: 'The notification signature is missing or does not verify.' },
  withdrawal_amount_out_of_range: { type: 'invalid_request_error', status: 400, message: 'The withdrawal amount is below the minimum, above the maximum, or does not cover the fee.' },
  insufficient_funds: { type: 'invalid_request_error', status: 402, message: 'The available balance is not enough for this.' },
  funding_provider_unavailable: { type: 'api_error', status: 503, message: 'The payment provider could not be reached; retry shortly.' },

  // Issuer: cards
  card_limit_reached: { type: 'invalid_request_error', status: 409, message: 'The cardholder already has the most cards the program allows.' },
  card_closed: { type: 'invalid_request_error', status: 409, message: 'The card is closed; it cannot be changed.' },

  // Issuer: disputes (issue 17)
  dispute_not_settled: { type: 'invalid_request_error', status: 409, message: 'Only a settled payment can be disputed.' },
  dispute_duplicate: { type: 'invalid_request_error', status: 409, message: 'This payment is already disputed.' },
  dispute_time_limit_passed: { type: 'invalid_request_error', status: 409, message: 'The time limit for disputing this payment with this reason has passed.' },
  dispute_amount_invalid: { type: 'invalid_request_error', status: 400, message: 'The amount is more than what can be disputed on this payment.' },
  dispute_not_decidable: { type: 'invalid_request_error', status: 409, message: 'This dispute is not waiting for a decision.' },
  dispute_cardholder_authenticated: { type: 'invalid_request_error', status: 409, message: 'The cardholder confirmed this payment with 3-D Secure; it cannot be disputed as fraud.' },
} as const satisfies ErrorTable;

export type IssuerErrorCode = keyof typeof ISSUER_ERROR_CODES;

/** An AppError with one of the issuer's codes or a generic platform code. */
export const IssuerError = moduleErrors(ISSUER_ERROR_CODES);
