import { Command, Option } from 'commander';
import { localTime, type Io } from '../../output.ts';
import { billingCall, orgContextOf, output } from './org-client.ts';

/**
 * `cardlane billing members …`: who may sign in to the organization's
 * billing page — owners change the billing, members only look. Inviting and
 * removing need an owner's session token (`--key sess-cl-…`), not an API key.
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
  const members = new Command('members').description("the organization's members: list, invite, remove (owners change the billing; members look)");

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
    .command('remove <member>')
    .description("remove a member (an owner's session token): its sessions end and the API keys it made are revoked at once; the last owner stays")
    .action(async (memberId: string, _options: unknown, command: Command) => {
      const ctx = orgContextOf(io, command);
      const removed = await billingCall<MemberObject>(ctx, 'DELETE', `/members/${encodeURIComponent(memberId)}`);
      output(ctx, removed, () => io.stdout.write(`Removed ${removed.email} (${removed.id})\n`));
    });
  return members;
}
