import { errorOf, sendJson } from '../shared/http.ts';
import type { ErrorBody } from './types.ts';

/**
 * Billing's API (/billing/v1) — the only thing this page talks to, but for
 * the payment provider a card number is tokenized at.
 *
 * The member's session is an HttpOnly, SameSite=Strict cookie
 * (`cardlane_billing`, `__Host-cardlane_billing` over HTTPS: nothing here
 * names it) the page never sees: no script, ours or an injected
 * one, can read the credential, and a reload keeps the member signed in.
 * What this module keeps, in memory only (never localStorage or
 * sessionStorage), is the session's anti-CSRF token, sent as X-CSRF-Token
 * with every change; on a load the page asks for it (GET /sessions/current).
 * No card number is ever stored.
 */

const API = '/billing/v1';

export type ApiAnswer<T> =
  | { readonly ok: true; readonly status: number; readonly body: T }
  | { readonly ok: false; readonly status: number; readonly body: ErrorBody | null };

let csrfToken: string | null = null;

/** The signed-in session's anti-CSRF token (from a sign-in, a switch or GET /sessions/current); null when signed out. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** The headers every call of the page's sends: the anti-CSRF token with a change (a read needs none). */
export function sessionHeaders(method: string): Record<string, string> {
  return method !== 'GET' && csrfToken !== null ? { 'x-csrf-token': csrfToken } : {};
}

let sessionEnded: () => void = () => undefined;

/** What to do when the API says the session is no longer valid (401 while signed in). */
export function onSessionEnded(handler: () => void): void {
  sessionEnded = handler;
}

/**
 * Calls the API. Never throws: a network failure is an answer with status 0
 * (the page says it in the reader's words). `T` is what the endpoint answers on success (types.ts).
 */
export async function api<T>(method: string, path: string, body?: unknown, headers: Readonly<Record<string, string>> = {}): Promise<ApiAnswer<T>> {
  const sentWith = csrfToken;
  const answer = await sendJson(API + path, { method, body, headers: { ...sessionHeaders(method), ...headers }, credentials: 'same-origin' });
  // Only the session still held: a call sent with the one an organization switch has since replaced is not the person signing out.
  if (answer.status === 401 && sentWith !== null && sentWith === csrfToken) {
    csrfToken = null;
    sessionEnded();
  }
  if (answer.ok) return { ok: true, status: answer.status, body: answer.json as T };
  const error = errorOf(answer);
  return { ok: false, status: answer.status, body: error === null ? null : ({ error } as ErrorBody) };
}
