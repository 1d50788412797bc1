import type { Sql, Tx } from '../../platform/db/database.ts';
import type { BillingDeps } from '../billing-deps.ts';

/**
 * Projects (`proj_…`) group an organization's API keys, as OpenAI's do, so
 * that usage and costs can be broken down by project. They carry no
 * permissions of their own: every key of an organization acts for the whole
 * organization (README "Usage, costs and API keys"). Archived projects keep
 * their usage; their keys are revoked and no new key goes into them.
 */

export interface Project {
  readonly id: string;
  readonly orgId: string;
  readonly name: string;
  readonly createdAtMs: number;
  readonly archivedAtMs: number | null;
}

export const DEFAULT_PROJECT_NAME = 'Default project';
export const MAX_PROJECT_NAME_CHARS = 100;
// A limit on everything: one list page's worth at most (OpenAI's pages hold 100), so the costs export reads every name in one query.
export const MAX_PROJECTS_PER_ORG = 100;

/**
 * The default project's id, derived from the organization's so a migration
 * could backfill it in SQL (usage/migrations.ts): `org_X` → `proj_X`.
 */
export function defaultProjectId(orgId: string): string {
  return `proj_${orgId.slice('org_'.length)}`;
}

export async function createDefaultProject(tx: Tx, orgId: string, nowMs: number): Promise<Project> {
  const project: Project = { id: defaultProjectId(orgId), orgId, name: DEFAULT_PROJECT_NAME, createdAtMs: nowMs, archivedAtMs: null };
  await tx.run('INSERT INTO billing_projects (id, org_id, name, created_at_ms) VALUES (?, ?, ?, ?)', [project.id, orgId, project.name, nowMs]);
  return project;
}

export type ProjectOutcome = { readonly result: 'ok'; readonly project: Project } | { readonly result: 'not_found' | 'too_many_projects' | 'archived' };

export async function createProject(tx: Tx, deps: Pick<BillingDeps, 'clock' | 'ids'>, orgId: string, name: string): Promise<ProjectOutcome> {
  const count = await tx.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM billing_projects WHERE org_id = ?', [orgId]);
  if (Number(count?.n ?? 0) >= MAX_PROJECTS_PER_ORG) return { result: 'too_many_projects' };
  const project: Project = { id: deps.ids.next('proj'), orgId, name, createdAtMs: deps.clock.nowMs(), archivedAtMs: null };
  await tx.run('INSERT INTO billing_projects (id, org_id, name, created_at_ms) VALUES (?, ?, ?, ?)', [project.id, orgId, name, project.createdAtMs]);
  return { result: 'ok', project };
}

interface ProjectRow {
  id: string;
  org_id: string;
  name: string;
  created_at_ms: number | string;
  archived_at_ms: number | string | null;
}

const toProject = (row: ProjectRow): Project => ({
  id: row.id,
  orgId: row.org_id,
  name: row.name,
  createdAtMs: Number(row.created_at_ms),
  archivedAtMs: row.archived_at_ms === null ? null : Number(row.archived_at_ms),
});

export interface ProjectListOptions {
  readonly includeArchived: boolean;
  /** Only projects whose id sorts after this one (keyset paging: the id is the cursor). */
  readonly after?: string;
  /** At most this many (default: every project an organization may have). */
  readonly limit?: number;
}

/**
 * The organization's projects in id order, which is creation order (ids are
 * sortable, and the default project's is derived from the organization's, so
 * it comes first) — the order OpenAI pages them in with `after`.
 */
export async function listProjects(sql: Sql, orgId: string, options: ProjectListOptions): Promise<Project[]> {
  const rows = await sql.all<ProjectRow>(
    `SELECT id, org_id, name, created_at_ms, archived_at_ms FROM billing_projects
     WHERE org_id = ? ${options.includeArchived ? '' : 'AND archived_at_ms IS NULL'} ${options.after === undefined ? '' : 'AND id > ?'}
     ORDER BY id LIMIT ?`,
    [orgId, ...(options.after === undefined ? [] : [options.after]), options.limit ?? MAX_PROJECTS_PER_ORG],
  );
  return rows.map(toProject);
}

/** One of the organization's projects; another organization's is not found. */
export async function findProject(sql: Sql, orgId: string, projectId: string): Promise<Project | null> {
  const row = await sql.get<ProjectRow>('SELECT id, org_id, name, created_at_ms, archived_at_ms FROM billing_projects WHERE id = ? AND org_id = ?', [
    projectId,
    orgId,
  ]);
  return row === undefined ? null : toProject(row);
}

export async function renameProject(sql: Sql, orgId: string, projectId: string, name: string): Promise<ProjectOutcome> {
  const project = await findProject(sql, orgId, projectId);
  if (project === null) return { result: 'not_found' };
  if (project.archivedAtMs !== null) return { result: 'archived' };
  await sql.run('UPDATE billing_projects SET name = ? WHERE id = ? AND org_id = ?', [name, projectId, orgId]);
  return { result: 'ok', project: { ...project, name } };
}

/**
 * Archives a project and revokes its live keys at once, in one transaction.
 * The default project is never archived: the organization's first key and
 * keys made without a project live there.
 */
export async function archiveProject(tx: Tx, nowMs: number, orgId: string, projectId: string): Promise<ProjectOutcome | { readonly result: 'default_project' }> {
  // A key is made under the organization's lock (organization-routes.ts): taking it here too means a key being made in this
  // project now is committed before the revocation below looks, so it is revoked with the rest instead of staying live.
  // (The lock is spelt out, as in subscription-payments.ts: organizations.ts imports this module.)
  await tx.get(`SELECT id FROM billing_organizations WHERE id = ? ${tx.forUpdate}`, [orgId]);
  const project = await findProject(tx, orgId, projectId);
  if (project === null) return { result: 'not_found' };
  if (project.id === defaultProjectId(orgId)) return { result: 'default_project' };
  if (project.archivedAtMs !== null) return { result: 'ok', project };
  await tx.run('UPDATE billing_projects SET archived_at_ms = ? WHERE id = ? AND org_id = ?', [nowMs, projectId, orgId]);
  await tx.run('UPDATE billing_api_keys SET revoked_at_ms = ? WHERE org_id = ? AND project_id = ? AND revoked_at_ms IS NULL', [nowMs, orgId, projectId]);
  return { result: 'ok', project: { ...project, archivedAtMs: nowMs } };
}
