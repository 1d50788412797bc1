import { createHash } from 'node:crypto';
import type { Sql, Tx } from '../platform/db/database.ts';
import { BillingError } from './errors.ts';
import type { BillingDeps } from './billing-deps.ts';
import { ensureBillingAccounts } from './billing-ledger.ts';
import { createDefaultProject, defaultProjectId } from './usage/projects.ts';

/**
 * Organizations (`org_…`), the API business's customers, and their API keys.
 * A key looks like OpenAI's project keys (`sk-cl-` + 48 base62 characters,
 * ~285 bits); it is shown once, at creation, and only its SHA-256 is kept.
 */

export interface Organization {
  readonly id: string;
  readonly name: string;
  readonly createdAtMs: number;
}

export interface ApiKeySummary {
  readonly id: string;
  readonly orgId: string;
  readonly name: string;
  readonly projectId: string;
  /** The key's last four characters, to tell keys apart in a list. */
  readonly last4: string;
  readonly createdAtMs: number;
  readonly revokedAtMs: number | null;
  /** When a request last authenticated with it, to within LAST_USED_RESOLUTION_MS; null if never. */
  readonly lastUsedAtMs: number | null;
  /** The member who made it (the address as it was then); null when unknown: made before makers were recorded, or by Cardlane itself. */
  readonly createdBy: KeyMaker | null;
}

/** A signed-in member who makes a key: the key is revoked when the member leaves the organization (member-roster.ts). */
export interface KeyMaker {
  readonly memberId: string;
  readonly email: string;
}

/** A key's name when none is given (OpenAI's page says "Secret key" too). */
export const DEFAULT_API_KEY_NAME = 'Secret key';
export const MAX_API_KEY_NAME_CHARS = 100;
// Last-used times are written at most once a minute per key: a write on every request would serialize the hot path on SQLite.
export const LAST_USED_RESOLUTION_MS = 60_000;

export const API_KEY_PREFIX = 'sk-cl-';
const KEY_BODY_CHARS = 48;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const ORG_API_KEY_PATTERN = /^sk-cl-[0-9A-Za-z]{48}$/;
const MAX_NAME_CHARS = 200;

export function hashOrgApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

function newOrgApiKey(random: BillingDeps['random']): string {
  let body = '';
  // Rejection sampling keeps every character uniform (256 is not a multiple of 62).
  while (body.length < KEY_BODY_CHARS) {
    for (const byte of random(KEY_BODY_CHARS * 2)) {
      if (byte < 248 && body.length < KEY_BODY_CHARS) body += BASE62[byte % 62];
    }
  }
  return API_KEY_PREFIX + body;
}

export type OrgDeps = Pick<BillingDeps, 'clock' | 'ids' | 'random' | 'ledger'>;

/** Creates an organization, its credit account (balance 0) and its first API key. */
export async function createOrganization(
  tx: Tx,
  deps: OrgDeps,
  input: { name: string; isDemo?: boolean },
): Promise<{ organization: Organization; apiKey: string; apiKeyId: string }> {
  const name = input.name.trim();
  if (name.length === 0 || name.length > MAX_NAME_CHARS) throw new Error(`an organization name has 1 to ${MAX_NAME_CHARS} characters`);
  const organization: Organization = { id: deps.ids.next('org'), name, createdAtMs: deps.clock.nowMs() };
  await tx.run('INSERT INTO billing_organizations (id, name, is_demo, created_at_ms) VALUES (?, ?, ?, ?)', [
    organization.id,
    organization.name,
    input.isDemo ? 1 : 0,
    organization.createdAtMs,
  ]);
  await ensureBillingAccounts(deps.ledger, tx, organization.id);
  await createDefaultProject(tx, organization.id, organization.createdAtMs);
  const key = await addOrganizationApiKey(tx, deps, organization.id);
  return { organization, apiKey: key.apiKey, apiKeyId: key.id };
}

/**
 * A new key for an organization, in a project (the default one unless said;
 * the caller checks the project is the organization's and not archived);
 * the clear key is returned once and never stored.
 */
export async function addOrganizationApiKey(
  tx: Tx,
  deps: Pick<BillingDeps, 'clock' | 'ids' | 'random'>,
  orgId: string,
  options: { readonly name?: string; readonly projectId?: string; readonly createdBy?: KeyMaker } = {},
): Promise<{ id: string; apiKey: string }> {
  const apiKey = newOrgApiKey(deps.random);
  const id = deps.ids.next('key');
  await tx.run(
    'INSERT INTO billing_api_keys (id, org_id, key_hash, key_last4, created_at_ms, name, project_id, created_by_member_id, created_by_email) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [
      id,
      orgId,
      hashOrgApiKey(apiKey),
      apiKey.slice(-4),
      deps.clock.nowMs(),
      options.name ?? DEFAULT_API_KEY_NAME,
      options.projectId ?? defaultProjectId(orgId),
      options.createdBy?.memberId ?? null,
      options.createdBy?.email ?? null,
    ],
  );
  return { id, apiKey };
}

