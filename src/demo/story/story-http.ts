/**
 * The story talks to Cardlane the way each party's client would: over HTTP,
 * with that party's credential. This is the one small client it uses; an
 * answer that is not 2xx is an `ApiRefusal` carrying the API's error object,
 * because several of the story's steps expect one (a declined purchase,
 * `insufficient_quota`).
 */

export interface RequestOptions {
  /** `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** Sent as JSON. */
  readonly json?: unknown;
  /** Sent form-encoded (the acquirer's Stripe API), already flattened to bracketed keys. */
  readonly form?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string | number>>;
  readonly idempotencyKey?: string;
}

export class ApiRefusal extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    /** The body's `error` object (Cardlane's, Stripe's and OpenAI's all use one). */
    readonly error: { readonly code?: string | null; readonly message?: string; readonly decline_code?: string; readonly type?: string; readonly [key: string]: unknown },
    /** From a 429's Retry-After header, in seconds. */
    readonly retryAfterS: number | null = null,
  ) {
    super(`${method} ${path} answered ${status}: ${error.message ?? '(no message)'}${error.code ? ` (${error.code})` : ''}`);
    this.name = 'ApiRefusal';
  }
}

// Bounds a hung server: every call of the story is quick (the largest is a 400 kB completion on this machine).
const CALL_TIMEOUT_MS = 30_000;

export class StoryHttp {
  constructor(readonly baseUrl: string) {}

  async call<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const url = new URL(path, this.baseUrl);
    for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, String(value));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;
    let body: string | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(options.form as Record<string, string>).toString();
    }
    const response = await fetch(url, { method, headers, ...(body === undefined ? {} : { body }), signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? {} : JSON.parse(text);
    } catch {
      parsed = { error: { message: text.slice(0, 200) } };
    }
    if (!response.ok) {
      const error = (parsed as { error?: ApiRefusal['error'] }).error ?? { message: `HTTP ${response.status}` };
      const retryAfter = Number(response.headers.get('retry-after') ?? Number.NaN);
      throw new ApiRefusal(method, url.pathname, response.status, error, Number.isFinite(retryAfter) ? retryAfter : null);
    }
    return parsed as T;
  }

  get<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.call<T>('GET', path, options);
  }

  post<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.call<T>('POST', path, options);
  }

  /** The refusal a call is expected to end with, or null when it succeeded. */
  async refusalOf(method: string, path: string, options: RequestOptions = {}): Promise<{ refusal: ApiRefusal | null; body: unknown }> {
    try {
      return { refusal: null, body: await this.call(method, path, options) };
    } catch (error) {
      if (error instanceof ApiRefusal) return { refusal: error, body: null };
      throw error;
    }
  }
}
