import { createHash } from 'node:crypto';
import type { Sql, Tx } from '../../platform/db/database.ts';
import { AcquirerError } from '../errors.ts';

/**
 * Stripe's balance transactions, recorded beside the acquirer's ledger
 * postings (see migrations.ts). Cardlane takes no processing fee, so a
 * charge's or refund's fee is 0 and its net is its amount; a dispute costs
 * the merchant its amount plus the dispute fee, which Stripe shows as one
 * `adjustment` with a `fee` (and its reversal as another). Nothing is held
 * back for payouts (Cardlane has none): every movement is `available` the
 * moment it is booked, so `available_on` is `created`.
 */

export type BalanceTransactionType = 'charge' | 'refund' | 'adjustment';
export type ReportingCategory = 'charge' | 'refund' | 'dispute' | 'dispute_reversal';

export const BALANCE_TRANSACTION_TYPES: readonly BalanceTransactionType[] = ['charge', 'refund', 'adjustment'];

export interface NewBalanceTransaction {
  readonly merchantId: string;
  /** The ledger posting this movement is (the principal one when a fee is posted beside it). */
  readonly ledgerTransferId: string;
  readonly currency: string;
  /** Signed, from the merchant's side: a charge is positive, a refund negative. */
  readonly amountMinor: number;
  /** What the merchant paid on top (positive) or got back (negative); 0 for charges and refunds. */
  readonly feeMinor: number;
  readonly feeDescription?: string;
  readonly type: BalanceTransactionType;
  readonly reportingCategory: ReportingCategory;
  readonly sourceId: string;
  readonly description?: string;
  readonly nowMs: number;
}

export interface BalanceTransactionRow {
  id: string;
  merchant_id: string;
  currency: string;
  amount_minor: number | string;
  fee_minor: number | string;
  fee_description: string | null;
  type: BalanceTransactionType;
  reporting_category: ReportingCategory;
  source_id: string;
  description: string | null;
  created_at_ms: number | string;
}

export const BALANCE_TRANSACTION_COLUMNS = 'id, merchant_id, currency, amount_minor, fee_minor, fee_description, type, reporting_category, source_id, description, created_at_ms';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * `txn_` + 10 characters of time + 16 of the posting id's digest: sortable by
 * creation like every other id (the list cursor), and the same for the same
 * posting, so the book functions need no id generator of their own.
 */
export function balanceTransactionId(ledgerTransferId: string, nowMs: number): string {
  let time = '';
  let ms = nowMs;
  for (let i = 0; i < 10; i += 1) {
    time = CROCKFORD[ms % 32]! + time;
    ms = Math.floor(ms / 32);
  }
  const digest = createHash('sha256').update(ledgerTransferId, 'utf8').digest();
  let tail = '';
  for (let i = 0; i < 16; i += 1) tail += CROCKFORD[digest[i]! % 32]!;
  return `txn_${time}${tail}`;
}

/**
 * Records the movement in the posting's transaction; a repeat of the same
 * posting records nothing. Returns the new balance transaction's id (null
 * for a repeat), so the caller can name it without reading it back.
 */
export async function recordBalanceTransaction(tx: Tx, entry: NewBalanceTransaction): Promise<string | null> {
  const inserted = await tx.all<{ id: string }>(
    `INSERT INTO acquirer_balance_transactions (${BALANCE_TRANSACTION_COLUMNS}, ledger_transfer_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (ledger_transfer_id) DO NOTHING RETURNING id`,
    [
      balanceTransactionId(entry.ledgerTransferId, entry.nowMs),
      entry.merchantId,
      entry.currency.toLowerCase(),
      entry.amountMinor,
      entry.feeMinor,
      entry.feeDescription ?? null,
      entry.type,
      entry.reportingCategory,
      entry.sourceId,
      entry.description ?? null,
      entry.nowMs,
      entry.ledgerTransferId,
    ],
  );
  return inserted[0]?.id ?? null;
}

export function balanceTransactionObject(row: BalanceTransactionRow) {
  const amount = Number(row.amount_minor);
  const fee = Number(row.fee_minor);
  const created = Math.floor(Number(row.created_at_ms) / 1000);
  return {
    id: row.id,
    object: 'balance_transaction' as const,
    amount,
    available_on: created,
    balance_type: 'payments' as const,
    created,
    currency: row.currency,
    description: row.description,
    exchange_rate: null,
    fee,
    fee_details: fee === 0 ? [] : [{ amount: fee, application: null, currency: row.currency, description: row.fee_description, type: 'stripe_fee' }],
    net: amount - fee,
    reporting_category: row.reporting_category,
    source: row.source_id,
    status: 'available' as const,
    type: row.type,
  };
}

export type BalanceTransactionObject = ReturnType<typeof balanceTransactionObject>;

export async function requireBalanceTransaction(sql: Sql, merchantId: string, id: string): Promise<BalanceTransactionRow> {
  const row = await sql.get<BalanceTransactionRow>(`SELECT ${BALANCE_TRANSACTION_COLUMNS} FROM acquirer_balance_transactions WHERE merchant_id = ? AND id = ?`, [merchantId, id]);
  if (row === undefined) throw new AcquirerError('resource_missing', `No such balance transaction: '${id}'`, { param: 'id' });
  return row;
}

/** The balance transaction of a charge, refund or dispute (its first one, for a dispute later reversed); null when none was booked. */
export async function balanceTransactionIdOf(sql: Sql, merchantId: string, sourceId: string): Promise<string | null> {
  const row = await sql.get<{ id: string }>('SELECT id FROM acquirer_balance_transactions WHERE merchant_id = ? AND source_id = ? ORDER BY id LIMIT 1', [merchantId, sourceId]);
  return row?.id ?? null;
}

/** The currencies a merchant has moved money in, for the balance's rows. */
export async function merchantCurrencies(sql: Sql, merchantId: string): Promise<string[]> {
  const rows = await sql.all<{ currency: string }>('SELECT DISTINCT currency FROM acquirer_balance_transactions WHERE merchant_id = ?', [merchantId]);
  return rows.map((row) => row.currency).sort();
}