interface KeyRow {
  id: string;
  org_id: string;
  name: string | null;
  project_id: string | null;
  key_last4: string;
  created_at_ms: number | string;
  revoked_at_ms: number | string | null;
  last_used_at_ms: number | string | null;
  created_by_member_id: string | null;
  created_by_email: string | null;
}

const KEY_COLUMNS = 'id, org_id, name, project_id, key_last4, created_at_ms, revoked_at_ms, last_used_at_ms, created_by_member_id, created_by_email';

const toKeySummary = (row: KeyRow): ApiKeySummary => ({
  id: row.id,
  orgId: row.org_id,
  name: row.name ?? DEFAULT_API_KEY_NAME,
  projectId: row.project_id ?? defaultProjectId(row.org_id),
  last4: row.key_last4,
  createdAtMs: Number(row.created_at_ms),
  revokedAtMs: row.revoked_at_ms === null ? null : Number(row.revoked_at_ms),
  lastUsedAtMs: row.last_used_at_ms === null ? null : Number(row.last_used_at_ms),
  createdBy: row.created_by_member_id === null ? null : { memberId: row.created_by_member_id, email: row.created_by_email ?? '' },
});

export interface ApiKeyListOptions {
  /** One project's keys only. */
  readonly projectId?: string;
  /** Leave out revoked keys. */
  readonly liveOnly?: boolean;
  /** Only keys whose id sorts after this one (keyset paging: the id is the cursor). */
  readonly after?: string;
  /** At most this many (default: all). */
  readonly limit?: number;
}

/** The organization's keys (all of them, or one project's), oldest first: in id order, which is creation order. */
export async function listOrganizationApiKeys(sql: Sql, orgId: string, options: ApiKeyListOptions = {}): Promise<ApiKeySummary[]> {
  const where = ['org_id = ?'];
  const params: unknown[] = [orgId];
  if (options.projectId !== undefined) {
    where.push('project_id = ?');
    params.push(options.projectId);
  }
  if (options.liveOnly === true) where.push('revoked_at_ms IS NULL');
  if (options.after !== undefined) {
    where.push('id > ?');
    params.push(options.after);
  }
  if (options.limit !== undefined) params.push(options.limit);
  const rows = await sql.all<KeyRow>(`SELECT ${KEY_COLUMNS} FROM billing_api_keys WHERE ${where.join(' AND ')} ORDER BY id${options.limit === undefined ? '' : ' LIMIT ?'}`, params);
  return rows.map(toKeySummary);
}

/** One of the organization's keys; another organization's is not found. */
export async function findOrganizationApiKey(sql: Sql, orgId: string, keyId: string): Promise<ApiKeySummary | null> {
  const row = await sql.get<KeyRow>(`SELECT ${KEY_COLUMNS} FROM billing_api_keys WHERE org_id = ? AND id = ?`, [orgId, keyId]);
  return row === undefined ? null : toKeySummary(row);
}

export async function renameOrganizationApiKey(sql: Sql, orgId: string, keyId: string, name: string): Promise<ApiKeySummary | null> {
  const changed = await sql.run('UPDATE billing_api_keys SET name = ? WHERE org_id = ? AND id = ?', [name, orgId, keyId]);
  return changed === 0 ? null : findOrganizationApiKey(sql, orgId, keyId);
}

/** Revokes a key of this organization; `not_found` when it has no such key, `already_revoked` when it was. */
export async function revokeOrganizationApiKey(
  sql: Sql,
  nowMs: number,
  orgId: string,
  keyId: string,
): Promise<'revoked' | 'already_revoked' | 'not_found'> {
  const changed = await sql.run('UPDATE billing_api_keys SET revoked_at_ms = ? WHERE id = ? AND org_id = ? AND revoked_at_ms IS NULL', [nowMs, keyId, orgId]);
  if (changed > 0) return 'revoked';
  const row = await sql.get('SELECT id FROM billing_api_keys WHERE id = ? AND org_id = ?', [keyId, orgId]);
  return row === undefined ? 'not_found' : 'already_revoked';
}

