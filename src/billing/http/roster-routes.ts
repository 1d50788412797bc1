import type { FastifyPluginAsync } from 'fastify';
import type { Database } from '../../platform/db/database.ts';
import { endpoint, registerEndpoints, type AnyEndpoint } from '../../platform/http/typed-route.ts';
import { inviteMember, removeMember } from '../members/member-roster.ts';
import type { MemberDeps } from '../members/member-sign-in.ts';
import { listMembers } from '../members/members.ts';
import { organizationAuth, orgOf } from './billing-auth.ts';
import { inviteMemberBody, memberIdParams } from './billing-schemas.ts';
import { memberObject } from './member-routes.ts';

const TAG = ['billing members'];

/**
 * An organization's members, mounted at `/billing/v1/members`: anyone of
 * the organization may list them; an owner (or an API key) invites and
 * removes (billing-auth.ts refuses changes from members who are not owners).
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
        summary: 'Invite an address (owners only): it becomes a member at once and gets a letter on how to sign in',
        description: 'role: `member` (looks) or `owner` (changes the billing); default member. An address that is already a member is answered 200 as it is, with no letter.',
        body: inviteMemberBody,
      },
      handler: async (request, reply) => {
        const org = orgOf(request);
        const { email, role = 'member' } = request.body;
        const { member, invited } = await db.transaction((tx) =>
          inviteMember(tx, { ids: deps.ids, mailer: deps.mailer, nowMs: deps.clock.nowMs() }, { orgId: org.id, orgName: org.name, email, role }),
        );
        return reply.status(invited ? 201 : 200).send(memberObject(member));
      },
    }),

    endpoint({
      method: 'DELETE',
      url: '/members/:id',
      auth,
      schema: { tags: TAG, summary: 'Remove a member (owners only); its sessions end at once. The last owner stays.', params: memberIdParams },
      handler: async (request) => {
        const removed = await db.transaction((tx) => removeMember(tx, { orgId: orgOf(request).id, memberId: request.params.id }));
        return { ...memberObject(removed), deleted: true };
      },
    }),
  ];
}

export function rosterRoutes(db: Database, deps: MemberDeps): FastifyPluginAsync {
  return async (app) => registerEndpoints(app, rosterEndpoints(db, deps));
}
