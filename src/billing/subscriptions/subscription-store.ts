import type { Sql, Tx } from '../../platform/db/database.ts';

/**
 * Subscription rows. Domain code computes a subscription's next state as a
 * value (subscription-states.ts) and saves it whole, under the row lock it
 * read it with.
 */

export type SubscriptionStatus = 'incomplete' | 'active' | 'past_due' | 'canceled';
export type CancelReason = 'requested' | 'payment_failed';

export interface Subscription {
  readonly id: string;
  readonly orgId: string;
  readonly planId: string;
  /**
   * `incomplete`: the first payment has not succeeded (nothing started;
   * it ends after 23 hours, see INCOMPLETE_EXPIRES_AFTER_MS);
   * `active`: paid for the current period; `past_due`: a renewal failed and
   * is being retried; `canceled`: over, for good.
   */
  readonly status: SubscriptionStatus;
  /** The plan's price when the subscription was made; what every renewal charges. */
  readonly amountMinor: number;
  readonly currency: string;
  readonly intervalMonths: number;
  /** When the first payment succeeded: every period boundary is counted from here. Null while incomplete. */
  readonly anchorMs: number | null;
  /** The current period's number, 0 for the first. */
  readonly periodIndex: number;
  readonly currentPeriodStartMs: number | null;
  readonly currentPeriodEndMs: number | null;
  /** When the renewal job acts next: a renewal, a retry, or ending a subscription canceled at period end. Null when nothing is due. */
  readonly nextChargeAtMs: number | null;
  /** The payment in flight (written `processing` before the provider is called); no other starts while it is set. */
  readonly pendingAttemptId: string | null;
  readonly latestAttemptId: string | null;
  /** Failed renewal charges of the period now unpaid: how much of the retry schedule is used. */
  readonly failedCharges: number;
  /** Processor failures in a row (nobody's card is at fault): they do not use the schedule, but are bounded too. */
  readonly processorFailures: number;
  readonly pastDueSinceMs: number | null;
  /** The card that refused the unpaid period for good (a hard decline): it is not charged again for it. */
  readonly declinedCardId: string | null;
  /** Why the latest renewal did not succeed (a decline code, or `payment_method_required` when there was no default card). */
  readonly lastFailureCode: string | null;
  readonly cancelAtPeriodEnd: boolean;
  readonly cancelRequestedAtMs: number | null;
  readonly endedAtMs: number | null;
  readonly cancelReason: CancelReason | null;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
}

const COLUMNS = `id, org_id, plan_id, status, amount_minor, currency, interval_months, anchor_ms, period_index, current_period_start_ms, current_period_end_ms,
  next_charge_at_ms, pending_attempt_id, latest_attempt_id, failed_charges, processor_failures, past_due_since_ms, declined_card_id, last_failure_code,
  cancel_at_period_end, cancel_requested_at_ms, ended_at_ms, cancel_reason, created_at_ms, updated_at_ms`;

const nullableNumber = (value: unknown) => (value === null || value === undefined ? null : Number(value));

function fromRow(row: any): Subscription {
  return {
    id: row.id,
    orgId: row.org_id,
    planId: row.plan_id,
    status: row.status,
    amountMinor: Number(row.amount_minor),
    currency: row.currency,
    intervalMonths: Number(row.interval_months),
    anchorMs: nullableNumber(row.anchor_ms),
    periodIndex: Number(row.period_index),
    currentPeriodStartMs: nullableNumber(row.current_period_start_ms),
    currentPeriodEndMs: nullableNumber(row.current_period_end_ms),
    nextChargeAtMs: nullableNumber(row.next_charge_at_ms),
    pendingAttemptId: row.pending_attempt_id,
    latestAttemptId: row.latest_attempt_id,
    failedCharges: Number(row.failed_charges),
    processorFailures: Number(row.processor_failures),
    pastDueSinceMs: nullableNumber(row.past_due_since_ms),
    declinedCardId: row.declined_card_id,
    lastFailureCode: row.last_failure_code,
    cancelAtPeriodEnd: Number(row.cancel_at_period_end) === 1,
    cancelRequestedAtMs: nullableNumber(row.cancel_requested_at_ms),
    endedAtMs: nullableNumber(row.ended_at_ms),
    cancelReason: row.cancel_reason,
    createdAtMs: Number(row.created_at_ms),
    updatedAtMs: Number(row.updated_at_ms),
  };
}

export async function findSubscription(sql: Sql, id: string, options: { lock?: boolean } = {}): Promise<Subscription | null> {
  const row = await sql.get(`SELECT ${COLUMNS} FROM billing_subscriptions WHERE id = ? ${options.lock ? sql.forUpdate : ''}`, [id]);
  return row === undefined ? null : fromRow(row);
}

/** The organization's subscription to a plan that is not canceled (at most one: a unique index says so). */
export async function findLiveSubscription(sql: Sql, orgId: string, planId: string, options: { lock?: boolean } = {}): Promise<Subscription | null> {
  const row = await sql.get(
    `SELECT ${COLUMNS} FROM billing_subscriptions WHERE org_id = ? AND plan_id = ? AND status IN ('incomplete', 'active', 'past_due') ${options.lock ? sql.forUpdate : ''}`,
    [orgId, planId],
  );
  return row === undefined ? null : fromRow(row);
}

