import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.ts';
import type { Sql, Tx } from './db/database.ts';
import { RetryableConflict } from './db/database.ts';
import type { Migration } from './db/migrations.ts';
import { AppError } from './errors.ts';

/**
 * Stripe-style idempotency keys, stored in the same transaction as the
 * effects they protect (Formance's log processor does the same): either the
 * effects and the saved response commit together, or neither does. There is
 * no "in progress" state that another transaction can ever observe, so there
 * is nothing to recover after a crash: a crashed request left no key and its
 * retry simply runs.
 *
 * How a race between two first requests with the same key is settled:
 *
 * 1. Each transaction begins by *inserting* the key row (an upsert that only
 *    replaces a row whose 24 h have passed). The insert comes before the
 *    effect, not after it, so that a loser never runs the effect at all.
 * 2. On PostgreSQL the second insert finds the first one's uncommitted index
 *    entry and waits for that transaction to end. If it commits, the waiting
 *    insert does nothing (0 rows) and its next statement, under READ
 *    COMMITTED, sees the committed row with its response: a replay. If it
 *    rolls back, the waiting insert goes through and this request runs the
 *    effect itself, as it should — the first attempt left no trace.
 * 3. On SQLite every writing transaction holds the database's write lock from
 *    BEGIN IMMEDIATE to COMMIT (across processes too), so the two never
 *    overlap and the second simply reads the first's row.
 * 4. A row that is visible but has no response can only be our own
 *    transaction's row: the same key used twice in one transaction, or a
 *    caller that caught the effect's exception and committed anyway (we also
 *    delete the row when the effect throws, to make that hard). Both are bugs
 *    and fail loudly rather than guessing an answer.
 *
 * The effect must only use the database through the caller's transaction:
 * calls to the outside world belong before or after (record intent, call,
 * record outcome), since the transaction may be re-run after a lost race.
 */

export const idempotencyMigrations: readonly Migration[] = [
  {
    id: 'platform/001_idempotency_keys',
    sql: `
      CREATE TABLE idempotency_keys (
        scope TEXT NOT NULL,
        idem_key TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        -- NULL only inside the transaction that is running the effect.
        response_status INTEGER,
        response_body TEXT,
        created_at_ms BIGINT NOT NULL,
        expires_at_ms BIGINT NOT NULL,
        PRIMARY KEY (scope, idem_key)
      );
      CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at_ms);
    `,
  },
];

/** Stripe's limit; a key is usually a UUID, and the header is bounded anyway. */
export const IDEMPOTENCY_KEY_MAX_CHARS = 255;
export const IDEMPOTENCY_SCOPE_MAX_CHARS = 255;
/** Stripe keeps keys for at least 24 hours; after that a key may be reused. */
export const IDEMPOTENCY_DEFAULT_TTL_MS = 24 * 60 * 60 * 1000;
const TTL_MIN_MS = 1_000;
const TTL_MAX_MS = 30 * 24 * 60 * 60 * 1000;
/** A saved response is replayed verbatim; an API response larger than this is a bug. */
export const IDEMPOTENCY_RESPONSE_MAX_BYTES = 1_048_576;
const REQUEST_HASH_MAX_CHARS = 128;
const PRUNE_DEFAULT_BATCH = 1_000;
const PRUNE_MAX_BATCH = 10_000;
const PRUNE_DEFAULT_MAX_BATCHES = 100;

export interface IdempotentRequest {
  /** Who the key belongs to (the API caller, a merchant); keys of different scopes never meet. */
  readonly scope: string;
  readonly key: string;
  /** From `hashRequest`; a replay must carry the same hash. */
  readonly requestHash: string;
  readonly nowMs: number;
  /** How long the key is kept; default 24 h. */
  readonly ttlMs?: number;
}

export interface IdempotentResponse<B> {
  readonly status: number;
  readonly body: B;
}

export interface IdempotentResult<B> {
  /** True when the response was saved by an earlier request and the effect did not run now. */
  readonly replayed: boolean;
  readonly status: number;
  /** The effect's body on the first run; the saved JSON, parsed, on a replay. */
  readonly body: B;
  /** The exact text saved, so a server can answer replays byte for byte without re-serialising. */
  readonly bodyJson: string;
}

/** What a request is, for comparing a replay with the original. */
export interface RequestFingerprint {
  readonly method: string;
  /** The route path as the client sent it, query string included if it matters. */
  readonly path: string;
  /** The parsed parameters (body and/or query); key order does not matter. */
  readonly params: unknown;
}

