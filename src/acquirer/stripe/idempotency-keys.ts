import type { Database } from '../../platform/db/database.ts';
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
 * crash, a kill -9): the next request with that key takes it over and runs
 * the handler again. Handlers are written so that running again resumes the
 * work rather than repeating it (a payment's attempt is recorded before the
 * network is called, and the network treats a repeated message as a repeat).
 */

/** Longer than any request may run (the network's time-out is 2 s), short enough that a crashed request's retry succeeds soon. */
export const IDEMPOTENCY_LEASE_MS = 30_000;

export type Claim =
  | { readonly kind: 'claimed' }
  | { readonly kind: 'replay'; readonly status: number; readonly bodyJson: string };

interface KeyRow {
  request_hash: string;
  state: 'running' | 'done';
  response_status: number | null;
  response_body: string | null;
  lease_until_ms: number | string;
  expires_at_ms: number | string;
}

export async function claimIdempotencyKey(
  db: Database,
  request: { merchantId: string; key: string; requestHash: string; nowMs: number },
): Promise<Claim> {
  const lease = request.nowMs + IDEMPOTENCY_LEASE_MS;
  const expires = request.nowMs + IDEMPOTENCY_DEFAULT_TTL_MS;
  return db.transaction(async (tx) => {
    // Insert first: a SELECT … FOR UPDATE locks nothing when the row does not
    // exist yet, so two first uses of a key would both "claim" it and both
    // run (on PostgreSQL). The insert is the claim; a concurrent one waits on
    // the unique index, then inserts nothing and reads the winner's row.
    const inserted = await tx.run(
      `INSERT INTO acquirer_idempotency_keys
         (merchant_id, idem_key, request_hash, state, response_status, response_body, lease_until_ms, created_at_ms, expires_at_ms)
       VALUES (?, ?, ?, 'running', NULL, NULL, ?, ?, ?)
       ON CONFLICT (merchant_id, idem_key) DO NOTHING`,
      [request.merchantId, request.key, request.requestHash, lease, request.nowMs, expires],
    );
    if (inserted > 0) return { kind: 'claimed' };
    const row = (await tx.get<KeyRow>(
      `SELECT request_hash, state, response_status, response_body, lease_until_ms, expires_at_ms
       FROM acquirer_idempotency_keys WHERE merchant_id = ? AND idem_key = ? ${tx.forUpdate}`,
      [request.merchantId, request.key],
    ))!;
    if (Number(row.expires_at_ms) <= request.nowMs) {
      // An expired key is a new key: the row is locked, so only one request takes it over.
      await tx.run(
        `UPDATE acquirer_idempotency_keys SET request_hash = ?, state = 'running', response_status = NULL, response_body = NULL,
           lease_until_ms = ?, created_at_ms = ?, expires_at_ms = ? WHERE merchant_id = ? AND idem_key = ?`,
        [request.requestHash, lease, request.nowMs, expires, request.merchantId, request.key],
      );
      return { kind: 'claimed' };
    }
    if (row.request_hash !== request.requestHash) {
      throw new AcquirerError(
        'idempotency_key_reused',
        `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${request.key}' if you meant to execute a different request.`,
        { param: 'Idempotency-Key' },
      );
    }
    if (row.state === 'done') return { kind: 'replay', status: row.response_status!, bodyJson: row.response_body! };
    if (Number(row.lease_until_ms) > request.nowMs) throw new AcquirerError('idempotency_key_in_use');
    await tx.run('UPDATE acquirer_idempotency_keys SET lease_until_ms = ? WHERE merchant_id = ? AND idem_key = ?', [
      lease,
      request.merchantId,
      request.key,
    ]);
    return { kind: 'claimed' };
  });
}

export async function completeIdempotencyKey(
  db: Database,
  request: { merchantId: string; key: string; status: number; bodyJson: string },
): Promise<void> {
  await db.run(
    `UPDATE acquirer_idempotency_keys SET state = 'done', response_status = ?, response_body = ?
     WHERE merchant_id = ? AND idem_key = ? AND state = 'running'`,
    [request.status, request.bodyJson, request.merchantId, request.key],
  );
}

/** The request failed in a way that is not worth replaying (bad parameters, a bug): let a retry run it afresh. */
export async function releaseIdempotencyKey(db: Database, request: { merchantId: string; key: string }): Promise<void> {
  await db.run(`DELETE FROM acquirer_idempotency_keys WHERE merchant_id = ? AND idem_key = ? AND state = 'running'`, [
    request.merchantId,
    request.key,
  ]);
}

export async function pruneAcquirerIdempotencyKeys(db: Database, nowMs: number, batchSize = 1_000): Promise<number> {
  return db.run(
    `DELETE FROM acquirer_idempotency_keys WHERE (merchant_id, idem_key) IN (
       SELECT merchant_id, idem_key FROM acquirer_idempotency_keys WHERE expires_at_ms <= ? AND state = 'done' LIMIT ?)`,
    [nowMs, batchSize],
  );
}
