import type { FastifyRequest } from 'fastify';
import type { Database } from '../../platform/db/database.ts';
import { RateLimiter, type RateLimitPolicy } from '../../platform/http/rate-limit.ts';
import {
  CARDHOLDER_SESSION_COOKIE,
  clearSessionCookie,
  csrfTokenOf,
  noStore,
  readSessionCookie,
  setSessionCookie,
  signInRefusal,
} from '../../platform/http/session-cookie.ts';
import { endpoint, type AnyEndpoint } from '../../platform/http/typed-route.ts';
import { IssuerError } from '../errors.ts';
import { getCardholder } from '../identity/cardholders.ts';
import type { IdentityDeps } from '../identity/deps.ts';
import { authenticateSession, revokeSession, SESSION_TTL_MS } from '../identity/sessions.ts';
import { verifySignInCode } from '../identity/sign-in.ts';
import { cardholderIdOf, cardholderSessionIdOf } from './auth.ts';
import { browserSessionResponses, browserSignOutResponses } from './browser-session-schemas.ts';
import { cardholderJson } from './identity-presenters.ts';
import { signInBody } from './identity-schemas.ts';
import type { IssuerAuth } from './issuer-auth.ts';

const TAG = ['issuer: identity'];

/** Per client address, as for `POST /sessions` (the code's own tries are counted in the database). */
export const BROWSER_SIGN_IN_RATE_LIMIT: RateLimitPolicy = { name: 'issuer_browser_sign_in', burst: 30, perWindow: 30, windowMs: 60_000 };

/** Per client address: the app asks once per page load; a cookie guesser pays for every guess all the same. */
export const BROWSER_SESSION_READ_RATE_LIMIT: RateLimitPolicy = { name: 'issuer_browser_session_read', burst: 60, perWindow: 60, windowMs: 60_000 };

/**
 * The cardholder app's sign-in, under `/issuer/v1/browser-session`: the
 * same phone and SMS code as `POST /sessions`, but the session token goes
 * only into the HttpOnly, SameSite=Strict `cardlane_cardholder` cookie — so
 * a reload keeps the person signed in (no new SMS code, no per-phone cap
 * reached by reloading) while no script, ours or an injected one, can read
 * the credential. The page is told the session's anti-CSRF token instead,
 * here and at `GET` after a reload (no other origin can read either
 * answer); `DELETE` signs out. The bearer-token API is untouched.
 */
