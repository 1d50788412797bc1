import { AppError, PLATFORM_ERROR_CODES, type ErrorBody, type ErrorCode } from '../errors.ts';

/**
 * Turns anything thrown while handling a request into the answer the client
 * gets. Three kinds of error, three outcomes:
 *
 * - an AppError: its own status, code and message;
 * - a framework error about the request (schema validation, a body too
 *   large, bad JSON, a bad URL): a 4xx with a stable code of ours, never
 *   Fastify's `FST_…` codes, which are an implementation detail;
 * - anything else is a bug or an outage: 500 `internal_error` with a generic
 *   message. The detail (message, stack) goes to the log only, because it
 *   can hold SQL, file paths or data of another customer.
 */
export interface HttpError {
  readonly status: number;
  readonly body: ErrorBody;
  /** True when this is our fault: log it as an error, with the detail. */
  readonly internal: boolean;
}

/** The fields of a Fastify/ajv validation error the mapper reads. */
interface ValidationIssue {
  readonly keyword?: string;
  readonly instancePath?: string;
  readonly message?: string;
  readonly params?: Record<string, unknown>;
}

interface FrameworkError {
  readonly code?: unknown;
  readonly statusCode?: unknown;
  readonly message?: unknown;
  readonly validation?: readonly ValidationIssue[];
  readonly validationContext?: string;
}

// Fastify's request errors, by its code, to ours.
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'body_invalid',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'body_invalid',
  FST_ERR_CTP_INVALID_JSON_BODY: 'body_invalid',
  FST_ERR_BAD_URL: 'url_invalid',
  FST_ERR_MAX_PARAM_LENGTH: 'url_too_long',
};

// Any other 4xx a plugin raises (http-errors, @fastify/static), by status.
const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'request_invalid',
  401: 'authentication_required',
  403: 'permission_denied',
  404: 'resource_missing',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  408: 'request_timeout',
  409: 'resource_conflict',
  413: 'body_too_large',
  414: 'url_too_long',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

export interface MapContext {
  /** Named in the 500 message so a user can quote it and an operator find the log line. */
  readonly requestId?: string;
}

export function toHttpError(error: unknown, context: MapContext = {}): HttpError {
  if (error instanceof AppError) {
    return { status: error.status, body: error.toBody(), internal: error.status >= 500 && error.code === 'internal_error' };
  }
  const framework = (error ?? {}) as FrameworkError;
  if (Array.isArray(framework.validation) && framework.validation.length > 0) {
    return fromAppError(validationError(framework.validation[0]!, framework.validationContext));
  }
  const status = typeof framework.statusCode === 'number' ? framework.statusCode : 500;
  if (status >= 400 && status < 500) {
    const known = typeof framework.code === 'string' ? FASTIFY_CODES[framework.code] : undefined;
    if (known) return fromAppError(new AppError(known));
    // A client error from a plugin: its message is meant for the client.
    const code = STATUS_CODES[status] ?? 'request_invalid';
    const message = typeof framework.message === 'string' && framework.message !== '' ? framework.message : PLATFORM_ERROR_CODES[code].message;
    return { status, body: new AppError(code, message).toBody(), internal: false };
  }
  return internalError(context);
}

export function internalError(context: MapContext = {}): HttpError {
  const message = context.requestId
    ? `An unexpected error occurred. If it persists, contact support and quote request id ${context.requestId}.`
    : PLATFORM_ERROR_CODES.internal_error.message;
  return { status: 500, body: new AppError('internal_error', message).toBody(), internal: true };
}

/** The 404 for a URL no route matches, phrased like Stripe's. */
export function routeNotFound(method: string, url: string): HttpError {
  const path = url.split('?')[0] ?? url;
  return fromAppError(new AppError('route_not_found', `Unrecognized request URL (${method}: ${path}).`));
}

function fromAppError(error: AppError): HttpError {
  return { status: error.status, body: error.toBody(), internal: false };
}

/**
 * Fastify validates with ajv and stops at the first failure. The parameter
 * is named the way Stripe names it (`card[number]`, `items[0][price]`) so a
 * client form can point at the field; a missing one is `parameter_missing`
 * with Stripe's wording.
 */
