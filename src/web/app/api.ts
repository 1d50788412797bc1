import type { Lang } from './i18n.ts';

/**
 * The issuer's and the doctor's HTTP APIs, same origin.
 *
 * The session token lives in this module's memory only — never in
 * localStorage, sessionStorage or a cookie — and is sent as
 * `Authorization: Bearer`. No other site can make the browser send it, so
 * there is nothing to forge (no CSRF); closing or reloading the tab ends it.
 */

let token: string | null = null;
let lang: Lang = 'zh-CN';
let onSignedOut: (() => void) | null = null;

export function setToken(value: string | null): void {
  token = value;
}
export function hasToken(): boolean {
  return token !== null;
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
  ) {
    super(message);
  }
}

// A request that hangs must end: the screen then says so and can be retried.
const TIMEOUT_MS = 20_000;

export interface CallOptions {
  readonly body?: unknown;
  readonly idempotencyKey?: string;
  readonly signal?: AbortSignal;
}

export async function call<T>(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', path: string, options: CallOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', 'accept-language': lang };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;
  const timeout = AbortSignal.timeout(TIMEOUT_MS);
  const signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: options.body === undefined ? null : JSON.stringify(options.body),
      signal,
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new ApiError(0, 'network_error', (error as Error).message, null);
  }
  const text = await response.text();
  const json = text === '' ? null : (JSON.parse(text) as unknown);
  if (!response.ok) {
    const error = (json as { error?: { code?: string; message?: string; param?: string } } | null)?.error;
    if (response.status === 401 && token !== null) {
      token = null;
      onSignedOut?.();
    }
    throw new ApiError(response.status, error?.code ?? `http_${response.status}`, error?.message ?? response.statusText, error?.param ?? null);
  }
  return json as T;
}

/** A fresh idempotency key for one action a person takes (a retry of that action reuses it). */
export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}
