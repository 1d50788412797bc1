import { errorOf, sendJson, type ApiErrorBody } from '../shared/http.ts';

/**
 * The operator routes this console calls (same origin only: the CSP says
 * so). The session is an HttpOnly cookie the page never sees; what the page
 * keeps, in memory only, is the session's anti-CSRF token, sent with every
 * change. A reload asks the server for it again (GET /issuer/v1/operator/session).
 */

export type ApiAnswer<T> =
  | { readonly ok: true; readonly status: number; readonly body: T }
  | { readonly ok: false; readonly status: number; readonly error: ApiErrorBody | null };

let csrfToken: string | null = null;
let sessionEnded: () => void = () => undefined;

export function useCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** What to do when a call says the session is gone (401 while signed in). */
export function onSessionEnded(handler: () => void): void {
  sessionEnded = handler;
}

export async function api<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<ApiAnswer<T>> {
  const headers: Record<string, string> = method !== 'GET' && csrfToken !== null ? { 'x-csrf-token': csrfToken } : {};
  const answer = await sendJson(path, { method, body, headers, credentials: 'same-origin' });
  if (answer.status === 401 && csrfToken !== null) {
    csrfToken = null;
    sessionEnded();
  }
  if (answer.ok) return { ok: true, status: answer.status, body: answer.json as T };
  return { ok: false, status: answer.status, error: errorOf(answer) };
}

export const ISSUER = '/issuer/v1';
