import type { FastifyRequest } from 'fastify';
import type { Clock } from '../../platform/clock.ts';
import { AppError } from '../../platform/errors.ts';
import { CARDHOLDER_SESSION_COOKIE, cookieValue } from '../../platform/http/session-cookie.ts';
import { OPERATOR_SESSION_COOKIE, OPERATOR_SESSION_TOKEN_PREFIX } from '../../platform/identity/operator-sessions.ts';
import { looksLikeToken } from '../../platform/identity/secret-tokens.ts';
import type { Doctor } from '../doctor.ts';
import type { Principal, View } from '../views.ts';

/**
 * Who is calling the doctor's API: the request's credential, identified by
 * the party that issued it (see principals.ts).
 *
 * A `view` parameter may name the view, and must then be the credential's
 * (asking for more than the credential gives is a 403, not a downgrade).
 */
export async function principalOf(doctor: Doctor, clock: Clock, request: FastifyRequest, asked: View | undefined): Promise<Principal> {
  const token = credentialOf(request, asked);
  if (token === undefined) {
    throw new AppError(
      'authentication_required',
      'Send Authorization: Bearer <key>: a merchant secret key (sk_test_…), an operator key (op_…) or a cardholder session token.',
    );
  }
  const principal = await doctor.identify(token, clock.nowMs());
  if (asked !== undefined && asked !== principal.view) {
    throw new AppError('permission_denied', `This credential gives the ${principal.view} view, not the ${asked} view.`, { param: 'view' });
  }
  return principal;
}

/**
 * `Authorization: Bearer <token>`, or Basic with the token as user name (as
 * Stripe's curl examples send keys); without either, a browser session's
 * cookie (the doctor's routes only read, so no anti-CSRF token is needed):
 * the operator console's, or the cardholder app's. One browser may hold both
 * (the pages share an origin), so a request asking for the cardholder view
 * (the app always does) takes the app's, and any other the console's first.
 */
function credentialOf(request: FastifyRequest, asked: View | undefined): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) {
    const operator = cookieValue(request.headers.cookie, OPERATOR_SESSION_COOKIE);
    // Only a bare session token: the cookie cannot pass for another party's credential (op_…, sk_…, ops_…).
    const cardholder = cookieValue(request.headers.cookie, CARDHOLDER_SESSION_COOKIE);
    const operatorToken = operator?.startsWith(OPERATOR_SESSION_TOKEN_PREFIX) ? operator : undefined;
    const cardholderToken = cardholder !== undefined && looksLikeToken(cardholder) ? cardholder : undefined;
    return asked === 'cardholder' ? cardholderToken : (operatorToken ?? cardholderToken);
  }
  if (typeof header !== 'string') return undefined;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (bearer) return bearer[1];
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (basic) return Buffer.from(basic[1]!, 'base64').toString('utf8').split(':')[0] || undefined;
  return undefined;
}
