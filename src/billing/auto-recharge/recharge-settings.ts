import type { Sql, Tx } from '../../platform/db/database.ts';
import type { AfterFailure, PauseReason } from './recharge-failures.ts';

/**
 * The auto-recharge row of an organization: the owner's rule (enabled,
 * threshold, target, monthly limit) and the job's state (the recharge in
 * flight, the failure counts, the back-off, the pause). Every change to the
 * state happens with the row locked, which is what serializes deciding,
 * claiming and finishing a recharge across processes.
 */

export interface AutoRechargeSettings {
  readonly orgId: string;
  readonly enabled: boolean;
  readonly thresholdMinor: number;
  readonly targetMinor: number;
  readonly monthlyLimitMinor: number | null;
  readonly currency: string;
  /** The recharge charged and not yet finished; while set, no other recharge starts. */
  readonly inFlightAttemptId: string | null;
  readonly lastAttemptId: string | null;
  readonly declinesInARow: number;
  readonly failuresInARow: number;
  /** Back-off: no recharge before this. */
  readonly nextAttemptAtMs: number | null;
  readonly pausedAtMs: number | null;
  readonly pausedReason: PauseReason | null;
  /** The recharge whose decline paused it: names the pause episode (its notification's dedup key). */
  readonly pausedByAttemptId: string | null;
  readonly updatedAtMs: number;
}

export interface RechargeRuleInput {
  readonly enabled: boolean;
  readonly thresholdMinor: number;
  readonly targetMinor: number;
  readonly monthlyLimitMinor: number | null;
  readonly currency: string;
}

const COLUMNS = `org_id, enabled, threshold_minor, target_minor, monthly_limit_minor, currency, in_flight_attempt_id, last_attempt_id, declines_in_a_row,
  failures_in_a_row, next_attempt_at_ms, paused_at_ms, paused_reason, paused_by_attempt_id, updated_at_ms`;

const orNull = (value: unknown) => (value === null || value === undefined ? null : Number(value));

function fromRow(row: any): AutoRechargeSettings {
  return {
    orgId: row.org_id,
    enabled: Number(row.enabled) === 1,
    thresholdMinor: Number(row.threshold_minor),
    targetMinor: Number(row.target_minor),
    monthlyLimitMinor: orNull(row.monthly_limit_minor),
    currency: row.currency,
    inFlightAttemptId: row.in_flight_attempt_id,
    lastAttemptId: row.last_attempt_id,
    declinesInARow: Number(row.declines_in_a_row),
    failuresInARow: Number(row.failures_in_a_row),
    nextAttemptAtMs: orNull(row.next_attempt_at_ms),
    pausedAtMs: orNull(row.paused_at_ms),
    pausedReason: row.paused_reason,
    pausedByAttemptId: row.paused_by_attempt_id,
    updatedAtMs: Number(row.updated_at_ms),
  };
}

export async function findSettings(sql: Sql, orgId: string, options: { lock?: boolean } = {}): Promise<AutoRechargeSettings | null> {
  const row = await sql.get(`SELECT ${COLUMNS} FROM billing_auto_recharge WHERE org_id = ? ${options.lock ? sql.forUpdate : ''}`, [orgId]);
  return row === undefined ? null : fromRow(row);
}

/**
 * Saves the owner's rule. Turning it on (again) is the owner's word that the
 * card is fixed: it ends a pause and starts the counts and back-off afresh.
 * The recharge in flight, if any, is left alone — it is still being paid.
 */
export async function saveRule(tx: Tx, orgId: string, rule: RechargeRuleInput, nowMs: number): Promise<void> {
  const enabled = rule.enabled ? 1 : 0;
  await tx.run(
    `INSERT INTO billing_auto_recharge (org_id, enabled, threshold_minor, target_minor, monthly_limit_minor, currency, updated_at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (org_id) DO UPDATE SET enabled = excluded.enabled, threshold_minor = excluded.threshold_minor, target_minor = excluded.target_minor,
       monthly_limit_minor = excluded.monthly_limit_minor, updated_at_ms = excluded.updated_at_ms`,
    [orgId, enabled, rule.thresholdMinor, rule.targetMinor, rule.monthlyLimitMinor, rule.currency, nowMs],
  );
  if (rule.enabled) await resume(tx, orgId, nowMs);
}

