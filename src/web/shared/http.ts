/**
 * One HTTP call to a Cardlane API from a browser page, same origin: JSON in,
 * JSON out, never cached, never with cookies (but for the operator console, the
 * cardholder app and the billing page, whose sessions are HttpOnly cookies: `credentials: 'same-origin'`). It never throws for an HTTP
 * refusal or a network failure — both are answers (status 0 for the network),
 * so every page handles them in one place and says them in the reader's words.
 */

export interface JsonAnswer {
  readonly status: number;
  readonly ok: boolean;
  /** The parsed body; null when empty or not JSON. */
  readonly json: unknown;
  /** When a refusal may be retried, in seconds, from its Retry-After header (429s carry one); null when it says none. */
  readonly retryAfterS: number | null;
}

/** The error object every Cardlane API answers a refusal with (`{ error: { code, message, param } }`). */
export interface ApiErrorBody {
  readonly code?: string;
  readonly message?: string;
  readonly param?: string;
}

export interface JsonRequest {
  readonly method: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  readonly signal?: AbortSignal;
  /** Default `omit`; the operator console, the cardholder app and the billing page send their session cookies to this origin. */
  readonly credentials?: 'omit' | 'same-origin';
}

// A request that hangs must end: the page then says so and can be retried.
const TIMEOUT_MS = 20_000;

export async function sendJson(url: string, request: JsonRequest): Promise<JsonAnswer> {
  const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  const timeout = AbortSignal.timeout(TIMEOUT_MS);
  const signal = request.signal === undefined ? timeout : AbortSignal.any([timeout, request.signal]);
  let response: Response;
  try {
    response = await fetch(url, {
      method: request.method,
      headers,
      body: request.body === undefined ? null : JSON.stringify(request.body),
      signal,
      cache: 'no-store',
      credentials: request.credentials ?? 'omit',
    });
  } catch (error) {
    if (request.signal?.aborted) throw error;
    return { status: 0, ok: false, json: null, retryAfterS: null };
  }
  const text = await response.text().catch(() => '');
  let json: unknown = null;
  try {
    json = text === '' ? null : JSON.parse(text);
  } catch {
    // A proxy's HTML error page: no body to read, the status still says what happened.
  }
  return { status: response.status, ok: response.ok, json, retryAfterS: retryAfterSeconds(response.headers.get('retry-after')) };
}

/** Cardlane's APIs send Retry-After as whole seconds; the HTTP-date form is read as none. */
function retryAfterSeconds(header: string | null): number | null {
  return header !== null && /^\d+$/.test(header.trim()) ? Number(header.trim()) : null;
}

/** The API's error object in a refusal's body, if it has one. */
export function errorOf(answer: JsonAnswer): ApiErrorBody | null {
  const error = (answer.json as { error?: unknown } | null)?.error;
  return typeof error === 'object' && error !== null ? (error as ApiErrorBody) : null;
}
