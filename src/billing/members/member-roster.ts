import type { Tx } from '../../platform/db/database.ts';
import { BillingError } from '../errors.ts';
import type { IdGenerator } from '../../platform/ids.ts';
import { lockOrganization, revokeApiKeysMadeBy } from '../organizations.ts';
import type { MemberMailer } from './member-mail.ts';
import { addMember, findMember, listMembers, MEMBER_ROLES, memberStatus, normalizeEmail, type Member, type MemberRole } from './members.ts';

/**
 * Who belongs to an organization's billing, changed by its owners signed in
 * to the page: inviting an address (an invitation the person accepts by
 * signing in to the organization; a letter says how), changing a member's
 * role, and removing a member (its sessions end and the API keys it made are
 * revoked, in the same transaction). Changes are made under the
 * organization's lock, so that two owners removing or demoting each other at
 * the same moment cannot leave the organization without one, and a key being
 * made by a member who is being removed is either revoked with the rest or
 * refused (requireOwnerUnderLock).
 */

export interface RosterDeps {
  readonly ids: IdGenerator;
  readonly mailer: MemberMailer;
  readonly nowMs: number;
}

/**
 * Where the signed-in member acting stands now, read under the organization's
 * lock (the caller took it): their session and role were read by the auth
 * hook before the lock, and a demotion or removal committed in between must
 * not let them act any more. A value, so that each API refuses in its own
 * words (requireOwnerUnderLock for billing's; the organization API's in OpenAI's).
 */
export async function actorStandingUnderLock(tx: Tx, orgId: string, memberId: string): Promise<'owner' | 'demoted' | 'removed'> {
  const actor = await findMember(tx, orgId, memberId);
  if (actor === undefined) return 'removed';
  return actor.role === 'owner' ? 'owner' : 'demoted';
}

/** actorStandingUnderLock, refused as billing's auth hook refuses the next request: 401 once removed (its sessions are gone), 403 once demoted. */
export async function requireOwnerUnderLock(tx: Tx, orgId: string, memberId: string): Promise<void> {
  const standing = await actorStandingUnderLock(tx, orgId, memberId);
  if (standing === 'removed') throw new BillingError('authentication_required', 'You are no longer a member of this organization; sign in again.');
  if (standing === 'demoted') throw new BillingError('permission_denied', 'Only an owner of the organization can change its billing; members can look. Ask an owner.');
}

/** An owner invites `email`; an address that is already a member or invited is answered as it is (`invited: false`), with no letter. */
export async function inviteMember(
  tx: Tx,
  deps: RosterDeps,
  input: { readonly orgId: string; readonly orgName: string; readonly actorMemberId: string; readonly email: string; readonly role: MemberRole },
): Promise<{ member: Member; invited: boolean }> {
  const normalized = normalizeEmail(input.email);
  if (!normalized.ok) throw new BillingError('email_invalid', normalized.message, { param: 'email' });
  await lockOrganization(tx, input.orgId);
  await requireOwnerUnderLock(tx, input.orgId, input.actorMemberId);
  const existing = (await listMembers(tx, input.orgId)).find((m) => m.email === normalized.email);
  if (existing !== undefined) return { member: existing, invited: false };
  const member = await addMember(tx, { ids: deps.ids, nowMs: deps.nowMs }, { orgId: input.orgId, email: normalized.email, role: input.role, invitation: true });
  await deps.mailer.send(tx, { to: member.email, ...invitationLetter(input.orgName, input.orgId, member.role), nowMs: deps.nowMs });
  return { member, invited: true };
}

/**
 * An organization keeps at least one owner who has ACCEPTED: an invited owner
 * may never sign in, and an organization whose only owners are invitations is
 * one nobody can change — its cards, credits and keys would be out of reach.
 * So neither removing (leaving) nor demoting may take away the last one.
 */
function refuseLosingLastAcceptedOwner(members: readonly Member[], losing: Member): void {
  const acceptedOwners = members.filter((m) => m.role === 'owner' && memberStatus(m) === 'active');
  if (acceptedOwners.length === 1 && acceptedOwners[0]!.id === losing.id) {
    throw new BillingError(
      'last_owner',
      'This is the organization’s only owner who has accepted: make another member an owner first (an invited owner counts once they accept).',
    );
  }
}

/**
 * An owner removes a member of the organization (themselves too: leaving),
 * ends its sessions and revokes the API keys it made; never the last owner
 * who has accepted.
 */
