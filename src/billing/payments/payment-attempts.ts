import type { Sql, Tx } from '../../platform/db/database.ts';

/**
 * Every charge billing asks its provider for — a card's verification, a
 * credit purchase, an auto-recharge, a subscription payment — is one
 * attempt row, written `processing` *before* the provider is called and
 * finished after. The row's id is the provider call's idempotency key, so a
 * crash or a lost answer is finished by calling again with the same key
 * (payment-sweep.ts): a payment is never made twice and never forgotten.
 * A decline keeps the provider's whole answer, for the doctor.
 */

export type AttemptKind = 'verification' | 'purchase' | 'auto_recharge' | 'subscription';

/** What each kind of payment is, in the words of a card statement and a receipt. */
export const ATTEMPT_DESCRIPTIONS: Readonly<Record<AttemptKind, string>> = {
  verification: 'Card verification',
  purchase: 'API credits',
  auto_recharge: 'API credits (auto-recharge)',
  subscription: 'Subscription',
};
export type AttemptStatus = 'processing' | 'succeeded' | 'failed';
/** How a failure bears on retrying: `processor` failures are nobody's card's fault. */
export type FailureClass = 'soft' | 'hard' | 'processor';

/** The provider's answer to a failed attempt, as it came (Stripe's error object) plus the charge's outcome. */
export interface PaymentFailure {
  readonly type: string;
  readonly code: string | null;
  readonly decline_code: string | null;
  readonly message: string;
  /** The issuer's ISO 8583 code when the card network answered. */
  readonly network_decline_code: string | null;
  /** The provider's charge for this attempt, when one was made. */
  readonly charge: string | null;
  /** The charge's `outcome` (type, reason, rule, network_status, seller_message), when it could be read. */
  readonly outcome: Readonly<Record<string, unknown>> | null;
  /** The provider's error body, whole. */
  readonly provider_error: Readonly<Record<string, unknown>>;
}

export interface PaymentAttempt {
  readonly id: string;
  readonly orgId: string;
  readonly kind: AttemptKind;
  readonly amountMinor: number;
  readonly currency: string;
  readonly paymentMethodId: string;
  /** `merchant` = off-session (MIT): auto-recharges and subscription renewals. */
  readonly initiator: 'customer' | 'merchant';
  readonly status: AttemptStatus;
  readonly providerIntentId: string | null;
  readonly providerChargeId: string | null;
  readonly failure: PaymentFailure | null;
  readonly failureClass: FailureClass | null;
  readonly subscriptionId: string | null;
  readonly refundedMinor: number;
  readonly createdAtMs: number;
  readonly finishedAtMs: number | null;
  /** A card verification's 3-D Secure return address (the billing page), sent with the set-up; null when none was given. */
  readonly returnUrl: string | null;
}

export type NewAttempt = Pick<PaymentAttempt, 'id' | 'orgId' | 'kind' | 'amountMinor' | 'currency' | 'paymentMethodId' | 'initiator' | 'createdAtMs'> & {
  readonly subscriptionId?: string | null;
  /** The client's Idempotency-Key, unique per organization: a retried request finds its attempt instead of paying twice. */
  readonly clientKey?: string | null;
  readonly returnUrl?: string | null;
};

const COLUMNS = `id, org_id, kind, amount_minor, currency, payment_method_id, initiator, status, provider_intent_id, provider_charge_id,
  failure_json, failure_class, subscription_id, refunded_minor, created_at_ms, finished_at_ms, return_url`;

function fromRow(row: any): PaymentAttempt {
  return {
    id: row.id,
    orgId: row.org_id,
    kind: row.kind,
    amountMinor: Number(row.amount_minor),
    currency: row.currency,
    paymentMethodId: row.payment_method_id,
    initiator: row.initiator,
    status: row.status,
    providerIntentId: row.provider_intent_id,
    providerChargeId: row.provider_charge_id,
    failure: row.failure_json === null ? null : JSON.parse(row.failure_json),
    failureClass: row.failure_class,
    subscriptionId: row.subscription_id,
    refundedMinor: Number(row.refunded_minor),
    createdAtMs: Number(row.created_at_ms),
    finishedAtMs: row.finished_at_ms === null ? null : Number(row.finished_at_ms),
    returnUrl: row.return_url ?? null,
  };
}

