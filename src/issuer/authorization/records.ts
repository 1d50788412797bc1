import type {
  AuthorizationPurpose,
  AuthorizationResponse,
  AvsResult,
  CheckResult,
  DecidedBy,
  EntryMode,
  Initiator,
  IsoResponseCode,
  MerchantData,
  Money,
  NameCheckResult,
} from '../../network/messages.ts';
import { placeholders, RetryableConflict, type Sql, type Tx } from '../../platform/db/database.ts';

/**
 * The decision records (`issuer_authorizations`): their shape, their
 * writes, and the read functions the lead's traces and the doctor use.
 * Every decision is one row, approved or declined; the response a repeat
 * gets is rebuilt from it.
 */

export type AuthorizationStatus = 'pending' | 'closed' | 'reversed' | 'expired' | 'declined';

export const ISSUER_NAME = 'cardlane';

export interface IssuerAuthorization {
  /** `iauth_…` */
  readonly id: string;
  /** The authorization request's message id (the acquirer's). */
  readonly requestId: string;
  /** Null when the PAN is not a Cardlane card. */
  readonly cardId: string | null;
  readonly cardholderId: string | null;
  /** First six and last four digits of the PAN as sent (never more), for traces of unknown cards. */
  readonly panBin: string | null;
  readonly panLast4: string | null;
  readonly purpose: AuthorizationPurpose;
  readonly merchant: MerchantData;
  readonly merchantCustomerRef: string | null;
  readonly entryMode: EntryMode;
  readonly initiator: Initiator;
  /** As requested (any currency). */
  readonly amount: Money;
  readonly approved: boolean;
  readonly responseCode: IsoResponseCode;
  readonly reason: string;
  readonly approvalCode: string | null;
  readonly avs: AvsResult;
  readonly cvv2: CheckResult;
  /** Each check's result (see decide.ts), as recorded. */
  readonly checks: Readonly<Record<string, unknown>>;
  /** From the request's arrival at the engine to its decision. */
  readonly latencyUs: number;
  readonly decidedBy: DecidedBy;
  readonly status: AuthorizationStatus;
  /** The original amount plus approved increments, USD cents (0 when declined). */
  readonly approvedUsdMinor: number;
  /** Still held on the card. */
  readonly heldUsdMinor: number;
  readonly clearedUsdMinor: number;
  readonly refundedUsdMinor: number;
  /** Released without clearing: reversals, the rest after a final clearing, expiry, card closed. */
  readonly releasedUsdMinor: number;
  /** The ledger's pending transfer that holds `heldUsdMinor` (the latest one, once released). */
  readonly holdTransferId: string | null;
  readonly ledgerSeq: number;
  /** When the hold stops holding funds; null when nothing was held. */
  readonly expiresAtMs: number | null;
  readonly sentAtMs: number;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
  readonly closedAtMs: number | null;
}

/** The row as stored (snake_case, column order of AUTHORIZATION_COLUMNS). */
export interface AuthorizationRow {
  id: string;
  request_id: string;
  card_id: string | null;
  cardholder_id: string | null;
  pan_bin: string | null;
  pan_last4: string | null;
  purpose: string;
  acquirer_id: string;
  merchant_id: string;
  merchant_name: string;
  mcc: string;
  merchant_country: string;
  merchant_customer_ref: string | null;
  entry_mode: string;
  initiator: string;
  amount_minor: number;
  currency: string;
  approved: number;
  response_code: string;
  reason: string;
  approval_code: string | null;
  avs_line1: string;
  avs_postal_code: string;
  cvv2: string;
  checks: string;
  latency_us: number;
  decided_by: string;
  status: AuthorizationStatus;
  approved_usd_minor: number;
  held_usd_minor: number;
  cleared_usd_minor: number;
  refunded_usd_minor: number;
  released_usd_minor: number;
  hold_transfer_id: string | null;
  ledger_seq: number;
  expires_at_ms: number | null;
  sent_at_ms: number;
  created_at_ms: number;
  updated_at_ms: number;
  closed_at_ms: number | null;
}

