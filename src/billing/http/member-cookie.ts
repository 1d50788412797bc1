import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../platform/clock.ts';
import type { Sql } from '../../platform/db/database.ts';
import { clearSessionCookie, cookieRequestRefusal, isCrossSite, noStore, readSessionCookie, setSessionCookie } from '../../platform/http/session-cookie.ts';
import { authenticateMemberSession, type MemberSession } from '../members/member-sessions.ts';

/**
 * The billing page's session cookie (`/billing`): a member's session token
 * (`sess-cl-…`), the same kind `Authorization: Bearer` takes, but one no
 * script of the page is ever told — an injected script on /billing can use
 * the session while the page is open, never carry it away. Named apart from
 * the cardholder app's (`cardlane_cardholder`) and the operator console's
 * (`cardlane_operator`): the three pages share an origin, and one browser
 * may hold all three.
 */
export const BILLING_SESSION_COOKIE = 'cardlane_billing';

export type CookieSession =
  | { readonly ok: true; readonly session: MemberSession; readonly token: string }
  | { readonly ok: false; readonly code: 'authentication_required' | 'csrf_token_invalid' | 'session_cookie_ambiguous'; readonly message: string };

/**
 * The member's session a request carries in the billing page's cookie,
 * checked; undefined when it carries none (then Authorization decides).
 * A program's credential always wins (as for the cardholder app): with an
 * Authorization header the cookie is not read, so a bearer token or API key
 * is judged on its own, never rescued or overridden by a cookie the same
 * client holds.
 *
 * A browser sends the cookie on its own, so: any request the browser marks
 * as from another site is refused, reads too — SameSite=Strict keeps the
 * cookie off a cross-site request, but a sibling subdomain is `same-site`
 * and would get it — and a change needs the session's X-CSRF-Token. A
 * sibling subdomain can also toss in a cookie of the same name: the cookie
 * twice is refused (`session_cookie_ambiguous`, the cookie cleared), and over
 * HTTPS only `__Host-cardlane_billing` is read (session-cookie.ts). The
 * answer is never stored by a cache (a cookie, unlike Authorization, does
 * not stop a shared cache from keeping it).
 */
export async function billingCookieSession(sql: Sql, clock: Clock, request: FastifyRequest, reply: FastifyReply): Promise<CookieSession | undefined> {
  if (request.headers.authorization !== undefined) return undefined;
  const cookie = readSessionCookie(request, reply, BILLING_SESSION_COOKIE);
  if (cookie.kind === 'absent') return undefined;
  noStore(reply);
  if (cookie.kind === 'ambiguous') {
    return { ok: false, code: 'session_cookie_ambiguous', message: 'The browser sent the billing page’s session cookie twice (another site may have set one); both were cleared: sign in again.' };
  }
  const token = cookie.token;
  const session = await authenticateMemberSession(sql, token, clock.nowMs());
  if (session === undefined) return { ok: false, code: 'authentication_required', message: 'The billing session has expired or was signed out; sign in again.' };
  const refusal = isCrossSite(request.headers['sec-fetch-site']) ? 'cross_site' : cookieRequestRefusal(request, token);
  if (refusal === 'cross_site') return { ok: false, code: 'csrf_token_invalid', message: 'A request from another site cannot use the billing page’s session.' };
  if (refusal === 'csrf_token_invalid') return { ok: false, code: 'csrf_token_invalid', message: 'A change made with the billing page’s session needs its X-CSRF-Token header.' };
  return { ok: true, session, token };
}

/** Puts a new session (a sign-in's, a switch's) into the cookie, replacing any there; kept by the browser no longer than the session lives. */
export function setBillingSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string, expiresAtMs: number, nowMs: number): void {
  setSessionCookie(request, reply, BILLING_SESSION_COOKIE, token, expiresAtMs - nowMs);
}

/** Removes the cookie `setBillingSessionCookie` set: the same name and attributes (session-cookie.ts). */
export function clearBillingSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  clearSessionCookie(request, reply, BILLING_SESSION_COOKIE);
}
