import type { Sql, Tx } from '../../platform/db/database.ts';
import { SessionStore, type NewSession } from '../../platform/identity/session-store.ts';
import type { IdGenerator, RandomSource } from '../../platform/ids.ts';
import type { Organization } from '../organizations.ts';
import type { Member, MemberRole } from './members.ts';

/**
 * A member's session on the billing page: a bearer token (`sess-cl-` + 32
 * random bytes in base64url, platform/identity/secret-tokens.ts) kept only
 * as its SHA-256, valid 12 hours from sign-in — a working day: the page
 * holds it for the tab's life, and money can be spent with it, so it does
 * not last weeks. The prefix tells it apart from an organization's API key
 * (`sk-cl-`) at a glance, for people and for the auth hook.
 */

export const MEMBER_SESSION_PREFIX = 'sess-cl-';
export const MEMBER_SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export type NewMemberSession = NewSession;

export interface MemberSession {
  readonly sessionId: string;
  readonly expiresAtMs: number;
  readonly member: Member;
  readonly organization: Organization;
}

const sessions = new SessionStore({
  table: 'billing_member_sessions',
  ownerColumn: 'member_id',
  idPrefix: 'mses',
  tokenPrefix: MEMBER_SESSION_PREFIX,
  ttlMs: MEMBER_SESSION_TTL_MS,
});

export function looksLikeMemberSessionToken(token: string): boolean {
  return sessions.looksLikeToken(token);
}

export function createMemberSession(tx: Tx, deps: { readonly ids: IdGenerator; readonly random: RandomSource }, memberId: string, nowMs: number): Promise<NewMemberSession> {
  return sessions.create(tx, deps, memberId, nowMs);
}

/** The member and organization of a live session token, or undefined (malformed, unknown, expired or signed out). */
export async function authenticateMemberSession(sql: Sql, token: string, nowMs: number): Promise<MemberSession | undefined> {
  const session = await sessions.authenticate(sql, token, nowMs);
  if (session === undefined) return undefined;
  const row = await sql.get<{
    email: string;
    role: MemberRole;
    member_created_at_ms: number | string;
    last_chosen_at_ms: number | string | null;
    org_id: string;
    org_name: string;
    org_created_at_ms: number | string;
  }>(
    `SELECT m.email, m.role, m.created_at_ms AS member_created_at_ms, m.last_chosen_at_ms, o.id AS org_id, o.name AS org_name, o.created_at_ms AS org_created_at_ms
     FROM billing_members m JOIN billing_organizations o ON o.id = m.org_id
     WHERE m.id = ?`,
    [session.ownerId],
  );
  if (row === undefined) return undefined;
  return {
    sessionId: session.sessionId,
    expiresAtMs: session.expiresAtMs,
    member: {
      id: session.ownerId,
      orgId: row.org_id,
      email: row.email,
      role: row.role,
      createdAtMs: Number(row.member_created_at_ms),
      lastChosenAtMs: row.last_chosen_at_ms === null ? null : Number(row.last_chosen_at_ms),
    },
    organization: { id: row.org_id, name: row.org_name, createdAtMs: Number(row.org_created_at_ms) },
  };
}

/** Signs a session out; true when it was live. */
export function revokeMemberSession(sql: Sql, sessionId: string, nowMs: number): Promise<boolean> {
  return sessions.revoke(sql, sessionId, nowMs);
}
