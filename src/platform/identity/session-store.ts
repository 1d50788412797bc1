import type { Sql, Tx } from '../db/database.ts';
import type { IdGenerator, RandomSource } from '../ids.ts';
import { hashesMatch, hashToken, looksLikeToken, newToken } from './secret-tokens.ts';

/**
 * Sign-in sessions in the caller's own table: a bearer token
 * (secret-tokens.ts, with the caller's prefix) kept only as its SHA-256,
 * valid `ttlMs` from sign-in until it expires or is revoked. The table is
 * the caller's: it names it and the column of whom a session belongs to;
 * the other columns are the same everywhere — `id`, `token_hash`,
 * `created_at_ms`, `expires_at_ms`, `revoked_at_ms`.
 */

export interface SessionTable {
  /** e.g. `issuer_sessions`. */
  readonly table: string;
  /** Whom a session belongs to, e.g. `cardholder_id`. */
  readonly ownerColumn: string;
  /** Of the sessions' ids, e.g. `ses`. */
  readonly idPrefix: string;
  /** Of the tokens, so they tell their kind at a glance (may be empty). */
  readonly tokenPrefix: string;
  readonly ttlMs: number;
}

export interface NewSession {
  readonly id: string;
  /** The bearer token: shown once, stored only as a hash. */
  readonly token: string;
  readonly expiresAtMs: number;
}

export interface LiveSession {
  readonly sessionId: string;
  readonly ownerId: string;
  readonly expiresAtMs: number;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

export class SessionStore {
  readonly #table: SessionTable;
  readonly #sql: { readonly insert: string; readonly live: string; readonly revoke: string };

  constructor(table: SessionTable) {
    for (const name of [table.table, table.ownerColumn]) {
      if (!IDENTIFIER.test(name)) throw new TypeError(`not an SQL identifier: ${JSON.stringify(name)}`);
    }
    this.#table = table;
    const { table: t, ownerColumn: owner } = table;
    this.#sql = {
      insert: `INSERT INTO ${t} (id, ${owner}, token_hash, created_at_ms, expires_at_ms) VALUES (?, ?, ?, ?, ?)`,
      live: `SELECT id, ${owner} AS owner_id, token_hash, expires_at_ms FROM ${t} WHERE token_hash = ? AND expires_at_ms > ? AND revoked_at_ms IS NULL`,
      revoke: `UPDATE ${t} SET revoked_at_ms = ? WHERE id = ? AND revoked_at_ms IS NULL`,
    };
  }

  async create(tx: Tx, deps: { readonly ids: IdGenerator; readonly random: RandomSource }, ownerId: string, nowMs: number): Promise<NewSession> {
    const id = deps.ids.next(this.#table.idPrefix);
    const token = newToken(deps.random, this.#table.tokenPrefix);
    const expiresAtMs = nowMs + this.#table.ttlMs;
    await tx.run(this.#sql.insert, [id, ownerId, hashToken(token), nowMs, expiresAtMs]);
    return { id, token, expiresAtMs };
  }

  /** True when `token` has the shape of this store's tokens; a cheap filter before any look-up. */
  looksLikeToken(token: string): boolean {
    return looksLikeToken(token, this.#table.tokenPrefix);
  }

  /** The live session of a token, or undefined (malformed, unknown, expired or revoked). */
  async authenticate(sql: Sql, token: string, nowMs: number): Promise<LiveSession | undefined> {
    if (!this.looksLikeToken(token)) return undefined;
    const tokenHash = hashToken(token);
    const row = await sql.get<{ id: string; owner_id: string; token_hash: string; expires_at_ms: number | string }>(this.#sql.live, [tokenHash, nowMs]);
    if (row === undefined || !hashesMatch(row.token_hash, tokenHash)) return undefined;
    return { sessionId: row.id, ownerId: row.owner_id, expiresAtMs: Number(row.expires_at_ms) };
  }

  /** Ends a session; true when it was live. */
  async revoke(sql: Sql, sessionId: string, nowMs: number): Promise<boolean> {
    return (await sql.run(this.#sql.revoke, [nowMs, sessionId])) === 1;
  }
}
