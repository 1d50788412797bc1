import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Sql } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { bearerToken } from './authorization-header.ts';
import type { Clock } from '../clock.ts';
import { OPERATOR_KEY_PREFIX, type OperatorKeyStore } from './operator-keys.ts';
import { cookieRequestRefusal, noStore, readSessionCookie } from '../http/session-cookie.ts';
import { OPERATOR_SESSION_COOKIE, type OperatorSessionStore } from './operator-sessions.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `requireOperator`: the operator key used (directly, or by the console session made with it). */
    operatorKeyId?: string;
    /** Set by `requireOperator` when the request came with the console's session cookie rather than a key. */
    operatorSessionId?: string;
  }
}

/** The OpenAPI security requirement of operator routes; the `operatorKey` scheme is declared where the routes are documented. */
export const OPERATOR_SECURITY = [{ operatorKey: [] }];

/** Where console sessions are kept, for routes that accept them besides keys (operator-sessions.ts). */
export interface OperatorSessions {
  readonly store: OperatorSessionStore;
  readonly clock: Clock;
}

/**
 * A preHandler for operator routes: a live operator key (`op_…`), else 401
 * `authentication_required`. With `sessions`, a request without an
 * Authorization header may instead carry the operator console's session
 * cookie; a state-changing one then needs the session's X-CSRF-Token (403
 * `csrf_token_invalid`), and one a browser marks cross-site is refused; one
 * with the cookie twice (one tossed by another site) is refused outright (401
 * `session_cookie_ambiguous`, the cookie cleared: session-cookie.ts).
 */
export function requireOperator(sql: Sql, keys: OperatorKeyStore, sessions?: OperatorSessions): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (request, reply) => {
    // What an operator reads is everyone's (full phone numbers and one-time codes in the sandbox inbox, the queues'
    // cardholders, disputes' statements): never kept by a browser's or a proxy's cache — a cookie, unlike a key in
    // Authorization, does not stop a shared cache from storing the answer.
    noStore(reply);
    if (sessions !== undefined && request.headers.authorization === undefined) {
      const cookie = readSessionCookie(request, reply, OPERATOR_SESSION_COOKIE);
      if (cookie.kind === 'ambiguous') throw new AppError('session_cookie_ambiguous');
      if (cookie.kind === 'one') return checkSession(sql, sessions, request, cookie.token);
    }
    const token = bearerToken(request.headers.authorization);
    if (token === undefined || !token.startsWith(OPERATOR_KEY_PREFIX)) {
      throw new AppError('authentication_required', 'This needs an operator key: Authorization: Bearer op_….');
    }
    const keyId = await keys.verify(sql, token);
    if (keyId === undefined) throw new AppError('authentication_required', 'The operator key is not valid or was revoked.');
    request.operatorKeyId = keyId;
  };
}

async function checkSession(sql: Sql, sessions: OperatorSessions, request: FastifyRequest, token: string): Promise<void> {
  const session = await sessions.store.authenticate(sql, token, sessions.clock.nowMs());
  if (session === undefined) throw new AppError('authentication_required', 'The console session has ended; sign in again with an operator key.');
  const refusal = cookieRequestRefusal(request, token);
  if (refusal === 'cross_site') throw new AppError('csrf_token_invalid', 'A request from another site cannot use the console session.');
  if (refusal === 'csrf_token_invalid') throw new AppError('csrf_token_invalid', 'A change made with the console session needs its X-CSRF-Token header.');
  request.operatorKeyId = session.keyId;
  request.operatorSessionId = session.sessionId;
}

export function operatorKeyIdOf(request: FastifyRequest): string {
  if (request.operatorKeyId === undefined) throw new Error('route has no requireOperator preHandler');
  return request.operatorKeyId;
}
