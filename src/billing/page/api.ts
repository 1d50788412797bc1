import type { ErrorBody } from './api-types.ts';
import { t } from './i18n.ts';

/** Billing's API (/billing/v1), called with the member's session token. */

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
 * and a message saying so. `T` is what the endpoint answers on success (api-types.ts).
 */
export async function api<T>(method: string, path: string, body?: unknown, headers: Readonly<Record<string, string>> = {}): Promise<ApiAnswer<T>> {
  const session = sessionToken();
  let response: Response;
  try {
    response = await fetch(API + path, {
      method,
      headers: {
        ...(session ? { authorization: `Bearer ${session}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      cache: 'no-store',
    });
  } catch {
    return { status: 0, ok: false, body: { error: { message: t('networkError') } } };
  }
  const data: unknown = await response.json().catch(() => null);
  if (response.status === 401 && session) sessionEnded();
  // The answer's shape is the API's (api-types.ts); a refusal is its error object.
  return response.ok ? { status: response.status, ok: true, body: data as T } : { status: response.status, ok: false, body: data as ErrorBody | null };
}
