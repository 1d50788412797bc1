import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * What every browser session of Cardlane shares (the operator console's, the
 * cardholder app's): the Set-Cookie headers — HttpOnly so no script, ours or
 * an injected one, can read the credential, SameSite=Strict so no other site
 * can make the browser send it, for the whole origin, Secure whenever the
 * browser came over HTTPS — and the checks that keep another site from using
 * a cookie the browser sends on its own: a sign-in only as JSON from the same
 * site, and a change only with the session's X-CSRF-Token, a value derived
 * from the session token that only the page itself is told (in the sign-in
 * answer and at the session's `GET`, which no other origin can read).
 */

export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

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
function isJsonRequest(request: FastifyRequest): boolean {
  return /^application\/json\b/i.test(String(request.headers['content-type'] ?? ''));
}

/** The value of cookie `name` in a Cookie header, or undefined (the first when a name repeats). */
export function cookieValue(header: string | string[] | undefined, name: string): string | undefined {
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';').slice(0, 50)) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/** The anti-CSRF token of a session: a hash of its token, so nothing more is stored and it cannot be turned back into the token. */
export function csrfTokenOf(sessionToken: string): string {
  return createHash('sha256').update(`cardlane csrf\0${sessionToken}`, 'utf8').digest('base64url');
}

/** Whether `sent` (the request's X-CSRF-Token) is the session's, compared in constant time. */
export function csrfTokenMatches(sessionToken: string, sent: string | string[] | undefined): boolean {
  if (typeof sent !== 'string') return false;
  const expected = Buffer.from(csrfTokenOf(sessionToken));
  const given = Buffer.from(sent);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** A browser's own word that a request comes from another site (`Sec-Fetch-Site`); absent (curl, old browsers): not cross-site. */
export function isCrossSite(secFetchSite: string | string[] | undefined): boolean {
  return typeof secFetchSite === 'string' && secFetchSite !== 'same-origin' && secFetchSite !== 'none';
}

/**
 * Why a sign-in that sets a session cookie is refused, or null: it must be
 * JSON (a form from another site cannot send JSON without the browser asking
 * first, so it cannot sign a victim into an account of its own choosing) and
 * not marked cross-site by the browser.
 */
export function signInRefusal(request: FastifyRequest): 'not_json' | 'cross_site' | null {
  if (!isJsonRequest(request)) return 'not_json';
  if (isCrossSite(request.headers['sec-fetch-site'])) return 'cross_site';
  return null;
}

/** Why a request authenticated by the session cookie whose token is `token` is refused, or null: a change needs the session's X-CSRF-Token and must not come from another site. */
export function cookieRequestRefusal(request: FastifyRequest, token: string): 'cross_site' | 'csrf_token_invalid' | null {
  if (SAFE_METHODS.has(request.method)) return null;
  if (isCrossSite(request.headers['sec-fetch-site'])) return 'cross_site';
  if (!csrfTokenMatches(token, request.headers[CSRF_HEADER])) return 'csrf_token_invalid';
  return null;
}

/** A session's answers (and whatever a cookie authenticated) are never kept by a browser's or a shared cache: a cookie, unlike Authorization, does not stop a shared cache from storing them. */
export function noStore(reply: FastifyReply): void {
  reply.header('cache-control', 'no-store');
}