const COLUMN_NAMES = [
  'id', 'request_id', 'card_id', 'cardholder_id', 'pan_bin', 'pan_last4', 'purpose', 'acquirer_id', 'merchant_id', 'merchant_name',
  'mcc', 'merchant_country', 'merchant_customer_ref', 'entry_mode', 'initiator', 'amount_minor', 'currency', 'approved', 'response_code',
  'reason', 'approval_code', 'avs_line1', 'avs_postal_code', 'cvv2', 'checks', 'latency_us', 'decided_by', 'status', 'approved_usd_minor',
  'held_usd_minor', 'cleared_usd_minor', 'refunded_usd_minor', 'released_usd_minor', 'hold_transfer_id', 'ledger_seq', 'expires_at_ms',
  'sent_at_ms', 'created_at_ms', 'updated_at_ms', 'closed_at_ms',
] as const satisfies ReadonlyArray<keyof AuthorizationRow>;

export const AUTHORIZATION_COLUMNS = COLUMN_NAMES.join(', ');

const num = (value: unknown): number => Number(value);
const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

export function authorizationFromRow(row: AuthorizationRow): IssuerAuthorization {
  return {
    id: row.id,
    requestId: row.request_id,
    cardId: row.card_id,
    cardholderId: row.cardholder_id,
    panBin: row.pan_bin,
    panLast4: row.pan_last4,
    purpose: row.purpose as AuthorizationPurpose,
    merchant: { acquirerId: row.acquirer_id, merchantId: row.merchant_id, name: row.merchant_name, mcc: row.mcc, country: row.merchant_country },
    merchantCustomerRef: row.merchant_customer_ref,
    entryMode: row.entry_mode as EntryMode,
    initiator: row.initiator as Initiator,
    amount: { minor: num(row.amount_minor), currency: row.currency },
    approved: num(row.approved) === 1,
    responseCode: row.response_code as IsoResponseCode,
    reason: row.reason,
    approvalCode: row.approval_code,
    avs: { line1: row.avs_line1 as CheckResult, postalCode: row.avs_postal_code as CheckResult },
    cvv2: row.cvv2 as CheckResult,
    checks: JSON.parse(row.checks) as Record<string, unknown>,
    latencyUs: num(row.latency_us),
    decidedBy: row.decided_by as DecidedBy,
    status: row.status,
    approvedUsdMinor: num(row.approved_usd_minor),
    heldUsdMinor: num(row.held_usd_minor),
    clearedUsdMinor: num(row.cleared_usd_minor),
    refundedUsdMinor: num(row.refunded_usd_minor),
    releasedUsdMinor: num(row.released_usd_minor),
    holdTransferId: row.hold_transfer_id,
    ledgerSeq: num(row.ledger_seq),
    expiresAtMs: numOrNull(row.expires_at_ms),
    sentAtMs: num(row.sent_at_ms),
    createdAtMs: num(row.created_at_ms),
    updatedAtMs: num(row.updated_at_ms),
    closedAtMs: numOrNull(row.closed_at_ms),
  };
}

/** The answer this record gave (a repeat gets exactly this). */
export function responseOfRow(row: AuthorizationRow): AuthorizationResponse {
  const approved = num(row.approved) === 1;
  const byNetwork = row.decided_by === 'network';
  return {
    type: 'authorization_response',
    id: row.request_id,
    responseCode: row.response_code as IsoResponseCode,
    approved,
    approvalCode: row.approval_code,
    approvedAmount: { minor: approved ? num(row.amount_minor) : 0, currency: row.currency },
    avs: { line1: row.avs_line1 as CheckResult, postalCode: row.avs_postal_code as CheckResult },
    cvv2: row.cvv2 as CheckResult,
    reason: row.reason,
    issuerAuthorizationId: byNetwork ? null : row.id,
    decidedBy: byNetwork ? 'network' : 'issuer',
    issuer: ISSUER_NAME,
    ...nameCheckOf(row),
    ...cardholderBillingOf(row),
  };
}