export async function insertAttempt(tx: Tx, attempt: NewAttempt): Promise<PaymentAttempt> {
  await tx.run(
    `INSERT INTO billing_payment_attempts (id, org_id, kind, amount_minor, currency, payment_method_id, initiator, status, subscription_id, client_key, created_at_ms, return_url)
     VALUES (?, ?, ?, ?, ?, ?, ?, 'processing', ?, ?, ?, ?)`,
    [attempt.id, attempt.orgId, attempt.kind, attempt.amountMinor, attempt.currency, attempt.paymentMethodId, attempt.initiator, attempt.subscriptionId ?? null,
      attempt.clientKey ?? null, attempt.createdAtMs, attempt.returnUrl ?? null],
  );
  return {
    ...attempt,
    status: 'processing',
    providerIntentId: null,
    providerChargeId: null,
    failure: null,
    failureClass: null,
    subscriptionId: attempt.subscriptionId ?? null,
    refundedMinor: 0,
    finishedAtMs: null,
    returnUrl: attempt.returnUrl ?? null,
  };
}

export async function findAttempt(sql: Sql, id: string, options: { lock?: boolean } = {}): Promise<PaymentAttempt | null> {
  const row = await sql.get(`SELECT ${COLUMNS} FROM billing_payment_attempts WHERE id = ? ${options.lock ? sql.forUpdate : ''}`, [id]);
  return row === undefined ? null : fromRow(row);
}

/** The attempt as finished; only a `processing` attempt can finish, so a second finisher changes nothing. */
export async function finishAttempt(
  tx: Tx,
  attempt: PaymentAttempt,
  result:
    | { status: 'succeeded'; amountMinor?: number; providerIntentId: string | null; providerChargeId: string | null }
    | { status: 'failed'; failure: PaymentFailure; failureClass: FailureClass; providerIntentId: string | null },
  nowMs: number,
): Promise<PaymentAttempt | null> {
  // A provider intent recorded before the outcome stays recorded: a failure that does not name it (a refusal, a
  // timeout) still happened on that intent, and support and reconciliation find the attempt by it.
  const providerIntentId = result.providerIntentId ?? attempt.providerIntentId;
  const finished: PaymentAttempt =
    result.status === 'succeeded'
      ? { ...attempt, status: 'succeeded', amountMinor: result.amountMinor ?? attempt.amountMinor, providerIntentId, providerChargeId: result.providerChargeId, finishedAtMs: nowMs }
      : { ...attempt, status: 'failed', failure: result.failure, failureClass: result.failureClass, providerIntentId, providerChargeId: result.failure.charge, finishedAtMs: nowMs };
  const row = await tx.get<{ provider_intent_id: string | null }>(
    `UPDATE billing_payment_attempts SET status = ?, amount_minor = ?, provider_intent_id = COALESCE(?, provider_intent_id), provider_charge_id = ?, failure_json = ?,
            failure_class = ?, finished_at_ms = ?
      WHERE id = ? AND status = 'processing' RETURNING provider_intent_id`,
    [finished.status, finished.amountMinor, finished.providerIntentId, finished.providerChargeId, finished.failure === null ? null : JSON.stringify(finished.failure),
      finished.failureClass, nowMs, attempt.id],
  );
  // The row's own: the intent may have been recorded after the caller read the attempt.
  return row === undefined ? null : { ...finished, providerIntentId: row.provider_intent_id };
}

/** An attempt (or refund) is only stuck once it has been processing far longer than a provider call takes; from then on it is re-sent. */
export const STUCK_AFTER_MS = 60_000;

/**
 * How long one process may be sending an attempt to the provider before
 * another may send it again: longer than a whole send (the customer, the
 * payment and the charge's outcome, each a call of at most 30 s). Two sends
 * of one idempotency key at the same moment must never happen: a provider
 * that claims keys non-atomically (Cardlane's acquirer on PostgreSQL) would
 * then make two payments.
 */
export const SEND_LEASE_MS = 3 * 60_000;

/**
 * Takes the right to call the provider for a `processing` attempt now —
 * null while another request, job or sweep holds it. Whoever finds an
 * attempt already being sent answers it as it stands (`processing`) instead
 * of sending the same key concurrently. The lease (its end, returned) is
 * given back when the call returns (releaseAttemptSend), so it only ever
 * covers a call in flight; a process that dies mid-call lets it run out.
 */
