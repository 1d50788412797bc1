import type { Sql, Tx } from '../../platform/db/database.ts';
import { membershipsOf, type Member } from './members.ts';

/**
 * Which of an address's memberships a sign-in opens. An invitation makes
 * nobody a member against their will, so:
 *
 * - naming an organization picks it, and for an invitation that is the
 *   person accepting it;
 * - naming none picks the organization the person last chose (signed in
 *   to), never one they were only invited to: an owner who invites an
 *   address first must not become that person's default organization, where
 *   they would add their card thinking it their own;
 * - with nothing chosen yet and nothing named, the person must choose
 *   (`choice_required`, with the invitations to choose from).
 */

export type MembershipChoice =
  | { readonly result: 'chosen'; readonly member: Member }
  | { readonly result: 'not_a_member' }
  | { readonly result: 'choice_required'; readonly invitations: readonly Member[] };

export function chooseMembership(memberships: readonly Member[], organization: string | undefined): MembershipChoice {
  if (organization !== undefined) {
    const named = memberships.find((m) => m.orgId === organization);
    return named === undefined ? { result: 'not_a_member' } : { result: 'chosen', member: named };
  }
  // The latest choice first; on a tie (members added in the same millisecond) the oldest membership, as before.
  const accepted = memberships.filter((m) => m.lastChosenAtMs !== null).sort((a, b) => b.lastChosenAtMs! - a.lastChosenAtMs! || a.createdAtMs - b.createdAtMs || (a.id < b.id ? -1 : 1));
  const latest = accepted[0];
  return latest === undefined ? { result: 'choice_required', invitations: memberships } : { result: 'chosen', member: latest };
}

/** Records the choice (accepting an invitation the first time), in the sign-in's transaction. */
export async function noteMembershipChosen(tx: Tx, member: Member, nowMs: number): Promise<Member> {
  await tx.run('UPDATE billing_members SET last_chosen_at_ms = ? WHERE id = ?', [nowMs, member.id]);
  return { ...member, lastChosenAtMs: nowMs };
}

/** What a person may choose among: each membership of the address (accepted or invited, oldest first) with its organization's name. */
export async function membershipsToChoose(sql: Sql, email: string): Promise<Array<{ readonly member: Member; readonly organizationName: string }>> {
  const memberships = await membershipsOf(sql, email);
  const names = await sql.all<{ id: string; name: string }>('SELECT o.id, o.name FROM billing_members m JOIN billing_organizations o ON o.id = m.org_id WHERE m.email = ?', [email]);
  const nameOf = new Map(names.map((row) => [row.id, row.name]));
  return memberships.map((member) => ({ member, organizationName: nameOf.get(member.orgId) ?? member.orgId }));
}
