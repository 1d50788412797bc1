import type { IsoResponseCode } from '../../network/messages.ts';
import { RetryableConflict, type Sql, type Tx } from '../../platform/db/database.ts';

/**
 * Follow-up messages and the engine's own events on an authorization
 * (`issuer_authorization_messages`), by message id: the answer given is
 * kept so that a repeat gets it again and nothing is done twice.
 */

export type MessageType = 'incremental_authorization' | 'reversal' | 'clearing' | 'refund' | 'advice' | 'expiry' | 'card_closed';

export interface AuthorizationMessage {
  readonly id: string;
  readonly type: MessageType;
  /** The authorization request id the message named. */
  readonly originalId: string;
  /** Null when the original was not found. */
  readonly authorizationId: string | null;
  readonly cardId: string | null;
  readonly amountMinor: number | null;
  readonly currency: string | null;
  readonly final: boolean | null;
  readonly responseCode: IsoResponseCode;
  readonly reason: string;
  readonly approvalCode: string | null;
  /** What the message moved: held (incremental), released, cleared or refunded. USD cents. */
  readonly movedUsdMinor: number;
  readonly checks: Readonly<Record<string, unknown>> | null;
  readonly createdAtMs: number;
}

interface MessageRow {
  id: string;
  type: MessageType;
  original_id: string;
  authorization_id: string | null;
  card_id: string | null;
  amount_minor: number | null;
  currency: string | null;
  final: number | null;
  response_code: string;
  reason: string;
  approval_code: string | null;
  moved_usd_minor: number;
  checks: string | null;
  created_at_ms: number;
}

const COLUMNS =
  'id, type, original_id, authorization_id, card_id, amount_minor, currency, final, response_code, reason, approval_code, moved_usd_minor, checks, created_at_ms';

function fromRow(row: MessageRow): AuthorizationMessage {
  return {
    id: row.id,
    type: row.type,
    originalId: row.original_id,
    authorizationId: row.authorization_id,
    cardId: row.card_id,
    amountMinor: row.amount_minor === null ? null : Number(row.amount_minor),
    currency: row.currency,
    final: row.final === null ? null : Number(row.final) === 1,
    responseCode: row.response_code as IsoResponseCode,
    reason: row.reason,
    approvalCode: row.approval_code,
    movedUsdMinor: Number(row.moved_usd_minor),
    checks: row.checks === null ? null : (JSON.parse(row.checks) as Record<string, unknown>),
    createdAtMs: Number(row.created_at_ms),
  };
}

export async function findMessage(sql: Sql, id: string): Promise<AuthorizationMessage | undefined> {
  const row = await sql.get<MessageRow>(`SELECT ${COLUMNS} FROM issuer_authorization_messages WHERE id = ?`, [id]);
  return row === undefined ? undefined : fromRow(row);
}

export async function insertMessage(tx: Tx, message: AuthorizationMessage): Promise<void> {
  const inserted = await tx.run(`INSERT INTO issuer_authorization_messages (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, [
    message.id,
    message.type,
    message.originalId,
    message.authorizationId,
    message.cardId,
    message.amountMinor,
    message.currency,
    message.final === null ? null : message.final ? 1 : 0,
    message.responseCode,
    message.reason,
    message.approvalCode,
    message.movedUsdMinor,
    message.checks === null ? null : JSON.stringify(message.checks),
    message.createdAtMs,
  ]);
  // The same message id was acted on by a concurrent transaction that committed first:
  // run again, and the saved answer is returned as a repeat.
  if (inserted !== 1) throw new RetryableConflict(`message ${message.id} was handled concurrently`);
}

export const MESSAGE_LIST_MAX = 500;

/** An authorization's follow-ups and events, oldest first (for traces). */
export async function listAuthorizationMessages(sql: Sql, authorizationId: string, limit = MESSAGE_LIST_MAX): Promise<AuthorizationMessage[]> {
  const rows = await sql.all<MessageRow>(
    `SELECT ${COLUMNS} FROM issuer_authorization_messages WHERE authorization_id = ? ORDER BY created_at_ms, id LIMIT ?`,
    [authorizationId, Math.min(Math.max(1, limit), MESSAGE_LIST_MAX)],
  );
  return rows.map(fromRow);
}