export async function claimAttemptSend(sql: Sql, attemptId: string, nowMs: number): Promise<number | null> {
  const until = nowMs + SEND_LEASE_MS;
  const changed = await sql.run(
    `UPDATE billing_payment_attempts SET send_lease_until_ms = ?
     WHERE id = ? AND status = 'processing' AND (send_lease_until_ms IS NULL OR send_lease_until_ms <= ?)`,
    [until, attemptId, nowMs],
  );
  return changed === 1 ? until : null;
}

/** Gives a send lease back once the call returned (only the holder's own: `until` is what its claim returned). */
export async function releaseAttemptSend(sql: Sql, attemptId: string, until: number): Promise<void> {
  await sql.run('UPDATE billing_payment_attempts SET send_lease_until_ms = NULL WHERE id = ? AND send_lease_until_ms = ?', [attemptId, until]);
}

/**
 * Remembers the provider's payment (or setup) intent of an attempt whose
 * outcome is not known yet (the provider answered `processing`): from then
 * on the attempt is finished by reading that intent, never by sending the
 * create again — a replayed create answers the same `processing` snapshot
 * for as long as the provider keeps the key, and a new payment after.
 */
export async function recordProviderIntent(sql: Sql, attemptId: string, intentId: string): Promise<void> {
  await sql.run(`UPDATE billing_payment_attempts SET provider_intent_id = ? WHERE id = ? AND status = 'processing' AND provider_intent_id IS NULL`, [intentId, attemptId]);
}

/** The organization's unfinished verification of this card (one waiting for a 3-D Secure challenge, say), newest first, if any. */
export async function openVerification(sql: Sql, orgId: string, paymentMethodId: string): Promise<PaymentAttempt | null> {
  const row = await sql.get(
    `SELECT ${COLUMNS} FROM billing_payment_attempts WHERE org_id = ? AND payment_method_id = ? AND kind = 'verification' AND status = 'processing'
     ORDER BY created_at_ms DESC, id DESC LIMIT 1`,
    [orgId, paymentMethodId],
  );
  return row === undefined ? null : fromRow(row);
}

/** The attempt an earlier request with this client key made, if any. */
export async function findAttemptByClientKey(sql: Sql, orgId: string, clientKey: string): Promise<PaymentAttempt | null> {
  const row = await sql.get(`SELECT ${COLUMNS} FROM billing_payment_attempts WHERE org_id = ? AND client_key = ?`, [orgId, clientKey]);
  return row === undefined ? null : fromRow(row);
}

export async function addRefunded(tx: Tx, attemptId: string, amountMinor: number): Promise<void> {
  await tx.run('UPDATE billing_payment_attempts SET refunded_minor = refunded_minor + ? WHERE id = ?', [amountMinor, attemptId]);
}

/** An organization's attempts, newest first, `limit` of them, before the cursor id if given. */
export async function listAttempts(sql: Sql, orgId: string, options: { limit: number; before?: string | null; kind?: AttemptKind }): Promise<PaymentAttempt[]> {
  const where = ['org_id = ?'];
  const params: unknown[] = [orgId];
  if (options.before) {
    where.push('id < ?');
    params.push(options.before);
  }
  if (options.kind) {
    where.push('kind = ?');
    params.push(options.kind);
  }
  const rows = await sql.all(`SELECT ${COLUMNS} FROM billing_payment_attempts WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`, [...params, options.limit]);
  return rows.map(fromRow);
}

/**
 * Attempts left `processing` since before `olderThanMs` — their answer was lost or the process stopped — of one sort:
 * `payments` (purchases, recharges, subscription payments) or `verifications` (cards being added, which may also be
 * waiting up to 30 minutes for the customer's 3-D Secure challenge). Asked for apart, so that open challenges, which any
 * organization can make as many of as it has cards, never fill the batch that lost payments are finished in.
 */
export async function processingAttempts(sql: Sql, olderThanMs: number, limit: number, sort: 'payments' | 'verifications'): Promise<PaymentAttempt[]> {
  const rows = await sql.all(
    `SELECT ${COLUMNS} FROM billing_payment_attempts WHERE status = 'processing' AND created_at_ms <= ? AND kind ${sort === 'payments' ? '<>' : '='} 'verification'
     ORDER BY created_at_ms LIMIT ?`,
    [olderThanMs, limit],
  );
  return rows.map(fromRow);
}
