import type { FastifyRequest } from 'fastify';
import { API_KEY_PATTERN, authenticateApiKey } from '../../acquirer/merchants/merchants.ts';
import { OPERATOR_KEY_PREFIX, verifyOperatorKey } from '../../issuer/identity/operator-keys.ts';
import { authenticateSession } from '../../issuer/identity/sessions.ts';
import type { Clock } from '../../platform/clock.ts';
import type { Sql } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import type { Principal, View } from '../views.ts';

/**
 * Who is calling the doctor's API, from the one credential each party
 * already issues — so the view is a fact of the credential, not a choice:
 *
 * - a merchant's Stripe secret key (`sk_test_…`, checked as the acquirer
 *   checks it) → the merchant's view of its own payments;
 * - an issuer operator key (`op_…`) → the operator's view;
 * - a cardholder's session token (from the issuer's sign-in) → the
 *   cardholder's view of payments on their own cards.
 *
 * A `view` parameter may name the view, and must then be the credential's
 * (asking for more than the credential gives is a 403, not a downgrade).
 */
export async function principalOf(sql: Sql, clock: Clock, request: FastifyRequest, asked: View | undefined): Promise<Principal> {
  const token = credentialOf(request);
  if (token === undefined) {
    throw new AppError(
      'authentication_required',
      'Send Authorization: Bearer <key>: a merchant secret key (sk_test_…), an operator key (op_…) or a cardholder session token.',
    );
  }
  const principal = await identify(sql, clock, token);
  if (asked !== undefined && asked !== principal.view) {
    throw new AppError('permission_denied', `This credential gives the ${principal.view} view, not the ${asked} view.`, { param: 'view' });
  }
  return principal;
}

async function identify(sql: Sql, clock: Clock, token: string): Promise<Principal> {
  if (API_KEY_PATTERN.test(token)) {
    const found = await authenticateApiKey(sql, token);
    if (found === undefined) throw new AppError('authentication_required', 'The API key is not valid or was revoked.');
    if (found.kind !== 'secret') throw new AppError('permission_denied', 'A publishable key cannot read payments; use the secret key.');
    return { view: 'merchant', merchantId: found.merchant.id };
  }
  if (token.startsWith(OPERATOR_KEY_PREFIX)) {
    const keyId = await verifyOperatorKey(sql, token);
    if (keyId === undefined) throw new AppError('authentication_required', 'The operator key is not valid or was revoked.');
    return { view: 'operator' };
  }
  const session = await authenticateSession(sql, token, clock.nowMs());
  if (session === undefined) throw new AppError('authentication_required', 'The session token is not valid or has expired; sign in again.');
  return { view: 'cardholder', cardholderId: session.cardholderId };
}

/** `Authorization: Bearer <token>`, or Basic with the token as user name (as Stripe's curl examples send keys). */
function credentialOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (bearer) return bearer[1];
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (basic) return Buffer.from(basic[1]!, 'base64').toString('utf8').split(':')[0] || undefined;
  return undefined;
}
