import type { Sql, Tx } from '../db/database.ts';
import type { IdGenerator, RandomSource } from '../ids.ts';
import type { OperatorKeyStore } from './operator-keys.ts';
import { SessionStore, type NewSession } from './session-store.ts';

/**
 * Browser sessions of the operator console: an operator key pasted once is
 * exchanged for a session token that lives only in an HttpOnly,
 * SameSite=Strict cookie — so the key itself never sits in the browser's
 * storage or a URL, and no script (ours or an injected one) can read the
 * credential. A session belongs to the key it was made with and dies with
 * it: revoking the key ends its sessions at their next use.
 *
 * A cookie is sent by the browser on its own, so a request authenticated by
 * it must also prove it comes from the console's own page: a state-changing
 * one carries `X-CSRF-Token`, a value derived from the session token that
 * only the console's page is told (in the sign-in answer and at
 * `GET …/operator/session`, which no other origin can read); and a browser
 * that says the request is cross-site (`Sec-Fetch-Site`) is refused outright.
 */

export const OPERATOR_SESSION_COOKIE = 'cardlane_operator';
export const OPERATOR_SESSION_TOKEN_PREFIX = 'ops_';
/** A working day; the idle timeout ends a session left open sooner. */
export const OPERATOR_SESSION_TTL_MS = 8 * 3600_000;
export const OPERATOR_SESSION_IDLE_MS = 30 * 60_000;

export interface OperatorSessionTable {
  /** e.g. `issuer_operator_sessions`, with `id`, `operator_key_id`, `token_hash`, `created_at_ms`, `expires_at_ms`, `revoked_at_ms`. */
  readonly table: string;
}

export interface OperatorSession {
  readonly sessionId: string;
  readonly keyId: string;
  readonly expiresAtMs: number;
}

export class OperatorSessionStore {
  readonly #sessions: SessionStore;
  readonly #keys: OperatorKeyStore;

  constructor(table: OperatorSessionTable, keys: OperatorKeyStore) {
    this.#keys = keys;
    this.#sessions = new SessionStore({
      table: table.table,
      ownerColumn: 'operator_key_id',
      idPrefix: 'opses',
      tokenPrefix: OPERATOR_SESSION_TOKEN_PREFIX,
      ttlMs: OPERATOR_SESSION_TTL_MS,
      idleTimeoutMs: OPERATOR_SESSION_IDLE_MS,
    });
  }

  create(tx: Tx, deps: { readonly ids: IdGenerator; readonly random: RandomSource }, keyId: string, nowMs: number): Promise<NewSession> {
    return this.#sessions.create(tx, deps, keyId, nowMs);
  }

  looksLikeToken(token: string): boolean {
    return this.#sessions.looksLikeToken(token);
  }

  /** The live session of `token` whose key is still live; undefined otherwise. */
  async authenticate(sql: Sql, token: string, nowMs: number): Promise<OperatorSession | undefined> {
    const session = await this.#sessions.authenticate(sql, token, nowMs);
    if (session === undefined) return undefined;
    if ((await this.#keys.live(sql, session.ownerId)) === undefined) return undefined;
    return { sessionId: session.sessionId, keyId: session.ownerId, expiresAtMs: session.expiresAtMs };
  }

  revoke(sql: Sql, sessionId: string, nowMs: number): Promise<boolean> {
    return this.#sessions.revoke(sql, sessionId, nowMs);
  }
}
