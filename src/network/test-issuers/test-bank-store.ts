import type { Sql, Tx } from '../../platform/db/database.ts';
import type { CheckResult, DecidedBy, IsoResponseCode } from '../messages.ts';
import type { HeldAmounts } from './test-bank-follow-ups.ts';

/** The test bank's tables (see ../migrations.ts): its authorizations and the follow-ups it answered. */

export interface TestBankAuthorizationRow {
  id: string;
  request_id: string;
  card_bin: string;
  card_last4: string;
  purpose: string;
  initiator: string;
  acquirer_id: string;
  merchant_id: string;
  currency: string;
  requested_minor: number;
  response_code: IsoResponseCode;
  reason: string;
  approval_code: string | null;
  avs_line1: CheckResult;
  avs_postal_code: CheckResult;
  cvv2: CheckResult;
  decided_by: DecidedBy;
  stand_in_code: string | null;
  stand_in_reason: string | null;
  authorized_minor: number;
  cleared_minor: number;
  released_minor: number;
  refunded_minor: number;
  closed_at_ms: number | null;
  created_at_ms: number;
  updated_at_ms: number;
}

export interface TestBankMessageRow {
  id: string;
  type: string;
  original_id: string;
  authorization_id: string | null;
  response_code: IsoResponseCode;
  reason: string;
  amount_minor: number;
  released_minor: number;
  currency: string;
  approval_code: string | null;
  created_at_ms: number;
}

const AUTHORIZATION_COLUMNS = [
  'id', 'request_id', 'card_bin', 'card_last4', 'purpose', 'initiator', 'acquirer_id', 'merchant_id', 'currency',
  'requested_minor', 'response_code', 'reason', 'approval_code', 'avs_line1', 'avs_postal_code', 'cvv2', 'decided_by',
  'stand_in_code', 'stand_in_reason', 'authorized_minor', 'cleared_minor', 'released_minor', 'refunded_minor',
  'closed_at_ms', 'created_at_ms', 'updated_at_ms',
] as const satisfies ReadonlyArray<keyof TestBankAuthorizationRow>;
const MESSAGE_COLUMNS = [
  'id', 'type', 'original_id', 'authorization_id', 'response_code', 'reason', 'amount_minor', 'released_minor', 'currency',
  'approval_code', 'created_at_ms',
] as const satisfies ReadonlyArray<keyof TestBankMessageRow>;

const AUTH_SELECT = `SELECT ${AUTHORIZATION_COLUMNS.join(', ')} FROM test_bank_authorizations`;
const AUTH_PLACEHOLDERS = `(${AUTHORIZATION_COLUMNS.map(() => '?').join(', ')})`;
const AUTH_INSERT_ONE = `INSERT INTO test_bank_authorizations (${AUTHORIZATION_COLUMNS.join(', ')}) VALUES ${AUTH_PLACEHOLDERS}
  ON CONFLICT (request_id) DO NOTHING`;
/** 26 columns × 30 rows = 780 parameters per statement. */
const ROWS_PER_INSERT = 30;

/**
 * Inserts new authorizations, keeping the first of any request id already
 * there (a repeat, or an advice that got there first), and returns each row
 * as stored.
 */
