import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Database, Tx } from '../../platform/db/database.ts';
import { hashRequest, idempotent, validateIdempotencyKey, type IdempotentResponse } from '../../platform/idempotency.ts';

export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** For route schemas: the optional header, documented once. */
export const idempotencyHeaderSchema = {
  type: 'object',
  properties: {
    'idempotency-key': {
      type: 'string',
      maxLength: 255,
      description: 'Makes a retry safe: the same key with the same request returns the first answer without doing it again.',
    },
  },
} as const;

/**
 * Runs a mutating route's `effect` in one transaction. With an
 * `Idempotency-Key` header the key, the request's hash and the response are
 * saved in that same transaction, and a replay answers the saved response
 * (with `Idempotent-Replayed: true`, as Stripe does). `scope` keeps keys of
 * different callers apart: a cardholder id, an operator key id, or the
 * client address for public routes. Without the header the effect simply runs.
 */
export async function runMutation<B>(
  db: Database,
  request: FastifyRequest,
  reply: FastifyReply,
  scope: string,
  nowMs: number,
  effect: (tx: Tx) => Promise<IdempotentResponse<B>>,
): Promise<B> {
  const key = request.headers[IDEMPOTENCY_HEADER];
  if (key === undefined) {
    const response = await db.transaction(effect);
    reply.status(response.status);
    return response.body;
  }
  validateIdempotencyKey(key);
  const requestHash = hashRequest({ method: request.method, path: request.url, params: request.body ?? null });
  const result = await db.transaction((tx) => idempotent(tx, { scope, key, requestHash, nowMs }, () => effect(tx)));
  if (result.replayed) reply.header('idempotent-replayed', 'true');
  reply.status(result.status);
  return result.body;
}
