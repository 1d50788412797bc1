import type { FastifyRequest } from 'fastify';

/**
 * The Set-Cookie headers of a browser session (the operator console's, the
 * cardholder app's): HttpOnly so no script — ours or an injected one — can
 * read the credential, SameSite=Strict so no other site can make the browser
 * send it, for the whole origin, and Secure whenever the browser came over
 * HTTPS.
 */

/**
 * The cardholder app's session cookie (`/app`): a cardholder session token of the issuer's, the same kind the
 * API's `Authorization: Bearer` takes, but one no script of the page is ever told. Named apart from the operator
 * console's (`cardlane_operator`): the two pages share an origin, and one browser may hold both.
 */
export const CARDHOLDER_SESSION_COOKIE = 'cardlane_cardholder';

/** Set-Cookie for a new session named `name`, kept by the browser `maxAgeMs` at most (the server decides before that). */
export function sessionCookieHeader(name: string, token: string, maxAgeMs: number, secure: boolean): string {
  return `${name}=${token}; Path=/; Max-Age=${Math.max(0, Math.floor(maxAgeMs / 1000))}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/** Set-Cookie that removes the session cookie `name`. */
export function clearedSessionCookieHeader(name: string, secure: boolean): string {
  return `${name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/**
 * Whether the browser reached this server over HTTPS. Cardlane serves plain HTTP: HTTPS ends at a proxy in front of
 * it, which says so in `X-Forwarded-Proto` (or `Forwarded: proto=`) — so `request.protocol` alone never saw it and
 * the cookie went without Secure. Trusting the header here is safe whoever sends it: it can only add Secure, and a
 * browser that was not on HTTPS then drops the cookie it asked for.
 */
export function secureRequest(request: FastifyRequest): boolean {
  if (request.protocol === 'https') return true;
  const firstValue = (header: string | string[] | undefined) => String(Array.isArray(header) ? header[0] : (header ?? '')).split(',')[0]!.trim().toLowerCase();
  if (firstValue(request.headers['x-forwarded-proto']) === 'https') return true;
  return /(?:^|;)\s*proto="?https"?\s*(?:;|$)/.test(firstValue(request.headers.forwarded));
}

/** Whether a request's body was sent as JSON: a form from another site cannot send JSON without the browser asking first (CORS). */
export function isJsonRequest(request: FastifyRequest): boolean {
  return /^application\/json\b/i.test(String(request.headers['content-type'] ?? ''));
}