/**
 * Revokes every live key a member made in the organization; the caller holds
 * the organization's lock and removes the member in the same transaction, so
 * no key of theirs outlives their membership. Keys without a maker stay.
 */
export async function revokeApiKeysMadeBy(tx: Tx, nowMs: number, orgId: string, memberId: string): Promise<number> {
  return tx.run('UPDATE billing_api_keys SET revoked_at_ms = ? WHERE org_id = ? AND created_by_member_id = ? AND revoked_at_ms IS NULL', [nowMs, orgId, memberId]);
}

/** The organization a live key belongs to, or null (unknown, malformed or revoked key). */
export async function organizationForApiKey(sql: Sql, apiKey: string): Promise<Organization | null> {
  if (!ORG_API_KEY_PATTERN.test(apiKey)) return null;
  const row = await sql.get<{ id: string; name: string; created_at_ms: number | string }>(
    `SELECT o.id, o.name, o.created_at_ms FROM billing_api_keys k JOIN billing_organizations o ON o.id = k.org_id
     WHERE k.key_hash = ? AND k.revoked_at_ms IS NULL`,
    [hashOrgApiKey(apiKey)],
  );
  return row === undefined ? null : { id: row.id, name: row.name, createdAtMs: Number(row.created_at_ms) };
}

/** Who a live key is: its organization, the key and its project (what usage is recorded against). */
export interface ApiKeyCaller {
  readonly organization: Organization;
  readonly keyId: string;
  readonly projectId: string;
  readonly lastUsedAtMs: number | null;
}

/** The caller a live key stands for, or null (unknown, malformed or revoked key: refused at once, nothing is cached). */
export async function apiKeyCaller(sql: Sql, apiKey: string): Promise<ApiKeyCaller | null> {
  if (!ORG_API_KEY_PATTERN.test(apiKey)) return null;
  const row = await sql.get<{ id: string; name: string; created_at_ms: number | string; key_id: string; project_id: string | null; last_used_at_ms: number | string | null }>(
    `SELECT o.id, o.name, o.created_at_ms, k.id AS key_id, k.project_id, k.last_used_at_ms
     FROM billing_api_keys k JOIN billing_organizations o ON o.id = k.org_id
     WHERE k.key_hash = ? AND k.revoked_at_ms IS NULL`,
    [hashOrgApiKey(apiKey)],
  );
  if (row === undefined) return null;
  return {
    organization: { id: row.id, name: row.name, createdAtMs: Number(row.created_at_ms) },
    keyId: row.key_id,
    projectId: row.project_id ?? defaultProjectId(row.id),
    lastUsedAtMs: row.last_used_at_ms === null ? null : Number(row.last_used_at_ms),
  };
}

/** Records that a key was used now, unless that was already recorded within LAST_USED_RESOLUTION_MS (then no write at all). */
export async function noteApiKeyUsed(sql: Sql, caller: ApiKeyCaller, nowMs: number): Promise<void> {
  if (caller.lastUsedAtMs !== null && nowMs - caller.lastUsedAtMs < LAST_USED_RESOLUTION_MS) return;
  await sql.run('UPDATE billing_api_keys SET last_used_at_ms = ? WHERE id = ? AND (last_used_at_ms IS NULL OR last_used_at_ms < ?)', [nowMs, caller.keyId, nowMs]);
}

export async function getOrganization(sql: Sql, orgId: string): Promise<Organization | null> {
  const row = await sql.get<{ id: string; name: string; created_at_ms: number | string }>(
    'SELECT id, name, created_at_ms FROM billing_organizations WHERE id = ?',
    [orgId],
  );
  return row === undefined ? null : { id: row.id, name: row.name, createdAtMs: Number(row.created_at_ms) };
}

/** The demo organization `cardlane up` creates, if it exists. */
export async function getDemoOrganization(sql: Sql): Promise<Organization | null> {
  const row = await sql.get<{ id: string; name: string; created_at_ms: number | string }>(
    'SELECT id, name, created_at_ms FROM billing_organizations WHERE is_demo = 1 ORDER BY id LIMIT 1',
  );
  return row === undefined ? null : { id: row.id, name: row.name, createdAtMs: Number(row.created_at_ms) };
}

/**
 * Locks the organization's row for the rest of the transaction: what an
 * organization changes about its billing (cards, purchases, subscriptions,
 * members) is decided one change at a time.
 */
export async function lockOrganization(tx: Tx, orgId: string): Promise<void> {
  const row = await tx.get(`SELECT id FROM billing_organizations WHERE id = ? ${tx.forUpdate}`, [orgId]);
  if (row === undefined) throw new BillingError('resource_missing', `No organization ${orgId}.`);
}
