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

export const PLATFORM_ERROR_CODES = {
  // A request the client can fix.
  parameter_invalid: { type: 'invalid_request_error', status: 400, message: 'A parameter is invalid.' },
  parameter_missing: { type: 'invalid_request_error', status: 400, message: 'A required parameter is missing.' },
  parameter_unknown: { type: 'invalid_request_error', status: 400, message: 'The request has a parameter that is not recognized.' },
  body_invalid: { type: 'invalid_request_error', status: 400, message: 'The request body could not be parsed.' },
  request_invalid: { type: 'invalid_request_error', status: 400, message: 'The request is invalid.' },
  url_invalid: { type: 'invalid_request_error', status: 400, message: 'The request URL is invalid.' },
  authentication_required: { type: 'authentication_error', status: 401, message: 'No valid API key was provided.' },
  // Two cookies of a browser session's name (one most likely set by another site: platform/http/session-cookie.ts); the answer clears them.
  session_cookie_ambiguous: {
    type: 'authentication_error',
    status: 401,
    message: 'The browser sent this page’s session cookie more than once (another site may have set one); both were cleared: sign in again.',
  },
  permission_denied: { type: 'invalid_request_error', status: 403, message: 'This API key may not make this request.' },
  csrf_token_invalid: { type: 'invalid_request_error', status: 403, message: 'A change made with a browser session needs its anti-forgery token.' },
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

  // Ours to fix; retrying may help.
  service_unavailable: { type: 'api_error', status: 503, message: 'The service is shutting down or not ready; retry shortly.' },
  database_unavailable: { type: 'api_error', status: 503, message: 'The database is not reachable; retry shortly.' },
  internal_error: { type: 'api_error', status: 500, message: 'An unexpected error occurred.' },


  // One-time codes (issuer sign-in and billing members alike).
  code_invalid: { type: 'invalid_request_error', status: 400, message: 'The one-time code is not right.' },
  code_expired: { type: 'invalid_request_error', status: 400, message: 'The one-time code has expired; ask for a new one.' },
  code_locked: { type: 'invalid_request_error', status: 400, message: 'Too many wrong codes; ask for a new one.' },
  code_used: { type: 'invalid_request_error', status: 400, message: 'The one-time code was already used; ask for a new one.' },
} as const satisfies Record<string, ErrorSpec>;

/** A table of error codes: a module's own, or the platform's generic ones. */
export type ErrorTable = Readonly<Record<string, ErrorSpec>>;

export type ErrorCode = keyof typeof PLATFORM_ERROR_CODES;

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
  /** Set by a module's error class (`moduleErrors`) for a code of its own; platform codes need none. */
  readonly spec?: ErrorSpec;
}

/**
 * An error whose message is meant for the API client. Anything thrown that
 * is not an AppError (or a framework error the mapper knows) is treated as a
 * bug: the client gets a generic 500 and the detail goes only to the log.
 */
export class AppError extends Error {
  readonly code: string;
  readonly type: ErrorType;
  readonly status: number;
  readonly param: string | undefined;
  readonly declineCode: string | undefined;
  readonly extra: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message?: string, options: AppErrorOptions = {}) {
    const spec: ErrorSpec = options.spec ?? PLATFORM_ERROR_CODES[code];
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

/**
 * The error class of a module with codes of its own: it takes the module's
 * codes and the platform's generic ones, type-checked, and carries each
 * code's spec, so the platform never needs to know a module's codes.
 */
export function moduleErrors<Table extends ErrorTable>(table: Table) {
  for (const code of Object.keys(table)) {
    if (Object.hasOwn(PLATFORM_ERROR_CODES, code)) throw new Error(`error code ${code} is the platform's; a module may not declare it again`);
  }
  return class ModuleError extends AppError {
    constructor(code: (keyof Table & string) | ErrorCode, message?: string, options: AppErrorOptions = {}) {
      const spec = Object.hasOwn(table, code) ? table[code]! : PLATFORM_ERROR_CODES[code as ErrorCode];
      super(code as ErrorCode, message, { ...options, spec });
    }
  };
}

/**
 * Every code of the given tables in one registry, failing on a code declared
 * twice with another type or status: a code must mean the same thing everywhere. The composition root
 * builds this from every module's description.
 */
export function errorRegistry(tables: readonly ErrorTable[]): ErrorTable {
  const registry: Record<string, ErrorSpec> = { ...PLATFORM_ERROR_CODES };
  for (const table of tables) {
    for (const [code, spec] of Object.entries(table)) {
      const known = registry[code];
      // Two parties may speak the same code (billing relays the acquirer's card_declined) only if it means the same.
      if (known && (known.type !== spec.type || known.status !== spec.status)) throw new Error(`error code ${code} is declared twice with different meanings`);
      registry[code] = spec;
    }
  }
  return Object.freeze(registry);
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
