import { hashesMatch, hashToken, looksLikeToken, newToken } from '../../issuer/identity/secret-tokens.ts';
import type { Sql, Tx } from '../../platform/db/database.ts';
import type { IdGenerator, RandomSource } from '../../platform/ids.ts';
import type { Organization } from '../organizations.ts';
import type { Member, MemberRole } from './members.ts';

/**
 * A member's session on the billing page: a bearer token (`sess-cl-` + 32
 * random bytes in base64url, `secret-tokens.ts`) kept only as its SHA-256,
 * valid 12 hours from sign-in — a working day: the page holds it for the
 * tab's life, and money can be spent with it, so it does not last weeks.
 * The prefix tells it apart from an organization's API key (`sk-cl-`) at a
 * glance, for people and for the auth hook.
 */

export const MEMBER_SESSION_PREFIX = 'sess-cl-';
export const MEMBER_SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export interface NewMemberSession {
  readonly id: string;
  /** Shown once, stored only as a hash. */
  readonly token: string;
  readonly expiresAtMs: number;
}

export interface MemberSession {
  readonly sessionId: string;
  readonly expiresAtMs: number;
  readonly member: Member;
  readonly organization: Organization;
}

export function looksLikeMemberSessionToken(token: string): boolean {
  return looksLikeToken(token, MEMBER_SESSION_PREFIX);
}

export async function createMemberSession(
  tx: Tx,
  deps: { readonly ids: IdGenerator; readonly random: RandomSource },
  memberId: string,
  nowMs: number,
): Promise<NewMemberSession> {
  const id = deps.ids.next('mses');
  const token = newToken(deps.random, MEMBER_SESSION_PREFIX);
  const expiresAtMs = nowMs + MEMBER_SESSION_TTL_MS;
  await tx.run('INSERT INTO billing_member_sessions (id, member_id, token_hash, created_at_ms, expires_at_ms) VALUES (?, ?, ?, ?, ?)', [
    id,
    memberId,
    hashToken(token),
    nowMs,
    expiresAtMs,
  ]);
  return { id, token, expiresAtMs };
}

/** The member and organization of a live session token, or undefined (malformed, unknown, expired or signed out). */
export async function authenticateMemberSession(sql: Sql, token: string, nowMs: number): Promise<MemberSession | undefined> {
  if (!looksLikeMemberSessionToken(token)) return undefined;
  const tokenHash = hashToken(token);
  const row = await sql.get<{
    id: string;
    token_hash: string;
    expires_at_ms: number | string;
    member_id: string;
    email: string;
    role: MemberRole;
    member_created_at_ms: number | string;
    org_id: string;
    org_name: string;
    org_created_at_ms: number | string;
  }>(
    `SELECT s.id, s.token_hash, s.expires_at_ms, m.id AS member_id, m.email, m.role, m.created_at_ms AS member_created_at_ms,
            o.id AS org_id, o.name AS org_name, o.created_at_ms AS org_created_at_ms
     FROM billing_member_sessions s JOIN billing_members m ON m.id = s.member_id JOIN billing_organizations o ON o.id = m.org_id
     WHERE s.token_hash = ? AND s.expires_at_ms > ? AND s.revoked_at_ms IS NULL`,
    [tokenHash, nowMs],
  );
  if (row === undefined || !hashesMatch(row.token_hash, tokenHash)) return undefined;
  return {
    sessionId: row.id,
    expiresAtMs: Number(row.expires_at_ms),
    member: { id: row.member_id, orgId: row.org_id, email: row.email, role: row.role, createdAtMs: Number(row.member_created_at_ms) },
    organization: { id: row.org_id, name: row.org_name, createdAtMs: Number(row.org_created_at_ms) },
  };
}

/** Signs a session out; true when it was live. */
export async function revokeMemberSession(sql: Sql, sessionId: string, nowMs: number): Promise<boolean> {
  return (await sql.run('UPDATE billing_member_sessions SET revoked_at_ms = ? WHERE id = ? AND revoked_at_ms IS NULL', [nowMs, sessionId])) === 1;
}
