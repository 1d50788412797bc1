import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../platform/clock.ts';
import { AppError } from '../../platform/errors.ts';
import { CARDHOLDER_SESSION_COOKIE, readSessionCookie } from '../../platform/http/session-cookie.ts';
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
export async function principalOf(doctor: Doctor, clock: Clock, request: FastifyRequest, reply: FastifyReply, asked: View | undefined): Promise<Principal> {
  const token = credentialOf(request, reply, asked);
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
 * A cookie it would take that comes twice (one tossed by another site) is
 * refused, as on the pages' own routes (401 `session_cookie_ambiguous`, the
 * cookie cleared: session-cookie.ts).
 */
function credentialOf(request: FastifyRequest, reply: FastifyReply, asked: View | undefined): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) {
    const cookie = (name: string): string | undefined => {
      const found = readSessionCookie(request, reply, name);
      if (found.kind === 'ambiguous') throw new AppError('session_cookie_ambiguous');
      return found.kind === 'one' ? found.token : undefined;
    };
    // Only a bare session token: the cookie cannot pass for another party's credential (op_…, sk_…, ops_…).
    const cardholderToken = () => {
      const cardholder = cookie(CARDHOLDER_SESSION_COOKIE);
      return cardholder !== undefined && looksLikeToken(cardholder) ? cardholder : undefined;
    };
    if (asked === 'cardholder') return cardholderToken();
    const operator = cookie(OPERATOR_SESSION_COOKIE);
    return operator?.startsWith(OPERATOR_SESSION_TOKEN_PREFIX) ? operator : cardholderToken();
  }
  if (typeof header !== 'string') return undefined;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (bearer) return bearer[1];
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (basic) return Buffer.from(basic[1]!, 'base64').toString('utf8').split(':')[0] || undefined;
  return undefined;
}
