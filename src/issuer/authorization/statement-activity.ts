import type { Sql } from '../../platform/db/database.ts';
import { declineText, type DeclineText } from './decline-text.ts';
import { billed } from './foreign-exchange.ts';

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
  /** The amount as the merchant asked, when it was not in USD. */
  readonly requested: { readonly minor: number; readonly currency: string } | null;
  /** How an approved foreign amount became `amountUsdMinor`: the rate (USD per unit), the converted amount and the cross-border fee. */
  readonly exchange?: { readonly rate: string; readonly feeBps: number; readonly convertedUsdMinor: number; readonly feeUsdMinor: number } | null;
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
  approved_usd_minor: number;
  fx_rate: string | null;
  fx_fee_bps: number | null;
  fx_approved_minor: number | null;
}

export async function authorizationLines(sql: Sql, cardId: string, after: ActivityPosition, limit: number, nowMs: number): Promise<ActivityLine[]> {
  const rows = await sql.all<AuthorizationLineRow>(
    `SELECT a.id, a.created_at_ms, a.purpose, a.amount_minor, a.currency, a.response_code, a.reason, a.status, a.cleared_usd_minor, a.refunded_usd_minor,
            a.expires_at_ms, a.closed_at_ms, a.merchant_name, a.mcc, a.merchant_country, a.approved_usd_minor,
            fx.rate AS fx_rate, fx.fee_bps AS fx_fee_bps, fx.approved_minor AS fx_approved_minor
       FROM issuer_authorizations a LEFT JOIN issuer_authorization_fx fx ON fx.authorization_id = a.id
      WHERE a.card_id = ? AND (a.created_at_ms < ? OR (a.created_at_ms = ? AND a.id < ?))
      ORDER BY a.created_at_ms DESC, a.id DESC LIMIT ?`,
    [cardId, after.atMs, after.atMs, after.id, limit],
  );
  return rows.map((row) => {
    const status = authorizationStatus(row, nowMs);
    const exchange = exchangeOf(row);
    return {
      id: row.id,
      type: row.purpose === 'account_verification' ? 'account_verification' : 'authorization',
      // A foreign approval shows what it was billed in USD (the rate's conversion plus the fee); a foreign decline moved nothing.
      amountUsdMinor: row.currency === 'USD' ? -Number(row.amount_minor) : exchange !== null ? -(exchange.convertedUsdMinor + exchange.feeUsdMinor) : 0,
      status,
      createdAtMs: Number(row.created_at_ms),
      resolvedAtMs: row.closed_at_ms === null ? (status === 'expired' ? Number(row.expires_at_ms) : null) : Number(row.closed_at_ms),
      merchant: { name: row.merchant_name, mcc: row.mcc, country: row.merchant_country },
      authorizationId: row.id,
      requested: row.currency === 'USD' ? null : { minor: Number(row.amount_minor), currency: row.currency },
      exchange,
      decline: status === 'declined' ? { responseCode: row.response_code, reason: row.reason, message: declineText(row.reason) } : null,
    };
  });
}

function exchangeOf(row: AuthorizationLineRow): ActivityLine['exchange'] & object | null {
  if (row.fx_rate === null || row.fx_fee_bps === null || row.fx_approved_minor === null) return null;
  const terms = { currency: row.currency, rate: row.fx_rate, feeBps: Number(row.fx_fee_bps) };
  // The original amount's terms (increments have lines of their own).
  const b = billed(Number(row.amount_minor), terms);
  return { rate: terms.rate, feeBps: terms.feeBps, convertedUsdMinor: b.convertedUsdMinor, feeUsdMinor: b.feeUsdMinor };
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
      // The increase is asked in the payment's currency; the line's amount is USD: what it was billed, and for a
      // declined one the USD asked, or nothing when it was asked in another currency (as a declined foreign payment).
      const foreign = row.currency !== null && row.currency !== 'USD';
      return {
        ...base,
        type: 'incremental_authorization',
        amountUsdMinor: approved ? -Number(row.moved_usd_minor) : foreign ? 0 : -Number(row.amount_minor ?? 0),
        requested: foreign && row.amount_minor !== null ? { minor: Number(row.amount_minor), currency: row.currency! } : null,
        status,
        decline: approved ? null : { responseCode: row.response_code, reason: row.reason, message: declineText(row.reason) },
      };
    }
    const shape = EVENT_LINES[row.type] ?? { type: row.type, sign: 1, status: 'settled' as const };
    return { ...base, type: shape.type, amountUsdMinor: shape.sign * Number(row.moved_usd_minor), status: shape.status, decline: null };
  });
}
