import type { Tx } from '../../platform/db/database.ts';
import { BillingError } from '../errors.ts';
import type { IdGenerator } from '../../platform/ids.ts';
import { lockOrganization } from '../organizations.ts';
import type { MemberMailer } from './member-mail.ts';
import { addMember, listMembers, normalizeEmail, type Member, type MemberRole } from './members.ts';

/**
 * Who belongs to an organization's billing, changed by its owners: inviting
 * an address (it becomes a member at once and gets a letter saying how to
 * sign in) and removing a member (its sessions end with it). Changes are
 * made under the organization's lock, so that two owners removing each
 * other at the same moment cannot leave the organization without one.
 */

export interface RosterDeps {
  readonly ids: IdGenerator;
  readonly mailer: MemberMailer;
  readonly nowMs: number;
}

/** Invites `email`; an address that is already a member is answered as it is (`invited: false`), with no letter. */
export async function inviteMember(
  tx: Tx,
  deps: RosterDeps,
  input: { readonly orgId: string; readonly orgName: string; readonly email: string; readonly role: MemberRole },
): Promise<{ member: Member; invited: boolean }> {
  const normalized = normalizeEmail(input.email);
  if (!normalized.ok) throw new BillingError('email_invalid', normalized.message, { param: 'email' });
  await lockOrganization(tx, input.orgId);
  const existing = (await listMembers(tx, input.orgId)).find((m) => m.email === normalized.email);
  if (existing !== undefined) return { member: existing, invited: false };
  const member = await addMember(tx, { ids: deps.ids, nowMs: deps.nowMs }, { orgId: input.orgId, email: normalized.email, role: input.role });
  await deps.mailer.send(tx, { to: member.email, ...invitationLetter(input.orgName, member.role), nowMs: deps.nowMs });
  return { member, invited: true };
}

/** Removes a member of the organization and ends its sessions; never the last owner. */
export async function removeMember(tx: Tx, input: { readonly orgId: string; readonly memberId: string }): Promise<Member> {
  await lockOrganization(tx, input.orgId);
  const members = await listMembers(tx, input.orgId);
  const member = members.find((m) => m.id === input.memberId);
  if (member === undefined) throw new BillingError('resource_missing', `No member ${input.memberId} in this organization.`, { param: 'id' });
  if (member.role === 'owner' && members.filter((m) => m.role === 'owner').length === 1) {
    throw new BillingError('last_owner', 'This is the organization’s only owner: invite another owner first.');
  }
  await tx.run('DELETE FROM billing_member_sessions WHERE member_id = ?', [member.id]);
  await tx.run('DELETE FROM billing_members WHERE id = ?', [member.id]);
  return member;
}

export function invitationLetter(orgName: string, role: MemberRole): { subject: string; body: string } {
  const can = role === 'owner' ? 'manage its cards, credits, auto-recharge and subscriptions' : 'see its credits, payments and receipts';
  const canZh = role === 'owner' ? '管理它的银行卡、额度、自动充值和订阅' : '查看它的额度、付款记录和收据';
  return {
    subject: `You were added to ${orgName}'s billing on Cardlane`,
    body:
      `You are now a${role === 'owner' ? 'n owner' : ' member'} of ${orgName} on Cardlane and can ${can}. ` +
      `Sign in on the billing page (/billing) with this address: a one-time code will be mailed to you.\n\n` +
      `你已被加入 ${orgName} 在 Cardlane 的账单，身份为${role === 'owner' ? '所有者' : '成员'}，可以${canZh}。` +
      `请在账单页面（/billing）用此邮箱登录，我们会把一次性验证码发到这个邮箱。`,
  };
}
