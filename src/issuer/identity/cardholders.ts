import type { Sql, Tx } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { IssuerError } from '../errors.ts';
import type { IdGenerator, RandomSource } from '../../platform/ids.ts';
import { newInviteCode, normalizeInviteCode } from '../invite-code.ts';
import { kycRejectionEntry, storedKycReason, type KycRejectionReason } from './kyc-reasons.ts';

export type KycStatus = 'not_started' | 'pending' | 'approved' | 'rejected';

export interface Cardholder {
  readonly id: string;
  readonly phoneE164: string;
  readonly kycStatus: KycStatus;
  /** Why the latest verification was rejected; null unless rejected. */
  readonly kycReason: KycRejectionReason | null;
  readonly inviteCode: string;
  readonly referredBy: string | null;
  readonly openingFeeWaived: boolean;
  readonly firstCardAtMs: number | null;
  readonly createdAtMs: number;
}

export interface Referral {
  readonly referrerId: string;
  readonly inviteCode: string;
  readonly createdAtMs: number;
}

interface CardholderRow {
  id: string;
  phone_e164: string;
  kyc_status: KycStatus;
  kyc_reason: string | null;
  invite_code: string;
  referred_by: string | null;
  opening_fee_waived: number | string;
  first_card_at_ms: number | string | null;
  created_at_ms: number | string;
}

const COLUMNS =
  'id, phone_e164, kyc_status, kyc_reason, invite_code, referred_by, opening_fee_waived, first_card_at_ms, created_at_ms';

function fromRow(row: CardholderRow): Cardholder {
  return {
    id: row.id,
    phoneE164: row.phone_e164,
    kycStatus: row.kyc_status,
    kycReason: row.kyc_status === 'rejected' ? storedKycReason(row.kyc_reason) : null,
    inviteCode: row.invite_code,
    referredBy: row.referred_by,
    openingFeeWaived: Number(row.opening_fee_waived) === 1,
    firstCardAtMs: row.first_card_at_ms === null ? null : Number(row.first_card_at_ms),
    createdAtMs: Number(row.created_at_ms),
  };
}

export async function getCardholder(sql: Sql, id: string, options: { lock?: boolean } = {}): Promise<Cardholder | undefined> {
  const row = await sql.get<CardholderRow>(
    `SELECT ${COLUMNS} FROM issuer_cardholders WHERE id = ?${options.lock ? ` ${sql.forUpdate}` : ''}`,
    [id],
  );
  return row === undefined ? undefined : fromRow(row);
}

export async function findCardholderByPhone(sql: Sql, phoneE164: string): Promise<Cardholder | undefined> {
  const row = await sql.get<CardholderRow>(`SELECT ${COLUMNS} FROM issuer_cardholders WHERE phone_e164 = ?`, [phoneE164]);
  return row === undefined ? undefined : fromRow(row);
}

export async function findCardholderByInviteCode(sql: Sql, inviteCode: string): Promise<Cardholder | undefined> {
  const row = await sql.get<CardholderRow>(`SELECT ${COLUMNS} FROM issuer_cardholders WHERE invite_code = ?`, [inviteCode]);
  return row === undefined ? undefined : fromRow(row);
}

export async function getReferral(sql: Sql, refereeId: string): Promise<Referral | undefined> {
  const row = await sql.get<{ referrer_id: string; invite_code: string; created_at_ms: number | string }>(
    'SELECT referrer_id, invite_code, created_at_ms FROM issuer_referrals WHERE referee_id = ?',
    [refereeId],
  );
  return row === undefined ? undefined : { referrerId: row.referrer_id, inviteCode: row.invite_code, createdAtMs: Number(row.created_at_ms) };
}

// A clash of 40-bit codes is about one in 10^12 per try; five tries is a bound, not an expectation.
const INVITE_CODE_TRIES = 5;

/** A new cardholder with a fresh invite code; the phone must already be normalized and locked. */
export async function createCardholder(
  tx: Tx,
  deps: { readonly ids: IdGenerator; readonly random: RandomSource },
  phoneE164: string,
  nowMs: number,
): Promise<Cardholder> {
  for (let attempt = 0; attempt < INVITE_CODE_TRIES; attempt++) {
    const inviteCode = newInviteCode(deps.random);
    if ((await findCardholderByInviteCode(tx, inviteCode)) !== undefined) continue;
    const id = deps.ids.next('ch');
    await tx.run('INSERT INTO issuer_cardholders (id, phone_e164, invite_code, created_at_ms) VALUES (?, ?, ?, ?)', [
      id,
      phoneE164,
      inviteCode,
      nowMs,
    ]);
    return (await getCardholder(tx, id))!;
  }
  throw new Error(`could not mint an unused invite code in ${INVITE_CODE_TRIES} tries; is the random source broken?`);
}

