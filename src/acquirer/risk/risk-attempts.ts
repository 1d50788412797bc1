import { createHash } from 'node:crypto';
import type { Sql, Tx } from '../../platform/db/database.ts';
import type { AuthorizationPurpose, Initiator } from '../../network/messages.ts';
import type { VelocityKey } from './rule-types.ts';
import { VELOCITY_MAX_WINDOW_SECONDS } from './rule-validation.ts';

/**
 * The log of authorization attempts the risk rules saw: what velocity rules
 * count, and what a trace reads to say which rule blocked a payment (and
 * whether before or after the issuer answered).
 */

export type AttemptOutcome = 'allowed' | 'blocked';
export type RiskPhase = 'pre_authorization' | 'post_authorization';

export interface RiskAttempt {
  readonly merchantId: string;
  readonly paymentId: string;
  readonly cardFingerprint: string;
  readonly customerId: string | null;
  readonly initiator: Initiator;
  readonly purpose: AuthorizationPurpose;
  readonly attemptedAtMs: number;
  readonly outcome: AttemptOutcome;
  /** Where the block happened; null when allowed. */
  readonly phase: RiskPhase | null;
  /** The blocking rule; null when allowed or blocked by the acquirer's built-in list. */
  readonly ruleId: string | null;
  readonly reason: string | null;
  readonly declineCode: string | null;
}

/** Attempts are kept a little longer than the longest velocity window, then pruned. */
export const ATTEMPT_RETENTION_MS = (VELOCITY_MAX_WINDOW_SECONDS + 24 * 60 * 60) * 1000;

export async function recordAttempt(tx: Tx, attempt: RiskAttempt): Promise<void> {
  tx.write(
    `INSERT INTO acquirer_risk_attempts
       (merchant_id, payment_id, card_fingerprint, customer_id, initiator, purpose, attempted_at_ms, outcome, phase, rule_id, reason, decline_code)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      attempt.merchantId,
      attempt.paymentId,
      attempt.cardFingerprint,
      attempt.customerId,
      attempt.initiator,
      attempt.purpose,
      attempt.attemptedAtMs,
      attempt.outcome,
      attempt.phase,
      attempt.ruleId,
      attempt.reason,
      attempt.declineCode,
    ],
  );
}

/**
 * Attempts by this card (or customer) at this merchant after `sinceMs`
 * (exclusive), counted up to `cap` only: a velocity rule needs to know
 * whether the limit is passed, not by how much, so a card hammered a
 * million times costs no more to check than one tried twice.
 */
export async function countAttemptsSince(sql: Sql, merchantId: string, per: VelocityKey, key: string, sinceMs: number, cap: number): Promise<number> {
  const column = per === 'card_fingerprint' ? 'card_fingerprint' : 'customer_id';
  const row = await sql.get<{ n: number | string }>(
    `SELECT COUNT(*) AS n FROM (SELECT 1 AS one FROM acquirer_risk_attempts WHERE merchant_id = ? AND ${column} = ? AND attempted_at_ms > ? LIMIT ?) recent`,
    [merchantId, key, sinceMs, cap],
  );
  return Number(row?.n ?? 0);
}

/**
 * Serializes the velocity check of one card (or customer) across concurrent
 * transactions until commit. Without it, on PostgreSQL (READ COMMITTED) two
 * attempts at the same instant would each count the other's row as absent
 * and both pass a limit meant to stop one. SQLite writers are already serial.
 * Callers lock every key they need in one `lockVelocityKeys` call (sorted),
 * so two attempts can never wait on each other in opposite orders.
 */
export async function lockVelocityKeys(tx: Tx, merchantId: string, keys: ReadonlyArray<{ per: VelocityKey; key: string }>): Promise<void> {
  if (tx.dialect !== 'postgres' || keys.length === 0) return;
  const lockIds = [...new Set(keys.map(({ per, key }) => advisoryLockId(`acquirer-risk-velocity\u0000${merchantId}\u0000${per}\u0000${key}`)))].sort((a, b) => a - b);
  for (const id of lockIds) await tx.run('SELECT pg_advisory_xact_lock(?)', [id]);
}

/** 48 bits of SHA-256: a safe integer, and a collision only makes two unrelated checks wait for each other. */
function advisoryLockId(text: string): number {
  return createHash('sha256').update(text, 'utf8').digest().readUIntBE(0, 6);
}

/** Marks the payment's latest attempt as blocked after the issuer answered (AVS/CVC rules). */
export async function markBlockedAfterAuthorization(
  sql: Sql,
  merchantId: string,
  paymentId: string,
  block: { readonly ruleId: string | null; readonly reason: string; readonly declineCode: string },
): Promise<void> {
  await sql.run(
    `UPDATE acquirer_risk_attempts SET outcome = 'blocked', phase = 'post_authorization', rule_id = ?, reason = ?, decline_code = ?
     WHERE id = (SELECT MAX(id) FROM acquirer_risk_attempts WHERE merchant_id = ? AND payment_id = ?)`,
    [block.ruleId, block.reason, block.declineCode, merchantId, paymentId],
  );
}

interface AttemptRow {
  merchant_id: string;
  payment_id: string;
  card_fingerprint: string;
  customer_id: string | null;
  initiator: Initiator;
  purpose: AuthorizationPurpose;
  attempted_at_ms: number | string;
  outcome: AttemptOutcome;
  phase: RiskPhase | null;
  rule_id: string | null;
  reason: string | null;
  decline_code: string | null;
}

/** Every attempt the rules saw for one payment (a payment intent may be confirmed several times), oldest first. */
export async function listRiskAttempts(sql: Sql, merchantId: string, paymentId: string, limit = 100): Promise<RiskAttempt[]> {
  const rows = await sql.all<AttemptRow>(
    `SELECT merchant_id, payment_id, card_fingerprint, customer_id, initiator, purpose, attempted_at_ms, outcome, phase, rule_id, reason, decline_code
     FROM acquirer_risk_attempts WHERE merchant_id = ? AND payment_id = ? ORDER BY id LIMIT ?`,
    [merchantId, paymentId, limit],
  );
  return rows.map((row) => ({
    merchantId: row.merchant_id,
    paymentId: row.payment_id,
    cardFingerprint: row.card_fingerprint,
    customerId: row.customer_id,
    initiator: row.initiator,
    purpose: row.purpose,
    attemptedAtMs: Number(row.attempted_at_ms),
    outcome: row.outcome,
    phase: row.phase,
    ruleId: row.rule_id,
    reason: row.reason,
    declineCode: row.decline_code,
  }));
}

/** Deletes up to `limit` attempts too old for any velocity window; returns how many. Run it periodically. */
export async function pruneRiskAttempts(sql: Sql, nowMs: number, limit = 10_000): Promise<number> {
  return sql.run(
    'DELETE FROM acquirer_risk_attempts WHERE id IN (SELECT id FROM acquirer_risk_attempts WHERE attempted_at_ms < ? ORDER BY attempted_at_ms LIMIT ?)',
    [nowMs - ATTEMPT_RETENTION_MS, limit],
  );
}
