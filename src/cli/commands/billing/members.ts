import { Argument, Command, Option } from 'commander';
import { CliError, localTime, type Io } from '../../output.ts';
import { billingCall, orgContextOf, output } from './org-client.ts';

/**
 * `cardlane billing members …`: who may sign in to the organization's
 * billing page — owners change the billing, members only look. Inviting,
 * changing a role and removing need an owner's session token
 * (`--key sess-cl-…`), not an API key.
 */

interface MemberObject {
  id: string;
  email: string;
  role: 'owner' | 'member';
  status?: 'active' | 'invited';
  created_at: string;
}

const describe = (m: MemberObject) => `${m.id}  ${m.email}  ${m.role}${m.status === 'invited' ? '  invited, not accepted yet / 已邀请，尚未接受' : ''}  since ${localTime(m.created_at).slice(0, 10)}`;

export function membersCommand(io: Io): Command {
  const members = new Command('members').description("the organization's members: list, invite, change a role, remove (owners change the billing; members look)");

  members
    .command('list', { isDefault: true })
    .description('list the members, oldest first')
    .action(async (_options: unknown, command: Command) => {
      const ctx = orgContextOf(io, command);
      const list = await billingCall<{ data: MemberObject[] }>(ctx, 'GET', '/members');
      output(ctx, list, () => {
        for (const member of list.data) io.stdout.write(`  ${describe(member)}\n`);
      });
    });

  members
    .command('invite <email>')
    .description("invite an address (an owner's session token, not an API key); it becomes a member when it signs in choosing the organization")
    .addOption(new Option('--role <role>', 'owner changes the billing, member looks').choices(['member', 'owner']).default('member'))
    .action(async (email: string, options: { role: string }, command: Command) => {
      const ctx = orgContextOf(io, command);
      const member = await billingCall<MemberObject>(ctx, 'POST', '/members', { email, role: options.role });
      output(ctx, member, () => io.stdout.write(`Member ${describe(member)}\n`));
    });

  members
    .command('role')
    .description("change a member's role by address (an owner's session token): promote to owner, demote, or step down — the organization keeps an owner who has signed in")
    .argument('<email>', "the member's address (an invitation not accepted yet too)")
    .addArgument(new Argument('<role>', 'owner changes the billing, member looks').choices(['member', 'owner']))
    .action(async (email: string, role: string, _options: unknown, command: Command) => {
      const ctx = orgContextOf(io, command);
      // The API changes a member by id; people know the address. Compared as the API stores it (trimmed, lower case).
      const address = email.trim().normalize('NFC').toLowerCase();
      const list = await billingCall<{ data: MemberObject[] }>(ctx, 'GET', '/members');
      const member = list.data.find((m) => m.email === address);
      if (member === undefined) throw new CliError(`${address} is not a member of this organization, nor invited (\`cardlane billing members\` lists them) / 不是本组织的成员，也未被邀请`);
      const changed = await billingCall<MemberObject>(ctx, 'POST', `/members/${encodeURIComponent(member.id)}`, { role });
      output(ctx, changed, () =>
        io.stdout.write(
          changed.role === member.role
            ? `${changed.email} is already ${changed.role}: nothing changed / 角色未变\n`
            : `${changed.email}: ${member.role} → ${changed.role}\n  ${describe(changed)}\n`,
        ),
      );
    });

  members
    .command('remove <member>')
    .description("remove a member (an owner's session token): its sessions end and the API keys it made are revoked at once; the last owner stays")
    .action(async (memberId: string, _options: unknown, command: Command) => {
      const ctx = orgContextOf(io, command);
      const removed = await billingCall<MemberObject>(ctx, 'DELETE', `/members/${encodeURIComponent(memberId)}`);
      output(ctx, removed, () => io.stdout.write(`Removed ${removed.email} (${removed.id})\n`));
    });
  return members;
}
