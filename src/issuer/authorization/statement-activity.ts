import type { Sql } from '../../platform/db/database.ts';
import { declineText, type DeclineText } from './decline-text.ts';

/**
 * The authorization engine's part of a card statement: one line per
 * decision (approved or declined, with the decline text in Chinese and
 * English), and one per event that moved or released money afterwards
 * (clearing, refund, reversal, expiry, release on close) or that was
 * decided (an incremental authorization). Refused follow-ups — an
 * acquirer's mistake that changed nothing — are not the cardholder's
 * business and are left out.
 *
 * Two keyset-paged sources (newest first, by time then id), merged with the
 * ledger's lines by the statement.
 */

export type ActivityStatus = 'pending' | 'settled' | 'declined' | 'reversed' | 'refunded' | 'expired';

export interface ActivityLine {
  readonly id: string;
  readonly type: string;
  readonly amountUsdMinor: number;
  readonly status: ActivityStatus;
  readonly createdAtMs: number;
  readonly resolvedAtMs: number | null;
  readonly merchant: { readonly name: string; readonly mcc: string; readonly country: string } | null;
  readonly authorizationId: string | null;
  /** The amount as the merchant asked, when it was not in USD (always declined). */
  readonly requested: { readonly minor: number; readonly currency: string } | null;
  readonly decline: { readonly responseCode: string; readonly reason: string; readonly message: DeclineText } | null;
}

/** A position in one source: the (time, id) of the last line taken; lines strictly older come next. */
export interface ActivityPosition {
  readonly atMs: number;
  readonly id: string;
}

export const ACTIVITY_START: ActivityPosition = { atMs: Number.MAX_SAFE_INTEGER, id: '' };

interface AuthorizationLineRow {
  id: string;
  created_at_ms: number;
  purpose: string;
  amount_minor: number;
  currency: string;
  response_code: string;
  reason: string;
  status: string;
  cleared_usd_minor: number;
  refunded_usd_minor: number;
  expires_at_ms: number | null;
  closed_at_ms: number | null;
  merchant_name: string;
  mcc: string;
  merchant_country: string;
}

export async function authorizationLines(sql: Sql, cardId: string, after: ActivityPosition, limit: number, nowMs: number): Promise<ActivityLine[]> {
  const rows = await sql.all<AuthorizationLineRow>(
    `SELECT id, created_at_ms, purpose, amount_minor, currency, response_code, reason, status, cleared_usd_minor, refunded_usd_minor,
            expires_at_ms, closed_at_ms, merchant_name, mcc, merchant_country
       FROM issuer_authorizations
      WHERE card_id = ? AND (created_at_ms < ? OR (created_at_ms = ? AND id < ?))
      ORDER BY created_at_ms DESC, id DESC LIMIT ?`,
    [cardId, after.atMs, after.atMs, after.id, limit],
  );
  return rows.map((row) => {
    const status = authorizationStatus(row, nowMs);
    return {
      id: row.id,
      type: row.purpose === 'account_verification' ? 'account_verification' : 'authorization',
      amountUsdMinor: row.currency === 'USD' ? -Number(row.amount_minor) : 0,
      status,
      createdAtMs: Number(row.created_at_ms),
      resolvedAtMs: row.closed_at_ms === null ? (status === 'expired' ? Number(row.expires_at_ms) : null) : Number(row.closed_at_ms),
      merchant: { name: row.merchant_name, mcc: row.mcc, country: row.merchant_country },
      authorizationId: row.id,
      requested: row.currency === 'USD' ? null : { minor: Number(row.amount_minor), currency: row.currency },
      decline: status === 'declined' ? { responseCode: row.response_code, reason: row.reason, message: declineText(row.reason) } : null,
    };
  });
}