export type InviteRefusal = 'invite_code_invalid' | 'invite_code_unknown' | 'invite_code_own' | 'invite_code_already_applied' | 'invite_code_too_late';

export type InviteCheck = { readonly ok: true; readonly referrer: Cardholder; readonly code: string } | { readonly ok: false; readonly code: InviteRefusal };

/**
 * May `referee` (undefined: someone signing up now) use `input` as an invite
 * code? Rules: well-formed; belongs to a cardholder; not the referee's own;
 * the referee has no referral yet and no card yet.
 */
export async function checkInviteCode(sql: Sql, input: string, referee: Cardholder | undefined): Promise<InviteCheck> {
  const normalized = normalizeInviteCode(input);
  if (!normalized.ok) return { ok: false, code: 'invite_code_invalid' };
  const referrer = await findCardholderByInviteCode(sql, normalized.code);
  if (referrer === undefined) return { ok: false, code: 'invite_code_unknown' };
  if (referee !== undefined) {
    if (referrer.id === referee.id) return { ok: false, code: 'invite_code_own' };
    if (referee.referredBy !== null) return { ok: false, code: 'invite_code_already_applied' };
    if (referee.firstCardAtMs !== null) return { ok: false, code: 'invite_code_too_late' };
  }
  return { ok: true, referrer, code: normalized.code };
}

/** Records the referral and waives the referee's card-opening fee; checks must have passed. */
export async function recordReferral(tx: Tx, refereeId: string, referrer: Cardholder, code: string, nowMs: number): Promise<void> {
  const changed = await tx.run(
    'UPDATE issuer_cardholders SET referred_by = ?, opening_fee_waived = 1 WHERE id = ? AND referred_by IS NULL',
    [referrer.id, refereeId],
  );
  if (changed !== 1) throw new Error(`cardholder ${refereeId} already has a referral`);
  await tx.run('INSERT INTO issuer_referrals (referee_id, referrer_id, invite_code, created_at_ms) VALUES (?, ?, ?, ?)', [
    refereeId,
    referrer.id,
    code,
    nowMs,
  ]);
}

/** Applies an invite code after sign-up (before the first card); throws the refusal as an AppError. */
export async function applyInviteCode(tx: Tx, cardholderId: string, input: string, nowMs: number): Promise<Cardholder> {
  const cardholder = await getCardholder(tx, cardholderId, { lock: true });
  if (cardholder === undefined) throw new IssuerError('resource_missing', 'No such cardholder.');
  const check = await checkInviteCode(tx, input, cardholder);
  if (!check.ok) throw new IssuerError(check.code, undefined, { param: 'invite_code' });
  await recordReferral(tx, cardholder.id, check.referrer, check.code, nowMs);
  return (await getCardholder(tx, cardholder.id))!;
}

/**
 * For the money and card slices: refuses (403 `kyc_required`) unless the
 * cardholder's identity verification is approved. Call it inside the
 * transaction that does the work, so a concurrent change cannot slip between.
 */
export async function requireKycApproved(sql: Sql, cardholderId: string): Promise<Cardholder> {
  const cardholder = await getCardholder(sql, cardholderId);
  if (cardholder === undefined) throw new IssuerError('resource_missing', 'No such cardholder.');
  if (cardholder.kycStatus === 'approved') return cardholder;
  const why: Record<Exclude<KycStatus, 'approved'>, string> = {
    not_started: 'Verify your identity (POST /issuer/v1/kyc) before doing this.',
    pending: 'Your identity verification is still in progress; try again once it is approved.',
    rejected:
      cardholder.kycReason !== null && !kycRejectionEntry(cardholder.kycReason).canResubmit
        ? 'Your identity verification was not approved and cannot be started again; see GET /issuer/v1/kyc for what to do.'
        : 'Your identity verification was rejected; start a new one (POST /issuer/v1/kyc).',
  };
  throw new IssuerError('kyc_required', `Identity verification (KYC) must be approved first. ${why[cardholder.kycStatus]}`);
}

/** For the cards slice: the first card opened closes the window for an invite code. Idempotent. */
export async function markFirstCard(tx: Tx, cardholderId: string, nowMs: number): Promise<void> {
  await tx.run('UPDATE issuer_cardholders SET first_card_at_ms = ? WHERE id = ? AND first_card_at_ms IS NULL', [nowMs, cardholderId]);
}
