import { Command } from 'commander';
import { localTime, type Io } from '../../output.ts';
import { orgContextOf, organizationCall, output, type OrgContext } from './org-client.ts';

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

/** OpenAI's most a list page holds: fewest requests. */
const PAGE_LIMIT = 100;
/** A limit on everything: 100 pages are 10,000 keys in one project, far past what an organization makes (100 live at most). */
const MAX_PAGES = 100;

/** Every object of an OpenAI-style list, page after page (`after` = the last id): a list pages at 20 by default, so one answer is not all. */
async function everyObject<T>(ctx: OrgContext, path: string): Promise<T[]> {
  const data: T[] = [];
  let after: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const query = `limit=${PAGE_LIMIT}${after === null ? '' : `&after=${encodeURIComponent(after)}`}`;
    const answer: { data: T[]; has_more: boolean; last_id: string | null } = await organizationCall(ctx, 'GET', `${path}${path.includes('?') ? '&' : '?'}${query}`);
    data.push(...answer.data);
    after = answer.has_more ? answer.last_id : null;
    if (after === null) break;
  }
  return data;
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
      const projects = await everyObject<ProjectObject>(ctx, '/projects');
      const lists = await Promise.all(
        projects.map(async (project) => ({
          project,
          keys: await everyObject<KeyObject>(ctx, `/projects/${encodeURIComponent(project.id)}/api_keys${options.all ? '?include_revoked=true' : ''}`),
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