/** Ends a pause and forgets past failures (a new default card, or the owner turning it on again). */
export async function resume(tx: Tx, orgId: string, nowMs: number): Promise<void> {
  await tx.run(
    `UPDATE billing_auto_recharge SET paused_at_ms = NULL, paused_reason = NULL, paused_by_attempt_id = NULL, declines_in_a_row = 0, failures_in_a_row = 0,
       next_attempt_at_ms = NULL, updated_at_ms = ? WHERE org_id = ?`,
    [nowMs, orgId],
  );
}

export async function markInFlight(tx: Tx, orgId: string, attemptId: string, nowMs: number): Promise<void> {
  const changed = await tx.run(
    'UPDATE billing_auto_recharge SET in_flight_attempt_id = ?, last_attempt_id = ?, updated_at_ms = ? WHERE org_id = ? AND in_flight_attempt_id IS NULL',
    [attemptId, attemptId, nowMs, orgId],
  );
  if (changed !== 1) throw new Error(`auto-recharge of ${orgId}: claimed without the row lock (a recharge is already in flight)`);
}

/** A recharge succeeded: it is no longer in flight and the failure counts start again. False if it was not the one in flight. */
export async function recordSuccess(tx: Tx, orgId: string, attemptId: string, nowMs: number): Promise<boolean> {
  const changed = await tx.run(
    `UPDATE billing_auto_recharge SET in_flight_attempt_id = NULL, declines_in_a_row = 0, failures_in_a_row = 0, next_attempt_at_ms = NULL, updated_at_ms = ?
     WHERE org_id = ? AND in_flight_attempt_id = ?`,
    [nowMs, orgId, attemptId],
  );
  return changed === 1;
}

/** A recharge failed: it is no longer in flight; the counts, back-off and pause are as `after` says. */
export async function recordFailure(tx: Tx, orgId: string, attemptId: string, after: AfterFailure, nowMs: number): Promise<void> {
  await tx.run(
    `UPDATE billing_auto_recharge SET in_flight_attempt_id = NULL, declines_in_a_row = ?, failures_in_a_row = ?, next_attempt_at_ms = ?,
       paused_at_ms = ?, paused_reason = ?, paused_by_attempt_id = ?, updated_at_ms = ?
     WHERE org_id = ? AND in_flight_attempt_id = ?`,
    [
      after.declinesInARow,
      after.failuresInARow,
      after.nextAttemptAtMs,
      after.pause === null ? null : nowMs,
      after.pause,
      after.pause === null ? null : attemptId,
      nowMs,
      orgId,
      attemptId,
    ],
  );
}

/** A recharge that finished while auto-recharge was off: only its in-flight mark goes. */
export async function clearInFlight(tx: Tx, orgId: string, attemptId: string, nowMs: number): Promise<void> {
  await tx.run('UPDATE billing_auto_recharge SET in_flight_attempt_id = NULL, updated_at_ms = ? WHERE org_id = ? AND in_flight_attempt_id = ?', [nowMs, orgId, attemptId]);
}

/**
 * Organizations that may need a recharge now (on, not paused, nothing in
 * flight, back-off over), after `afterOrgId` in id order, `limit` of them.
 * Whether the balance is below the threshold is the caller's check.
 */
export async function rechargeCandidates(sql: Sql, nowMs: number, afterOrgId: string, limit: number): Promise<{ orgId: string; thresholdMinor: number }[]> {
  const rows = await sql.all<{ org_id: string; threshold_minor: number | string }>(
    `SELECT org_id, threshold_minor FROM billing_auto_recharge
     WHERE enabled = 1 AND org_id > ? AND paused_at_ms IS NULL AND in_flight_attempt_id IS NULL AND (next_attempt_at_ms IS NULL OR next_attempt_at_ms <= ?)
     ORDER BY org_id LIMIT ?`,
    [afterOrgId, nowMs, limit],
  );
  return rows.map((row) => ({ orgId: row.org_id, thresholdMinor: Number(row.threshold_minor) }));
}
