import assert from 'node:assert/strict';

/**
 * The operator console's world, made over HTTP only (so it serves an
 * in-process Cardlane and a spawned `cardlane up` alike): cardholders who
 * sign up and wait for KYC, a top-up order left open, declines at the
 * demo merchant, and the console's own sign-in.
 */

export type Json = Record<string, any>;

export interface Answer {
  readonly status: number;
  readonly body: Json;
  readonly headers: Headers;
}

export async function call(baseUrl: string, method: string, path: string, options: { bearer?: string; cookie?: string; csrf?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.bearer !== undefined) headers.authorization = `Bearer ${options.bearer}`;
  if (options.cookie !== undefined) headers.cookie = options.cookie;
  if (options.csrf !== undefined) headers['x-csrf-token'] = options.csrf;
  if (options.body !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Json), headers: response.headers };
}

/** A new cardholder signed in with the code from the sandbox SMS inbox; returns their session token. */
export async function signUpCardholder(baseUrl: string, operatorKey: string, phone: string): Promise<string> {
  const sent = await call(baseUrl, 'POST', '/issuer/v1/sessions/code', { body: { phone } });
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
  const inbox = await call(baseUrl, 'GET', `/issuer/v1/operator/sms?phone=${encodeURIComponent(phone)}`, { bearer: operatorKey });
  const code = /\b(\d{6})\b/.exec(String(inbox.body.data?.[0]?.body))?.[1];
  assert.ok(code, JSON.stringify(inbox.body));
  const session = await call(baseUrl, 'POST', '/issuer/v1/sessions', { body: { phone, code } });
  assert.equal(session.status, 200, JSON.stringify(session.body));
  return session.body.token as string;
}

/** The cardholder starts the face-scan KYC: a pending verification in the operator's queue. */
export async function startKyc(baseUrl: string, token: string): Promise<string> {
  const started = await call(baseUrl, 'POST', '/issuer/v1/kyc', { bearer: token });
  assert.equal(started.status, 201, JSON.stringify(started.body));
  return started.body.id as string;
}

/** A CNY top-up order the cardholder created and has not paid (status `created`). */
export async function openTopUp(baseUrl: string, token: string, cnyMinor: number): Promise<string> {
  const quote = await call(baseUrl, 'POST', '/issuer/v1/wallet/top-up-quotes', { bearer: token, body: { cny_amount: cnyMinor } });
  assert.equal(quote.status, 201, JSON.stringify(quote.body));
  const order = await call(baseUrl, 'POST', '/issuer/v1/wallet/top-ups', { bearer: token, body: { quote_id: quote.body.id } });
  assert.equal(order.status, 200, JSON.stringify(order.body));
  return order.body.id as string;
}

/**
 * A payment at the demo merchant with one of Stripe's test payment methods
 * (`pm_card_visa`, `pm_card_chargeDeclinedInsufficientFunds`, …): a real
 * authorization through the network to the test bank. Answers the
 * payment's status, or the decline's code.
 */
export async function payAtDemoMerchant(baseUrl: string, secretKey: string, paymentMethod: string, amountMinor: number): Promise<{ readonly status: number; readonly declineCode: string | null }> {
  const form = new URLSearchParams({ amount: String(amountMinor), currency: 'usd', payment_method: paymentMethod, confirm: 'true', 'payment_method_types[0]': 'card' });
  const answer = await call(baseUrl, 'POST', '/v1/payment_intents', { bearer: secretKey, body: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  return { status: answer.status, declineCode: (answer.body.error?.decline_code as string | undefined) ?? null };
}

export interface ConsoleSession {
  /** The Cookie header to send (`cardlane_operator=ops_…`). */
  readonly cookie: string;
  readonly csrf: string;
  readonly setCookie: string;
  readonly body: Json;
}

/** Signs in to the console with an operator key, as its page does. */
export async function consoleSignIn(baseUrl: string, operatorKey: string): Promise<ConsoleSession> {
  const answer = await call(baseUrl, 'POST', '/issuer/v1/operator/session', { body: { key: operatorKey } });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  const setCookie = answer.headers.get('set-cookie') ?? '';
  const cookie = setCookie.split(';')[0]!;
  return { cookie, csrf: answer.body.csrf_token as string, setCookie, body: answer.body };
}
