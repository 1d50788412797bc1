import type { Database, Sql, Tx } from '../../platform/db/database.ts';
import { AcquirerError } from '../errors.ts';
import { IDEMPOTENCY_DEFAULT_TTL_MS } from '../../platform/idempotency.ts';

/**
 * Idempotency keys for Stripe-compatible requests (see merchants/migrations.ts
 * for why the acquirer keeps its own). A request's life with a key:
 *
 *   claim   → `claimed`: run the handler, then `complete` (or `release` when
 *             it failed before changing anything worth replaying);
 *           → `replay`: answer the saved response;
 *           → throws `idempotency_key_reused` (other parameters) or
 *             `idempotency_key_in_use` (the first request is still running;
 *             Stripe answers 409 and the SDK retries).
 *
 * A `running` key whose lease ran out belongs to a request that died (a
 * crash, a kill -9): the next request with that key takes it over. Taking
 * over never starts the work a second time (Brandur Leach's "recovery
 * points", from Stripe's design):
 *
 * - The handler records a **recovery point** — the id of what it created or
 *   is acting on — in the same transaction as its first durable write
 *   (`recordRecoveryPoint`). A request cut before that left nothing, so its
 *   retry runs afresh; a request cut after it left a point, and its retry
 *   resumes from the point (the endpoint's `resume`) and answers what the
 *   first request would have answered.
 * - Each claim has an `attempt` number. Recording a point and completing are
 *   fenced by it, so a request whose lease was taken over (it was merely
 *   slow) can neither record a second point nor overwrite the answer.
 * - A request whose outcome is not known yet (the network did not answer)
 *   is `suspend`ed: the key keeps its point with the lease given up, and the
 *   client's retry with the same key resumes at once instead of being told
 *   "in use" or replayed a stale error.
 */

/** Longer than any request may run (the network's time-out is 2 s), short enough that a crashed request's retry succeeds soon. */
export const IDEMPOTENCY_LEASE_MS = 30_000;

export type Claim =
  | {
      readonly kind: 'claimed';
      /** Fences this request's writes to the key: a later takeover has a higher attempt. */
      readonly attempt: number;
      /** What an earlier attempt with this key recorded before it was cut short; null when there is nothing to resume. */
      readonly recoveryPoint: string | null;
    }
  | { readonly kind: 'replay'; readonly status: number; readonly bodyJson: string };

/** The key a request holds: who, which key, which attempt. */
export interface HeldKey {
  readonly merchantId: string;
  readonly key: string;
  readonly attempt: number;
}

interface KeyRow {
  request_hash: string;
  state: 'running' | 'done';
  response_status: number | null;
  response_body: string | null;
  lease_until_ms: number | string;
  expires_at_ms: number | string;
  attempt: number | string;
  recovery_point: string | null;
}

export async function claimIdempotencyKey(
  db: Database,
  /** `key` as stored (scoped); `shownKey`, as the caller sent it, for messages. */
  request: { merchantId: string; key: string; shownKey?: string; requestHash: string; nowMs: number },
): Promise<Claim> {
  const lease = request.nowMs + IDEMPOTENCY_LEASE_MS;
  const expires = request.nowMs + IDEMPOTENCY_DEFAULT_TTL_MS;
  // Insert first: a SELECT … FOR UPDATE locks nothing when the row does not
  // exist yet, so two first uses of a key would both "claim" it and both run
  // (on PostgreSQL). The insert is the claim; a concurrent one waits on the
  // unique index, then inserts nothing and reads the winner's row. A new key
  // — nearly every request — is claimed by this one statement on its own
  // (atomic by itself): no BEGIN and COMMIT around it, two round trips fewer
  // on PostgreSQL. Only a key already there needs the transaction below.
  const insertClaim = (sql: Sql) =>
    sql.run(
      `INSERT INTO acquirer_idempotency_keys
         (merchant_id, idem_key, request_hash, state, response_status, response_body, lease_until_ms, created_at_ms, expires_at_ms, attempt, recovery_point)
       VALUES (?, ?, ?, 'running', NULL, NULL, ?, ?, ?, 1, NULL)
       ON CONFLICT (merchant_id, idem_key) DO NOTHING`,
      [request.merchantId, request.key, request.requestHash, lease, request.nowMs, expires],
    );
  if ((await insertClaim(db)) > 0) return { kind: 'claimed', attempt: 1, recoveryPoint: null };
  return db.transaction(async (tx) => {
    const row = await tx.get<KeyRow>(
      `SELECT request_hash, state, response_status, response_body, lease_until_ms, expires_at_ms, attempt, recovery_point
       FROM acquirer_idempotency_keys WHERE merchant_id = ? AND idem_key = ? ${tx.forUpdate}`,
      [request.merchantId, request.key],
    );
    if (row === undefined) {
      // Pruned since the insert above found it: claim it now — unless another request just did (it is running: in use).
      if ((await insertClaim(tx)) > 0) return { kind: 'claimed', attempt: 1, recoveryPoint: null };
      throw new AcquirerError('idempotency_key_in_use');
    }
    const attempt = Number(row.attempt) + 1;
    // An expired key is a new key, unless a request it ran was cut short after recording a point: that work
    // is resumed whatever its age, or a retry a day later would start a second payment.
    if (Number(row.expires_at_ms) <= request.nowMs && (row.state === 'done' || row.recovery_point === null)) {
      // The row is locked, so only one request takes it over.
      await tx.run(
        `UPDATE acquirer_idempotency_keys SET request_hash = ?, state = 'running', response_status = NULL, response_body = NULL,
           lease_until_ms = ?, created_at_ms = ?, expires_at_ms = ?, attempt = ?, recovery_point = NULL WHERE merchant_id = ? AND idem_key = ?`,
        [request.requestHash, lease, request.nowMs, expires, attempt, request.merchantId, request.key],
      );
      return { kind: 'claimed', attempt, recoveryPoint: null };
    }
    if (row.request_hash !== request.requestHash) {
      throw new AcquirerError(
        'idempotency_key_reused',
        `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${request.shownKey ?? request.key}' if you meant to execute a different request.`,
        { param: 'Idempotency-Key' },
      );
    }
    if (row.state === 'done') return { kind: 'replay', status: row.response_status!, bodyJson: row.response_body! };
    if (Number(row.lease_until_ms) > request.nowMs) throw new AcquirerError('idempotency_key_in_use');
    await tx.run(
      `UPDATE acquirer_idempotency_keys SET lease_until_ms = ?, attempt = ?, expires_at_ms = ? WHERE merchant_id = ? AND idem_key = ?`,
      [lease, attempt, Math.max(Number(row.expires_at_ms), expires), request.merchantId, request.key],
    );
    return { kind: 'claimed', attempt, recoveryPoint: row.recovery_point };
  });
}

