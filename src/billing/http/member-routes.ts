import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Database, Sql } from '../../platform/db/database.ts';
import { RateLimiter, type RateLimitPolicy } from '../../platform/http/rate-limit.ts';
import { csrfTokenOf, noStore, signInRefusal } from '../../platform/http/session-cookie.ts';
import { bearerToken } from '../../platform/identity/authorization-header.ts';
import { OPERATOR_SECURITY, requireOperator } from '../../platform/identity/operator-auth.ts';
import type { OperatorKeyStore } from '../../platform/identity/operator-keys.ts';
import { BillingError } from '../errors.ts';
import { MEMBER_MAILBOX_PAGE_MAX, readMemberMailbox } from '../members/member-mail.ts';
import { authenticateMemberSession, revokeMemberSession, type MemberSession } from '../members/member-sessions.ts';
import { membershipsToChoose } from '../members/member-choice.ts';
import { requestMemberSignInCode, switchMemberOrganization, verifyMemberSignInCode, type MemberDeps, type VerifyMemberCodeResult } from '../members/member-sign-in.ts';
import { getOrganization } from '../organizations.ts';
import { memberStatus, normalizeEmail, type Member } from '../members/members.ts';
import { billingCookieSession, clearBillingSessionCookie, setBillingSessionCookie } from './member-cookie.ts';

/**
 * Members signing in to the billing page, mounted at `/billing/v1`:
 * a code by e-mail (`POST /sessions/code`), a session token for it
 * (`POST /sessions`), who is signed in, and to which of their organizations
 * (`GET /sessions/current`), moving to another of them without a new code
 * (`POST /sessions/switch`) and signing out (`DELETE /sessions`). The
 * session token then works on every billing route an API key works on
 * (billing-auth.ts), and on no other API.
 *
 * The billing page itself never holds the token, as the cardholder app does
 * not: it signs in at `POST /browser-session` (the same body), which puts
 * the session into the HttpOnly `cardlane_billing` cookie (member-cookie.ts)
 * and answers its anti-CSRF token instead. A program asks `POST /sessions`
 * and sends `Authorization: Bearer`, as before. The other routes serve both,
 * each the way its session came: with the cookie, `GET /sessions/current`
 * adds the anti-CSRF token (what the page reads on every load), a switch
 * replaces the cookie instead of answering a token, and signing out clears it.
 *
 * In the sandbox the letters stay in a mailbox only the operator key reads
 * (`GET /sandbox/mail?to=…`): a sign-in code must reach its addressee and
 * nobody else, and the operator is who runs the sandbox.
 */

const TAG = ['billing members'];

/**
 * Per client address, in front of the two routes anyone may call: generous
 * for people, a cost for floods. The limits that must hold exactly (codes per
 * address and per mailbox, wrong codes per code) are in the database.
 */
export const MEMBER_SIGN_IN_CODE_RATE_LIMIT: RateLimitPolicy = { name: 'billing_member_sign_in_code', burst: 30, perWindow: 30, windowMs: 60_000 };
export const MEMBER_SIGN_IN_RATE_LIMIT: RateLimitPolicy = { name: 'billing_member_sign_in', burst: 30, perWindow: 30, windowMs: 60_000 };
/** Switching needs a session, but each switch makes one: limited as signing in is, so a token cannot mint sessions by the thousand. */
export const MEMBER_SESSION_SWITCH_RATE_LIMIT: RateLimitPolicy = { name: 'billing_member_session_switch', burst: 30, perWindow: 30, windowMs: 60_000 };
const EMAIL = { type: 'string', minLength: 1, maxLength: 320 } as const;
const iso = (ms: number) => new Date(ms).toISOString();

export function memberObject(member: Member) {
  // status: `invited` until the person accepts by signing in to the organization (member-choice.ts).
  return { id: member.id, object: 'billing.member', email: member.email, role: member.role, status: memberStatus(member), organization: member.orgId, created_at: iso(member.createdAtMs) };
}

/** Thrown out of the sign-in transaction to roll it back: the code was right, and stays usable for the person's choice. */
class KeepCodeForChoice extends Error {
  constructor(readonly result: VerifyMemberCodeResult) {
    super('organization choice required');
  }
}

