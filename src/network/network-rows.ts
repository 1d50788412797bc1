import type { BinInfo } from './bins.ts';
import type { AuthorizationRequest, AuthorizationResponse, FollowUpRequest, FollowUpResponse } from './messages.ts';
import type { IssuerOutcome, NetworkMessageRow, NetworkMessageType } from './network-records.ts';
import { recordableBin, recordableLast4 } from './pan-format.ts';

/**
 * Builds the network's records from messages and answers. Only checked or
 * harmless values are kept: the BIN and last four of the card (never the
 * number, never the CVV2), and of a malformed message only the fields that
 * are themselves well formed, so nothing odd a sender put in a field is
 * stored as if it meant something.
 */

export interface AnswerMeta {
  readonly issuerOutcome: IssuerOutcome | null;
  readonly latencyUs: number;
  readonly answeredAtMs: number;
  readonly attempts: number;
}

/** The card and merchant part of a record, from an authorization (well formed or not). */
function authorizationFields(request: AuthorizationRequest, bin: BinInfo | null): Partial<NetworkMessageRow> {
  const r = request as unknown as Record<string, unknown>;
  const card = asRecord(r.card);
  const amount = asRecord(r.amount);
  const merchant = asRecord(r.merchant);
  return {
    bin: recordableBin(card?.pan),
    last4: recordableLast4(card?.pan),
    brand: bin?.brand ?? null,
    funding: bin?.funding ?? null,
    card_country: bin?.country ?? null,
    purpose: oneOf(r.purpose, ['purchase', 'account_verification']),
    initiator: oneOf(r.initiator, ['customer', 'merchant']),
    entry_mode: oneOf(r.entryMode, ['ecommerce', 'credential_on_file']),
    amount_minor: safeInteger(amount?.minor),
    currency: matching(amount?.currency, /^[A-Z]{3}$/),
    acquirer_id: boundedText(merchant?.acquirerId, 255),
    merchant_id: boundedText(merchant?.merchantId, 255),
    merchant_name: scrubbedText(merchant?.name, 100),
    mcc: matching(merchant?.mcc, /^\d{4}$/),
    merchant_country: matching(merchant?.country, /^[A-Z]{2}$/),
    merchant_customer_ref: boundedText(r.merchantCustomerRef, 255),
    eci: authenticationEci(r.authentication),
    sent_at_ms: safeInteger(r.sentAtMs),
  };
}

/** The ECI of a well-formed 3-D Secure result (two digits, with an authentication value); null for none or a malformed one. */
function authenticationEci(value: unknown): string | null {
  const authentication = asRecord(value);
  if (authentication === null || typeof authentication.value !== 'string' || authentication.value.length === 0) return null;
  return matching(authentication.eci, /^0[0-7]$/);
}

export function authorizationRow(
  id: string,
  request: AuthorizationRequest,
  bin: BinInfo | null,
  response: AuthorizationResponse,
  meta: AnswerMeta,
): NetworkMessageRow {
  return {
    ...emptyRow(id, 'authorization', 'acquirer', null, meta),
    ...authorizationFields(request, bin),
    issuer: response.issuer,
    ...authorizationAnswerFields(response),
  };
}

/** A follow-up (or incremental authorization) from the acquirer; `original` is the authorization's record when there is one. */
export function followUpRow(
  id: string,
  request: FollowUpRequest,
  original: NetworkMessageRow | undefined,
  response: FollowUpResponse | AuthorizationResponse,
  meta: AnswerMeta,
): NetworkMessageRow {
  const r = request as unknown as Record<string, unknown>;
  const amount = asRecord(r.amount);
  const originalId = typeof r.originalId === 'string' && r.originalId.length <= 255 ? r.originalId : null;
  const row: NetworkMessageRow = {
    ...emptyRow(id, request.type, 'acquirer', originalId, meta),
    ...cardFieldsOf(original),
    issuer: original?.issuer ?? null,
    amount_minor: safeInteger(amount?.minor),
    currency: matching(amount?.currency, /^[A-Z]{3}$/) ?? original?.currency ?? null,
    final: request.type === 'clearing' && typeof r.final === 'boolean' ? (r.final ? 1 : 0) : null,
    sent_at_ms: safeInteger(r.sentAtMs),
  };
  if (response.type === 'authorization_response') return { ...row, ...authorizationAnswerFields(response), issuer: row.issuer };
  return { ...row, ...followUpAnswerFields(response) };
}

/** A reversal the network itself sent after a stand-in. */
export function networkReversalRow(
  request: FollowUpRequest,
  original: NetworkMessageRow,
  response: FollowUpResponse,
  meta: AnswerMeta,
): NetworkMessageRow {
  return {
    ...emptyRow(request.id, 'reversal', 'network', original.id, meta),
    ...cardFieldsOf(original),
    issuer: original.issuer,
    currency: original.currency,
    sent_at_ms: request.sentAtMs,
    ...followUpAnswerFields(response),
  };
}

