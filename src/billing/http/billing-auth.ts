import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Sql } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { organizationForApiKey, type Organization } from '../organizations.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by billing's auth hook: the organization the API key belongs to. */
    billingOrg?: Organization;
  }
}

/**
 * Billing's API is for an organization, authenticated with one of its API
 * keys (`Authorization: Bearer sk-cl-…`). Each billing route plugin adds
 * this hook to itself; routes then read `orgOf(request)` and answer 404 for
 * anything that is not the organization's.
 */
export function requireOrganization(app: FastifyInstance, sql: Sql): void {
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    const key = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
    const org = key === undefined ? null : await organizationForApiKey(sql, key);
    if (org === null) throw new AppError('authentication_required', 'Send an organization API key: Authorization: Bearer sk-cl-…');
    request.billingOrg = org;
  });
}

export function orgOf(request: FastifyRequest): Organization {
  if (request.billingOrg === undefined) throw new Error('billing route reached without an organization');
  return request.billingOrg;
}