/** The person's organizations (accepted or invited, oldest membership first): what the page's switcher offers. */
async function organizationsObject(sql: Sql, email: string) {
  return (await membershipsToChoose(sql, email)).map(({ member, organizationName }) => ({ id: member.orgId, name: organizationName, role: member.role, status: memberStatus(member) }));
}

/** The member's session a request was made with: the page's cookie or a bearer token, and which. */
interface CurrentSession {
  readonly session: MemberSession;
  readonly token: string;
  readonly fromCookie: boolean;
}

const SIGN_IN_BODY = {
  type: 'object',
  required: ['email', 'code'],
  additionalProperties: false,
  properties: { email: EMAIL, code: { type: 'string', minLength: 1, maxLength: 20 }, organization: { type: 'string', minLength: 1, maxLength: 120 } },
} as const;

function sessionObject(session: MemberSession) {
  return {
    object: 'billing.session',
    expires_at: iso(session.expiresAtMs),
    member: memberObject(session.member),
    organization: { id: session.organization.id, name: session.organization.name },
  };
}

export function billingMemberRoutes(db: Database, deps: MemberDeps, operatorKeys: OperatorKeyStore): FastifyPluginAsync {
  /**
   * The session the request was made with. `clearDeadCookie` only where the
   * page asks on load: elsewhere a late 401 to a request sent just before a
   * switch replaced the cookie would clear the new one.
   */
  async function currentSession(request: FastifyRequest, reply: FastifyReply, clearDeadCookie = false): Promise<CurrentSession> {
    const fromCookie = await billingCookieSession(db, deps.clock, request, reply);
    if (fromCookie !== undefined) {
      if (fromCookie.ok) return { session: fromCookie.session, token: fromCookie.token, fromCookie: true };
      if (clearDeadCookie && fromCookie.code === 'authentication_required') clearBillingSessionCookie(request, reply);
      throw new BillingError(fromCookie.code, fromCookie.message);
    }
    const token = bearerToken(request.headers.authorization);
    const session = token === undefined ? undefined : await authenticateMemberSession(db, token, deps.clock.nowMs());
    if (token === undefined || session === undefined) throw new BillingError('authentication_required', "This needs a member's session token (Authorization: Bearer sess-cl-…); sign in again.");
    return { session, token, fromCookie: false };
  }

  /** A new session's answer, the only time its token is shown; never cached anywhere. */
  async function signedIn(token: string, reply: FastifyReply) {
    reply.header('cache-control', 'no-store');
    const session = (await authenticateMemberSession(db, token, deps.clock.nowMs()))!;
    return { ...sessionObject(session), token, organizations: await organizationsObject(db, session.member.email) };
  }

  /** A new session of the page's: into the cookie (replacing any there); the answer holds its anti-CSRF token, never the token. */
  async function browserSignedIn(token: string, request: FastifyRequest, reply: FastifyReply) {
    noStore(reply);
    const nowMs = deps.clock.nowMs();
    const session = (await authenticateMemberSession(db, token, nowMs))!;
    setBillingSessionCookie(request, reply, token, session.expiresAtMs, nowMs);
    return { ...sessionObject(session), csrf_token: csrfTokenOf(token), organizations: await organizationsObject(db, session.member.email) };
  }

  /** Checks a mailed code (both sign-ins): the new session's token, or the refusal thrown. */
  async function verifyCode(body: { email: string; code: string; organization?: string }): Promise<string> {
    // Committed even when refused: a wrong code must count. Only a right code waiting for the person's choice is rolled back.
    const result = await db
      .transaction(async (tx) => {
        const verified = await verifyMemberSignInCode(tx, deps, body);
        if (!verified.ok && verified.code === 'organization_choice_required') throw new KeepCodeForChoice(verified);
        return verified;
      })
      .catch((error: unknown) => {
        if (error instanceof KeepCodeForChoice) return error.result;
        throw error;
      });
    if (!result.ok) {
      if (result.code === 'organization_choice_required') {
        const invitations = await Promise.all(
          result.invitations.map(async (m) => ({ organization: { id: m.orgId, name: (await getOrganization(db, m.orgId))?.name ?? m.orgId }, role: m.role })),
        );
        throw new BillingError(result.code, result.message, { param: 'organization', extra: { invitations } });
      }
      const param = result.code === 'email_invalid' ? 'email' : result.code === 'resource_missing' ? 'organization' : 'code';
      throw new BillingError(result.code, result.message, { param });
    }
    return result.session.token;
  }

  const codeLimit = new RateLimiter(MEMBER_SIGN_IN_CODE_RATE_LIMIT, deps.clock);
  const signInLimit = new RateLimiter(MEMBER_SIGN_IN_RATE_LIMIT, deps.clock);
  const switchLimit = new RateLimiter(MEMBER_SESSION_SWITCH_RATE_LIMIT, deps.clock);
  // The session switching away, authenticated before the body is read (as billing-auth.ts does): a caller without one learns nothing from the validator.
  const switching = new WeakMap<FastifyRequest, CurrentSession>();

  return async (app) => {
    app.post<{ Body: { email: string } }>(
      '/sessions/code',
      {
        onRequest: codeLimit.hook,
        schema: {
          tags: TAG,
          summary: 'Mail a one-time sign-in code to a member',
          description:
            'Six digits, valid 5 minutes, single use. One per minute per address; at most 5 an hour per address from one client, 10 from all clients, and 20 per client (429 with Retry-After). ' +
            `The answer is the same whether or not the address belongs to a member. ${codeLimit.describe()}`,
          body: { type: 'object', required: ['email'], additionalProperties: false, properties: { email: EMAIL } },
        },
      },
      async (request, reply) => {
        const result = await db.transaction((tx) => requestMemberSignInCode(tx, deps, { email: request.body.email, clientAddress: request.ip }));
        if (!result.ok) {
          if (result.code === 'rate_limited') {
            reply.header('retry-after', String(Math.max(1, Math.ceil(result.retryAfterMs / 1000))));
            throw new BillingError('rate_limited', result.message);
          }
          throw new BillingError('email_invalid', result.message, { param: 'email' });
        }
        return { object: 'billing.sign_in_code', email: result.email, expires_at: iso(result.expiresAtMs), resend_after: iso(result.resendAfterMs) };
      },
    );

    app.post<{ Body: { email: string; code: string; organization?: string } }>(
      '/sessions',
      {
        onRequest: signInLimit.hook,
        schema: {
          tags: TAG,
          summary: 'Sign in with the mailed code; answers a session token for Authorization: Bearer',
          description:
            "The token works on the billing page's routes for 12 hours. With several organizations, `organization` picks one — for an invitation, that accepts it; " +
            'without it, the organization last signed in to (never an invitation not accepted). With only invitations and none named: 409 `organization_choice_required` ' +
            'listing them (`invitations`), and the same code works again with `organization`. ' +
            `Five wrong codes lock the code; ask for a new one. ${signInLimit.describe()}`,
          body: SIGN_IN_BODY,
        },
      },
      async (request, reply) => signedIn(await verifyCode(request.body), reply),
    );

    app.post<{ Body: { email: string; code: string; organization?: string } }>(
      '/browser-session',
      {
        // The same per-address budget as POST /sessions: two doors for one code do not double a guesser's tries.
        onRequest: signInLimit.hook,
        schema: {
          tags: TAG,
          summary: 'The billing page: sign in with the mailed code into an HttpOnly session cookie',
          description:
            'The body, the choice of organization and the refusals of POST /sessions. JSON only (415 unsupported_media_type otherwise), never from another site ' +
            '(403 csrf_token_invalid). Sets the HttpOnly, SameSite=Strict `cardlane_billing` cookie (`__Host-cardlane_billing`, Secure, over HTTPS); the answer holds its anti-CSRF token ' +
            '(`csrf_token`, sent as X-CSRF-Token with every change), never the session token. Programs and the CLI keep POST /sessions and Authorization: Bearer. ' +
            signInLimit.describe(),
          body: SIGN_IN_BODY,
        },
      },
      async (request, reply) => {
        noStore(reply);
        const refusal = signInRefusal(request);
        if (refusal === 'not_json') throw new BillingError('unsupported_media_type', 'Send the address and the code as JSON.');
        if (refusal === 'cross_site') throw new BillingError('csrf_token_invalid', 'Sign in from the billing page itself.');
        return browserSignedIn(await verifyCode(request.body), request, reply);
      },
    );

    app.post<{ Body: { organization: string } }>(
      '/sessions/switch',
      {
        onRequest: [
          switchLimit.hook,
          async (request, reply) => {
            switching.set(request, await currentSession(request, reply));
          },
        ],
        schema: {
          tags: TAG,
          summary: "Move to another of the signed-in person's organizations: a new session token for it; the one sent stops working",
          description:
            "Only with a member's session (never an API key, which is one organization's). As signing in naming the organization: an invitation is accepted, " +
            "and it becomes the default for the next sign-in. The new token lasts as a sign-in's; the old one ends in the same transaction. " +
            'With the billing page\'s cookie (and its X-CSRF-Token), the new session replaces the cookie and the answer holds its `csrf_token`, never the token. ' +
            `An organization the person is not a member of: 404 resource_missing, and nothing changes. ${switchLimit.describe()}`,
          body: { type: 'object', required: ['organization'], additionalProperties: false, properties: { organization: { type: 'string', minLength: 1, maxLength: 120 } } },
        },
      },
      async (request, reply) => {
        const { session, fromCookie } = switching.get(request)!;
        const result = await db.transaction((tx) =>
          switchMemberOrganization(tx, deps, { sessionId: session.sessionId, email: session.member.email, organization: request.body.organization }),
        );
        if (!result.ok) throw new BillingError(result.code, result.message, result.code === 'resource_missing' ? { param: 'organization' } : {});
        // The way the old session came is the way the new one goes: a program's token stays out of cookies, the page's out of answers.
        return fromCookie ? browserSignedIn(result.session.token, request, reply) : signedIn(result.session.token, reply);
      },
    );

    app.get(
      '/sessions/current',
      {
        schema: {
          tags: TAG,
          summary: 'Who is signed in with this session token, for which organization, until when; and their organizations (`organizations`) to switch to',
          description:
            "With the billing page's cookie instead of a token, also its anti-CSRF token (`csrf_token`): what the page asks on every load. " +
            'A cookie whose session has ended is cleared (401 authentication_required); so is the cookie sent twice (401 session_cookie_ambiguous: one may have been set by another site).',
        },
      },
      async (request, reply) => {
        const { session, token, fromCookie } = await currentSession(request, reply, true);
        return { ...sessionObject(session), ...(fromCookie ? { csrf_token: csrfTokenOf(token) } : {}), organizations: await organizationsObject(db, session.member.email) };
      },
    );

    app.delete(
      '/sessions',
      { schema: { tags: TAG, summary: "Sign out: the session token stops working at once; with the billing page's cookie (and its X-CSRF-Token), the cookie is cleared too" } },
      async (request, reply) => {
        const { session, fromCookie } = await currentSession(request, reply);
        await revokeMemberSession(db, session.sessionId, deps.clock.nowMs());
        if (fromCookie) clearBillingSessionCookie(request, reply);
        return { object: 'billing.session', deleted: true };
      },
    );

    app.get<{ Querystring: { to: string; limit?: number } }>(
      '/sandbox/mail',
      {
        preHandler: requireOperator(db, operatorKeys),
        schema: {
          tags: TAG,
          summary: "Sandbox: a member's mailbox (sign-in letters), newest first; operator key only",
          security: OPERATOR_SECURITY,
          querystring: {
            type: 'object',
            required: ['to'],
            additionalProperties: false,
            properties: { to: EMAIL, limit: { type: 'integer', minimum: 1, maximum: MEMBER_MAILBOX_PAGE_MAX } },
          },
        },
      },
      async (request) => {
        const to = normalizeEmail(request.query.to);
        if (!to.ok) throw new BillingError('email_invalid', to.message, { param: 'to' });
        const letters = await readMemberMailbox(db, to.email, request.query.limit ?? 20);
        return {
          object: 'list',
          data: letters.map((letter) => ({ id: letter.id, object: 'billing.sandbox_letter', to: letter.to, subject: letter.subject, body: letter.body, received_at: iso(letter.receivedAtMs) })),
        };
      },
    );
  };
}
