import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * What every browser session of Cardlane shares (the operator console's, the
 * cardholder app's, the billing page's): the Set-Cookie headers — HttpOnly so
 * no script, ours or an injected one, can read the credential, SameSite=Strict
 * so no other site can make the browser send it, for the whole origin, Secure
 * whenever the browser came over HTTPS — and the checks that keep another site
 * from using a cookie the browser sends on its own: a sign-in only as JSON from
 * the same site, and a change only with the session's X-CSRF-Token, a value
 * derived from the session token that only the page itself is told (in the
 * sign-in answer and at the session's `GET`, which no other origin can read).
 *
 * And the defence against cookie tossing: a page on a sibling subdomain
 * (evil.example.com beside billing.example.com) may set a cookie of the same
 * name for the parent domain and a longer path, which the browser then sends
 * before the page's own — a server that took the first would run the victim's
 * page in the attacker's session. So a session cookie is set, cleared and read
 * only here (`setSessionCookie`, `clearSessionCookie`, `readSessionCookie`):
 * over HTTPS it is named `__Host-<name>` (RFC 6265bis: a browser takes such a
 * cookie only Secure, with Path=/ and no Domain, from the host itself, so no
 * other host can set or shadow it) and only that name is read; a request that
 * carries the name more than once is refused (see `readSessionCookie`).
 */

export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The cardholder app's session cookie (`/app`): a cardholder session token of the issuer's, the same kind the
 * API's `Authorization: Bearer` takes, but one no script of the page is ever told. Named apart from the operator
 * console's (`cardlane_operator`): the two pages share an origin, and one browser may hold both.
 */
export const CARDHOLDER_SESSION_COOKIE = 'cardlane_cardholder';

/** The prefix of a session cookie's name over HTTPS: a browser takes it only Secure, with Path=/ and no Domain, from this host. */
const HOST_PREFIX = '__Host-';

/**
 * The name session cookie `name` goes by on this request: `__Host-<name>` over
 * HTTPS, the plain name over plain HTTP (local development, `cardlane up` on
 * 127.0.0.1), where a browser would refuse a `__Host-` cookie, which must be
 * Secure. One rule for setting, clearing and reading, so they never disagree.
 */
export function sessionCookieName(request: FastifyRequest, name: string): string {
  return secureRequest(request) ? `${HOST_PREFIX}${name}` : name;
}

/** The one Set-Cookie of a session cookie: every attribute but the value, the lifetime and the scope is fixed here. */
function setCookieHeader(cookieName: string, value: string, maxAgeS: number, secure: boolean, scope: { readonly domain?: string; readonly path: string } = { path: '/' }): string {
  const domain = scope.domain === undefined ? '' : `; Domain=${scope.domain}`;
  return `${cookieName}=${value}${domain}; Path=${scope.path}; Max-Age=${maxAgeS}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

/** Puts a new session into cookie `name` (replacing the one there), kept by the browser `maxAgeMs` at most (the server decides before that). */
export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, name: string, token: string, maxAgeMs: number): void {
  const maxAgeS = Math.max(0, Math.floor(maxAgeMs / 1000));
  reply.header('set-cookie', setCookieHeader(sessionCookieName(request, name), token, maxAgeS, secureRequest(request)));
}

/** Removes session cookie `name` (the one `setSessionCookie` sets on this kind of request). */
export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply, name: string): void {
  reply.header('set-cookie', setCookieHeader(sessionCookieName(request, name), '', 0, secureRequest(request)));
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

/**
 * Every value of cookie `name` in a Cookie header, in the order sent. The
 * whole header is read, not its first few cookies: a tossing page could
 * otherwise push the page's own cookie out of sight behind cookies of its
 * own. Node bounds the header's size (16 KiB), so this is bounded too.
 */
function cookieValues(header: string | string[] | undefined, name: string): string[] {
  const text = Array.isArray(header) ? header.join('; ') : header;
  if (typeof text !== 'string') return [];
  const values: string[] = [];
  for (const part of text.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) values.push(part.slice(at + 1).trim());
  }
  return values;
}

/** What a request carries in a session cookie's name: nothing, one token, or the name more than once. */
export type SessionCookie = { readonly kind: 'absent' } | { readonly kind: 'one'; readonly token: string } | { readonly kind: 'ambiguous' };

/**
 * Session cookie `name` of a request: under the name `sessionCookieName`
 * gives (over HTTPS a plain-named cookie is ignored, as if absent).
 *
 * The name more than once is `ambiguous`, and the caller refuses the request
 * with 401 `session_cookie_ambiguous` before anything is read or changed. It
 * is most likely a tossed cookie beside the page's own (over HTTP, or in a
 * browser without cookie prefixes), and the server cannot tell which is
 * which: taking either could run the victim's page in the attacker's session.
 * 401, not 400, because every page already takes a 401 as "signed out" and
 * shows its sign-in. The answer clears the cookie here — the page's own, and
 * every copy the server can name: a tossed cookie was sent with this request,
 * so its path is a prefix of this request's path and its domain is this
 * host or a parent of it. Clearing only the page's own would leave the
 * tossed one alone in the jar, the very session the refusal kept out; with
 * both gone, the person signs in again and holds one cookie.
 */
export function readSessionCookie(request: FastifyRequest, reply: FastifyReply, name: string): SessionCookie {
  const cookieName = sessionCookieName(request, name);
  const values = cookieValues(request.headers.cookie, cookieName);
  if (values.length === 0) return { kind: 'absent' };
  if (values.length === 1) return { kind: 'one', token: values[0]! };
  noStore(reply);
  const secure = secureRequest(request);
  for (const domain of [undefined, ...parentDomains(request)]) {
    for (const path of ['/', ...pathPrefixes(request.url)]) reply.header('set-cookie', setCookieHeader(cookieName, '', 0, secure, domain === undefined ? { path } : { domain, path }));
  }
  return { kind: 'ambiguous' };
}

/** At most this many of a path's segments and a host's parent domains are cleared: a tossed cookie's are few, and the answer stays small. */
const MAX_SCOPES = 6;

/** The paths a cookie sent with a request to `url` may have besides `/`: each leading run of its segments, with and without a final slash. */
function pathPrefixes(url: string): string[] {
  const path = url.split('?')[0]!;
  // Only what a Set-Cookie's Path can carry as it is (no `;`, `,`, space or control character).
  if (!/^\/[\x21-\x7e]*$/.test(path) || /[;,]/.test(path)) return [];
  const segments = path.split('/').slice(1);
  const prefixes: string[] = [];
  for (let i = 1; i <= Math.min(segments.length, MAX_SCOPES); i++) {
    if (segments[i - 1] === '') continue;
    const prefix = `/${segments.slice(0, i).join('/')}`;
    // `/billing/` matches a request under it, not `/billing` itself.
    prefixes.push(...(i < segments.length ? [prefix, `${prefix}/`] : [prefix]));
  }
  return prefixes;
}

/**
 * The domains a cookie sent to this host may have been set for: the host and
 * its parents of two labels or more (`billing.example.com`, `example.com`);
 * none for an IP address or a one-label name (`localhost`), which only the
 * host itself can set. The host the browser asked for: a proxy's
 * X-Forwarded-Host, else Host. Trusting either is safe whoever sends it: it
 * can only clear more copies of this cookie in the browser that sent it.
 */
function parentDomains(request: FastifyRequest): string[] {
  const first = (header: string | string[] | undefined) => String(Array.isArray(header) ? header[0] : (header ?? '')).split(',')[0]!.trim();
  const host = (first(request.headers['x-forwarded-host']) || first(request.headers.host)).toLowerCase().replace(/:\d+$/, '');
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(host) || /^[0-9.]+$/.test(host)) return [];
  const labels = host.split('.');
  // The broadest ones when a name is very long: a sibling subdomain tosses for the parent they share.
  return labels.slice(0, -1).map((_, i) => labels.slice(i).join('.')).slice(-MAX_SCOPES);
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
