import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../clock.ts';
import type { Database, Sql, Tx } from '../db/database.ts';
import { inTransaction } from '../db/database.ts';
import type { IdGenerator, RandomSource } from '../ids.ts';
import { lockName } from './locks.ts';
import { hashesMatch, hashToken, looksLikeToken, newToken } from './secret-tokens.ts';

/**
 * Operator API keys in the caller's own table: `op_<43 base64url
 * characters>` (secret-tokens.ts), stored hashed, revocable, and on first
 * start one written to `<dataDir>/operator-key` for the person who
 * installed Cardlane. The table has the columns `id`, `name`, `key_hash`,
 * `key_prefix`, `created_at_ms`, `revoked_at_ms`.
 */

export const OPERATOR_KEY_PREFIX = 'op_';
export const OPERATOR_KEY_FILE_NAME = 'operator-key';
export const OPERATOR_KEY_FILE_MODE = 0o600;
const NAME_MAX_CHARS = 100;
// Enough to tell keys apart in a list; reveals 30 of the 256 bits.
const SHOWN_PREFIX_CHARS = OPERATOR_KEY_PREFIX.length + 5;
// Keys are made by hand: a list never needs more.
const LIST_MAX_ROWS = 1000;
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

export interface OperatorKeyTable {
  /** e.g. `issuer_operator_keys`. */
  readonly table: string;
  /** The lock first starts serialize on, so several processes create at most one key. */
  readonly bootstrapLock: string;
}

export interface OperatorKeyDeps {
  readonly ids: IdGenerator;
  readonly random: RandomSource;
}

export interface CreatedOperatorKey {
  readonly id: string;
  readonly name: string;
  /** The key itself: shown once, never stored. */
  readonly key: string;
  readonly createdAtMs: number;
}

export interface OperatorKeySummary {
  readonly id: string;
  readonly name: string;
  readonly keyPrefix: string;
  readonly createdAtMs: number;
  readonly revokedAtMs: number | null;
}

export class OperatorKeyStore {
  readonly #bootstrapLock: string;
  readonly #sql: { readonly insert: string; readonly live: string; readonly liveById: string; readonly anyLive: string; readonly revoke: string; readonly list: string };