/**
 * Records, in the caller's transaction (the one making the request's first
 * durable write), what a retry of this request must resume. Refused when
 * another request took the key over: the caller's transaction must not commit.
 */
export async function recordRecoveryPoint(tx: Tx, held: HeldKey, point: string): Promise<void> {
  const updated = await tx.run(
    `UPDATE acquirer_idempotency_keys SET recovery_point = ?
     WHERE merchant_id = ? AND idem_key = ? AND state = 'running' AND attempt = ?`,
    [point, held.merchantId, held.key, held.attempt],
  );
  if (updated === 0) throw new AcquirerError('idempotency_key_in_use', 'Another request with this idempotency key took it over; retry to get its answer.');
}

/** Saves the answer. A request whose key was taken over saves nothing: the request that holds it answers. */
export async function completeIdempotencyKey(db: Database, held: HeldKey & { status: number; bodyJson: string }): Promise<void> {
  await db.run(
    `UPDATE acquirer_idempotency_keys SET state = 'done', response_status = ?, response_body = ?
     WHERE merchant_id = ? AND idem_key = ? AND state = 'running' AND attempt = ?`,
    [held.status, held.bodyJson, held.merchantId, held.key, held.attempt],
  );
}

/**
 * The request failed. Before it recorded a recovery point it changed nothing
 * worth replaying (bad parameters, a refused state, a bug before any write):
 * the key is deleted so a retry runs afresh. After a point, or when its
 * outcome is simply not known yet, the key is suspended: the point stays and
 * the lease is given up, so the retry resumes at once.
 */
export async function releaseIdempotencyKey(db: Database, held: HeldKey): Promise<void> {
  const deleted = await db.run(
    `DELETE FROM acquirer_idempotency_keys WHERE merchant_id = ? AND idem_key = ? AND state = 'running' AND attempt = ? AND recovery_point IS NULL`,
    [held.merchantId, held.key, held.attempt],
  );
  if (deleted === 0) await suspendIdempotencyKey(db, held);
}

/** Keeps the key and its recovery point for the retry, with the lease given up (see `releaseIdempotencyKey`). */
export async function suspendIdempotencyKey(db: Database, held: HeldKey): Promise<void> {
  await db.run(
    `UPDATE acquirer_idempotency_keys SET lease_until_ms = 0 WHERE merchant_id = ? AND idem_key = ? AND state = 'running' AND attempt = ?`,
    [held.merchantId, held.key, held.attempt],
  );
}

/**
 * A key cut short after recording a point is kept a week past its 24 hours
 * (the work itself is finished by the sweeps; the key lets a late retry
 * answer it); any other key goes when its time is up.
 */
export const UNFINISHED_KEY_GRACE_MS = 7 * 24 * 60 * 60 * 1000;

export async function pruneAcquirerIdempotencyKeys(db: Database, nowMs: number, batchSize = 1_000): Promise<number> {
  return db.run(
    `DELETE FROM acquirer_idempotency_keys WHERE (merchant_id, idem_key) IN (
       SELECT merchant_id, idem_key FROM acquirer_idempotency_keys
       WHERE expires_at_ms <= ? AND (state = 'done' OR recovery_point IS NULL OR expires_at_ms <= ?) LIMIT ?)`,
    [nowMs, nowMs - UNFINISHED_KEY_GRACE_MS, batchSize],
  );
}
