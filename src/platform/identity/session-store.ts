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
 *
 * With `idleTimeoutMs`, a session also ends when unused that long:
 * `expires_at_ms` is then the idle deadline, and each authenticated use
 * moves it to `now + idleTimeoutMs`, never past `created_at_ms + ttlMs`. So
 * the idle rule needs no column of its own, and a token lifted from a
 * backup, a log or a lost laptop stops working soon after its last use.
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
  /** A session unused this long expires (each use slides it); none when left out. */
  readonly idleTimeoutMs?: number;
}

/**
 * A use moves the idle deadline only when it has fallen this far behind
 * `now + idleTimeoutMs`: at most one write a minute per session, instead of
 * one per request, at the price of the deadline coming up to a minute early.
 */
export const SESSION_SLIDE_GRANULARITY_MS = 60_000;

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
  readonly #sql: { readonly insert: string; readonly live: string; readonly revoke: string; readonly slide: string };

  constructor(table: SessionTable) {
    for (const name of [table.table, table.ownerColumn]) {
      if (!IDENTIFIER.test(name)) throw new TypeError(`not an SQL identifier: ${JSON.stringify(name)}`);
    }
    if (table.idleTimeoutMs !== undefined && !(Number.isSafeInteger(table.idleTimeoutMs) && table.idleTimeoutMs > SESSION_SLIDE_GRANULARITY_MS)) {
      throw new RangeError(`idleTimeoutMs must be a whole number of milliseconds above ${SESSION_SLIDE_GRANULARITY_MS}`);
    }
    this.#table = table;
    const { table: t, ownerColumn: owner } = table;
    this.#sql = {
      insert: `INSERT INTO ${t} (id, ${owner}, token_hash, created_at_ms, expires_at_ms) VALUES (?, ?, ?, ?, ?)`,
      live: `SELECT id, ${owner} AS owner_id, token_hash, created_at_ms, expires_at_ms FROM ${t} WHERE token_hash = ? AND expires_at_ms > ? AND revoked_at_ms IS NULL`,
      revoke: `UPDATE ${t} SET revoked_at_ms = ? WHERE id = ? AND revoked_at_ms IS NULL`,
      // Never for a session that has meanwhile expired or been revoked.
      slide: `UPDATE ${t} SET expires_at_ms = ? WHERE id = ? AND expires_at_ms > ? AND revoked_at_ms IS NULL`,
    };
  }

  async create(tx: Tx, deps: { readonly ids: IdGenerator; readonly random: RandomSource }, ownerId: string, nowMs: number): Promise<NewSession> {
    const id = deps.ids.next(this.#table.idPrefix);
    const token = newToken(deps.random, this.#table.tokenPrefix);
    const expiresAtMs = this.#deadline(nowMs, nowMs);
    await tx.run(this.#sql.insert, [id, ownerId, hashToken(token), nowMs, expiresAtMs]);
    return { id, token, expiresAtMs };
  }

  /** True when `token` has the shape of this store's tokens; a cheap filter before any look-up. */
  looksLikeToken(token: string): boolean {
    return looksLikeToken(token, this.#table.tokenPrefix);
  }

  /**
   * The live session of a token, or undefined (malformed, unknown, expired,
   * idle too long or revoked). A use of a session with an idle timeout
   * slides its deadline (see SESSION_SLIDE_GRANULARITY_MS).
   */
  async authenticate(sql: Sql, token: string, nowMs: number): Promise<LiveSession | undefined> {
    if (!this.looksLikeToken(token)) return undefined;
    const tokenHash = hashToken(token);
    const row = await sql.get<{ id: string; owner_id: string; token_hash: string; created_at_ms: number | string; expires_at_ms: number | string }>(this.#sql.live, [
      tokenHash,
      nowMs,
    ]);
    if (row === undefined || !hashesMatch(row.token_hash, tokenHash)) return undefined;
    let expiresAtMs = Number(row.expires_at_ms);
    const { idleTimeoutMs } = this.#table;
    if (idleTimeoutMs !== undefined) {
      const slidTo = this.#deadline(Number(row.created_at_ms), nowMs);
      // A deadline beyond the idle timeout is a session made before the table had one: brought in at its first use.
      const fromBefore = expiresAtMs > nowMs + idleTimeoutMs;
      if (fromBefore || slidTo - expiresAtMs >= SESSION_SLIDE_GRANULARITY_MS) {
        await sql.run(this.#sql.slide, [slidTo, row.id, nowMs]);
        expiresAtMs = slidTo;
      }
    }
    return { sessionId: row.id, ownerId: row.owner_id, expiresAtMs };
  }

  /** When a session created at `createdAtMs` and used at `nowMs` expires: the idle deadline, capped by the lifetime. */
  #deadline(createdAtMs: number, nowMs: number): number {
    const { ttlMs, idleTimeoutMs } = this.#table;
    const lifetimeEnd = createdAtMs + ttlMs;
    return idleTimeoutMs === undefined ? lifetimeEnd : Math.min(lifetimeEnd, nowMs + idleTimeoutMs);
  }

  /** Ends a session; true when it was live. */
  async revoke(sql: Sql, sessionId: string, nowMs: number): Promise<boolean> {
    return (await sql.run(this.#sql.revoke, [nowMs, sessionId])) === 1;
  }
}