  constructor(table: OperatorKeyTable) {
    if (!IDENTIFIER.test(table.table)) throw new TypeError(`not an SQL identifier: ${JSON.stringify(table.table)}`);
    const t = table.table;
    this.#bootstrapLock = table.bootstrapLock;
    this.#sql = {
      insert: `INSERT INTO ${t} (id, name, key_hash, key_prefix, created_at_ms) VALUES (?, ?, ?, ?, ?)`,
      live: `SELECT id, key_hash FROM ${t} WHERE key_hash = ? AND revoked_at_ms IS NULL`,
      liveById: `SELECT id, name, key_prefix, created_at_ms, revoked_at_ms FROM ${t} WHERE id = ? AND revoked_at_ms IS NULL`,
      anyLive: `SELECT id FROM ${t} WHERE revoked_at_ms IS NULL LIMIT 1`,
      revoke: `UPDATE ${t} SET revoked_at_ms = ? WHERE id = ? AND revoked_at_ms IS NULL`,
      list: `SELECT id, name, key_prefix, created_at_ms, revoked_at_ms FROM ${t} ORDER BY created_at_ms, id LIMIT ${LIST_MAX_ROWS}`,
    };
  }

  async create(sql: Sql, deps: OperatorKeyDeps, name: string, nowMs: number): Promise<CreatedOperatorKey> {
    const trimmed = name.trim();
    if (trimmed.length === 0 || trimmed.length > NAME_MAX_CHARS) throw new RangeError(`an operator key name is 1 to ${NAME_MAX_CHARS} characters`);
    const id = deps.ids.next('opk');
    const key = newToken(deps.random, OPERATOR_KEY_PREFIX);
    await sql.run(this.#sql.insert, [id, trimmed, hashToken(key), key.slice(0, SHOWN_PREFIX_CHARS), nowMs]);
    return { id, name: trimmed, key, createdAtMs: nowMs };
  }

  /** The id of the live operator key `key`, or undefined. */
  async verify(sql: Sql, key: string): Promise<string | undefined> {
    if (!looksLikeToken(key, OPERATOR_KEY_PREFIX)) return undefined;
    const keyHash = hashToken(key);
    const row = await sql.get<{ id: string; key_hash: string }>(this.#sql.live, [keyHash]);
    return row !== undefined && hashesMatch(row.key_hash, keyHash) ? row.id : undefined;
  }

  /** The key with this id while it is live (what a session made with it checks at each use), else undefined. */
  async live(sql: Sql, id: string): Promise<OperatorKeySummary | undefined> {
    const row = await sql.get<KeyRow>(this.#sql.liveById, [id]);
    return row === undefined ? undefined : summaryOf(row);
  }

  /** True when the key was live and is now revoked. */
  async revoke(sql: Sql, id: string, nowMs: number): Promise<boolean> {
    return (await sql.run(this.#sql.revoke, [nowMs, id])) === 1;
  }

  async list(sql: Sql): Promise<OperatorKeySummary[]> {
    const rows = await sql.all<KeyRow>(this.#sql.list);
    return rows.map(summaryOf);
  }

  /**
   * First start: when no live operator key exists, creates one and writes it
   * to `<dataDir>/operator-key` (mode 0600) for the person who installed
   * Cardlane. Record, then write; if the file cannot be written the key is
   * revoked again (nobody could ever use it) and the error is thrown.
   * Several processes starting at once create at most one key.
   */
  async bootstrap(
    db: Database,
    deps: OperatorKeyDeps & { readonly clock: Clock },
    dataDir: string,
    /** Runs in the transaction that records the key, e.g. to keep a sealed copy other processes can hand out. */
    onCreated?: (tx: Tx, key: CreatedOperatorKey) => Promise<void>,
  ): Promise<{ readonly created: false } | { readonly created: true; readonly id: string; readonly path: string }> {
    const created = await inTransaction(db, async (tx: Tx) => {
      await lockName(tx, this.#bootstrapLock);
      if ((await tx.get(this.#sql.anyLive)) !== undefined) return undefined;
      const key = await this.create(tx, deps, 'bootstrap', deps.clock.nowMs());
      await onCreated?.(tx, key);
      return key;
    });
    if (created === undefined) return { created: false };
    try {
      return { created: true, id: created.id, path: writeOperatorKeyFile(dataDir, created.key) };
    } catch (error) {
      await this.revoke(db, created.id, deps.clock.nowMs());
      throw error;
    }
  }
}

interface KeyRow {
  id: string;
  name: string;
  key_prefix: string;
  created_at_ms: number | string;
  revoked_at_ms: number | string | null;
}

function summaryOf(row: KeyRow): OperatorKeySummary {
  return {
    id: row.id,
    name: row.name,
    keyPrefix: row.key_prefix,
    createdAtMs: Number(row.created_at_ms),
    revokedAtMs: row.revoked_at_ms === null ? null : Number(row.revoked_at_ms),
  };
}

/** Writes `key` to `<dataDir>/operator-key` (mode 0600, atomically); returns the path. */
export function writeOperatorKeyFile(dataDir: string, key: string): string {
  const path = join(dataDir, OPERATOR_KEY_FILE_NAME);
  try {
    mkdirSync(dataDir, { recursive: true });
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, `${key}\n`, { mode: OPERATOR_KEY_FILE_MODE });
    chmodSync(temporary, OPERATOR_KEY_FILE_MODE);
    renameSync(temporary, path);
    return path;
  } catch (error) {
    throw new Error(`could not write the operator key to ${path}: ${(error as Error).message}`, { cause: error });
  }
}
