import type { FastifyPluginAsync } from 'fastify';
import type { Database } from '../../platform/db/database.ts';
import { inviteMember, removeMember } from '../members/member-roster.ts';
import type { MemberDeps } from '../members/member-sign-in.ts';
import { listMembers, MEMBER_ROLES, type MemberRole } from '../members/members.ts';
import { orgOf, requireOrganization } from './billing-auth.ts';
import { memberObject } from './member-routes.ts';

/**
 * An organization's members, mounted at `/billing/v1/members`: anyone of
 * the organization may list them; an owner (or an API key) invites and
 * removes (billing-auth.ts refuses changes from members who are not owners).
 */

const TAG = ['billing members'];

export function rosterRoutes(db: Database, deps: MemberDeps): FastifyPluginAsync {
  return async (app) => {
    requireOrganization(app, db, deps.clock);

    app.get('/members', { schema: { tags: TAG, summary: "The organization's members, oldest first" } }, async (request) => {
      const members = await listMembers(db, orgOf(request).id);
      return { object: 'list', data: members.map(memberObject), has_more: false };
    });

    app.post<{ Body: { email: string; role?: MemberRole } }>(
      '/members',
      {
        schema: {
          tags: TAG,
          summary: 'Invite an address (owners only): it becomes a member at once and gets a letter on how to sign in',
          description: 'role: `member` (looks) or `owner` (changes the billing); default member. An address that is already a member is answered 200 as it is, with no letter.',
          body: {
            type: 'object',
            required: ['email'],
            additionalProperties: false,
            properties: { email: { type: 'string', minLength: 1, maxLength: 320 }, role: { type: 'string', enum: [...MEMBER_ROLES] } },
          },
        },
      },
      async (request, reply) => {
        const org = orgOf(request);
        const { member, invited } = await db.transaction((tx) =>
          inviteMember(tx, { ids: deps.ids, mailer: deps.mailer, nowMs: deps.clock.nowMs() }, { orgId: org.id, orgName: org.name, email: request.body.email, role: request.body.role ?? 'member' }),
        );
        return reply.status(invited ? 201 : 200).send(memberObject(member));
      },
    );

    app.delete<{ Params: { id: string } }>(
      '/members/:id',
      { schema: { tags: TAG, summary: 'Remove a member (owners only); its sessions end at once. The last owner stays.' } },
      async (request) => {
        const removed = await db.transaction((tx) => removeMember(tx, { orgId: orgOf(request).id, memberId: request.params.id }));
        return { ...memberObject(removed), deleted: true };
      },
    );
  };
}
