import type { Sql, Tx } from '../../platform/db/database.ts';
import { IssuerError } from '../errors.ts';
import type { IdGenerator } from '../../platform/ids.ts';
import type { Clock } from '../../platform/clock.ts';
import { getCardholder, type KycStatus } from './cardholders.ts';
import type { KycProvider } from './kyc-provider.ts';
import { isKycRejectionReason, KYC_REJECTION_REASONS, kycRejectionEntry, storedKycReason, type KycRejectionReason } from './kyc-reasons.ts';

/**
 * Identity verification: `not_started → pending → approved | rejected`, and
 * `rejected → pending` again on re-submission. The cardholder row carries the
 * current status (what `requireKycApproved` reads); each attempt is a row of
 * `issuer_kyc_verifications` with its own outcome. A rejection names one of
 * the reason codes (kyc-reasons.ts), which decides whether the cardholder
 * may start again, and may carry an operator-only note.
 */

export type VerificationStatus = Exclude<KycStatus, 'not_started'>;

export interface KycVerification {
  readonly id: string;
  readonly cardholderId: string;
  readonly status: VerificationStatus;
  /** Why it was rejected; null unless rejected. */
  readonly reason: KycRejectionReason | null;
  /** The free text a rejection from before the reason codes showed the cardholder (read as `other`); null since. */
  readonly legacyReasonText: string | null;
  /** The operator's note on a rejection: for operators only, never in a cardholder's answer. */
  readonly internalNote: string | null;
  readonly qrPayload: string;
  readonly createdAtMs: number;
  readonly completedAtMs: number | null;
}

export const KYC_NOTE_MAX_CHARS = 500;

interface Row {
  id: string;
  cardholder_id: string;
  status: VerificationStatus;
  reason: string | null;
  reason_code: string | null;
  internal_note: string | null;
  qr_payload: string;
  created_at_ms: number | string;
  completed_at_ms: number | string | null;
}

const COLUMNS = 'id, cardholder_id, status, reason, reason_code, internal_note, qr_payload, created_at_ms, completed_at_ms';

function fromRow(row: Row): KycVerification {
  return {
    id: row.id,
    cardholderId: row.cardholder_id,
    status: row.status,
    reason: row.status === 'rejected' ? storedKycReason(row.reason_code) : null,
    legacyReasonText: row.reason,
    internalNote: row.internal_note,
    qrPayload: row.qr_payload,
    createdAtMs: Number(row.created_at_ms),
    completedAtMs: row.completed_at_ms === null ? null : Number(row.completed_at_ms),
  };
}

export async function getKycVerification(sql: Sql, id: string, options: { lock?: boolean } = {}): Promise<KycVerification | undefined> {
  const row = await sql.get<Row>(`SELECT ${COLUMNS} FROM issuer_kyc_verifications WHERE id = ?${options.lock ? ` ${sql.forUpdate}` : ''}`, [id]);
  return row === undefined ? undefined : fromRow(row);
}

export async function latestKycVerification(sql: Sql, cardholderId: string): Promise<KycVerification | undefined> {
  const row = await sql.get<Row>(
    `SELECT ${COLUMNS} FROM issuer_kyc_verifications WHERE cardholder_id = ? ORDER BY created_at_ms DESC, id DESC LIMIT 1`,
    [cardholderId],
  );
  return row === undefined ? undefined : fromRow(row);
}

/**
 * Starts a verification, or returns the one already pending (asking twice
 * shows the same QR code). Refused once approved, and after a rejection
 * whose reason allows no new attempt.
 */
export async function startKycVerification(
  tx: Tx,
  deps: { readonly clock: Clock; readonly ids: IdGenerator; readonly kyc: KycProvider },
  cardholderId: string,
): Promise<{ readonly verification: KycVerification; readonly started: boolean }> {
  const cardholder = await getCardholder(tx, cardholderId, { lock: true });
  if (cardholder === undefined) throw new IssuerError('resource_missing', 'No such cardholder.');
  if (cardholder.kycStatus === 'approved') throw new IssuerError('kyc_already_approved');
  if (cardholder.kycStatus === 'pending') {
    const pending = await latestKycVerification(tx, cardholderId);
    if (pending?.status === 'pending') return { verification: pending, started: false };
  }
  if (cardholder.kycStatus === 'rejected' && cardholder.kycReason !== null && !kycRejectionEntry(cardholder.kycReason).canResubmit) {
    throw new IssuerError('kyc_resubmission_not_allowed');
  }
  const nowMs = deps.clock.nowMs();
  const id = deps.ids.next('kyc');
  const started = await deps.kyc.start(tx, { verificationId: id, cardholderId, nowMs });
  await tx.run(
    `INSERT INTO issuer_kyc_verifications (id, cardholder_id, status, provider, provider_reference, qr_payload, created_at_ms)
     VALUES (?, ?, 'pending', ?, ?, ?, ?)`,
    [id, cardholderId, deps.kyc.name, started.providerReference, started.qrPayload, nowMs],
  );
  await tx.run("UPDATE issuer_cardholders SET kyc_status = 'pending', kyc_reason = NULL WHERE id = ?", [cardholderId]);
  return { verification: (await getKycVerification(tx, id))!, started: true };
}

export type KycOutcome =
  | { readonly decision: 'approved' }
  | { readonly decision: 'rejected'; readonly reason: string; readonly internalNote?: string | null };

/**
 * The provider's asynchronous answer (in the sandbox, an operator's action).
 * Only a pending verification can complete; answering the same outcome
 * again is accepted and changes nothing (providers repeat callbacks), a
 * different one is `kyc_not_pending`.
 */
export async function completeKycVerification(tx: Tx, clock: Clock, verificationId: string, outcome: KycOutcome): Promise<KycVerification> {
  let reason: KycRejectionReason | null = null;
  let note: string | null = null;
  if (outcome.decision === 'rejected') {
    if (!isKycRejectionReason(outcome.reason)) {
      throw new IssuerError('parameter_invalid', `Invalid reason: must be one of ${KYC_REJECTION_REASONS.join(', ')}.`, { param: 'reason' });
    }
    reason = outcome.reason;
    note = outcome.internalNote?.trim() || null;
    if (note !== null && note.length > KYC_NOTE_MAX_CHARS) {
      throw new IssuerError('parameter_invalid', `Invalid internal_note: must be at most ${KYC_NOTE_MAX_CHARS} characters long.`, { param: 'internal_note' });
    }
  }
  const verification = await getKycVerification(tx, verificationId, { lock: true });
  if (verification === undefined) throw new IssuerError('resource_missing', `No such KYC verification: ${verificationId}.`, { param: 'id' });
  if (verification.status !== 'pending') {
    if (verification.status === outcome.decision && verification.reason === reason && verification.internalNote === note) return verification;
    throw new IssuerError('kyc_not_pending', `This verification is already ${verification.status}.`);
  }
  const nowMs = clock.nowMs();
  await tx.run('UPDATE issuer_kyc_verifications SET status = ?, reason_code = ?, internal_note = ?, completed_at_ms = ? WHERE id = ?', [
    outcome.decision,
    reason,
    note,
    nowMs,
    verificationId,
  ]);
  // The cardholder's status follows only their latest verification.
  const latest = await latestKycVerification(tx, verification.cardholderId);
  if (latest?.id === verificationId) {
    await tx.run('UPDATE issuer_cardholders SET kyc_status = ?, kyc_reason = ? WHERE id = ?', [outcome.decision, reason, verification.cardholderId]);
  }
  return (await getKycVerification(tx, verificationId))!;
}
