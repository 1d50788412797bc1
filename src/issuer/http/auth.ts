import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../platform/clock.ts';
import type { Sql } from '../../platform/db/database.ts';
import { IssuerError } from '../errors.ts';
import { OPERATOR_KEY_PREFIX, verifyOperatorKey } from '../identity/operator-keys.ts';
import { authenticateSession } from '../identity/sessions.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `requireCardholder`: the signed-in cardholder. */
    cardholderId?: string;
    /** Set by `requireOperator`: the operator key used. */
    operatorKeyId?: string;
  }
}

type PreHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/** The token of `Authorization: Bearer <token>`, or undefined. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/**
 * A preHandler for cardholder routes: a live session token, else 401
 * `authentication_required`. Routes then read `cardholderIdOf(request)` and
 * must answer 404 for anything not theirs.
 */
export function requireCardholder(sql: Sql, clock: Clock): PreHandler {
  return async (request) => {
    const token = bearerToken(request);
    if (token === undefined) {
      throw new IssuerError('authentication_required', 'Sign in first, then send Authorization: Bearer <session token>.');
    }
    const session = await authenticateSession(sql, token, clock.nowMs());
    if (session === undefined) {
      throw new IssuerError('authentication_required', 'The session token is not valid or has expired; sign in again.');
    }
    request.cardholderId = session.cardholderId;
  };
}

/** A preHandler for operator routes: a live operator key (`op_…`), else 401 `authentication_required`. */
export function requireOperator(sql: Sql): PreHandler {
  return async (request) => {
    const token = bearerToken(request);
    if (token === undefined || !token.startsWith(OPERATOR_KEY_PREFIX)) {
      throw new IssuerError('authentication_required', 'This needs an operator key: Authorization: Bearer op_….');
    }
    const keyId = await verifyOperatorKey(sql, token);
    if (keyId === undefined) throw new IssuerError('authentication_required', 'The operator key is not valid or was revoked.');
    request.operatorKeyId = keyId;
  };
}

export function cardholderIdOf(request: FastifyRequest): string {
  if (request.cardholderId === undefined) throw new Error('route has no requireCardholder preHandler');
  return request.cardholderId;
}

export function operatorKeyIdOf(request: FastifyRequest): string {
  if (request.operatorKeyId === undefined) throw new Error('route has no requireOperator preHandler');
  return request.operatorKeyId;
}

/** OpenAPI security requirement names, declared by `identity-routes.ts`. */
export const CARDHOLDER_SECURITY = [{ cardholderSession: [] }];
export const OPERATOR_SECURITY = [{ operatorKey: [] }];
