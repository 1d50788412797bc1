import type { FastifyPluginAsync } from 'fastify';
import type { Database } from '../../platform/db/database.ts';
import { endpoint, registerEndpoints, type AnyEndpoint } from '../../platform/http/typed-route.ts';
import { changeMemberRole, inviteMember, removeMember } from '../members/member-roster.ts';
import type { MemberDeps } from '../members/member-sign-in.ts';
import { listMembers } from '../members/members.ts';
import { organizationAuth, orgOf, signedInOwnerOf } from './billing-auth.ts';
import { changeMemberRoleBody, inviteMemberBody, memberIdParams } from './billing-schemas.ts';
import { memberObject } from './member-routes.ts';

const TAG = ['billing members'];

/**
 * An organization's members, mounted at `/billing/v1/members`: anyone of
 * the organization (and its API keys) may list them; only an owner signed in
 * invites, changes roles and removes — billing-auth.ts refuses members who
 * are not owners, signedInOwnerOf refuses API keys (403 `session_required`).
 */
export function rosterEndpoints(db: Database, deps: MemberDeps): AnyEndpoint[] {
  const auth = organizationAuth(db, deps.clock);
  return [
    endpoint({
      method: 'GET',
      url: '/members',
      auth,
      schema: { tags: TAG, summary: "The organization's members, oldest first" },
      handler: async (request) => {
        const members = await listMembers(db, orgOf(request).id);
        return { object: 'list', data: members.map(memberObject), has_more: false };
      },
    }),

    endpoint({
      method: 'POST',
      url: '/members',
      auth,
      schema: {
        tags: TAG,
        summary: 'Invite an address (an owner signed in; not with an API key): it gets a letter, and becomes a member when it signs in choosing the organization',
        description:
          'role: `member` (looks) or `owner` (changes the billing); default member. The answer has `status: "invited"` until the person accepts. ' +
          'An address that is already a member or invited is answered 200 as it is, with no letter. With an API key: 403 `session_required`.',
        body: inviteMemberBody,
      },
      handler: async (request, reply) => {
        const org = orgOf(request);
        const actor = signedInOwnerOf(request);
        const { email, role = 'member' } = request.body;
        const { member, invited } = await db.transaction((tx) =>
          inviteMember(tx, { ids: deps.ids, mailer: deps.mailer, nowMs: deps.clock.nowMs() }, { orgId: org.id, orgName: org.name, actorMemberId: actor.member.id, email, role }),
        );
        return reply.status(invited ? 201 : 200).send(memberObject(member));
      },
    }),

    endpoint({
      method: 'POST',
      url: '/members/:id',
      auth,
      schema: {
        tags: TAG,
        summary: "Change a member's role (an owner signed in; not with an API key), as OpenAI's modify user: promote to owner, demote, or step down",
        description:
          'role: `owner` or `member`. An invitation not accepted yet can change too. The same role again answers 200 with the member unchanged. ' +
          'The organization keeps an owner who has accepted: demoting the last one is 409 `last_owner`. A demoted owner is a member from its next request; ' +
          'the API keys it made stay valid. With an API key: 403 `session_required`.',
        params: memberIdParams,
        body: changeMemberRoleBody,
      },
      handler: async (request) => {
        const actor = signedInOwnerOf(request);
        const input = { orgId: orgOf(request).id, actorMemberId: actor.member.id, memberId: request.params.id, role: request.body.role };
        return memberObject(await db.transaction((tx) => changeMemberRole(tx, input)));
      },
    }),

    endpoint({
      method: 'DELETE',
      url: '/members/:id',
      auth,
      schema: {
        tags: TAG,
        summary: 'Remove a member or leave (an owner signed in; not with an API key): its sessions end and the API keys it made are revoked at once. The last owner stays.',
        params: memberIdParams,
      },
      handler: async (request) => {
        const actor = signedInOwnerOf(request);
        const input = { orgId: orgOf(request).id, actorMemberId: actor.member.id, memberId: request.params.id, nowMs: deps.clock.nowMs() };
        const removed = await db.transaction((tx) => removeMember(tx, input));
        return { ...memberObject(removed), deleted: true };
      },
    }),
  ];
}

export function rosterRoutes(db: Database, deps: MemberDeps): FastifyPluginAsync {
  return async (app) => registerEndpoints(app, rosterEndpoints(db, deps));
}