/** The advice of a stand-in decision: it carries the stand-in's code and reason; `issuer_outcome` says whether it arrived. */
export function adviceRow(id: string, original: NetworkMessageRow, sentAtMs: number, meta: AnswerMeta): NetworkMessageRow {
  return {
    ...emptyRow(id, 'advice', 'network', original.id, meta),
    ...cardFieldsOf(original),
    issuer: original.issuer,
    purpose: original.purpose,
    initiator: original.initiator,
    entry_mode: original.entry_mode,
    amount_minor: original.amount_minor,
    currency: original.currency,
    acquirer_id: original.acquirer_id,
    merchant_id: original.merchant_id,
    merchant_name: original.merchant_name,
    mcc: original.mcc,
    merchant_country: original.merchant_country,
    response_code: original.response_code,
    reason: original.reason,
    decided_by: 'network',
    sent_at_ms: sentAtMs,
  };
}

function authorizationAnswerFields(response: AuthorizationResponse): Partial<NetworkMessageRow> {
  return {
    response_code: response.responseCode,
    reason: response.reason,
    decided_by: response.decidedBy,
    approval_code: response.approvalCode,
    answer_amount_minor: response.approvedAmount.minor,
    billing_amount_minor: response.cardholderBilling?.minor ?? null,
    billing_currency: response.cardholderBilling?.currency ?? null,
    avs_line1: response.avs.line1,
    avs_postal_code: response.avs.postalCode,
    cvv2: response.cvv2,
    issuer_authorization_id: response.issuerAuthorizationId,
  };
}

function followUpAnswerFields(response: FollowUpResponse): Partial<NetworkMessageRow> {
  return {
    response_code: response.responseCode,
    reason: response.reason,
    decided_by: response.decidedBy,
    answer_amount_minor: response.amount.minor,
  };
}

function cardFieldsOf(original: NetworkMessageRow | undefined): Partial<NetworkMessageRow> {
  return {
    bin: original?.bin ?? null,
    last4: original?.last4 ?? null,
    brand: original?.brand ?? null,
    funding: original?.funding ?? null,
    card_country: original?.card_country ?? null,
  };
}

function emptyRow(id: string, type: NetworkMessageType, origin: 'acquirer' | 'network', originalId: string | null, meta: AnswerMeta): NetworkMessageRow {
  return {
    id,
    type,
    origin,
    original_id: originalId,
    issuer: null,
    bin: null,
    last4: null,
    brand: null,
    funding: null,
    card_country: null,
    purpose: null,
    initiator: null,
    entry_mode: null,
    amount_minor: null,
    currency: null,
    final: null,
    acquirer_id: null,
    merchant_id: null,
    merchant_name: null,
    mcc: null,
    merchant_country: null,
    merchant_customer_ref: null,
    response_code: '96',
    reason: 'system_malfunction',
    decided_by: 'network',
    approval_code: null,
    answer_amount_minor: 0,
    billing_amount_minor: null,
    billing_currency: null,
    avs_line1: null,
    avs_postal_code: null,
    cvv2: null,
    issuer_authorization_id: null,
    issuer_outcome: meta.issuerOutcome,
    eci: null,
    late_response_code: null,
    late_reason: null,
    attempts: meta.attempts,
    latency_us: meta.latencyUs,
    sent_at_ms: null,
    answered_at_ms: meta.answeredAtMs,
  };
}

function asRecord(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
}

function oneOf(value: unknown, allowed: readonly string[]): string | null {
  return typeof value === 'string' && allowed.includes(value) ? value : null;
}

function safeInteger(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : null;
}

function matching(value: unknown, pattern: RegExp): string | null {
  return typeof value === 'string' && pattern.test(value) ? value : null;
}

function boundedText(value: unknown, maxLength: number): string | null {
  return typeof value === 'string' && value.length <= maxLength ? value : null;
}

/**
 * Free text with every run of 12 or more digits masked, card number or not:
 * a merchant may put a number in its statement name by mistake, and a name
 * needs no long numbers. (Ids are kept as they are: they are matched on.)
 */
function scrubbedText(value: unknown, maxLength: number): string | null {
  const text = boundedText(value, maxLength);
  if (text === null || countDigits(text) < 12) return text;
  return text.replace(LONG_DIGIT_RUN, (run) => run.replace(/\d/g, '*'));
}

function countDigits(text: string): number {
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 48 && code <= 57) digits += 1;
  }
  return digits;
}

const LONG_DIGIT_RUN = /\d(?:[ -]?\d){11,}/g;
