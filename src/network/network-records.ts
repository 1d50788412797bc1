import type { Sql } from '../platform/db/database.ts';
import type {
  AuthorizationResponse,
  CheckResult,
  DecidedBy,
  FollowUpResponse,
  IsoResponseCode,
} from './messages.ts';

/**
 * The network's record of one message, as stored in `network_messages`
 * (see migrations.ts), and the read functions traces use. Nothing here holds
 * a card number or a CVV2: the BIN (first 8 digits of a 16+ digit number,
 * else 6) and the last four only.
 */

export type NetworkMessageType = 'authorization' | 'incremental_authorization' | 'reversal' | 'clearing' | 'refund' | 'advice';

/** How the issuer took the message: answered it, did not answer in time, failed, or (advice) received it. */
export type IssuerOutcome = 'answered' | 'timeout' | 'error' | 'delivered';

export interface NetworkMessageRow {
  id: string;
  type: NetworkMessageType;
  origin: 'acquirer' | 'network';
  original_id: string | null;
  issuer: string | null;
  bin: string | null;
  last4: string | null;
  brand: string | null;
  funding: string | null;
  card_country: string | null;
  purpose: string | null;
  initiator: string | null;
  entry_mode: string | null;
  amount_minor: number | null;
  currency: string | null;
  final: number | null;
  acquirer_id: string | null;
  merchant_id: string | null;
  merchant_name: string | null;
  mcc: string | null;
  merchant_country: string | null;
  merchant_customer_ref: string | null;
  response_code: IsoResponseCode;
  reason: string;
  decided_by: DecidedBy;
  approval_code: string | null;
  answer_amount_minor: number;
  /** Fields 6/51: the cardholder billing amount and currency of an answer in another currency than the card's; null otherwise. */
  billing_amount_minor: number | null;
  billing_currency: string | null;
  avs_line1: CheckResult | null;
  avs_postal_code: CheckResult | null;
  cvv2: CheckResult | null;
  issuer_authorization_id: string | null;
  issuer_outcome: IssuerOutcome | null;
  /**
   * An authorization's 3-D Secure electronic commerce indicator, as its request carried it with an authentication
   * value (`05`/`06` Visa, `02`/`01` Mastercard …); null when it carried none. The chargeback path reads it: a fraud
   * chargeback on an authenticated payment is the issuer's loss (disputes/reason-codes.ts).
   */
  eci: string | null;
  late_response_code: string | null;
  late_reason: string | null;
  attempts: number;
  latency_us: number;
  sent_at_ms: number | null;
  answered_at_ms: number;
}

/** Column order for inserts: every column but `seq`. */
export const NETWORK_MESSAGE_COLUMNS = [
  'id', 'type', 'origin', 'original_id', 'issuer', 'bin', 'last4', 'brand', 'funding', 'card_country',
  'purpose', 'initiator', 'entry_mode', 'amount_minor', 'currency', 'final',
  'acquirer_id', 'merchant_id', 'merchant_name', 'mcc', 'merchant_country', 'merchant_customer_ref',
  'response_code', 'reason', 'decided_by', 'approval_code', 'answer_amount_minor', 'billing_amount_minor', 'billing_currency',
  'avs_line1', 'avs_postal_code', 'cvv2', 'issuer_authorization_id', 'issuer_outcome', 'eci',
  'late_response_code', 'late_reason', 'attempts', 'latency_us', 'sent_at_ms', 'answered_at_ms',
] as const satisfies ReadonlyArray<keyof NetworkMessageRow>;

export const SELECT_COLUMNS = NETWORK_MESSAGE_COLUMNS.join(', ');

/** A record as traces read it. */
export interface NetworkMessageRecord {
  readonly id: string;
  readonly type: NetworkMessageType;
  readonly origin: 'acquirer' | 'network';
  /** The authorization this message belongs to (its own id for an authorization); null when the message named none validly. */
  readonly originalId: string | null;
  readonly issuer: string | null;
  readonly card: { readonly bin: string | null; readonly last4: string | null; readonly brand: string | null; readonly funding: string | null; readonly country: string | null };
  readonly purpose: string | null;
  readonly initiator: string | null;
  readonly entryMode: string | null;
  readonly amount: { readonly minor: number | null; readonly currency: string | null };
  readonly final: boolean | null;
  readonly merchant: {
    readonly acquirerId: string | null;
    readonly merchantId: string | null;
    readonly name: string | null;
    readonly mcc: string | null;
    readonly country: string | null;
    readonly customerRef: string | null;
  };
  readonly responseCode: IsoResponseCode;
  readonly reason: string;
  readonly decidedBy: DecidedBy;
  readonly approvalCode: string | null;
  readonly answerAmountMinor: number;
  /** ISO 8583 fields 6/51: what the payment cost in the card's currency, as the issuer converted it; null when nothing was converted. */
  readonly cardholderBilling: { readonly minor: number; readonly currency: string } | null;
  readonly avs: { readonly line1: CheckResult | null; readonly postalCode: CheckResult | null };
  readonly cvv2: CheckResult | null;
  readonly issuerAuthorizationId: string | null;
  readonly issuerOutcome: IssuerOutcome | null;
  /** The issuer's own answer when it came after the network had answered in its stead. */
  readonly late: { readonly responseCode: string; readonly reason: string | null } | null;
  readonly attempts: number;
  readonly latencyUs: number;
  readonly sentAtMs: number | null;
  readonly answeredAtMs: number;
}

