import type { Sql, Tx } from '../../platform/db/database.ts';
import type { IdGenerator, RandomSource } from '../../platform/ids.ts';
import { hashesMatch, hashToken, looksLikeToken, newToken } from './secret-tokens.ts';

/** A session lasts 30 days from sign-in; then the app asks for a new code. */
export const SESSION_TTL_MS = 30 * 24 * 60 * 60 * 1000;

export interface NewSession {
  readonly id: string;
  /** The bearer token: shown once, stored only as a hash. */
  readonly token: string;
  readonly expiresAtMs: number;
}

export async function createSession(
  tx: Tx,
  deps: { readonly ids: IdGenerator; readonly random: RandomSource },
  cardholderId: string,
  nowMs: number,
): Promise<NewSession> {
  const id = deps.ids.next('ses');
  const token = newToken(deps.random);
  const expiresAtMs = nowMs + SESSION_TTL_MS;
  await tx.run('INSERT INTO issuer_sessions (id, cardholder_id, token_hash, created_at_ms, expires_at_ms) VALUES (?, ?, ?, ?, ?)', [
    id,
    cardholderId,
    hashToken(token),
    nowMs,
    expiresAtMs,
  ]);
  return { id, token, expiresAtMs };
}

/** The cardholder a live session token belongs to, or undefined (unknown, expired or revoked). */
export async function authenticateSession(sql: Sql, token: string, nowMs: number): Promise<{ sessionId: string; cardholderId: string } | undefined> {
  if (!looksLikeToken(token)) return undefined;
  const tokenHash = hashToken(token);
  const row = await sql.get<{ id: string; cardholder_id: string; token_hash: string }>(
    'SELECT id, cardholder_id, token_hash FROM issuer_sessions WHERE token_hash = ? AND expires_at_ms > ? AND revoked_at_ms IS NULL',
    [tokenHash, nowMs],
  );
  if (row === undefined || !hashesMatch(row.token_hash, tokenHash)) return undefined;
  return { sessionId: row.id, cardholderId: row.cardholder_id };
}

export async function revokeSession(sql: Sql, sessionId: string, nowMs: number): Promise<boolean> {
  return (await sql.run('UPDATE issuer_sessions SET revoked_at_ms = ? WHERE id = ? AND revoked_at_ms IS NULL', [nowMs, sessionId])) === 1;
}
