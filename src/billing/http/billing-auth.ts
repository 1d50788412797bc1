import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../platform/clock.ts';
import type { Sql } from '../../platform/db/database.ts';
import type { RouteAuth } from '../../platform/http/typed-route.ts';
import { BillingError } from '../errors.ts';
import { authenticateMemberSession, looksLikeMemberSessionToken, type MemberSession } from '../members/member-sessions.ts';
import { organizationForApiKey, ORG_API_KEY_PATTERN, type Organization } from '../organizations.ts';
import { billingCookieSession } from './member-cookie.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by billing's auth hook: the organization the API key or the member's session belongs to. */
    billingOrg?: Organization;
    /** Set by billing's auth hook when the caller is a member signed in to the billing page (not an API key). */
    billingMember?: MemberSession;
  }
}

/** Methods a member who is not an owner may use. */
const READS = new Set(['GET', 'HEAD']);

/**
 * Billing's API is for an organization, authenticated either with one of
 * its API keys (`Authorization: Bearer sk-cl-…`, for programs) or with a
 * member's session token from signing in (`Bearer sess-cl-…`, the CLI's),
 * or — for a request without an Authorization header — with the billing
 * page's HttpOnly session cookie (member-cookie.ts: never from another
 * site, a change only with the session's X-CSRF-Token, 403
 * `csrf_token_invalid`). Every billing endpoint declares this as its `auth`;
 * handlers then read `orgOf(request)` and answer 404 for anything that is not
 * the organization's. The merchant's OpenAI-compatible API does not use
 * this hook: it takes API keys only.
 *
 * Roles, as on OpenAI's billing page: an owner changes the billing (cards,
 * purchases, auto-recharge, subscriptions, members); a `member` signed in
 * to the page may only look. An API key is the organization's own and may
 * do everything on the billing except administer the organization — invite
 * or remove members, change their roles, make or revoke keys — which needs a
 * signed-in owner (signedInOwnerOf). A member's role is read with the session
 * on every request, never kept in it: an owner demoted (member-roster.ts
 * changeMemberRole) is refused an owner's change at its very next request.
 *
 * That read comes before the change's own transaction, so a request already
 * past this hook when another owner demotes or removes its member could still
 * finish. The changes that administer the organization (members; keys and
 * projects on the organization API) close that window: in their transaction,
 * under the organization's lock that demotion and removal take too, they read
 * the acting member again and refuse as the next request would be refused
 * (member-roster.ts requireOwnerUnderLock, organization-routes.ts asOwner).
 * What they hand out, a membership or a key, outlives the demotion, and only
 * a signed-in owner may make them: this role is their whole boundary.
 *
 * The money changes (cards, purchases, auto-recharge, subscriptions, budget,
 * billing profile) do not read it again, on purpose: any live API key of the
 * organization may make each of them, the keys a demoted owner made and keeps
 * among them, so the session's role is not what stands between a demoted
 * owner and a purchase. Each moves the organization's own money between its
 * own card and its own credits, in its history, and hands out no access: one
 * finishing just after a demotion or removal is that request a moment
 * earlier, undone the same way (a refund, a card removed). And their first
 * transactions are in services the background tasks share, which have no
 * acting member to read again.
 *
 * `clock` judges a session's expiry: billing's clock, the one that stamped it.
 */
export function organizationAuth(sql: Sql, clock: Clock): RouteAuth {
  const check = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const fromCookie = await billingCookieSession(sql, clock, request, reply);
    if (fromCookie !== undefined) {
      if (!fromCookie.ok) throw new BillingError(fromCookie.code, fromCookie.message);
      return takeMemberSession(request, fromCookie.session);
    }
    const header = request.headers.authorization;
    const token = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
    if (token !== undefined && ORG_API_KEY_PATTERN.test(token)) {
      const org = await organizationForApiKey(sql, token);
      if (org === null) throw new BillingError('authentication_required', 'The API key is not valid or was revoked.');
      request.billingOrg = org;
      return;
    }
    if (token !== undefined && looksLikeMemberSessionToken(token)) {
      const session = await authenticateMemberSession(sql, token, clock.nowMs());
      if (session === undefined) throw new BillingError('authentication_required', 'The session has expired or was signed out; sign in again.');
      return takeMemberSession(request, session);
    }
    throw new BillingError('authentication_required', "Send an organization API key (Authorization: Bearer sk-cl-…) or a member's session token from signing in.");
  };
  // onRequest: before the body is read, so a caller without a credential learns nothing from the validator.
  return { phase: 'onRequest', check };
}

/** A member's live session, however it came: the role checked for a change, then the organization and member set on the request. */
function takeMemberSession(request: FastifyRequest, session: MemberSession): void {
  if (!READS.has(request.method) && session.member.role !== 'owner') {
    throw new BillingError('permission_denied', 'Only an owner of the organization can change its billing; members can look. Ask an owner.');
  }
  request.billingOrg = session.organization;
  request.billingMember = session;
}

/**
 * The owner signed in for a change that administers the organization
 * (members, API keys): an API key is refused (403 `session_required`). A key
 * records nobody and may be a program's, or older than the record of who made
 * keys; handing out membership or keys is for people, as OpenAI keeps it to
 * admin keys that only owners make. The auth hook already refused members
 * who are not owners.
 */
export function signedInOwnerOf(request: FastifyRequest): MemberSession {
  if (request.billingMember === undefined) throw new BillingError('session_required');
  return request.billingMember;
}

export function orgOf(request: FastifyRequest): Organization {
  if (request.billingOrg === undefined) throw new Error('billing route reached without an organization');
  return request.billingOrg;
}