export function cardholderBrowserSessionEndpoints(db: Database, deps: IdentityDeps, auth: IssuerAuth): AnyEndpoint[] {
  const { clock } = deps;
  const signInLimit = new RateLimiter(BROWSER_SIGN_IN_RATE_LIMIT, clock);
  const readLimit = new RateLimiter(BROWSER_SESSION_READ_RATE_LIMIT, clock);

  const sessionJson = async (cardholderId: string, token: string, expiresAtMs: number, signedUp?: boolean) => {
    const cardholder = await getCardholder(db, cardholderId);
    if (cardholder === undefined) throw new IssuerError('authentication_required', 'The session has ended; sign in again with an SMS code.');
    return {
      object: 'browser_session' as const,
      expires_at: new Date(expiresAtMs).toISOString(),
      csrf_token: csrfTokenOf(token),
      ...(signedUp === undefined ? {} : { signed_up: signedUp }),
      cardholder: await cardholderJson(db, cardholder),
    };
  };

  return [
    endpoint({
      method: 'POST',
      url: '/browser-session',
      auth: null,
      rateLimit: signInLimit,
      schema: {
        tags: TAG,
        summary: 'Cardholder app: sign in with the SMS code into an HttpOnly session cookie',
        description:
          'The body of POST /sessions. JSON only (415 unsupported_media_type otherwise), never from another site (403 csrf_token_invalid). ' +
          'Sets the HttpOnly, SameSite=Strict `cardlane_cardholder` cookie (`__Host-cardlane_cardholder`, Secure, over HTTPS); the answer holds the anti-CSRF token, never the session token. ' +
          'Scripts and the CLI keep using POST /sessions and Authorization: Bearer.',
        body: signInBody,
        response: browserSessionResponses,
      },
      handler: async (request, reply) => {
        noStore(reply);
        const refusal = signInRefusal(request);
        if (refusal === 'not_json') throw new IssuerError('unsupported_media_type', 'Send the phone and code as JSON.');
        if (refusal === 'cross_site') throw new IssuerError('csrf_token_invalid', 'Sign in from the Cardlane app itself.');
        const { phone, code, invite_code } = request.body;
        // Committed even when refused: a wrong code must count.
        const result = await db.transaction((tx) => verifySignInCode(tx, deps, { phone, code, inviteCode: invite_code }));
        if (!result.ok) {
          const param = result.code === 'phone_invalid' ? 'phone' : result.code.startsWith('invite_code') ? 'invite_code' : 'code';
          throw new IssuerError(result.code, result.message, { param });
        }
        const { session } = result;
        setSessionCookie(request, reply, CARDHOLDER_SESSION_COOKIE, session.token, SESSION_TTL_MS);
        request.log.info({ cardholder_id: result.cardholder.id, session_id: session.id }, 'cardholder app session started');
        return sessionJson(result.cardholder.id, session.token, session.expiresAtMs, result.signedUp);
      },
    }),

    endpoint({
      method: 'GET',
      url: '/browser-session',
      auth: null,
      rateLimit: readLimit,
      schema: {
        tags: TAG,
        summary: 'Cardholder app: the session of this browser, and its anti-CSRF token',
        description:
          'Only with the `cardlane_cardholder` cookie (401 authentication_required without a live one, and the dead cookie is cleared; 401 session_cookie_ambiguous, and the cookie cleared, when it comes twice): what the app reads on every load.',
        response: browserSessionResponses,
      },
      handler: async (request, reply) => {
        noStore(reply);
        const cookie = readSessionCookie(request, reply, CARDHOLDER_SESSION_COOKIE);
        if (cookie.kind === 'ambiguous') throw new IssuerError('session_cookie_ambiguous');
        const token = cookie.kind === 'one' ? cookie.token : undefined;
        const session = token === undefined ? undefined : await authenticateSession(db, token, clock.nowMs());
        if (token === undefined || session === undefined) {
          if (token !== undefined) clearSessionCookie(request, reply, CARDHOLDER_SESSION_COOKIE);
          throw new IssuerError('authentication_required', 'Not signed in: sign in with an SMS code.');
        }
        return sessionJson(session.cardholderId, token, session.expiresAtMs);
      },
    }),

    endpoint({
      method: 'DELETE',
      url: '/browser-session',
      auth: auth.cardholder,
      schema: {
        tags: TAG,
        summary: 'Cardholder app: sign out (the session ends for good and the cookie is cleared)',
        description:
          'With the `cardlane_cardholder` cookie and its X-CSRF-Token. A request made with Authorization: Bearer has no cookie to clear (404 resource_missing): use DELETE /sessions.',
        response: browserSignOutResponses,
      },
      handler: async (request: FastifyRequest, reply) => {
        if (request.cardholderSessionFromCookie !== true) throw new IssuerError('resource_missing', 'This request was made with a bearer token, not the app’s session: use DELETE /sessions.');
        // Not revoked here means another request signed it out a moment ago: the outcome asked for holds either way.
        await revokeSession(db, cardholderSessionIdOf(request), clock.nowMs());
        clearSessionCookie(request, reply, CARDHOLDER_SESSION_COOKIE);
        request.log.info({ cardholder_id: cardholderIdOf(request) }, 'cardholder app session ended');
        return { object: 'browser_session' as const, signed_out: true as const };
      },
    }),
  ];
}
