import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import type { IdGenerator, RandomSource } from '../../platform/ids.ts';
import { RateLimiter, type RateLimitPolicy } from '../../platform/http/rate-limit.ts';
import { clearSessionCookie, csrfTokenOf, noStore, readSessionCookie, setSessionCookie, signInRefusal } from '../../platform/http/session-cookie.ts';
import { endpoint, type AnyEndpoint } from '../../platform/http/typed-route.ts';
import type { OperatorKeySummary } from '../../platform/identity/operator-keys.ts';
import { OPERATOR_SESSION_COOKIE, OPERATOR_SESSION_TTL_MS } from '../../platform/identity/operator-sessions.ts';
import { IssuerError } from '../errors.ts';
import { installOperatorKeys } from '../identity/operator-keys.ts';
import { operatorSessions } from '../operations/operator-sessions.ts';
import type { IssuerAuth } from './issuer-auth.ts';
import { sessionBody, sessionResponses, signOutResponses } from './operator-schemas.ts';

export interface OperatorSessionDeps {
  readonly db: Database;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly random: RandomSource;
}

const TAG = ['issuer: operator'];

/** Per client address: a person pastes a key a few times a day; a guesser of 256-bit keys gets nowhere either way, and pays for trying. */
export const OPERATOR_SIGN_IN_RATE_LIMIT: RateLimitPolicy = { name: 'operator_session', burst: 10, perWindow: 10, windowMs: 60_000 };

/** Per client address: the console asks once per page load; a cookie guesser pays for every guess all the same. */
export const OPERATOR_SESSION_READ_RATE_LIMIT: RateLimitPolicy = { name: 'operator_session_read', burst: 60, perWindow: 60, windowMs: 60_000 };

function sessionJson(key: OperatorKeySummary, sessionToken: string, expiresAtMs: number) {
  return {
    object: 'operator_session' as const,
    operator_key: { id: key.id, name: key.name, prefix: key.keyPrefix },
    expires_at: new Date(expiresAtMs).toISOString(),
    csrf_token: csrfTokenOf(sessionToken),
  };
}

/**
 * The operator console's sign-in, under `/issuer/v1/operator/session`: an
 * operator key, sent once in a JSON body, is exchanged for a session whose
 * token lives only in an HttpOnly, SameSite=Strict cookie
 * (platform/identity/operator-sessions.ts). The answer gives the page its
 * anti-CSRF token; `GET` gives it again after a reload; `DELETE` signs out.
 */
export function operatorSessionEndpoints(deps: OperatorSessionDeps, auth: IssuerAuth): AnyEndpoint[] {
  const { db, clock } = deps;
  const limiter = new RateLimiter(OPERATOR_SIGN_IN_RATE_LIMIT, clock);
  const readLimiter = new RateLimiter(OPERATOR_SESSION_READ_RATE_LIMIT, clock);

  return [
    endpoint({
      method: 'POST',
      url: '/operator/session',
      auth: null,
      rateLimit: limiter,
      schema: {
        tags: TAG,
        summary: 'Operator console: exchange an operator key for a session cookie',
        description:
          'JSON only (415 unsupported_media_type otherwise), never from another site (403 csrf_token_invalid). Sets the HttpOnly, SameSite=Strict `cardlane_operator` cookie (`__Host-cardlane_operator`, Secure, over HTTPS); the key is not kept. 401 authentication_required for a key that is not live.',
        body: sessionBody,
        response: sessionResponses,
      },
      handler: async (request, reply) => {
        const refusal = signInRefusal(request);
        if (refusal === 'not_json') throw new IssuerError('unsupported_media_type', 'Send the key as JSON: {"key": "op_…"}.');
        if (refusal === 'cross_site') throw new IssuerError('csrf_token_invalid', 'Sign in from the console itself.');
        const keyId = await installOperatorKeys.verify(db, request.body.key.trim());
        const key = keyId === undefined ? undefined : await installOperatorKeys.live(db, keyId);
        if (key === undefined) throw new IssuerError('authentication_required', 'The operator key is not valid or was revoked.');
        const nowMs = clock.nowMs();
        const session = await db.transaction((tx) => operatorSessions.create(tx, deps, key.id, nowMs));
        setSessionCookie(request, reply, OPERATOR_SESSION_COOKIE, session.token, OPERATOR_SESSION_TTL_MS);
        noStore(reply);
        request.log.info({ operator_key_id: key.id, operator_session_id: session.id }, 'operator console session started');
        return sessionJson(key, session.token, session.expiresAtMs);
      },
    }),

    endpoint({
      method: 'GET',
      url: '/operator/session',
      auth: null,
      rateLimit: readLimiter,
      schema: {
        tags: TAG,
        summary: 'Operator console: the session of this browser, and its anti-CSRF token',
        description: 'Only with the session cookie (401 authentication_required without a live one; 401 session_cookie_ambiguous, and the cookie cleared, when it comes twice): what the console reads after a reload.',
        response: sessionResponses,
      },
      handler: async (request, reply) => {
        noStore(reply);
        const cookie = readSessionCookie(request, reply, OPERATOR_SESSION_COOKIE);
        if (cookie.kind === 'ambiguous') throw new IssuerError('session_cookie_ambiguous');
        const token = cookie.kind === 'one' ? cookie.token : undefined;
        const session = token === undefined ? undefined : await operatorSessions.authenticate(db, token, clock.nowMs());
        const key = session === undefined ? undefined : await installOperatorKeys.live(db, session.keyId);
        if (token === undefined || session === undefined || key === undefined) {
          throw new IssuerError('authentication_required', 'No console session: sign in with an operator key.');
        }
        return sessionJson(key, token, session.expiresAtMs);
      },
    }),

    endpoint({
      method: 'DELETE',
      url: '/operator/session',
      auth: auth.operator,
      schema: {
        tags: TAG,
        summary: 'Operator console: sign out (the session ends for good)',
        description: 'With the session cookie and its X-CSRF-Token. A request made with a key instead has no session to end (404 resource_missing).',
        response: signOutResponses,
      },
      handler: async (request, reply) => {
        const sessionId = request.operatorSessionId;
        if (sessionId === undefined) throw new IssuerError('resource_missing', 'This request was made with an operator key, not a console session.');
        await operatorSessions.revoke(db, sessionId, clock.nowMs());
        clearSessionCookie(request, reply, OPERATOR_SESSION_COOKIE);
        noStore(reply);
        return { object: 'operator_session' as const, signed_out: true };
      },
    }),
  ];
}
