import type { Sql, Tx } from '../../platform/db/database.ts';
import type { Ledger, TransferInput } from '../../ledger/index.ts';
import { recordBalanceTransaction } from '../balance/balance-transactions.ts';

/**
 * A dispute in the acquirer's book (ledger 2000, beside captures and refunds):
 *
 *   withdrawal     debit acq:merchant:<id>:<CUR>    credit acq:network_receivable:<CUR>   the disputed amount
 *   fee            debit acq:merchant:<id>:<CUR>    credit acq:dispute_fees:<CUR>        Stripe's dispute fee
 *   reinstatement  the two above reversed, when the merchant wins
 *
 * An inquiry moves nothing. Ids derive from the dispute's, so a retried
 * write is the same transfer; a lost dispute's postings net to −(amount +
 * fee) for the merchant, a won one's to zero (auditAcquirerDisputes).
 */

const ACQUIRER_LEDGER = 2000;
const DISPUTE_FEES_ACCOUNT_CODE = 3;
export const DISPUTE_TRANSFER_CODES = { withdrawal: 3, fee: 4, reinstatement: 5, fee_refund: 6 } as const;
/** Stripe's dispute fee in the US: $15.00 (in the charge's currency's minor units here). */
export const DISPUTE_FEE_MINOR = 1500;

export const merchantAccount = (merchantId: string, currency: string) => `acq:merchant:${merchantId}:${currency.toUpperCase()}`;
const receivableAccount = (currency: string) => `acq:network_receivable:${currency.toUpperCase()}`;
const feesAccount = (currency: string) => `acq:dispute_fees:${currency.toUpperCase()}`;

export function disputeTransferIds(disputeId: string) {
  return { withdrawal: `acq:dispute:${disputeId}:withdrawal`, fee: `acq:dispute:${disputeId}:fee`, reinstatement: `acq:dispute:${disputeId}:reinstatement`, feeRefund: `acq:dispute:${disputeId}:fee_refund` };
}

interface Entry {
  readonly disputeId: string;
  readonly merchantId: string;
  readonly currency: string;
  readonly amountMinor: number;
  readonly feeMinor: number;
}

export async function bookWithdrawal(ledger: Ledger, tx: Tx, e: Entry): Promise<void> {
  await ensureAccounts(ledger, tx, e);
  const ids = disputeTransferIds(e.disputeId);
  await post(ledger, tx, [
    { id: ids.withdrawal, debit_account_id: merchantAccount(e.merchantId, e.currency), credit_account_id: receivableAccount(e.currency), amount: e.amountMinor, code: DISPUTE_TRANSFER_CODES.withdrawal, metadata: { dispute_id: e.disputeId } },
    ...(e.feeMinor > 0
      ? [{ id: ids.fee, debit_account_id: merchantAccount(e.merchantId, e.currency), credit_account_id: feesAccount(e.currency), amount: e.feeMinor, code: DISPUTE_TRANSFER_CODES.fee, metadata: { dispute_id: e.disputeId } }]
      : []),
  ]);
  // Stripe shows the withdrawal and its fee as one adjustment with a fee.
  await recordBalanceTransaction(tx, {
    merchantId: e.merchantId, ledgerTransferId: ids.withdrawal, currency: e.currency, amountMinor: -e.amountMinor, feeMinor: e.feeMinor, feeDescription: 'Dispute fee',
    type: 'adjustment', reportingCategory: 'dispute', sourceId: e.disputeId, nowMs: ledger.clock.nowMs(),
  });
}

export async function bookReinstatement(ledger: Ledger, tx: Tx, e: Entry): Promise<void> {
  await ensureAccounts(ledger, tx, e);
  const ids = disputeTransferIds(e.disputeId);
  await post(ledger, tx, [
    { id: ids.reinstatement, debit_account_id: receivableAccount(e.currency), credit_account_id: merchantAccount(e.merchantId, e.currency), amount: e.amountMinor, code: DISPUTE_TRANSFER_CODES.reinstatement, metadata: { dispute_id: e.disputeId } },
    ...(e.feeMinor > 0
      ? [{ id: ids.feeRefund, debit_account_id: feesAccount(e.currency), credit_account_id: merchantAccount(e.merchantId, e.currency), amount: e.feeMinor, code: DISPUTE_TRANSFER_CODES.fee_refund, metadata: { dispute_id: e.disputeId } }]
      : []),
  ]);
  await recordBalanceTransaction(tx, {
    merchantId: e.merchantId, ledgerTransferId: ids.reinstatement, currency: e.currency, amountMinor: e.amountMinor, feeMinor: -e.feeMinor, feeDescription: 'Dispute fee refund',
    type: 'adjustment', reportingCategory: 'dispute_reversal', sourceId: e.disputeId, nowMs: ledger.clock.nowMs(),
  });
}

async function ensureAccounts(ledger: Ledger, tx: Tx, e: Entry): Promise<void> {
  const currency = e.currency.toUpperCase();
  const outcomes = await ledger.createAccounts(tx, [
    { id: receivableAccount(currency), ledger: ACQUIRER_LEDGER, currency, code: 1 },
    { id: merchantAccount(e.merchantId, currency), ledger: ACQUIRER_LEDGER, currency, code: 2, metadata: { merchant_id: e.merchantId } },
    { id: feesAccount(currency), ledger: ACQUIRER_LEDGER, currency, code: DISPUTE_FEES_ACCOUNT_CODE },
  ]);
  for (const o of outcomes) if (o.result !== 'ok' && o.result !== 'exists') throw new Error(`acquirer dispute account ${o.id}: ${o.result}`);
}

async function post(ledger: Ledger, tx: Tx, inputs: TransferInput[]): Promise<void> {
  for (const outcome of await ledger.createTransfers(tx, inputs)) {
    if (outcome.result !== 'ok' && outcome.result !== 'exists') throw new Error(`acquirer dispute transfer ${outcome.id}: ${outcome.result}`);
  }
}

/** Every closed dispute's postings net to its outcome for the merchant: −(amount + fee) when lost, 0 when won, nothing moved for an inquiry. */
export async function auditAcquirerDisputes(ledger: Pick<Ledger, 'lookupTransfers'>, tx: Sql): Promise<string[]> {
  const rows = await tx.all<{ id: string; merchant_id: string; kind: string; status: string; amount_minor: number | string; fee_minor: number | string }>(
    `SELECT id, merchant_id, kind, status, amount_minor, fee_minor FROM acquirer_disputes WHERE closed_at_ms IS NOT NULL`,
  );
  const problems: string[] = [];
  for (const row of rows) {
    const ids = disputeTransferIds(row.id);
    const transfers = await ledger.lookupTransfers(tx, [ids.withdrawal, ids.fee, ids.reinstatement, ids.feeRefund]);
    let net = 0;
    for (const t of transfers) if (t) net += t.credit_account_id.startsWith('acq:merchant:') ? t.amount : -t.amount;
    const expected = row.kind === 'inquiry' || row.status === 'won' ? 0 : -(Number(row.amount_minor) + Number(row.fee_minor));
    if (net !== expected) problems.push(`dispute ${row.id} (${row.status}): merchant net ${net}, expected ${expected}`);
  }
  return problems;
}