/**
 * Fields 6/51 for a payment in another currency than the card's (USD): the
 * USD the decision billed, fee included (kept with its checks as
 * `billed_usd_minor`); none for a limited answer, which says nothing about the card.
 */
function cardholderBillingOf(row: AuthorizationRow): { cardholderBilling?: { minor: number; currency: string } } {
  if (row.currency === 'USD' || row.reason === 'declines_limited' || !row.checks.includes('"billed_usd_minor"')) return {};
  const value = (JSON.parse(row.checks) as { billed_usd_minor?: unknown }).billed_usd_minor;
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? { cardholderBilling: { minor: value, currency: 'USD' } } : {};
}

/** The name check the decision answered (kept with its checks); none for a limited answer, which says nothing about the card data. */
function nameCheckOf(row: AuthorizationRow): { nameCheck?: NameCheckResult } {
  if (row.reason === 'declines_limited' || !row.checks.includes('"name_check"')) return {};
  const value = (JSON.parse(row.checks) as { name_check?: unknown }).name_check;
  return value === 'match' || value === 'partial_match' || value === 'no_match' || value === 'unavailable' ? { nameCheck: value } : {};
}

// Multi-row inserts in a few fixed sizes, so that a batch of any size reuses
// a handful of prepared statements (a size per batch would fill the caches).
const INSERT_SIZES = [32, 16, 8, 4, 2, 1] as const;
const insertSql = new Map<number, string>(
  INSERT_SIZES.map((size) => {
    const row = `(${COLUMN_NAMES.map(() => '?').join(', ')})`;
    return [size, `INSERT INTO issuer_authorizations (${AUTHORIZATION_COLUMNS}) VALUES ${new Array(size).fill(row).join(', ')} ON CONFLICT DO NOTHING`];
  }),
);

export async function insertAuthorizations(tx: Tx, rows: readonly AuthorizationRow[]): Promise<void> {
  let index = 0;
  while (index < rows.length) {
    const size = INSERT_SIZES.find((s) => s <= rows.length - index)!;
    const params: unknown[] = [];
    for (let i = index; i < index + size; i++) {
      const row = rows[i]!;
      for (const column of COLUMN_NAMES) params.push(row[column]);
    }
    const inserted = await tx.run(insertSql.get(size)!, params);
    // Another process decided the same request id and committed first (PostgreSQL):
    // run the batch again, and it will answer that decision as a repeat.
    if (inserted !== size) throw new RetryableConflict('an authorization request was decided concurrently');
    index += size;
  }
}

/** IN lists are padded to a power of two (repeating the last value) so the statement is one of a few. */
export function padded(values: readonly string[]): string[] {
  if (values.length === 0) return [];
  let size = 1;
  while (size < values.length) size *= 2;
  const out = [...values];
  while (out.length < size) out.push(values[values.length - 1]!);
  return out;
}

const IN_CHUNK = 512;

/** Rows for the given request ids (repeats), by request id. */
export async function rowsByRequestIds(sql: Sql, requestIds: readonly string[]): Promise<Map<string, AuthorizationRow>> {
  const found = new Map<string, AuthorizationRow>();
  for (let i = 0; i < requestIds.length; i += IN_CHUNK) {
    const chunk = padded(requestIds.slice(i, i + IN_CHUNK));
    const rows = await sql.all<AuthorizationRow>(
      `SELECT ${AUTHORIZATION_COLUMNS} FROM issuer_authorizations WHERE request_id IN ${placeholders(chunk.length)}`,
      chunk,
    );
    for (const row of rows) found.set(row.request_id, row);
  }
  return found;
}

export async function rowByRequestId(sql: Sql, requestId: string, options: { lock?: boolean } = {}): Promise<AuthorizationRow | undefined> {
  return sql.get<AuthorizationRow>(
    `SELECT ${AUTHORIZATION_COLUMNS} FROM issuer_authorizations WHERE request_id = ?${options.lock ? ` ${sql.forUpdate}` : ''}`,
    [requestId],
  );
}