export async function removeMember(tx: Tx, input: { readonly orgId: string; readonly actorMemberId: string; readonly memberId: string; readonly nowMs: number }): Promise<Member> {
  await lockOrganization(tx, input.orgId);
  await requireOwnerUnderLock(tx, input.orgId, input.actorMemberId);
  const members = await listMembers(tx, input.orgId);
  const member = members.find((m) => m.id === input.memberId);
  if (member === undefined) throw new BillingError('resource_missing', `No member ${input.memberId} in this organization.`, { param: 'id' });
  refuseLosingLastAcceptedOwner(members, member);
  // Keys first, then the member: one transaction under the lock, so there is no moment when the member is gone and a key is live.
  await revokeApiKeysMadeBy(tx, input.nowMs, input.orgId, member.id);
  await tx.run('DELETE FROM billing_member_sessions WHERE member_id = ?', [member.id]);
  await tx.run('DELETE FROM billing_members WHERE id = ?', [member.id]);
  return member;
}

/**
 * An owner changes a member's role, as OpenAI's "modify user"
 * (`POST /v1/organization/users/{user_id}` with `role`): promotes a member to
 * owner, demotes an owner, or steps down themselves. An invitation not yet
 * accepted can change too: the person accepts it with the new role (the
 * letter they have says the old one; the sign-in's list of invitations says
 * the new). The same role again changes nothing and answers the member as it is.
 *
 * The organization keeps at least one owner who has accepted
 * (refuseLosingLastAcceptedOwner). Whoever acts is an accepted owner (a
 * session is opened only by signing in, which accepts), so this refusal only
 * ever meets an owner stepping down.
 *
 * The role is read from the database on every request (billing-auth.ts, by
 * the session's member), never kept in the session: a demoted owner's next
 * request is a member's. The API keys a demoted owner made stay valid, as
 * OpenAI keeps a user's keys when their role changes: a key is the
 * organization's, spending its credits, not its maker's rights; only removing
 * the member revokes them (removeMember).
 */
export async function changeMemberRole(
  tx: Tx,
  input: { readonly orgId: string; readonly actorMemberId: string; readonly memberId: string; readonly role: MemberRole },
): Promise<Member> {
  // The route's schema refuses other roles first; this keeps the rule where the change is.
  if (!MEMBER_ROLES.includes(input.role)) {
    throw new BillingError('parameter_invalid', `Invalid role: must be one of ${MEMBER_ROLES.join(', ')}.`, { param: 'role' });
  }
  await lockOrganization(tx, input.orgId);
  // Under the lock: of two owners demoting each other at once, the second finds itself a member already and is refused.
  await requireOwnerUnderLock(tx, input.orgId, input.actorMemberId);
  const members = await listMembers(tx, input.orgId);
  const member = members.find((m) => m.id === input.memberId);
  if (member === undefined) throw new BillingError('resource_missing', `No member ${input.memberId} in this organization.`, { param: 'id' });
  if (member.role === input.role) return member;
  refuseLosingLastAcceptedOwner(members, member);
  await tx.run('UPDATE billing_members SET role = ? WHERE id = ?', [input.role, member.id]);
  return { ...member, role: input.role };
}

export function invitationLetter(orgName: string, orgId: string, role: MemberRole): { subject: string; body: string } {
  const can = role === 'owner' ? 'manage its cards, credits, auto-recharge and subscriptions' : 'see its credits, payments and receipts';
  const canZh = role === 'owner' ? '管理它的银行卡、额度、自动充值和订阅' : '查看它的额度、付款记录和收据';
  return {
    subject: `You were invited to ${orgName}'s billing on Cardlane`,
    body:
      `You were invited to be a${role === 'owner' ? 'n owner' : ' member'} of ${orgName} (${orgId}) on Cardlane, to ${can}. ` +
      `To accept, sign in on the billing page (/billing) with this address and choose ${orgName}: a one-time code will be mailed to you. ` +
      `Until you do, you are not a member and it is never the organization you sign in to by default. If you did not expect this, ignore this letter.\n\n` +
      `你被邀请成为 ${orgName}（${orgId}）在 Cardlane 账单的${role === 'owner' ? '所有者' : '成员'}，可以${canZh}。` +
      `如要接受，请在账单页面（/billing）用此邮箱登录并选择 ${orgName}，我们会把一次性验证码发到这个邮箱。` +
      `接受之前你不是它的成员，登录时也不会默认进入它。如果你没有预期收到此邀请，请忽略此邮件。`,
  };
}
