import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database, Sql, Tx } from '../db/database.ts';
import { inTransaction } from '../db/database.ts';
import type { Migration } from '../db/migrations.ts';
import { lockName } from '../identity/locks.ts';
import type { Logger } from '../logger.ts';
import { openSecret, sealSecret, SecretUnsealError } from './envelope.ts';

/**
 * The deployment's secrets — the issuer's keyring, the acquirer's vault
 * key, the network's PAR key, billing's member pepper, the Alipay sandbox's
 * key — kept in the database, each sealed under the master key
 * (envelope.ts). Every process on one database reads the same set, so a
 * card saved through one process can be charged through another; the
 * first process to start creates what is missing and the others read it.
 *
 * A secret has versions (`kid` v1, v2, …); the newest is the one in use.
 * A version is never changed or deleted once written — an overwritten key
 * would orphan everything sealed under it — so rotation adds a version
 * (`addVersion`) holding what the secret's owner needs to keep reading old
 * data (the issuer's keyring carries its old PAN keys, for instance).
 */

export const secretStoreMigrations: readonly Migration[] = [
  {
    id: 'platform/004_secrets',
    sql: `
      CREATE TABLE platform_secrets (
        name TEXT NOT NULL,
        kid TEXT NOT NULL,
        ciphertext TEXT NOT NULL,
        created_at_ms BIGINT NOT NULL,
        PRIMARY KEY (name, kid)
      );
    `,
  },
];

/** How one party's secret is made, read, and found in a data directory from before secrets moved to the database. */
export interface SecretSpec<T> {
  /** Stable and namespaced by its owner, e.g. `acquirer.vault-key`; bound into the seal. */
  readonly name: string;
  /** A fresh value's bytes, made once per deployment (by the system's generator: this is a key, not a test fixture). */
  generate(): Buffer;
  /** The stored bytes → the value; throws when they are not a valid value. */
  decode(bytes: Buffer): T;
  /** Where older Cardlanes kept this secret: `<dataDir>/<legacyFileName>`, and its text → the bytes stored. */
  readonly legacyFile?: { readonly fileName: string; parse(text: string, path: string): Buffer };
}

/** How a secret came to this process, for the start-up log. */
export type SecretOrigin = 'database' | 'created' | 'imported';

/** The master key given to this process does not open the secrets already in the database: starting would need new secrets over old ones. */
export class MasterKeyMismatchError extends Error {
  constructor(databaseDescription: string, masterKeySource: string, cause: SecretUnsealError) {
    super(
      `the master key from ${masterKeySource} does not open the secrets stored in ${databaseDescription} (${cause.message}). ` +
        'Every process on one database needs the same master key: give this one the key the first process used ' +
        '(CARDLANE_MASTER_KEY or --master-key-file; a process started without one generated it as master-key in its data directory). ' +
        'Cardlane will not start, so that it never makes new secrets over the old ones.',
      { cause },
    );
    this.name = 'MasterKeyMismatchError';
  }
}

const FIRST_KID = 'v1';

interface SecretRow {
  kid: string;
  ciphertext: string;
}

export class SecretStore {
  readonly #db: Database;
  readonly #masterKey: Buffer;
  readonly #masterKeySource: string;
  readonly #nowMs: () => number;

  constructor(db: Database, masterKey: { readonly key: Buffer; readonly source: string }, nowMs: () => number) {
    this.#db = db;
    this.#masterKey = masterKey.key;
    this.#masterKeySource = masterKey.source;
    this.#nowMs = nowMs;
  }

  /**
   * Refuses a master key that does not open what is already stored — before
   * anything is created, so a wrongly keyed process never adds a secret of
   * its own beside the deployment's.
   */
  async checkMasterKey(): Promise<void> {
    const row = await this.#db.get<SecretRow & { name: string }>('SELECT name, kid, ciphertext FROM platform_secrets ORDER BY created_at_ms, name, kid LIMIT 1');
    if (row !== undefined) this.#open(row.name, row);
  }

  /**
   * The secret's newest version. When the database has none: today's key
   * file from `dataDir` if there is one (so a deployment that kept its keys
   * in files keeps decrypting its cards), else a fresh value. Processes
   * starting at once insert under a lock and with ON CONFLICT DO NOTHING,
   * then all read back the row that won.
   */
  async loadOrCreate<T>(spec: SecretSpec<T>, dataDir: string, logger?: Logger): Promise<{ readonly value: T; readonly origin: SecretOrigin }> {
    const stored = await this.#latest(this.#db, spec.name);
    const legacy = readLegacyFile(spec, dataDir);
    if (stored !== undefined) {
      warnIfLegacyDiffers(spec, legacy, stored.bytes, logger);
      return { value: spec.decode(stored.bytes), origin: 'database' };
    }
    const candidate = legacy?.bytes ?? spec.generate();
    spec.decode(candidate); // a malformed key file fails here, with its own message, before it is stored
    const won = await inTransaction(this.#db, async (tx) => {
      await lockName(tx, `platform:secret:${spec.name}`);
      await this.#insert(tx, spec.name, FIRST_KID, candidate);
      return (await this.#latest(tx, spec.name))!;
    });
    const ours = won.bytes.equals(candidate);
    if (!ours) warnIfLegacyDiffers(spec, legacy, won.bytes, logger);
    return { value: spec.decode(won.bytes), origin: !ours ? 'database' : legacy !== undefined ? 'imported' : 'created' };
  }