/** An organization's subscriptions, newest first, canceled ones included; `limit` of them, before the cursor id if given. */
export async function listSubscriptions(sql: Sql, orgId: string, options: { limit: number; before?: string | null }): Promise<Subscription[]> {
  const before = options.before ? ' AND id < ?' : '';
  const rows = await sql.all(`SELECT ${COLUMNS} FROM billing_subscriptions WHERE org_id = ?${before} ORDER BY id DESC LIMIT ?`, [
    orgId,
    ...(options.before ? [options.before] : []),
    options.limit,
  ]);
  return rows.map(fromRow);
}

/** Ids of subscriptions the renewal job should look at now, soonest due first (read without locks: each is claimed on its own). */
export async function dueSubscriptionIds(sql: Sql, nowMs: number, limit: number): Promise<string[]> {
  const rows = await sql.all<{ id: string }>(
    `SELECT id FROM billing_subscriptions
     WHERE status IN ('active', 'past_due') AND pending_attempt_id IS NULL AND next_charge_at_ms <= ?
     ORDER BY next_charge_at_ms, id LIMIT ?`,
    [nowMs, limit],
  );
  return rows.map((row) => row.id);
}

/** Incomplete subscriptions created at or before `createdBeforeMs` with no payment in flight, oldest first. */
export async function expiredIncompleteIds(sql: Sql, createdBeforeMs: number, limit: number): Promise<string[]> {
  const rows = await sql.all<{ id: string }>(
    `SELECT id FROM billing_subscriptions
     WHERE status = 'incomplete' AND pending_attempt_id IS NULL AND created_at_ms <= ?
     ORDER BY created_at_ms, id LIMIT ?`,
    [createdBeforeMs, limit],
  );
  return rows.map((row) => row.id);
}

/** The incomplete subscription if it still has expired, locked — or null if it was paid, retried or taken meanwhile. */
export async function claimExpiredIncomplete(tx: Tx, id: string, createdBeforeMs: number): Promise<Subscription | null> {
  const row = await tx.get(
    `SELECT ${COLUMNS} FROM billing_subscriptions
     WHERE id = ? AND status = 'incomplete' AND pending_attempt_id IS NULL AND created_at_ms <= ? ${tx.forUpdateSkipLocked}`,
    [id, createdBeforeMs],
  );
  return row === undefined ? null : fromRow(row);
}

/** The subscription if it is still due, locked — or null if another process holds it or got there first. */
export async function claimDueSubscription(tx: Tx, id: string, nowMs: number): Promise<Subscription | null> {
  const row = await tx.get(
    `SELECT ${COLUMNS} FROM billing_subscriptions
     WHERE id = ? AND status IN ('active', 'past_due') AND pending_attempt_id IS NULL AND next_charge_at_ms <= ? ${tx.forUpdateSkipLocked}`,
    [id, nowMs],
  );
  return row === undefined ? null : fromRow(row);
}

export async function insertSubscription(tx: Tx, sub: Subscription): Promise<void> {
  await tx.run(
    `INSERT INTO billing_subscriptions (id, org_id, plan_id, status, amount_minor, currency, interval_months, created_at_ms, updated_at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [sub.id, sub.orgId, sub.planId, sub.status, sub.amountMinor, sub.currency, sub.intervalMonths, sub.createdAtMs, sub.updatedAtMs],
  );
  await saveSubscription(tx, sub);
}

/** Writes every field that can change. The caller holds the row's lock. */
export async function saveSubscription(tx: Tx, sub: Subscription): Promise<void> {
  await tx.run(
    `UPDATE billing_subscriptions SET status = ?, anchor_ms = ?, period_index = ?, current_period_start_ms = ?, current_period_end_ms = ?, next_charge_at_ms = ?,
       pending_attempt_id = ?, latest_attempt_id = ?, failed_charges = ?, processor_failures = ?, past_due_since_ms = ?, declined_card_id = ?, last_failure_code = ?,
       cancel_at_period_end = ?, cancel_requested_at_ms = ?, ended_at_ms = ?, cancel_reason = ?, updated_at_ms = ?
     WHERE id = ?`,
    [sub.status, sub.anchorMs, sub.periodIndex, sub.currentPeriodStartMs, sub.currentPeriodEndMs, sub.nextChargeAtMs, sub.pendingAttemptId, sub.latestAttemptId,
      sub.failedCharges, sub.processorFailures, sub.pastDueSinceMs, sub.declinedCardId, sub.lastFailureCode, sub.cancelAtPeriodEnd ? 1 : 0, sub.cancelRequestedAtMs,
      sub.endedAtMs, sub.cancelReason, sub.updatedAtMs, sub.id],
  );
}

/** A new default card gives past-due subscriptions their next try now instead of at the next retry (the renewal job makes it). */
export async function retryPastDueNow(tx: Tx, orgId: string, nowMs: number): Promise<number> {
  return tx.run(
    `UPDATE billing_subscriptions SET next_charge_at_ms = ?, updated_at_ms = ?
     WHERE org_id = ? AND status = 'past_due' AND pending_attempt_id IS NULL AND next_charge_at_ms > ?`,
    [nowMs, nowMs, orgId, nowMs],
  );
}