export function hashRequest(request: RequestFingerprint): string {
  let canonical: string;
  try {
    canonical = canonicalJson({ method: request.method.toUpperCase(), path: request.path, params: request.params ?? null });
  } catch (error) {
    // The parameters are the client's: a body nested deeper than canonical
    // JSON allows, or a number JSON cannot carry (`1e999` parses as
    // Infinity), is a request we refuse, not a fault of ours (it was a 500).
    if (error instanceof TypeError) {
      throw new AppError('body_invalid', 'The request body cannot be used with an Idempotency-Key: it is nested too deeply or holds a number JSON cannot express.');
    }
    throw error;
  }
  return `sha256:${createHash('sha256').update(canonical).digest('hex')}`;
}

// Refusals are AppErrors from the one registry (errors.ts), so the HTTP mapper
// answers them as Stripe does: 400 idempotency_error / invalid_request_error.
const KEY_PARAM = { param: 'Idempotency-Key' } as const;

/** Throws a `parameter_invalid` AppError unless the key is usable; for the HTTP edge to call early. */
export function validateIdempotencyKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new AppError('parameter_invalid', 'Idempotency-Key must be a non-empty string.', KEY_PARAM);
  }
  if (key.length > IDEMPOTENCY_KEY_MAX_CHARS) {
    throw new AppError(
      'parameter_invalid',
      `Idempotency-Key must be at most ${IDEMPOTENCY_KEY_MAX_CHARS} characters long.`,
      KEY_PARAM,
    );
  }
  // Control characters cannot come through an HTTP header; here they would only be a caller's bug or an attack on logs.
  if (/[\u0000-\u001f\u007f]/.test(key)) {
    throw new AppError('parameter_invalid', 'Idempotency-Key must not contain control characters.', KEY_PARAM);
  }
}

interface KeyRow {
  request_hash: string;
  response_status: number | null;
  response_body: string | null;
}

/**
 * Runs `effect` once per (scope, key) and saves its response; a replay with
 * the same request hash returns the saved response without running it, a
 * replay with a different hash throws `idempotency_key_reused`. Must be
 * called inside the transaction that makes the effect's writes.
 */
export async function idempotent<B>(
  tx: Tx,
  request: IdempotentRequest,
  effect: () => Promise<IdempotentResponse<B>>,
): Promise<IdempotentResult<B>> {
  checkRequest(request);
  const ttlMs = request.ttlMs ?? IDEMPOTENCY_DEFAULT_TTL_MS;
  const claimed = await tx.run(
    `INSERT INTO idempotency_keys (scope, idem_key, request_hash, response_status, response_body, created_at_ms, expires_at_ms)
     VALUES (?, ?, ?, NULL, NULL, ?, ?)
     ON CONFLICT (scope, idem_key) DO UPDATE SET
       request_hash = excluded.request_hash,
       response_status = NULL,
       response_body = NULL,
       created_at_ms = excluded.created_at_ms,
       expires_at_ms = excluded.expires_at_ms
     WHERE idempotency_keys.expires_at_ms <= ?`,
    [request.scope, request.key, request.requestHash, request.nowMs, request.nowMs + ttlMs, request.nowMs],
  );
  if (claimed === 0) return replay<B>(tx, request);

  let response: IdempotentResponse<B>;
  try {
    response = await effect();
  } catch (error) {
    await releaseKey(tx, request);
    throw error;
  }
  const bodyJson = serializeResponse(response);
  await tx.run('UPDATE idempotency_keys SET response_status = ?, response_body = ? WHERE scope = ? AND idem_key = ?', [
    response.status,
    bodyJson,
    request.scope,
    request.key,
  ]);
  return { replayed: false, status: response.status, body: response.body, bodyJson };
}

async function replay<B>(tx: Tx, request: IdempotentRequest): Promise<IdempotentResult<B>> {
  const row = await tx.get<KeyRow>(
    'SELECT request_hash, response_status, response_body FROM idempotency_keys WHERE scope = ? AND idem_key = ?',
    [request.scope, request.key],
  );
  if (row === undefined) {
    // The row we collided with was pruned between our two statements (another
    // process's clock said it had expired). A fresh attempt will claim the key.
    throw new RetryableConflict(`idempotency key ${request.scope}/${request.key} vanished while being read`);
  }
  if (row.request_hash !== request.requestHash) {
    // Thrown, not returned: the caller's transaction must end without effects.
    throw new AppError(
      'idempotency_key_reused',
      'Keys for idempotent requests can only be used with the same parameters they were first used with. ' +
        'Try using a key other than the one used in the original request.',
      KEY_PARAM,
    );
  }
  if (row.response_status === null || row.response_body === null) {
    throw new Error(
      `idempotency key ${request.scope}/${request.key} has no saved response: the same key was used twice in one ` +
        'transaction, or a transaction committed after its idempotent effect failed',
    );
  }
  return { replayed: true, status: row.response_status, body: JSON.parse(row.response_body) as B, bodyJson: row.response_body };
}

