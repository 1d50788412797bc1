import type { FailureClass } from './payment-attempts.ts';

/**
 * How billing treats a failed charge when deciding whether to try again
 * (auto-recharge, subscription retries). After akash-network/console#3760:
 * codes that will never succeed pause at once, the processor's own outages
 * do not count against the card, everything else backs off.
 */

// Stripe's "do not retry" decline codes, and the card errors of a card that is no more.
const HARD_DECLINE_CODES = new Set([
  'authentication_required',
  'card_not_supported',
  'currency_not_supported',
  'do_not_try_again',
  'expired_card',
  'fraudulent',
  'incorrect_number',
  'invalid_account',
  'invalid_number',
  'lost_card',
  'merchant_blacklist',
  'merchant_account_limit',
  'new_account_information_available',
  'pickup_card',
  'restricted_card',
  'revocation_of_all_authorizations',
  'revocation_of_authorization',
  'security_violation',
  'stolen_card',
  'stop_payment_order',
  'transaction_not_allowed',
]);

// Nothing is wrong with the card: the processor or the issuer's systems were unavailable.
const PROCESSOR_CODES = new Set(['processing_error', 'issuer_not_available', 'try_again_later', 'reenter_transaction', 'rate_limit', 'api_connection_error']);

export function classifyFailure(failure: { type: string; code: string | null; decline_code: string | null; outcome: Readonly<Record<string, unknown>> | null }): FailureClass {
  if (failure.type === 'api_error' || failure.type === 'rate_limit_error' || failure.type === 'api_connection_error') return 'processor';
  const code = failure.decline_code ?? failure.code;
  if (code !== null && PROCESSOR_CODES.has(code)) return 'processor';
  if (code !== null && HARD_DECLINE_CODES.has(code)) return 'hard';
  // The merchant's own risk rules blocked it: the same charge will be blocked again.
  if (failure.outcome?.type === 'blocked') return 'hard';
  // A request the provider refused as invalid (a detached card, a bad amount) will not improve by waiting.
  if (failure.type === 'invalid_request_error' || failure.type === 'idempotency_error') return 'hard';
  return 'soft';
}
