import { AppError, moduleErrors, PLATFORM_ERROR_CODES, type ErrorSpec, type ErrorTable } from '../platform/errors.ts';

/**
 * The acquirer's error codes. Each module declares its own codes here and
 * throws them with its own error class, so the platform's registry (platform/errors.ts)
 * holds only the generic ones; the composition root checks that no two modules
 * declare the same code. Codes are stable: never rename one once released.
 */
export const ACQUIRER_ERROR_CODES = {
  // Acquirer (Stripe's codes, so the official SDK raises the right error classes).
  card_declined: { type: 'card_error', status: 402, message: 'Your card was declined.' },
  expired_card: { type: 'card_error', status: 402, message: 'Your card has expired.' },
  incorrect_cvc: { type: 'card_error', status: 402, message: "Your card's security code is incorrect." },
  incorrect_zip: { type: 'card_error', status: 402, message: "Your card's zip code failed validation." },
  incorrect_address: { type: 'card_error', status: 402, message: "Your card's address failed validation." },
  incorrect_number: { type: 'card_error', status: 402, message: 'Your card number is incorrect.' },
  invalid_number: { type: 'card_error', status: 402, message: 'Your card number is not a valid credit card number.' },
  invalid_expiry_month: { type: 'card_error', status: 402, message: "Your card's expiration month is invalid." },
  invalid_expiry_year: { type: 'card_error', status: 402, message: "Your card's expiration year is invalid." },
  invalid_cvc: { type: 'card_error', status: 402, message: "Your card's security code is invalid." },
  processing_error: { type: 'card_error', status: 402, message: 'An error occurred while processing your card. Try again in a little bit.' },
  payment_intent_unexpected_state: { type: 'invalid_request_error', status: 400, message: 'The PaymentIntent is not in a state that allows this.' },
  setup_intent_unexpected_state: { type: 'invalid_request_error', status: 400, message: 'The SetupIntent is not in a state that allows this.' },
  payment_method_unexpected_state: { type: 'invalid_request_error', status: 400, message: 'The PaymentMethod is not in a state that allows this.' },
  amount_too_small: { type: 'invalid_request_error', status: 400, message: 'The amount is below the minimum charge amount.' },
  amount_too_large: { type: 'invalid_request_error', status: 400, message: 'The amount is above what is allowed.' },
  charge_already_refunded: { type: 'invalid_request_error', status: 400, message: 'The charge has already been refunded in full.' },
  // A capture the card's issuer refused: its authorization is gone (Stripe's code; the intent is canceled) or it refused the amount.
  charge_expired_for_capture: { type: 'invalid_request_error', status: 400, message: 'The charge cannot be captured as the authorization has expired.' },
  capture_refused: { type: 'invalid_request_error', status: 400, message: "The card's issuer refused the capture; nothing was captured." },
  // Disputes (issue 17): Stripe's code for refunding a disputed charge, and a dispute past the state a change needs.
  charge_disputed: { type: 'invalid_request_error', status: 400, message: 'The charge has been disputed; it cannot be refunded.' },
  dispute_unexpected_state: { type: 'invalid_request_error', status: 400, message: 'The dispute is not in a state that allows this.' },
  risk_rule_limit_reached: { type: 'invalid_request_error', status: 409, message: 'The merchant already has the most risk rules allowed.' },
  // A Stripe-Version header that names no version (stripe/api-version.ts).
  api_version_invalid: { type: 'invalid_request_error', status: 400, message: 'Invalid Stripe API version.' },
  // A publishable key's request whose client_secret is not the intent's (Stripe's codes).
  payment_intent_invalid_parameter: { type: 'invalid_request_error', status: 400, message: 'A parameter of the PaymentIntent request is invalid.' },
  setup_intent_invalid_parameter: { type: 'invalid_request_error', status: 400, message: 'A parameter of the SetupIntent request is invalid.' },
  // A canceled subscription can change only its metadata (subscriptions/).
  subscription_unexpected_state: { type: 'invalid_request_error', status: 400, message: 'The subscription is not in a state that allows this.' },
  invoice_unexpected_state: { type: 'invalid_request_error', status: 400, message: 'The invoice is not in a state that allows this.' },
  // Stripe's code for too many requests (the SDK raises StripeRateLimitError on 429).
  rate_limit: { type: 'rate_limit_error', status: 429, message: 'Too many requests hit the API too quickly. Please slow down and retry later.' },
} as const satisfies ErrorTable;

export type AcquirerErrorCode = keyof typeof ACQUIRER_ERROR_CODES;

/** An AppError with one of the acquirer's codes or a generic platform code. */
export const AcquirerError = moduleErrors(ACQUIRER_ERROR_CODES);

/**
 * Where a request named an object it refers to. Stripe answers a missing
 * object with the same code, `resource_missing`, and `param` naming it, but
 * with two statuses: 404 when the URL path names it (`GET
 * /v1/customers/cus_nope`: the URL points nowhere), 400 when a body or query
 * parameter does (`customer=cus_nope` on a payment intent, `charge=ch_nope`
 * on a refund, a list's `starting_after`): the URL is fine, the request is
 * not. A client that treats 404 as "this endpoint or object is gone" must
 * not see one for a typo in a parameter.
 */
export type NamedIn = 'path' | 'parameter';

/**
 * The `param` Stripe gives a missing object of the URL path: `id`, or
 * `intent` on the payment and setup intents' own endpoints. A lookup helper
 * that serves both kinds of caller decides by its `param`; a path whose object
 * keeps another name (`payment_method` on `/v1/payment_methods/:id`) says
 * `'path'` itself.
 */
const PATH_PARAMS: ReadonlySet<string> = new Set(['id', 'intent']);

function namedInOf(param: string): NamedIn {
  return PATH_PARAMS.has(param) ? 'path' : 'parameter';
}

// The platform's resource_missing (404) as Stripe answers it for a parameter: same code and type, 400.
const RESOURCE_MISSING_IN_PARAMETER: ErrorSpec = { ...PLATFORM_ERROR_CODES.resource_missing, status: 400 };

/** Stripe's `resource_missing` (message `No such customer: 'cus_…'`), 404 or 400 by where the request named the object. */
export function noSuchObject(message: string, param: string, namedIn: NamedIn = namedInOf(param)): AppError {
  if (namedIn === 'path') return new AcquirerError('resource_missing', message, { param });
  return new AppError('resource_missing', message, { param, spec: RESOURCE_MISSING_IN_PARAMETER });
}