function validationError(issue: ValidationIssue, context: string | undefined): AppError {
  const segments = pointerSegments(issue.instancePath ?? '');
  if (issue.keyword === 'required' && typeof issue.params?.missingProperty === 'string') {
    const param = bracketName([...segments, issue.params.missingProperty]);
    return new AppError('parameter_missing', `Missing required param: ${param}.`, { param });
  }
  if (issue.keyword === 'additionalProperties' && typeof issue.params?.additionalProperty === 'string') {
    const param = bracketName([...segments, issue.params.additionalProperty]);
    return new AppError('parameter_unknown', `Received unknown parameter: ${param}.`, { param });
  }
  const detail = wording(issue) ?? issue.message ?? 'is invalid';
  if (segments.length === 0) {
    return new AppError('parameter_invalid', `Invalid request ${describeContext(context)}: it ${detail}.`);
  }
  const param = bracketName(segments);
  return new AppError('parameter_invalid', `Invalid ${param}: ${detail}.`, { param });
}

/**
 * ajv's own words for the failures people meet most are its internals
 * ("must NOT have fewer than 1 characters"; "must be equal to one of the
 * allowed values", without the values): these say the limit or the choices.
 */
function wording(issue: ValidationIssue): string | undefined {
  const limit = issue.params?.limit;
  switch (issue.keyword) {
    case 'minLength':
      if (typeof limit !== 'number') return undefined;
      return limit <= 1 ? 'must not be empty' : `must be at least ${limit} characters long`;
    case 'maxLength':
      return typeof limit === 'number' ? `must be at most ${limit} characters long` : undefined;
    case 'minItems':
      if (typeof limit !== 'number') return undefined;
      return limit <= 1 ? 'must not be empty' : `must have at least ${limit} items`;
    case 'maxItems':
      return typeof limit === 'number' ? `must have at most ${limit} items` : undefined;
    case 'enum': {
      const allowed = issue.params?.allowedValues;
      return Array.isArray(allowed) && allowed.length > 0 ? `must be one of ${allowed.map(String).join(', ')}` : undefined;
    }
    case 'pattern':
      return patternWording(issue.params?.pattern);
    default:
      return undefined;
  }
}

/**
 * A `pattern` said for people, never as the regular expression. The
 * patterns the API's schemas use: a number of digits (an MCC is
 * `^[0-9]{4}$`) and an id with its prefix (`^idsp_[A-Za-z0-9]{1,60}$`);
 * letters of a code (`^[A-Z]{3}$`) for good measure. Any other: a
 * generic "is not in the expected format".
 */
function patternWording(pattern: unknown): string {
  if (typeof pattern !== 'string') return PATTERN_FALLBACK;
  const digits = /^\^(?:\[0-9\]|\\d)\{(\d+)(?:,(\d+))?\}\$$/.exec(pattern);
  if (digits) return digits[2] === undefined ? `must be ${digits[1]} digits` : `must be ${digits[1]} to ${digits[2]} digits`;
  const letters = /^\^\[(A-Z|a-z|A-Za-z|a-zA-Z)\]\{(\d+)\}\$$/.exec(pattern);
  if (letters) return `must be ${letters[2]} ${letters[1] === 'A-Z' ? 'capital ' : letters[1] === 'a-z' ? 'lower-case ' : ''}letters`;
  const id = /^\^([a-z][a-z0-9]*_)\[A-Za-z0-9\]\{\d+,\d+\}\$$/.exec(pattern);
  if (id) return `must be an id starting with ${id[1]}`;
  return PATTERN_FALLBACK;
}

const PATTERN_FALLBACK = 'is not in the expected format';

function describeContext(context: string | undefined): string {
  if (context === 'querystring') return 'query string';
  if (context === 'params') return 'path';
  return context ?? 'body';
}

/** `/card/number` → ['card', 'number'], undoing JSON Pointer's `~1` and `~0`. */
function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function bracketName(segments: readonly string[]): string {
  const [first, ...rest] = segments;
  return `${first ?? ''}${rest.map((segment) => `[${segment}]`).join('')}`;
}