export async function rowById(sql: Sql, id: string, options: { lock?: boolean } = {}): Promise<AuthorizationRow | undefined> {
  return sql.get<AuthorizationRow>(`SELECT ${AUTHORIZATION_COLUMNS} FROM issuer_authorizations WHERE id = ?${options.lock ? ` ${sql.forUpdate}` : ''}`, [id]);
}

/** The money columns and state a follow-up changes. */
export type AuthorizationChange = Pick<
  IssuerAuthorization,
  | 'status'
  | 'approvedUsdMinor'
  | 'heldUsdMinor'
  | 'clearedUsdMinor'
  | 'refundedUsdMinor'
  | 'releasedUsdMinor'
  | 'holdTransferId'
  | 'ledgerSeq'
  | 'expiresAtMs'
  | 'closedAtMs'
>;

export async function updateAuthorization(tx: Tx, id: string, change: AuthorizationChange, nowMs: number): Promise<void> {
  const changed = await tx.run(
    `UPDATE issuer_authorizations SET status = ?, approved_usd_minor = ?, held_usd_minor = ?, cleared_usd_minor = ?, refunded_usd_minor = ?,
       released_usd_minor = ?, hold_transfer_id = ?, ledger_seq = ?, expires_at_ms = ?, closed_at_ms = ?, updated_at_ms = ? WHERE id = ?`,
    [
      change.status,
      change.approvedUsdMinor,
      change.heldUsdMinor,
      change.clearedUsdMinor,
      change.refundedUsdMinor,
      change.releasedUsdMinor,
      change.holdTransferId,
      change.ledgerSeq,
      change.expiresAtMs,
      change.closedAtMs,
      nowMs,
      id,
    ],
  );
  if (changed !== 1) throw new Error(`authorization ${id}: updated ${changed} rows`);
}

export function changeOf(row: AuthorizationRow): AuthorizationChange {
  return {
    status: row.status,
    approvedUsdMinor: num(row.approved_usd_minor),
    heldUsdMinor: num(row.held_usd_minor),
    clearedUsdMinor: num(row.cleared_usd_minor),
    refundedUsdMinor: num(row.refunded_usd_minor),
    releasedUsdMinor: num(row.released_usd_minor),
    holdTransferId: row.hold_transfer_id,
    ledgerSeq: num(row.ledger_seq),
    expiresAtMs: numOrNull(row.expires_at_ms),
    closedAtMs: numOrNull(row.closed_at_ms),
  };
}

// ---------------------------------------------------------------- reads for traces and the doctor

export async function getAuthorization(sql: Sql, id: string): Promise<IssuerAuthorization | undefined> {
  if (typeof id !== 'string' || id.length > 100) return undefined;
  const row = await rowById(sql, id);
  return row === undefined ? undefined : authorizationFromRow(row);
}

export async function findAuthorizationByRequestId(sql: Sql, requestId: string): Promise<IssuerAuthorization | undefined> {
  if (typeof requestId !== 'string' || requestId.length > 128) return undefined;
  const row = await rowByRequestId(sql, requestId);
  return row === undefined ? undefined : authorizationFromRow(row);
}

export const LIST_LIMIT_MAX = 500;

/** A card's decisions in [fromMs, toMs), newest first, at most `limit` (≤ 500). */
export async function listCardAuthorizations(
  sql: Sql,
  cardId: string,
  options: { readonly fromMs?: number; readonly toMs?: number; readonly limit?: number } = {},
): Promise<IssuerAuthorization[]> {
  const fromMs = options.fromMs ?? 0;
  const toMs = options.toMs ?? Number.MAX_SAFE_INTEGER;
  const limit = Math.min(Math.max(1, Math.trunc(options.limit ?? 100)), LIST_LIMIT_MAX);
  const rows = await sql.all<AuthorizationRow>(
    `SELECT ${AUTHORIZATION_COLUMNS} FROM issuer_authorizations WHERE card_id = ? AND created_at_ms >= ? AND created_at_ms < ?
      ORDER BY created_at_ms DESC, id DESC LIMIT ?`,
    [cardId, fromMs, toMs, limit],
  );
  return rows.map(authorizationFromRow);
}
