import { toHttpError } from '../platform/http/error-mapper.ts';
import { API_KEY_PREFIX } from './organizations.ts';

/**
 * Errors in OpenAI's shape — `{ error: { message, type, param, code } }` —
 * so the official SDK raises its typed errors (401 → AuthenticationError,
 * 404 → NotFoundError, 429 → RateLimitError with `code`). Every refusal of
 * a request carries a stable snake_case `code` (OpenAI's own where it has
 * one, e.g. `invalid_type`, `missing_required_parameter`); OpenAI's clients
 * accept any string there.
 */
export interface OpenAiErrorBody {
  readonly error: { readonly message: string; readonly type: string; readonly param: string | null; readonly code: string | null };
}

export interface OpenAiError {
  readonly status: number;
  readonly body: OpenAiErrorBody;
}

function openAiError(status: number, type: string, code: string, message: string, param: string | null = null): OpenAiError {
  return { status, body: { error: { message, type, param, code } } };
}

/** "1 January 2027 at 00:00 UTC": budgets run by UTC months, so the reset is said in UTC, named. */
function utcDayAndTime(iso: string): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  const day = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric' }).format(ms);
  const time = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms);
  return `${day} at ${time} UTC`;
}

/** OpenAI's own first sentence, word for word: clients match on it. */
export const INSUFFICIENT_QUOTA_MESSAGE = 'You exceeded your current quota, please check your plan and billing details.';

/** Where this deployment's billing page is (`<origin>/billing`), else the path alone. */
export function billingPageUrl(origin: string | null): string {
  return `${origin ?? ''}/billing`;
}

/** How a key is shown wherever Cardlane shows one (key lists, refusals): its prefix and last four, never more. */
export function redactedApiKey(key: string): string {
  if (key.startsWith(API_KEY_PREFIX) && key.length > API_KEY_PREFIX.length + 4) return `${API_KEY_PREFIX}…${key.slice(-4)}`;
  return key.length > 8 ? `${key.slice(0, 3)}…${key.slice(-4)}` : '…';
}

export const openAiErrors = {
  /** `billingPage`: this deployment's billing page (billingPageUrl), where credits are bought and auto-recharge turned on. */
  insufficientQuota: (billingPage = billingPageUrl(null)) =>
    openAiError(
      429,
      'insufficient_quota',
      'insufficient_quota',
      `${INSUFFICIENT_QUOTA_MESSAGE} Add credits or turn on auto-recharge on your organization's billing page: ${billingPage}`,
    ),
  /** The organization's own monthly budget with its hard limit on (OpenAI's `billing_hard_limit_reached`), not an empty balance. */
  budgetExceeded: (budget: string, resetsAtIso: string) =>
    openAiError(
      429,
      'insufficient_quota',
      'billing_hard_limit_reached',
      `Your organization reached its monthly budget of ${budget}, and its hard limit refuses usage past it. It resets on ${utcDayAndTime(resetsAtIso)}; an owner can raise the budget or turn the hard limit off on the billing page.`,
    ),
  invalidApiKey: (key: string | null) =>
    openAiError(
      401,
      'invalid_request_error',
      'invalid_api_key',
      key === null
        ? "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
        : // Only the last four characters, as OpenAI does: never echo a secret.
          `Incorrect API key provided: ${redactedApiKey(key)}. You can find your API key in your organization's settings.`,
    ),
  modelNotFound: (model: string) =>
    openAiError(404, 'invalid_request_error', 'model_not_found', `The model \`${model.slice(0, 100)}\` does not exist or you do not have access to it.`, 'model'),
  invalidRequest: (message: string, param: string | null, code: string) => openAiError(400, 'invalid_request_error', code, message, param),
  conflict: (message: string) => openAiError(409, 'invalid_request_error', 'conflict', message),
  notFound: (method: string, url: string) => openAiError(404, 'invalid_request_error', 'unknown_url', `Unrecognized request URL (${method} ${url.split('?')[0]}).`),
  server: () => openAiError(500, 'server_error', 'server_error', 'The server had an error while processing your request. Sorry about that!'),
  /**
   * A request Fastify refused before a route saw it (bad JSON, a body too
   * large, a schema's refusal) or the platform's strict-parameter check (an
   * AppError: its own code and param), with the platform's stable code —
   * never Fastify's `FST_…` and never null.
   */
  framework: (error: { readonly statusCode?: number; readonly status?: number; readonly code?: unknown; readonly param?: unknown; readonly message: string }): OpenAiError => {
    const platform = error.statusCode === undefined && typeof error.status === 'number';
    const status = error.statusCode ?? error.status ?? 400;
    if (platform) {
      const code = typeof error.code === 'string' ? error.code : 'request_invalid';
      return openAiError(status, 'invalid_request_error', code, error.message, typeof error.param === 'string' ? error.param : null);
    }
    const mapped = toHttpError(error).body.error;
    // Fastify's message names what was wrong with the body; the code is the platform's.
    return openAiError(status, 'invalid_request_error', mapped.code, mapped.param === undefined ? error.message : mapped.message, mapped.param ?? null);
  },
} as const;