export async function insertAuthorizations(tx: Tx, rows: readonly TestBankAuthorizationRow[]): Promise<TestBankAuthorizationRow[]> {
  const inserted = new Set<string>();
  if (tx.dialect === 'sqlite') {
    // In process, a cached single-row statement per row is cheaper than multi-row statements.
    for (const row of rows) {
      if ((await tx.run(AUTH_INSERT_ONE, authorizationValues(row))) === 1) inserted.add(row.id);
    }
  } else {
    for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
      const chunk = rows.slice(start, start + ROWS_PER_INSERT);
      const returned = await tx.all<{ id: string }>(
        `INSERT INTO test_bank_authorizations (${AUTHORIZATION_COLUMNS.join(', ')}) VALUES ${chunk.map(() => AUTH_PLACEHOLDERS).join(', ')}
         ON CONFLICT (request_id) DO NOTHING RETURNING id`,
        chunk.flatMap(authorizationValues),
      );
      for (const { id } of returned) inserted.add(id);
    }
  }
  const others = rows.filter((row) => !inserted.has(row.id)).map((row) => row.request_id);
  const stored = new Map<string, TestBankAuthorizationRow>();
  if (others.length > 0) {
    const unique = [...new Set(others)];
    const found = await tx.all<TestBankAuthorizationRow>(`${AUTH_SELECT} WHERE request_id IN (${unique.map(() => '?').join(', ')})`, unique);
    for (const row of found) stored.set(row.request_id, row);
  }
  return rows.map((row) => {
    if (inserted.has(row.id)) return row;
    const existing = stored.get(row.request_id);
    if (!existing) throw new Error(`test bank: authorization ${row.request_id} vanished while it was being written`);
    return existing;
  });
}

function authorizationValues(row: TestBankAuthorizationRow): unknown[] {
  return AUTHORIZATION_COLUMNS.map((column) => row[column]);
}

export async function loadAuthorization(sql: Sql, requestId: string, lock = false): Promise<TestBankAuthorizationRow | undefined> {
  return sql.get<TestBankAuthorizationRow>(`${AUTH_SELECT} WHERE request_id = ?${lock ? ` ${sql.forUpdate}` : ''}`, [requestId]);
}

/** Whether this card was approved at this merchant before: set up (verified), or paid — which for a 3-D Secure card means authenticated. */
export async function wasVerifiedAt(sql: Sql, cardBin: string, cardLast4: string, acquirerId: string, merchantId: string): Promise<boolean> {
  const row = await sql.get(
    `SELECT 1 AS found FROM test_bank_authorizations
      WHERE card_bin = ? AND card_last4 = ? AND merchant_id = ? AND acquirer_id = ?
        AND response_code = '00' LIMIT 1`,
    [cardBin, cardLast4, merchantId, acquirerId],
  );
  return row !== undefined;
}

export async function updateAmounts(tx: Tx, id: string, next: HeldAmounts, nowMs: number): Promise<void> {
  const changed = await tx.run(
    `UPDATE test_bank_authorizations
        SET authorized_minor = ?, cleared_minor = ?, released_minor = ?, refunded_minor = ?, closed_at_ms = ?, updated_at_ms = ?
      WHERE id = ?`,
    [next.authorized_minor, next.cleared_minor, next.released_minor, next.refunded_minor, next.closed_at_ms, nowMs, id],
  );
  if (changed !== 1) throw new Error(`test bank: authorization ${id} was not updated`);
}

/** Notes the network's stand-in decision on an authorization (from an advice). */
export async function noteStandIn(tx: Tx, requestId: string, code: string, reason: string, nowMs: number): Promise<void> {
  await tx.run(
    `UPDATE test_bank_authorizations SET stand_in_code = ?, stand_in_reason = ?, updated_at_ms = ?
      WHERE request_id = ? AND stand_in_code IS NULL`,
    [code, reason, nowMs, requestId],
  );
}

export async function loadMessage(sql: Sql, id: string): Promise<TestBankMessageRow | undefined> {
  return sql.get<TestBankMessageRow>(`SELECT ${MESSAGE_COLUMNS.join(', ')} FROM test_bank_messages WHERE id = ?`, [id]);
}

/** False when a message with this id was inserted concurrently. */
export async function insertMessage(tx: Tx, row: TestBankMessageRow): Promise<boolean> {
  const changed = await tx.run(
    `INSERT INTO test_bank_messages (${MESSAGE_COLUMNS.join(', ')}) VALUES (${MESSAGE_COLUMNS.map(() => '?').join(', ')})
     ON CONFLICT (id) DO NOTHING`,
    MESSAGE_COLUMNS.map((column) => row[column]),
  );
  return changed === 1;
}
