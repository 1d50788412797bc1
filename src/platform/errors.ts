/**
 * The one registry of error codes an API client can see, and the error class
 * that carries one. Like Fastify's `lib/errors.js`: each code is declared
 * once with its HTTP status and a default message, so a code means the same
 * thing everywhere and the mapper (`http/error-mapper.ts`) needs no
 * per-module knowledge. Codes are stable snake_case strings: clients and the
 * doctor match on them, so never rename one once released; add a new one.
 *
 * Types follow Stripe's error object (`type`, `code`, `message`, `param`,
 * `decline_code`), because the acquirer answers exactly like Stripe and the
 * other parties may as well speak the same shape.
 *
 * Expected business outcomes (a declined authorization, a ledger transfer
 * that exceeds credits) are values, not AppErrors; an AppError is for the
 * edge, where such an outcome becomes an HTTP answer.
 */

export type ErrorType =
  | 'invalid_request_error'
  | 'idempotency_error'
  | 'card_error'
  | 'authentication_error'
  | 'rate_limit_error'
  | 'api_error';

export interface ErrorSpec {
  readonly type: ErrorType;
  readonly status: number;
  readonly message: string;
}

export const ERROR_CODES = {
  // A request the client can fix.
  parameter_invalid: { type: 'invalid_request_error', status: 400, message: 'A parameter is invalid.' },
  parameter_missing: { type: 'invalid_request_error', status: 400, message: 'A required parameter is missing.' },
  parameter_unknown: { type: 'invalid_request_error', status: 400, message: 'The request has a parameter that is not recognized.' },
  body_invalid: { type: 'invalid_request_error', status: 400, message: 'The request body could not be parsed.' },
  request_invalid: { type: 'invalid_request_error', status: 400, message: 'The request is invalid.' },
  url_invalid: { type: 'invalid_request_error', status: 400, message: 'The request URL is invalid.' },
  authentication_required: { type: 'authentication_error', status: 401, message: 'No valid API key was provided.' },
  permission_denied: { type: 'invalid_request_error', status: 403, message: 'This API key may not make this request.' },
  route_not_found: { type: 'invalid_request_error', status: 404, message: 'Unrecognized request URL.' },
  resource_missing: { type: 'invalid_request_error', status: 404, message: 'No such object.' },
  method_not_allowed: { type: 'invalid_request_error', status: 405, message: 'This method is not allowed on this URL.' },
  not_acceptable: { type: 'invalid_request_error', status: 406, message: 'No acceptable response format.' },
  request_timeout: { type: 'invalid_request_error', status: 408, message: 'The request took too long to arrive.' },
  resource_conflict: { type: 'invalid_request_error', status: 409, message: 'The request conflicts with the current state of the object.' },
  body_too_large: { type: 'invalid_request_error', status: 413, message: 'The request body is too large.' },
  url_too_long: { type: 'invalid_request_error', status: 414, message: 'The request URL is too long.' },
  unsupported_media_type: { type: 'invalid_request_error', status: 415, message: 'The request body has an unsupported content type.' },
  rate_limited: { type: 'rate_limit_error', status: 429, message: 'Too many requests; slow down and retry later.' },

  // Idempotency (Stripe's answers for a key in use and a key reused with other parameters).
  idempotency_key_in_use: {
    type: 'idempotency_error',
    status: 409,
    message: 'A request with this idempotency key is still being processed; retry later.',
  },
  idempotency_key_reused: {
    type: 'idempotency_error',
    status: 400,
    message: 'Keys for idempotent requests can only be used with the same parameters they were first used with.',
  },

  // Issuer: identity
  phone_invalid: { type: 'invalid_request_error', status: 400, message: 'This is not a mobile phone number that can receive text messages.' },
  code_invalid: { type: 'invalid_request_error', status: 400, message: 'The one-time code is not right.' },
  code_expired: { type: 'invalid_request_error', status: 400, message: 'The one-time code has expired; ask for a new one.' },
  code_locked: { type: 'invalid_request_error', status: 400, message: 'Too many wrong codes; ask for a new one.' },
  code_used: { type: 'invalid_request_error', status: 400, message: 'The one-time code was already used; ask for a new one.' },
  invite_code_invalid: { type: 'invalid_request_error', status: 400, message: 'An invite code is 8 letters and digits, like 7KQ2-M9XD.' },
  invite_code_unknown: { type: 'invalid_request_error', status: 400, message: 'No cardholder has this invite code.' },
  invite_code_own: { type: 'invalid_request_error', status: 400, message: 'You cannot use your own invite code.' },
  invite_code_already_applied: { type: 'invalid_request_error', status: 409, message: 'An invite code was already applied to this account.' },
  invite_code_too_late: { type: 'invalid_request_error', status: 409, message: 'An invite code can only be applied before the first card is opened.' },
  kyc_required: { type: 'invalid_request_error', status: 403, message: 'Identity verification (KYC) must be approved first.' },
  kyc_already_approved: { type: 'invalid_request_error', status: 409, message: 'Identity verification is already approved.' },
  kyc_not_pending: { type: 'invalid_request_error', status: 409, message: 'This verification is no longer pending.' },

  // Issuer: money
  setting_invalid: { type: 'invalid_request_error', status: 400, message: 'This setting value is not allowed.' },
  top_up_amount_out_of_range: { type: 'invalid_request_error', status: 400, message: 'The top-up amount is below the minimum or above the maximum.' },
  quote_expired: { type: 'invalid_request_error', status: 400, message: 'The quote has expired; ask for a new one.' },
  notify_signature_invalid: { type: 'invalid_request_error', status: 400, message: 'The notification signature is missing or does not verify.' },
  withdrawal_amount_out_of_range: { type: 'invalid_request_error', status: 400, message: 'The withdrawal amount is below the minimum, above the maximum, or does not cover the fee.' },
  insufficient_funds: { type: 'invalid_request_error', status: 402, message: 'The wallet balance is not enough for this.' },
  funding_provider_unavailable: { type: 'api_error', status: 503, message: 'The payment provider could not be reached; retry shortly.' },

  // Issuer: cards
  card_limit_reached: { type: 'invalid_request_error', status: 409, message: 'The cardholder already has the most cards the program allows.' },
  card_closed: { type: 'invalid_request_error', status: 409, message: 'The card is closed; it cannot be changed.' },

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
  risk_rule_limit_reached: { type: 'invalid_request_error', status: 409, message: 'The merchant already has the most risk rules allowed.' },

  // Merchant billing
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

  // Ours to fix; retrying may help.
  service_unavailable: { type: 'api_error', status: 503, message: 'The service is shutting down or not ready; retry shortly.' },
  database_unavailable: { type: 'api_error', status: 503, message: 'The database is not reachable; retry shortly.' },
  internal_error: { type: 'api_error', status: 500, message: 'An unexpected error occurred.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}

/** The body of every error answer. */
export interface ErrorBody {
  readonly error: {
    readonly type: ErrorType;
    readonly code: string;
    readonly message: string;
    readonly param?: string;
    readonly decline_code?: string;
    readonly [field: string]: unknown;
  };
}

export interface AppErrorOptions {
  /** The request parameter at fault, in Stripe's bracket form: `card[number]`. */
  readonly param?: string;
  /** For card errors: why the issuer or the risk rules declined (Stripe's `decline_code`). */
  readonly declineCode?: string;
  /** More fields of the error object (Stripe's `charge`, `payment_intent`, `advice_code`, `doc_url`, …). */
  readonly extra?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

/**
 * An error whose message is meant for the API client. Anything thrown that
 * is not an AppError (or a framework error the mapper knows) is treated as a
 * bug: the client gets a generic 500 and the detail goes only to the log.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly type: ErrorType;
  readonly status: number;
  readonly param: string | undefined;
  readonly declineCode: string | undefined;
  readonly extra: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message?: string, options: AppErrorOptions = {}) {
    const spec: ErrorSpec = ERROR_CODES[code];
    super(message ?? spec.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.type = spec.type;
    this.status = spec.status;
    this.param = options.param;
    this.declineCode = options.declineCode;
    this.extra = options.extra;
  }

  toBody(): ErrorBody {
    return {
      error: {
        type: this.type,
        code: this.code,
        message: this.message,
        ...(this.param === undefined ? {} : { param: this.param }),
        ...(this.declineCode === undefined ? {} : { decline_code: this.declineCode }),
        ...this.extra,
      },
    };
  }
}

/** JSON schema of `ErrorBody`, for route response schemas and the OpenAPI document. */
export const errorBodySchema = {
  $id: 'ErrorResponse',
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['type', 'code', 'message'],
      properties: {
        type: { type: 'string', enum: ['invalid_request_error', 'idempotency_error', 'card_error', 'authentication_error', 'rate_limit_error', 'api_error'] },
        code: { type: 'string', description: 'Stable snake_case code; match on this, not on the message.' },
        message: { type: 'string', description: 'A human-readable explanation.' },
        param: { type: 'string', description: 'The parameter at fault, if any, e.g. card[number].' },
        decline_code: { type: 'string', description: 'For card errors, why the card was declined.' },
      },
    },
  },
} as const;
