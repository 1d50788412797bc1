import { errorOf, sendJson } from '../shared/http.ts';
import type { Lang } from './i18n.ts';

/**
 * The issuer's and the doctor's HTTP APIs, same origin.
 *
 * The session is an HttpOnly, SameSite=Strict cookie (`cardlane_cardholder`,
 * `__Host-cardlane_cardholder` over HTTPS: nothing here names it) the page
 * never sees: no script, ours or an injected one, can read the
 * credential, and a reload keeps the person signed in. What this module
 * keeps, in memory only (never localStorage or sessionStorage), is the
 * session's anti-CSRF token, sent as X-CSRF-Token with every change; on a
 * load the app asks the server for it (GET /issuer/v1/browser-session).
 */

let csrfToken: string | null = null;
let lang: Lang = 'zh-CN';
let onSignedOut: (() => void) | null = null;

/** The signed-in session's anti-CSRF token (from the sign-in or the session endpoint); null when signed out. */
export function setSession(csrf: string | null): void {
  csrfToken = csrf;
}
export function hasSession(): boolean {
  return csrfToken !== null;
}
export function setApiLanguage(value: Lang): void {
  lang = value;
}
/** Called when the API says the session is over (expired, idle, signed out elsewhere). */
export function whenSignedOut(handler: () => void): void {
  onSignedOut = handler;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly param: string | null,
    /** From the answer's Retry-After header: when to try again, in seconds; null when the API said nothing. */
    readonly retryAfterS: number | null = null,
  ) {
    super(message);
  }
}

export interface CallOptions {
  readonly body?: unknown;
  readonly idempotencyKey?: string;
  readonly signal?: AbortSignal;
}

/** Calls the issuer's or the doctor's API; a refusal or a network failure throws an ApiError (status 0 for the network). */
export async function call<T>(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, options: CallOptions = {}): Promise<T> {
  const headers: Record<string, string> = { 'accept-language': lang };
  if (method !== 'GET' && csrfToken !== null) headers['x-csrf-token'] = csrfToken;
  if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;
  const answer = await sendJson(path, { method, headers, body: options.body, credentials: 'same-origin', ...(options.signal === undefined ? {} : { signal: options.signal }) });
  if (answer.status === 0) throw new ApiError(0, 'network_error', 'network error', null);
  if (!answer.ok) {
    const error = errorOf(answer);
    if (answer.status === 401 && csrfToken !== null) {
      csrfToken = null;
      onSignedOut?.();
    }
    throw new ApiError(answer.status, error?.code ?? `http_${answer.status}`, error?.message ?? `HTTP ${answer.status}`, error?.param ?? null, answer.retryAfterS);
  }
  return answer.json as T;
}

/** A fresh idempotency key for one action a person takes (a retry of that action reuses it). */
export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}
