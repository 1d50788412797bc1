import {
  isIsoResponseCode,
  type AuthorizationResponse,
  type CheckResult,
  type FollowUpResponse,
  type IsoResponseCode,
} from './messages.ts';
import { hasLoneSurrogate, isValidCardholderBilling } from './message-validation.ts';

/**
 * Answers the network gives in an issuer's stead (a malformed message, an
 * unknown BIN, a time-out, a failing issuer), and the checks it makes on what
 * an issuer answers before passing it on: an issuer's answer that does not
 * fit the contract is treated as a failure of that issuer, not forwarded.
 */

/** Stand-in reasons, stable snake_case like the issuers' own. */
export const NETWORK_REASONS = {
  noSuchIssuer: 'no_such_issuer',
  issuerUnavailable: 'issuer_unavailable',
  systemMalfunction: 'system_malfunction',
  invalidIssuerResponse: 'invalid_issuer_response',
  unknownOriginal: 'unknown_original',
  originalNotApproved: 'original_not_approved',
  currencyMismatch: 'currency_mismatch',
  messageIdReused: 'message_id_reused',
} as const;

const CHECK_RESULTS: ReadonlySet<unknown> = new Set<CheckResult>(['pass', 'fail', 'unavailable', 'unchecked']);
const REASON_PATTERN = /^[a-z0-9_]{1,64}$/;
/** ISO 8583's element 38, `an 6`: what every wire to the network carries, so the contract in process is the same. */
const APPROVAL_CODE_PATTERN = /^[0-9A-Za-z]{6}$/;

export function networkAuthorizationAnswer(
  id: string,
  responseCode: IsoResponseCode,
  reason: string,
  currency: string,
  issuer: string | null,
): AuthorizationResponse {
  return {
    type: 'authorization_response',
    id,
    responseCode,
    approved: false,
    approvalCode: null,
    approvedAmount: { minor: 0, currency },
    avs: { line1: 'unchecked', postalCode: 'unchecked' },
    cvv2: 'unchecked',
    reason,
    issuerAuthorizationId: null,
    decidedBy: 'network',
    issuer,
  };
}

export function networkFollowUpAnswer(id: string, originalId: string, responseCode: IsoResponseCode, reason: string, currency: string): FollowUpResponse {
  return { type: 'follow_up_response', id, originalId, responseCode, reason, amount: { minor: 0, currency }, decidedBy: 'network' };
}

/** True when an issuer's answer to authorization (or incremental authorization) `requestId` fits the contract. */
export function isWellFormedAuthorizationResponse(value: unknown, requestId: string): value is AuthorizationResponse {
  const r = value as Partial<AuthorizationResponse> | null;
  if (typeof r !== 'object' || r === null || r.type !== 'authorization_response' || r.id !== requestId) return false;
  if (!isIsoResponseCode(r.responseCode) || r.approved !== (r.responseCode === '00')) return false;
  if (r.approved ? !(typeof r.approvalCode === 'string' && APPROVAL_CODE_PATTERN.test(r.approvalCode)) : r.approvalCode !== null) return false;
  if (!isMoney(r.approvedAmount) || (!r.approved && r.approvedAmount.minor !== 0)) return false;
  if (!isValidCardholderBilling(r.cardholderBilling, r.approvedAmount.currency)) return false;
  if (typeof r.avs !== 'object' || r.avs === null || !CHECK_RESULTS.has(r.avs.line1) || !CHECK_RESULTS.has(r.avs.postalCode)) return false;
  if (!CHECK_RESULTS.has(r.cvv2)) return false;
  if (typeof r.reason !== 'string' || !REASON_PATTERN.test(r.reason)) return false;
  // Half a character cannot cross a wire (message-validation.ts): an issuer that answers one answers outside the contract.
  return r.issuerAuthorizationId === null || (typeof r.issuerAuthorizationId === 'string' && r.issuerAuthorizationId.length <= 255 && !hasLoneSurrogate(r.issuerAuthorizationId));
}

/** True when an issuer's answer to follow-up `requestId` fits the contract. */
export function isWellFormedFollowUpResponse(value: unknown, requestId: string, originalId: string): value is FollowUpResponse {
  const r = value as Partial<FollowUpResponse> | null;
  if (typeof r !== 'object' || r === null || r.type !== 'follow_up_response' || r.id !== requestId || r.originalId !== originalId) return false;
  if (!isIsoResponseCode(r.responseCode) || !isMoney(r.amount)) return false;
  if (r.responseCode !== '00' && r.amount.minor !== 0) return false;
  return typeof r.reason === 'string' && REASON_PATTERN.test(r.reason);
}

function isMoney(value: unknown): value is { minor: number; currency: string } {
  const m = value as { minor?: unknown; currency?: unknown } | null;
  return (
    typeof m === 'object' && m !== null && typeof m.minor === 'number' && Number.isSafeInteger(m.minor) && m.minor >= 0 &&
    typeof m.currency === 'string' && /^[A-Z]{3}$/.test(m.currency)
  );
}
