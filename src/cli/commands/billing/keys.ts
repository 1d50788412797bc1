import { Command } from 'commander';
import { localTime, type Io } from '../../output.ts';
import { orgContextOf, organizationCall, output } from './org-client.ts';

/**
 * `cardlane billing keys`: the organization's API keys by project, with who
 * made each — so the owners can tell a removed member's keys (revoked with
 * the member) from keys made before makers were recorded ("unknown"), which
 * stay live until someone revokes them. Making and revoking keys needs an
 * owner signed in to the billing page; an API key only reads.
 */

interface KeyObject {
  id: string;
  name: string;
  redacted_value: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
  owner: { type: 'user'; user: { id: string; email: string } } | null;
}

interface ProjectObject {
  id: string;
  name: string;
}

const when = (seconds: number) => localTime(new Date(seconds * 1000).toISOString()).slice(0, 16);

export function describeKey(key: KeyObject): string {
  const maker = key.owner === null ? 'unknown / 未知' : key.owner.user.email;
  const state = key.revoked_at === null ? `last used ${key.last_used_at === null ? 'never' : when(key.last_used_at)}` : `revoked ${when(key.revoked_at)}`;
  return `${key.id}  ${key.redacted_value}  ${key.name}  made by ${maker}  created ${when(key.created_at)}  ${state}`;
}

export function keysCommand(io: Io): Command {
  return new Command('keys')
    .description("the organization's API keys by project, with who made each (\"unknown\" for keys from before makers were recorded)")
    .option('--all', 'revoked keys too')
    .action(async (options: { all?: boolean }, command: Command) => {
      const ctx = orgContextOf(io, command);
      const projects = await organizationCall<{ data: ProjectObject[] }>(ctx, 'GET', '/projects');
      const lists = await Promise.all(
        projects.data.map(async (project) => ({
          project,
          keys: (await organizationCall<{ data: KeyObject[] }>(ctx, 'GET', `/projects/${encodeURIComponent(project.id)}/api_keys${options.all ? '?include_revoked=true' : ''}`)).data,
        })),
      );
      output(ctx, { object: 'list', data: lists.flatMap((l) => l.keys.map((k) => ({ ...k, project_id: l.project.id }))) }, () => {
        for (const { project, keys } of lists) {
          io.stdout.write(`${project.name} (${project.id})\n`);
          if (keys.length === 0) io.stdout.write('  no keys\n');
          for (const key of keys) io.stdout.write(`  ${describeKey(key)}\n`);
        }
      });
    });
}
