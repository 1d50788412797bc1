import { mkdirSync, writeFileSync, chmodSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { Database, Sql, Tx } from '../../platform/db/database.ts';
import { inTransaction } from '../../platform/db/database.ts';
import type { Clock } from '../../platform/clock.ts';
import type { IdGenerator, RandomSource } from '../../platform/ids.ts';
import { lockName } from './locks.ts';
import { hashesMatch, hashToken, looksLikeToken, newToken } from './secret-tokens.ts';

/** Operator API keys look like `op_<43 base64url characters>`; stored hashed. */
export const OPERATOR_KEY_PREFIX = 'op_';
export const OPERATOR_KEY_FILE_NAME = 'operator-key';
export const OPERATOR_KEY_FILE_MODE = 0o600;
const NAME_MAX_CHARS = 100;
// Enough to tell keys apart in a list; reveals 30 of the 256 bits.
const SHOWN_PREFIX_CHARS = OPERATOR_KEY_PREFIX.length + 5;

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

export async function createOperatorKey(sql: Sql, deps: OperatorKeyDeps, name: string, nowMs: number): Promise<CreatedOperatorKey> {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > NAME_MAX_CHARS) throw new RangeError(`an operator key name is 1 to ${NAME_MAX_CHARS} characters`);
  const id = deps.ids.next('opk');
  const key = newToken(deps.random, OPERATOR_KEY_PREFIX);
  await sql.run('INSERT INTO issuer_operator_keys (id, name, key_hash, key_prefix, created_at_ms) VALUES (?, ?, ?, ?, ?)', [
    id,
    trimmed,
    hashToken(key),
    key.slice(0, SHOWN_PREFIX_CHARS),
    nowMs,
  ]);
  return { id, name: trimmed, key, createdAtMs: nowMs };
}

/** The id of the live operator key `key`, or undefined. */
export async function verifyOperatorKey(sql: Sql, key: string): Promise<string | undefined> {
  if (!looksLikeToken(key, OPERATOR_KEY_PREFIX)) return undefined;
  const keyHash = hashToken(key);
  const row = await sql.get<{ id: string; key_hash: string }>(
    'SELECT id, key_hash FROM issuer_operator_keys WHERE key_hash = ? AND revoked_at_ms IS NULL',
    [keyHash],
  );
  return row !== undefined && hashesMatch(row.key_hash, keyHash) ? row.id : undefined;
}

/** True when the key was live and is now revoked. */
export async function revokeOperatorKey(sql: Sql, id: string, nowMs: number): Promise<boolean> {
  return (await sql.run('UPDATE issuer_operator_keys SET revoked_at_ms = ? WHERE id = ? AND revoked_at_ms IS NULL', [nowMs, id])) === 1;
}

export interface OperatorKeySummary {
  readonly id: string;
  readonly name: string;
  readonly keyPrefix: string;
  readonly createdAtMs: number;
  readonly revokedAtMs: number | null;
}

export async function listOperatorKeys(sql: Sql): Promise<OperatorKeySummary[]> {
  const rows = await sql.all<{ id: string; name: string; key_prefix: string; created_at_ms: number | string; revoked_at_ms: number | string | null }>(
    'SELECT id, name, key_prefix, created_at_ms, revoked_at_ms FROM issuer_operator_keys ORDER BY created_at_ms, id LIMIT 1000',
  );
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    keyPrefix: row.key_prefix,
    createdAtMs: Number(row.created_at_ms),
    revokedAtMs: row.revoked_at_ms === null ? null : Number(row.revoked_at_ms),
  }));
}

/**
 * First start: when no live operator key exists, creates one and writes it
 * to `<dataDir>/operator-key` (mode 0600) for the person who installed
 * Cardlane. Record, then write; if the file cannot be written the key is
 * revoked again (nobody could ever use it) and the error is thrown.
 * Several processes starting at once create at most one key.
 */
export async function bootstrapOperatorKey(
  db: Database,
  deps: OperatorKeyDeps & { readonly clock: Clock },
  dataDir: string,
): Promise<{ readonly created: false } | { readonly created: true; readonly id: string; readonly path: string }> {
  const created = await inTransaction(db, async (tx: Tx) => {
    await lockName(tx, 'issuer:operator-key-bootstrap');
    const live = await tx.get('SELECT id FROM issuer_operator_keys WHERE revoked_at_ms IS NULL LIMIT 1');
    if (live !== undefined) return undefined;
    return createOperatorKey(tx, deps, 'bootstrap', deps.clock.nowMs());
  });
  if (created === undefined) return { created: false };
  const path = join(dataDir, OPERATOR_KEY_FILE_NAME);
  try {
    mkdirSync(dataDir, { recursive: true });
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, `${created.key}\n`, { mode: OPERATOR_KEY_FILE_MODE });
    chmodSync(temporary, OPERATOR_KEY_FILE_MODE);
    renameSync(temporary, path);
  } catch (error) {
    await revokeOperatorKey(db, created.id, deps.clock.nowMs());
    throw new Error(`could not write the operator key to ${path}: ${(error as Error).message}`, { cause: error });
  }
  return { created: true, id: created.id, path };
}
