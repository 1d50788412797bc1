import { errorOf, sendJson } from '../shared/http.ts';
import type { ErrorBody } from './types.ts';

/**
 * Billing's API (/billing/v1) — the only thing this page talks to, but for
 * the payment provider a card number is tokenized at. The member's session
 * token is kept in sessionStorage (this tab only, gone when it closes): a
 * reload keeps the member signed in; no card number is ever stored.
 */

const API = '/billing/v1';
const TOKEN_KEY = 'cardlane.billing.session';

export type ApiAnswer<T> =
  | { readonly ok: true; readonly status: number; readonly body: T }
  | { readonly ok: false; readonly status: number; readonly body: ErrorBody | null };

export function sessionToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function keepSessionToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function forgetSessionToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
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
  const session = sessionToken();
  const answer = await sendJson(API + path, { method, body, headers: { ...(session ? { authorization: `Bearer ${session}` } : {}), ...headers } });
  // Only the token still kept: a request sent with the one an organization switch just ended is not the person signing out.
  if (answer.status === 401 && session && session === sessionToken()) sessionEnded();
  if (answer.ok) return { ok: true, status: answer.status, body: answer.json as T };
  const error = errorOf(answer);
  return { ok: false, status: answer.status, body: error === null ? null : ({ error } as ErrorBody) };
}
