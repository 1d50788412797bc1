import type { FastifyPluginAsync } from 'fastify';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { endpoint, registerEndpoints, type AnyEndpoint } from '../../platform/http/typed-route.ts';
import { listLots, type CreditLot } from '../credit-lots/credit-lots.ts';
import { organizationAuth, orgOf } from './billing-auth.ts';
import { amountObject } from './billing-objects.ts';

const TAG = ['billing'];
const LIST_MAX = 100;
const iso = (ms: number) => new Date(ms).toISOString();

export const creditGrantsQuery = { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: LIST_MAX } } } as const;

export function creditGrantObject(lot: CreditLot, nowMs: number) {
  const status = lot.expiredMinor > 0 && lot.remainingMinor === 0 ? 'expired' : lot.remainingMinor === 0 ? 'used' : lot.expiresAtMs !== null && lot.expiresAtMs <= nowMs ? 'expiring' : 'active';
  return {
    id: lot.id,
    object: 'billing.credit_grant',
    reason: lot.reason,
    status,
    granted: amountObject(lot.grantedMinor, lot.currency),
    remaining: amountObject(lot.remainingMinor, lot.currency),
    expired: amountObject(lot.expiredMinor, lot.currency),
    // Spent or refunded: what left the grant other than by expiring.
    used: amountObject(lot.grantedMinor - lot.remainingMinor - lot.expiredMinor, lot.currency),
    granted_at: iso(lot.grantedAtMs),
    expires_at: lot.expiresAtMs === null ? null : iso(lot.expiresAtMs),
  };
}

/** The organization's credit grants (lots): what is left of each and when it expires, newest first, mounted at `/billing/v1`. */
export function creditLotEndpoints(deps: { readonly db: Database; readonly clock: Clock }): AnyEndpoint[] {
  const { db, clock } = deps;
  return [
    endpoint({
      method: 'GET',
      url: '/credit_grants',
      auth: organizationAuth(db, clock),
      schema: { tags: TAG, summary: 'Credit grants (each purchase or recharge), what is left of each and when it expires; spent oldest expiry first', querystring: creditGrantsQuery },
      handler: async (request) => {
        const nowMs = clock.nowMs();
        const lots = await listLots(db, orgOf(request).id, request.query.limit ?? 20);
        return { object: 'list', data: lots.map((lot) => creditGrantObject(lot, nowMs)) };
      },
    }),
  ];
}

export function creditLotRoutes(deps: { readonly db: Database; readonly clock: Clock }): FastifyPluginAsync {
  return async (app) => registerEndpoints(app, creditLotEndpoints(deps));
}
