import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Sql } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { bearerToken } from './authorization-header.ts';
import { OPERATOR_KEY_PREFIX, type OperatorKeyStore } from './operator-keys.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `requireOperator`: the operator key used. */
    operatorKeyId?: string;
  }
}

/** The OpenAPI security requirement of operator routes; the `operatorKey` scheme is declared where the routes are documented. */
export const OPERATOR_SECURITY = [{ operatorKey: [] }];

/** A preHandler for operator routes: a live operator key (`op_…`), else 401 `authentication_required`. */
export function requireOperator(sql: Sql, keys: OperatorKeyStore): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (request) => {
    const token = bearerToken(request.headers.authorization);
    if (token === undefined || !token.startsWith(OPERATOR_KEY_PREFIX)) {
      throw new AppError('authentication_required', 'This needs an operator key: Authorization: Bearer op_….');
    }
    const keyId = await keys.verify(sql, token);
    if (keyId === undefined) throw new AppError('authentication_required', 'The operator key is not valid or was revoked.');
    request.operatorKeyId = keyId;
  };
}

export function operatorKeyIdOf(request: FastifyRequest): string {
  if (request.operatorKeyId === undefined) throw new Error('route has no requireOperator preHandler');
  return request.operatorKeyId;
}
