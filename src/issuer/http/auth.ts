import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../platform/clock.ts';
import type { Sql } from '../../platform/db/database.ts';
import { bearerToken } from '../../platform/identity/authorization-header.ts';
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
  }
}

type PreHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/**
 * A preHandler for cardholder routes: a live session token, else 401
 * `authentication_required`. Routes then read `cardholderIdOf(request)` and
 * must answer 404 for anything not theirs.
 */
export function requireCardholder(sql: Sql, clock: Clock): PreHandler {
  return async (request) => {
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

export function cardholderIdOf(request: FastifyRequest): string {
  if (request.cardholderId === undefined) throw new Error('route has no requireCardholder preHandler');
  return request.cardholderId;
}

export function cardholderSessionIdOf(request: FastifyRequest): string {
  if (request.cardholderSessionId === undefined) throw new Error('route has no requireCardholder preHandler');
  return request.cardholderSessionId;
}

/** OpenAPI security requirement name, declared by `identity-routes.ts`. */
export const CARDHOLDER_SECURITY = [{ cardholderSession: [] }];
