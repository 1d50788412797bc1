import { moduleErrors, type ErrorTable } from '../platform/errors.ts';

/**
 * The merchant billing's error codes. Each module declares its own codes here and
 * throws them with its own error class, so the platform's registry (platform/errors.ts)
 * holds only the generic ones; the composition root checks that no two modules
 * declare the same code. Codes are stable: never rename one once released.
 */
export const BILLING_ERROR_CODES = {
  // Merchant billing
  // A declined card, relayed from the payment provider in Stripe's own shape (the acquirer declares the same code the same way).
  card_declined: { type: 'card_error', status: 402, message: 'Your card was declined.' },
  purchase_amount_out_of_range: { type: 'invalid_request_error', status: 400, message: 'The credit purchase amount is below the minimum or above the maximum.' },
  payment_method_required: { type: 'invalid_request_error', status: 400, message: 'No card was chosen and the organization has no default card.' },
  refund_amount_out_of_range: { type: 'invalid_request_error', status: 400, message: 'The refund is more than what is left to refund of this payment.' },
  payment_not_refundable: { type: 'invalid_request_error', status: 409, message: 'Only a successful credit purchase or recharge can be refunded.' },
  subscription_exists: { type: 'invalid_request_error', status: 409, message: 'The organization already has a subscription to this plan.' },
  subscription_payment_processing: { type: 'invalid_request_error', status: 409, message: 'A payment for this subscription is being processed; retry when it has finished.' },
  subscription_canceled: { type: 'invalid_request_error', status: 409, message: 'The subscription has ended; subscribe again.' },
  auto_recharge_threshold_invalid: { type: 'invalid_request_error', status: 400, message: 'The auto-recharge threshold is not a whole number of cents in range.' },
  auto_recharge_target_invalid: { type: 'invalid_request_error', status: 400, message: 'The auto-recharge target must be above the threshold, at least the minimum recharge and at most the largest payment.' },
  auto_recharge_monthly_limit_invalid: { type: 'invalid_request_error', status: 400, message: 'The auto-recharge monthly limit must be null or at least the minimum recharge.' },
  email_invalid: { type: 'invalid_request_error', status: 400, message: 'This is not an e-mail address.' },
  last_owner: { type: 'invalid_request_error', status: 409, message: 'An organization keeps at least one owner.' },
  // Administering the organization (members, API keys, projects) is for people: an API key — which records nobody and may be
  // a program's or one made before its maker left — must not hand out membership or keys (as OpenAI keeps it to admin keys).
  session_required: { type: 'invalid_request_error', status: 403, message: "Managing the organization's members and API keys needs an owner signed in to the billing page; an API key cannot." },
  // A right sign-in code for an address with only invitations it has not accepted: it names the one it accepts (the code still works).
  organization_choice_required: { type: 'invalid_request_error', status: 409, message: 'Choose the organization to sign in to: every membership of this address is an invitation not accepted yet.' },
  budget_amount_invalid: { type: 'invalid_request_error', status: 400, message: 'A monthly budget is a whole number of cents above zero.' },
  billing_profile_invalid: { type: 'invalid_request_error', status: 400, message: 'A field of the billing profile (name, address, country or tax ID) is not valid.' },
  budget_thresholds_invalid: { type: 'invalid_request_error', status: 400, message: 'Budget alert thresholds are different whole percentages from 1 to 100.' },
} as const satisfies ErrorTable;

export type BillingErrorCode = keyof typeof BILLING_ERROR_CODES;

/** An AppError with one of the billing's codes or a generic platform code. */
export const BillingError = moduleErrors(BILLING_ERROR_CODES);
