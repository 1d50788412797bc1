import type { IsoResponseCode } from '../../network/messages.ts';

/**
 * Cardlane's issuer reasons: stable snake_case codes that refine the ISO
 * 8583 response code (the acquirer maps both to Stripe's `decline_code`, the
 * doctor explains them). One table, so a reason always travels with the
 * same ISO code.
 */
export const AUTHORIZATION_REASONS = {
  approved: '00',
  // Request shape
  invalid_request: '12',
  invalid_amount: '13',
  // Card
  card_not_found: '14',
  /** A closed card is a number that no longer exists for payments: 14, which merchants must not retry. */
  card_closed: '14',
  /** A frozen card is restricted by its owner until unfrozen: 62. */
  card_frozen: '62',
  card_expired: '54',
  expiry_mismatch: '54',
  cvv2_mismatch: 'N7',
  /** No CVV2 and no stored credential: only a card on file, first approved with its CVV2, may pay without one. */
  cvv2_required: 'N7',
  /** No CVV2, and the stored credential named is not an approved, CVV2-checked authorization of this card at this merchant. */
  stored_credential_invalid: '05',
  avs_line1_mismatch: '05',
  avs_postal_code_mismatch: '05',
  avs_mismatch: '05',
  // Card testing (decline-limiter.ts): the merchant probes, or the card's details are being guessed. One
  // generic answer, whatever the card data, so it reveals nothing.
  declines_limited: '05',
  // Cardholder
  kyc_not_approved: '62',
  // Controls
  currency_not_supported: '57',
  mcc_blocked: '57',
  country_blocked: '62',
  limit_per_transaction_exceeded: '61',
  limit_per_day_exceeded: '61',
  limit_per_month_exceeded: '61',
  merchant_account_limit: '57',
  // Money
  insufficient_funds: '51',
  // 3-D Secure (authentication/policy.ts): the program asks the cardholder to authenticate (Visa's SCA soft decline);
  // an authentication value that is not this issuer's for exactly this payment, or already used, is refused.
  authentication_required: '1A',
  authentication_invalid: '05',
  // The issuer is overloaded and did not decide (not recorded; retry).
  issuer_overloaded: '91',
} as const satisfies Record<string, IsoResponseCode>;

export type AuthorizationReason = keyof typeof AUTHORIZATION_REASONS;

/** Reasons of follow-up answers (reversal, clearing, refund, incremental refusals). */
export const FOLLOW_UP_REASONS = {
  cleared: '00',
  reversed: '00',
  refunded: '00',
  invalid_request: '12',
  message_id_reused: '12',
  original_not_found: '12',
  authorization_declined: '12',
  authorization_closed: '12',
  authorization_reversed: '12',
  authorization_expired: '12',
  not_a_purchase: '12',
  not_cleared: '12',
  invalid_amount: '13',
  currency_mismatch: '13',
  amount_exceeds_held: '13',
  amount_exceeds_refundable: '13',
  issuer_overloaded: '91',
} as const satisfies Record<string, IsoResponseCode>;

export type FollowUpReason = keyof typeof FOLLOW_UP_REASONS;

export function isoCodeOf(reason: AuthorizationReason): IsoResponseCode {
  return AUTHORIZATION_REASONS[reason];
}
