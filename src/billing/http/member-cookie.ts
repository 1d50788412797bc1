import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../platform/clock.ts';
import type { Sql } from '../../platform/db/database.ts';
import {
  clearedSessionCookieHeader,
  cookieRequestRefusal,
  cookieValue,
  isCrossSite,
  noStore,
  secureRequest,
  sessionCookieHeader,
} from '../../platform/http/session-cookie.ts';
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

/**
 * The token in the billing page's cookie, for a request without an
 * Authorization header; undefined otherwise. A program's credential always
 * wins (as for the cardholder app): a bearer token or API key is judged on
 * its own, never rescued or overridden by a cookie the same client holds.
 */
export function billingCookieToken(request: FastifyRequest): string | undefined {
  if (request.headers.authorization !== undefined) return undefined;
  return cookieValue(request.headers.cookie, BILLING_SESSION_COOKIE);
}

export type CookieSession =
  | { readonly ok: true; readonly session: MemberSession; readonly token: string }
  | { readonly ok: false; readonly code: 'authentication_required' | 'csrf_token_invalid'; readonly message: string };

/**
 * The member's session a request carries in the billing page's cookie,
 * checked; undefined when it carries none (then Authorization decides).
 * A browser sends the cookie on its own, so: any request the browser marks
 * as from another site is refused, reads too — SameSite=Strict keeps the
 * cookie off a cross-site request, but a sibling subdomain is `same-site`
 * and would get it — and a change needs the session's X-CSRF-Token. The
 * answer is never stored by a cache (a cookie, unlike Authorization, does
 * not stop a shared cache from keeping it).
 */
export async function billingCookieSession(sql: Sql, clock: Clock, request: FastifyRequest, reply: FastifyReply): Promise<CookieSession | undefined> {
  const token = billingCookieToken(request);
  if (token === undefined) return undefined;
  noStore(reply);
  const session = await authenticateMemberSession(sql, token, clock.nowMs());
  if (session === undefined) return { ok: false, code: 'authentication_required', message: 'The billing session has expired or was signed out; sign in again.' };
  const refusal = isCrossSite(request.headers['sec-fetch-site']) ? 'cross_site' : cookieRequestRefusal(request, token);
  if (refusal === 'cross_site') return { ok: false, code: 'csrf_token_invalid', message: 'A request from another site cannot use the billing page’s session.' };
  if (refusal === 'csrf_token_invalid') return { ok: false, code: 'csrf_token_invalid', message: 'A change made with the billing page’s session needs its X-CSRF-Token header.' };
  return { ok: true, session, token };
}

/** Puts a new session (a sign-in's, a switch's) into the cookie, replacing any there; kept by the browser no longer than the session lives. */
export function setBillingSessionCookie(request: FastifyRequest, reply: FastifyReply, token: string, expiresAtMs: number, nowMs: number): void {
  reply.header('set-cookie', sessionCookieHeader(BILLING_SESSION_COOKIE, token, expiresAtMs - nowMs, secureRequest(request)));
}

export function clearBillingSessionCookie(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('set-cookie', clearedSessionCookieHeader(BILLING_SESSION_COOKIE, secureRequest(request)));
}
