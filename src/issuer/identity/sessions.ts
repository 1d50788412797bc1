import type { Sql, Tx } from '../../platform/db/database.ts';
import { SessionStore, type NewSession } from '../../platform/identity/session-store.ts';
import type { IdGenerator, RandomSource } from '../../platform/ids.ts';

export type { NewSession } from '../../platform/identity/session-store.ts';

/** A session lasts at most 30 days from sign-in, however often it is used; then the app asks for a new code. */
export const SESSION_TTL_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * …and ends sooner when unused for 12 hours: a cardholder who opened the app
 * today stays signed in, while a token copied from a phone backup, a log or
 * a forgotten CLI session file stops working half a day after its last use.
 * Shorter would ask for an SMS code several times a day; revealing the card
 * number asks for a code of its own anyway.
 */
export const SESSION_IDLE_TIMEOUT_MS = 12 * 60 * 60 * 1000;

/** Cardholders' sessions in `issuer_sessions`: bare tokens (no prefix), kept by the platform's session store. */
const sessions = new SessionStore({
  table: 'issuer_sessions',
  ownerColumn: 'cardholder_id',
  idPrefix: 'ses',
  tokenPrefix: '',
  ttlMs: SESSION_TTL_MS,
  idleTimeoutMs: SESSION_IDLE_TIMEOUT_MS,
});

export function createSession(tx: Tx, deps: { readonly ids: IdGenerator; readonly random: RandomSource }, cardholderId: string, nowMs: number): Promise<NewSession> {
  return sessions.create(tx, deps, cardholderId, nowMs);
}

/** The cardholder a live session token belongs to, or undefined (unknown, expired, idle too long or revoked); a use slides the idle deadline. */
export async function authenticateSession(sql: Sql, token: string, nowMs: number): Promise<{ sessionId: string; cardholderId: string; expiresAtMs: number } | undefined> {
  const session = await sessions.authenticate(sql, token, nowMs);
  return session === undefined ? undefined : { sessionId: session.sessionId, cardholderId: session.ownerId, expiresAtMs: session.expiresAtMs };
}

/** Signs a session out; true when it was live. */
export function revokeSession(sql: Sql, sessionId: string, nowMs: number): Promise<boolean> {
  return sessions.revoke(sql, sessionId, nowMs);
}
