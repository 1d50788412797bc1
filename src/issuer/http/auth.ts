import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../platform/clock.ts';
import type { Sql } from '../../platform/db/database.ts';
import { bearerToken } from '../../platform/identity/authorization-header.ts';
import { CARDHOLDER_SESSION_COOKIE, cookieRequestRefusal, noStore, readSessionCookie } from '../../platform/http/session-cookie.ts';
import { IssuerError } from '../errors.ts';
import { authenticateSession } from '../identity/sessions.ts';

import { requireOperator as requireOperatorKey } from '../../platform/identity/operator-auth.ts';
import { installOperatorKeys } from '../identity/operator-keys.ts';
import { operatorSessions } from '../operations/operator-sessions.ts';

export { OPERATOR_SECURITY, operatorKeyIdOf } from '../../platform/identity/operator-auth.ts';

/** A preHandler for the issuer's operator routes: a live operator key of this Cardlane, or the operator console's session made with one. */
export function requireOperator(sql: Sql, clock: Clock): PreHandler {
  return requireOperatorKey(sql, installOperatorKeys, { store: operatorSessions, clock });
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `requireCardholder`: the signed-in cardholder. */
    cardholderId?: string;
    /** Set by `requireCardholder`: the session the request was made with (what signing out ends). */
    cardholderSessionId?: string;
    /** Set by `requireCardholder` when the session came in the app's cookie rather than `Authorization: Bearer`. */
    cardholderSessionFromCookie?: boolean;
  }
}

type PreHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/**
 * A preHandler for cardholder routes: a live session token, else 401
 * `authentication_required`. Routes then read `cardholderIdOf(request)` and
 * must answer 404 for anything not theirs.
 *
 * The token comes in `Authorization: Bearer` (the CLI, scripts), or — for a
 * request without that header — in the cardholder app's HttpOnly cookie
 * (cardholder-browser-session-endpoints.ts). A browser sends a cookie on its
 * own, so a state-changing request made with it must also carry the
 * session's X-CSRF-Token, and one the browser marks cross-site is refused
 * (403 `csrf_token_invalid`), as for the operator console. A request with
 * the cookie twice (one tossed by another site) is refused outright (401
 * `session_cookie_ambiguous`, the cookie cleared: session-cookie.ts).
 */
export function requireCardholder(sql: Sql, clock: Clock): PreHandler {
  return async (request, reply) => {
    if (request.headers.authorization === undefined) {
      const cookie = readSessionCookie(request, reply, CARDHOLDER_SESSION_COOKIE);
      if (cookie.kind === 'ambiguous') throw new IssuerError('session_cookie_ambiguous');
      if (cookie.kind === 'one') return checkCookieSession(sql, clock, request, reply, cookie.token);
    }
    const token = bearerToken(request.headers.authorization);
    if (token === undefined) {
      throw new IssuerError('authentication_required', 'Sign in first, then send Authorization: Bearer <session token>.');
    }
    const session = await authenticateSession(sql, token, clock.nowMs());
    if (session === undefined) {
      throw new IssuerError('authentication_required', 'The session token is not valid or has expired; sign in again.');
    }
    request.cardholderId = session.cardholderId;
    request.cardholderSessionId = session.sessionId;
  };
}

async function checkCookieSession(sql: Sql, clock: Clock, request: FastifyRequest, reply: FastifyReply, token: string): Promise<void> {
  noStore(reply);
  const session = await authenticateSession(sql, token, clock.nowMs());
  if (session === undefined) throw new IssuerError('authentication_required', 'The session has ended; sign in again with an SMS code.');
  const refusal = cookieRequestRefusal(request, token);
  if (refusal === 'cross_site') throw new IssuerError('csrf_token_invalid', 'A request from another site cannot use the app’s session.');
  if (refusal === 'csrf_token_invalid') throw new IssuerError('csrf_token_invalid', 'A change made with the app’s session needs its X-CSRF-Token header.');
  request.cardholderId = session.cardholderId;
  request.cardholderSessionId = session.sessionId;
  request.cardholderSessionFromCookie = true;
}

export function cardholderIdOf(request: FastifyRequest): string {
  if (request.cardholderId === undefined) throw new Error('route has no requireCardholder preHandler');
  return request.cardholderId;
}

export function cardholderSessionIdOf(request: FastifyRequest): string {
  if (request.cardholderSessionId === undefined) throw new Error('route has no requireCardholder preHandler');
  return request.cardholderSessionId;
}

/** OpenAPI security requirement names, declared in platform/http/openapi.ts: a bearer token, or the app's cookie. */
export const CARDHOLDER_SECURITY: Array<Record<string, string[]>> = [{ cardholderSession: [] }, { cardholderAppSession: [] }];