/**
 * The effect failed, so the transaction should roll back and take the key
 * with it. If the caller catches the error and commits anyway, the key must
 * not stay behind without a response. On PostgreSQL a failed statement has
 * already doomed the transaction and this delete fails too, which is fine:
 * nothing from it will commit.
 */
async function releaseKey(tx: Tx, request: IdempotentRequest): Promise<void> {
  try {
    await tx.run('DELETE FROM idempotency_keys WHERE scope = ? AND idem_key = ?', [request.scope, request.key]);
  } catch {
    // Keep the effect's error, which is the one that explains what happened.
  }
}

function serializeResponse<B>(response: IdempotentResponse<B>): string {
  if (!Number.isInteger(response.status) || response.status < 100 || response.status > 599) {
    throw new RangeError(`idempotent effect returned an invalid HTTP status ${response.status}`);
  }
  const bodyJson = JSON.stringify(response.body ?? null);
  if (Buffer.byteLength(bodyJson, 'utf8') > IDEMPOTENCY_RESPONSE_MAX_BYTES) {
    throw new RangeError(`idempotent response is larger than ${IDEMPOTENCY_RESPONSE_MAX_BYTES} bytes`);
  }
  return bodyJson;
}

function checkRequest(request: IdempotentRequest): void {
  validateIdempotencyKey(request.key);
  if (typeof request.scope !== 'string' || request.scope.length === 0 || request.scope.length > IDEMPOTENCY_SCOPE_MAX_CHARS) {
    throw new RangeError(`idempotency scope must be 1 to ${IDEMPOTENCY_SCOPE_MAX_CHARS} characters`);
  }
  if (
    typeof request.requestHash !== 'string' ||
    request.requestHash.length === 0 ||
    request.requestHash.length > REQUEST_HASH_MAX_CHARS
  ) {
    throw new RangeError(`request hash must be 1 to ${REQUEST_HASH_MAX_CHARS} characters; use hashRequest`);
  }
  if (!Number.isSafeInteger(request.nowMs) || request.nowMs < 0) throw new RangeError(`invalid nowMs ${request.nowMs}`);
  const ttlMs = request.ttlMs ?? IDEMPOTENCY_DEFAULT_TTL_MS;
  if (!Number.isSafeInteger(ttlMs) || ttlMs < TTL_MIN_MS || ttlMs > TTL_MAX_MS) {
    throw new RangeError(`idempotency ttlMs must be between ${TTL_MIN_MS} and ${TTL_MAX_MS}, got ${ttlMs}`);
  }
}

export interface PruneOptions {
  readonly nowMs: number;
  /** Rows deleted per statement; keeps each delete's locks and WAL growth small. */
  readonly batchSize?: number;
  /** Stops after this many batches so one call has a bounded cost; call again if it returned a full count. */
  readonly maxBatches?: number;
}

/**
 * Deletes keys whose time is up. Given a Database, each batch is its own
 * short transaction. The outer `expires_at_ms <= ?` is repeated on purpose:
 * on PostgreSQL a row renewed by a concurrent request (the upsert above) is
 * re-checked against it after the lock wait, while the sub-select's result
 * is not, so without it a fresh key could be deleted.
 */
export async function pruneIdempotencyKeys(sql: Sql, options: PruneOptions): Promise<number> {
  const batchSize = options.batchSize ?? PRUNE_DEFAULT_BATCH;
  const maxBatches = options.maxBatches ?? PRUNE_DEFAULT_MAX_BATCHES;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > PRUNE_MAX_BATCH) {
    throw new RangeError(`batchSize must be 1 to ${PRUNE_MAX_BATCH}`);
  }
  if (!Number.isSafeInteger(maxBatches) || maxBatches < 1) throw new RangeError('maxBatches must be a positive integer');
  let total = 0;
  for (let batch = 0; batch < maxBatches; batch++) {
    const deleted = await sql.run(
      `DELETE FROM idempotency_keys
       WHERE expires_at_ms <= ?
         AND (scope, idem_key) IN (
           SELECT scope, idem_key FROM idempotency_keys WHERE expires_at_ms <= ? ORDER BY expires_at_ms LIMIT ?
         )`,
      [options.nowMs, options.nowMs, batchSize],
    );
    total += deleted;
    if (deleted < batchSize) break;
  }
  return total;
}
