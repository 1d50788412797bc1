import { createHash } from 'node:crypto';
import type { Sql, Tx } from '../platform/db/database.ts';
import { BillingError } from './errors.ts';
import type { BillingDeps } from './billing-deps.ts';
import { ensureBillingAccounts } from './billing-ledger.ts';

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
  /** The key's last four characters, to tell keys apart in a list. */
  readonly last4: string;
  readonly createdAtMs: number;
  readonly revokedAtMs: number | null;
}

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
  const key = await addOrganizationApiKey(tx, deps, organization.id);
  return { organization, apiKey: key.apiKey, apiKeyId: key.id };
}

/** A new key for an organization; the clear key is returned once and never stored. */
export async function addOrganizationApiKey(tx: Tx, deps: Pick<BillingDeps, 'clock' | 'ids' | 'random'>, orgId: string): Promise<{ id: string; apiKey: string }> {
  const apiKey = newOrgApiKey(deps.random);
  const id = deps.ids.next('key');
  await tx.run('INSERT INTO billing_api_keys (id, org_id, key_hash, key_last4, created_at_ms) VALUES (?, ?, ?, ?, ?)', [
    id,
    orgId,
    hashOrgApiKey(apiKey),
    apiKey.slice(-4),
    deps.clock.nowMs(),
  ]);
  return { id, apiKey };
}

interface KeyRow {
  id: string;
  org_id: string;
  key_last4: string;
  created_at_ms: number | string;
  revoked_at_ms: number | string | null;
}

export async function listOrganizationApiKeys(sql: Sql, orgId: string): Promise<ApiKeySummary[]> {
  const rows = await sql.all<KeyRow>(
    'SELECT id, org_id, key_last4, created_at_ms, revoked_at_ms FROM billing_api_keys WHERE org_id = ? ORDER BY id',
    [orgId],
  );
  return rows.map((row) => ({
    id: row.id,
    orgId: row.org_id,
    last4: row.key_last4,
    createdAtMs: Number(row.created_at_ms),
    revokedAtMs: row.revoked_at_ms === null ? null : Number(row.revoked_at_ms),
  }));
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