export async function getNetworkMessage(sql: Sql, id: string): Promise<NetworkMessageRecord | null> {
  const row = await sql.get<NetworkMessageRow>(`SELECT ${SELECT_COLUMNS} FROM network_messages WHERE id = ?`, [id]);
  return row ? toRecord(row) : null;
}

/** Every message about one authorization (the authorization itself first), in the order the network recorded them. */
export async function listNetworkMessagesFor(sql: Sql, originalId: string): Promise<NetworkMessageRecord[]> {
  const rows = await sql.all<NetworkMessageRow>(
    `SELECT ${SELECT_COLUMNS} FROM network_messages WHERE id = ? OR original_id = ? ORDER BY seq LIMIT 1000`,
    [originalId, originalId],
  );
  return rows.map(toRecord);
}

/** Stored rows by id (for repeats and routing). */
export async function loadNetworkRows(sql: Sql, ids: readonly string[]): Promise<Map<string, NetworkMessageRow>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await sql.all<NetworkMessageRow>(
    `SELECT ${SELECT_COLUMNS} FROM network_messages WHERE id IN (${unique.map(() => '?').join(', ')})`,
    unique,
  );
  return new Map(rows.map((row) => [row.id, row]));
}

export function toRecord(row: NetworkMessageRow): NetworkMessageRecord {
  return {
    id: row.id,
    type: row.type,
    origin: row.origin,
    originalId: row.type === 'authorization' ? row.id : row.original_id,
    issuer: row.issuer,
    card: { bin: row.bin, last4: row.last4, brand: row.brand, funding: row.funding, country: row.card_country },
    purpose: row.purpose,
    initiator: row.initiator,
    entryMode: row.entry_mode,
    amount: { minor: row.amount_minor, currency: row.currency },
    final: row.final === null ? null : row.final === 1,
    merchant: {
      acquirerId: row.acquirer_id,
      merchantId: row.merchant_id,
      name: row.merchant_name,
      mcc: row.mcc,
      country: row.merchant_country,
      customerRef: row.merchant_customer_ref,
    },
    responseCode: row.response_code,
    reason: row.reason,
    decidedBy: row.decided_by,
    approvalCode: row.approval_code,
    answerAmountMinor: row.answer_amount_minor,
    cardholderBilling: billingOf(row),
    avs: { line1: row.avs_line1, postalCode: row.avs_postal_code },
    cvv2: row.cvv2,
    issuerAuthorizationId: row.issuer_authorization_id,
    issuerOutcome: row.issuer_outcome,
    late: row.late_response_code === null ? null : { responseCode: row.late_response_code, reason: row.late_reason },
    attempts: row.attempts,
    latencyUs: row.latency_us,
    sentAtMs: row.sent_at_ms,
    answeredAtMs: row.answered_at_ms,
  };
}

function billingOf(row: NetworkMessageRow): { minor: number; currency: string } | null {
  return row.billing_amount_minor === null || row.billing_currency === null ? null : { minor: Number(row.billing_amount_minor), currency: row.billing_currency };
}

/** The answer a stored authorization (or incremental authorization) row gave, for a repeat. */
export function storedAuthorizationResponse(row: NetworkMessageRow): AuthorizationResponse {
  return {
    type: 'authorization_response',
    id: row.id,
    responseCode: row.response_code,
    approved: row.response_code === '00',
    approvalCode: row.approval_code,
    approvedAmount: { minor: row.answer_amount_minor, currency: row.currency ?? 'XXX' },
    ...(billingOf(row) === null ? {} : { cardholderBilling: billingOf(row)! }),
    avs: { line1: row.avs_line1 ?? 'unchecked', postalCode: row.avs_postal_code ?? 'unchecked' },
    cvv2: row.cvv2 ?? 'unchecked',
    reason: row.reason,
    issuerAuthorizationId: row.issuer_authorization_id,
    decidedBy: row.decided_by,
    issuer: row.issuer,
  };
}

/** The answer a stored follow-up row gave, for a repeat. */
export function storedFollowUpResponse(row: NetworkMessageRow): FollowUpResponse {
  return {
    type: 'follow_up_response',
    id: row.id,
    originalId: row.original_id ?? '',
    responseCode: row.response_code,
    reason: row.reason,
    amount: { minor: row.answer_amount_minor, currency: row.currency ?? 'XXX' },
    decidedBy: row.decided_by,
  };
}