  /** The newest version of `name`, or undefined. */
  async latest(name: string, sql: Sql = this.#db): Promise<{ readonly kid: string; readonly bytes: Buffer } | undefined> {
    return this.#latest(sql, name);
  }

  /** Writes `bytes` as the newest version of `name`, in the caller's transaction (with the record it belongs to); returns its kid. */
  async appendVersion(tx: Tx, name: string, bytes: Buffer): Promise<string> {
    await lockName(tx, `platform:secret:${name}`);
    const current = await this.#latest(tx, name);
    const kid = current === undefined ? FIRST_KID : `v${versionOf(current.kid) + 1}`;
    await this.#insert(tx, name, kid, bytes);
    return kid;
  }

  /**
   * Rotation: a new newest version of `name`, made from the current one
   * under the secret's lock (two rotations at once make two versions, the
   * second from the first). Returns its kid. Running processes keep the
   * version they read until they restart.
   */
  async addVersion<T>(spec: SecretSpec<T>, next: (current: T) => Buffer): Promise<string> {
    return inTransaction(this.#db, async (tx) => {
      await lockName(tx, `platform:secret:${spec.name}`);
      const current = await this.#latest(tx, spec.name);
      if (current === undefined) throw new Error(`secret ${spec.name} does not exist yet: start Cardlane once first`);
      const bytes = next(spec.decode(current.bytes));
      spec.decode(bytes);
      const kid = `v${versionOf(current.kid) + 1}`;
      await this.#insert(tx, spec.name, kid, bytes);
      return kid;
    });
  }

  #insert(sql: Sql, name: string, kid: string, bytes: Buffer): Promise<number> {
    return sql.run('INSERT INTO platform_secrets (name, kid, ciphertext, created_at_ms) VALUES (?, ?, ?, ?) ON CONFLICT (name, kid) DO NOTHING', [
      name,
      kid,
      sealSecret(this.#masterKey, name, kid, bytes),
      this.#nowMs(),
    ]);
  }

  async #latest(sql: Sql, name: string): Promise<{ kid: string; bytes: Buffer } | undefined> {
    const rows = await sql.all<SecretRow>('SELECT kid, ciphertext FROM platform_secrets WHERE name = ?', [name]);
    if (rows.length === 0) return undefined;
    const newest = rows.reduce((a, b) => (versionOf(b.kid) > versionOf(a.kid) ? b : a));
    return { kid: newest.kid, bytes: this.#open(name, newest) };
  }

  #open(name: string, row: SecretRow): Buffer {
    try {
      return openSecret(this.#masterKey, name, row.kid, row.ciphertext);
    } catch (error) {
      if (error instanceof SecretUnsealError) throw new MasterKeyMismatchError(this.#db.description, this.#masterKeySource, error);
      throw error;
    }
  }
}

function versionOf(kid: string): number {
  const match = /^v(\d{1,9})$/.exec(kid);
  if (match === null) throw new Error(`platform_secrets: unexpected kid ${JSON.stringify(kid)}`);
  return Number(match[1]);
}

function readLegacyFile<T>(spec: SecretSpec<T>, dataDir: string): { readonly path: string; readonly bytes: Buffer } | undefined {
  if (spec.legacyFile === undefined) return undefined;
  const path = join(dataDir, spec.legacyFile.fileName);
  if (!existsSync(path)) return undefined;
  return { path, bytes: spec.legacyFile.parse(readFileSync(path, 'utf8'), path) };
}

/** A key file that is not the deployment's key is ignored, and said so: data sealed under it alone cannot be read. */
function warnIfLegacyDiffers<T>(spec: SecretSpec<T>, legacy: { path: string; bytes: Buffer } | undefined, stored: Buffer, logger: Logger | undefined): void {
  if (legacy === undefined || legacy.bytes.equals(stored)) return;
  logger?.warn(
    { secret: spec.name, file: legacy.path },
    'this key file differs from the secret the database keeps for the deployment; the database wins and the file is ignored (what only it sealed cannot be read)',
  );
}