function authorizationStatus(row: Pick<AuthorizationLineRow, 'status' | 'cleared_usd_minor' | 'refunded_usd_minor' | 'expires_at_ms'>, nowMs: number): ActivityStatus {
  const cleared = Number(row.cleared_usd_minor);
  switch (row.status) {
    case 'declined':
      return 'declined';
    case 'pending':
      // Past its expiry the hold holds nothing, whether or not the sweep has come by.
      if (row.expires_at_ms !== null && Number(row.expires_at_ms) <= nowMs) return cleared > 0 ? 'settled' : 'expired';
      return 'pending';
    case 'closed':
      return cleared > 0 && Number(row.refunded_usd_minor) >= cleared ? 'refunded' : 'settled';
    case 'reversed':
      return 'reversed';
    default:
      return 'expired';
  }
}

interface MessageLineRow {
  id: string;
  type: string;
  created_at_ms: number;
  amount_minor: number | null;
  currency: string | null;
  moved_usd_minor: number;
  response_code: string;
  reason: string;
  authorization_id: string | null;
  merchant_name: string | null;
  mcc: string | null;
  merchant_country: string | null;
  auth_status: string | null;
  cleared_usd_minor: number | null;
  refunded_usd_minor: number | null;
  expires_at_ms: number | null;
}

const EVENT_LINES: Readonly<Record<string, { type: string; sign: 1 | -1; status: ActivityStatus }>> = {
  clearing: { type: 'clearing', sign: -1, status: 'settled' },
  refund: { type: 'refund', sign: 1, status: 'refunded' },
  reversal: { type: 'reversal', sign: 1, status: 'reversed' },
  advice: { type: 'network_reversal', sign: 1, status: 'reversed' },
  card_closed: { type: 'release_on_close', sign: 1, status: 'reversed' },
  expiry: { type: 'expiry', sign: 1, status: 'expired' },
};

export async function eventLines(sql: Sql, cardId: string, after: ActivityPosition, limit: number, nowMs: number): Promise<ActivityLine[]> {
  const rows = await sql.all<MessageLineRow>(
    `SELECT m.id, m.type, m.created_at_ms, m.amount_minor, m.currency, m.moved_usd_minor, m.response_code, m.reason, m.authorization_id,
            a.merchant_name, a.mcc, a.merchant_country, a.status AS auth_status, a.cleared_usd_minor, a.refunded_usd_minor, a.expires_at_ms
       FROM issuer_authorization_messages m LEFT JOIN issuer_authorizations a ON a.id = m.authorization_id
      WHERE m.card_id = ? AND ((m.response_code = '00' AND (m.type <> 'advice' OR m.moved_usd_minor > 0)) OR m.type = 'incremental_authorization')
        AND (m.created_at_ms < ? OR (m.created_at_ms = ? AND m.id < ?))
      ORDER BY m.created_at_ms DESC, m.id DESC LIMIT ?`,
    [cardId, after.atMs, after.atMs, after.id, limit],
  );
  return rows.map((row) => {
    const merchant = row.merchant_name === null ? null : { name: row.merchant_name, mcc: row.mcc ?? '', country: row.merchant_country ?? '' };
    const base = { id: row.id, createdAtMs: Number(row.created_at_ms), resolvedAtMs: null, merchant, authorizationId: row.authorization_id, requested: null };
    if (row.type === 'incremental_authorization') {
      const approved = row.response_code === '00';
      const status: ActivityStatus = approved
        ? authorizationStatus(
            { status: row.auth_status ?? 'pending', cleared_usd_minor: row.cleared_usd_minor ?? 0, refunded_usd_minor: row.refunded_usd_minor ?? 0, expires_at_ms: row.expires_at_ms },
            nowMs,
          )
        : 'declined';
      return {
        ...base,
        type: 'incremental_authorization',
        amountUsdMinor: -(approved ? Number(row.moved_usd_minor) : Number(row.amount_minor ?? 0)),
        status,
        decline: approved ? null : { responseCode: row.response_code, reason: row.reason, message: declineText(row.reason) },
      };
    }
    const shape = EVENT_LINES[row.type] ?? { type: row.type, sign: 1, status: 'settled' as const };
    return { ...base, type: shape.type, amountUsdMinor: shape.sign * Number(row.moved_usd_minor), status: shape.status, decline: null };
  });
}
