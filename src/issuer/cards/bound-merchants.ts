import type { Sql } from '../../platform/db/database.ts';

/**
 * The merchants a card is bound to, for the accounts-per-merchant rule
 * (decide.ts): each approved payment with a merchant's customer reference
 * binds that customer account to the card, and a merchant may hold at most
 * `max_accounts_per_merchant` (default 4) distinct accounts of one card —
 * the fifth account's payment is declined (merchant_account_limit). This is
 * the cardholder's read of that state: per merchant, how many accounts are
 * bound and when. The customer references themselves are the merchant's
 * identifiers and stay out of it.
 */

export interface BoundMerchant {
  readonly acquirerId: string;
  readonly merchantId: string;
  /** As the newest binding payment named it. */
  readonly name: string;
  readonly mcc: string;
  readonly country: string;
  readonly accounts: number;
  readonly firstBoundAtMs: number;
  readonly lastBoundAtMs: number;
}

// A card binds an account only on an approved payment, at most 20 per merchant: this bounds the read on any real card.
export const BOUND_MERCHANTS_ROWS_MAX = 2_000;

interface Row {
  acquirer_id: string;
  merchant_id: string;
  created_at_ms: number | string;
  merchant_name: string | null;
  mcc: string | null;
  merchant_country: string | null;
}

/** The card's bound merchants, the most recently bound first. */
export async function listBoundMerchants(sql: Sql, cardId: string): Promise<BoundMerchant[]> {
  const rows = await sql.all<Row>(
    `SELECT m.acquirer_id, m.merchant_id, m.created_at_ms, a.merchant_name, a.mcc, a.merchant_country
       FROM issuer_card_merchant_accounts m LEFT JOIN issuer_authorizations a ON a.id = m.authorization_id
      WHERE m.card_id = ?
      ORDER BY m.created_at_ms DESC, m.customer_ref DESC
      LIMIT ${BOUND_MERCHANTS_ROWS_MAX}`,
    [cardId],
  );
  const byMerchant = new Map<string, { -readonly [K in keyof BoundMerchant]: BoundMerchant[K] }>();
  for (const row of rows) {
    const key = JSON.stringify([row.acquirer_id, row.merchant_id]);
    const at = Number(row.created_at_ms);
    const known = byMerchant.get(key);
    if (known === undefined) {
      // Rows come newest first: the first row of a merchant names it.
      byMerchant.set(key, {
        acquirerId: row.acquirer_id,
        merchantId: row.merchant_id,
        name: row.merchant_name ?? row.merchant_id,
        mcc: row.mcc ?? '',
        country: row.merchant_country ?? '',
        accounts: 1,
        firstBoundAtMs: at,
        lastBoundAtMs: at,
      });
    } else {
      known.accounts += 1;
      known.firstBoundAtMs = Math.min(known.firstBoundAtMs, at);
    }
  }
  return [...byMerchant.values()];
}
