import type { Tx } from '../../platform/db/database.ts';
import type { Ledger } from '../../ledger/index.ts';
import { recordBalanceTransaction } from '../balance/balance-transactions.ts';

/**
 * The acquirer's book. A capture makes the network owe the acquirer and the
 * acquirer owe the merchant; a refund undoes that for its amount:
 *
 *   capture  debit acq:network_receivable:<CUR>   credit acq:merchant:<id>:<CUR>
 *   refund   debit acq:merchant:<id>:<CUR>        credit acq:network_receivable:<CUR>
 *
 * Settlement with the network and payouts to merchants are out of scope
 * (PRODUCT.md); the balances say what they would be. A merchant balance may
 * go below zero after refunds of already-paid-out money, as at Stripe, so it
 * has no floor. Transfer ids derive from the charge or refund id, so a
 * retried write is the same transfer (the ledger answers `exists`).
 */

export const ACQUIRER_LEDGER = 2000;
const ACCOUNT_CODES = { network_receivable: 1, merchant_balance: 2 } as const;
export const ACQUIRER_TRANSFER_CODES = { capture: 1, refund: 2 } as const;

export function merchantBalanceAccount(merchantId: string, currency: string): string {
  return `acq:merchant:${merchantId}:${currency.toUpperCase()}`;
}

export function networkReceivableAccount(currency: string): string {
  return `acq:network_receivable:${currency.toUpperCase()}`;
}

async function ensureAccounts(ledger: Ledger, tx: Tx, merchantId: string, currency: string): Promise<void> {
  const upper = currency.toUpperCase();
  const outcomes = await ledger.createAccounts(tx, [
    { id: networkReceivableAccount(upper), ledger: ACQUIRER_LEDGER, currency: upper, code: ACCOUNT_CODES.network_receivable },
    { id: merchantBalanceAccount(merchantId, upper), ledger: ACQUIRER_LEDGER, currency: upper, code: ACCOUNT_CODES.merchant_balance, metadata: { merchant_id: merchantId } },
  ]);
  for (const outcome of outcomes) {
    if (outcome.result !== 'ok' && outcome.result !== 'exists') throw new Error(`acquirer ledger account: ${outcome.result}`);
  }
}

/** Returns the capture's balance transaction id, or null when the capture was booked before (a repeat). */
export async function bookCapture(ledger: Ledger, tx: Tx, entry: { merchantId: string; currency: string; amountMinor: number; transferId: string; chargeId: string }): Promise<string | null> {
  await post(ledger, tx, entry.merchantId, entry.currency, {
    id: entry.transferId,
    debit_account_id: networkReceivableAccount(entry.currency),
    credit_account_id: merchantBalanceAccount(entry.merchantId, entry.currency),
    amount: entry.amountMinor,
    code: ACQUIRER_TRANSFER_CODES.capture,
    metadata: { charge_id: entry.chargeId },
  });
  // The merchant's view of the posting (/v1/balance_transactions), in the same transaction.
  return recordBalanceTransaction(tx, { merchantId: entry.merchantId, ledgerTransferId: entry.transferId, currency: entry.currency, amountMinor: entry.amountMinor, feeMinor: 0, type: 'charge', reportingCategory: 'charge', sourceId: entry.chargeId, nowMs: ledger.clock.nowMs() });
}

export async function bookRefund(ledger: Ledger, tx: Tx, entry: { merchantId: string; currency: string; amountMinor: number; refundId: string; chargeId: string }): Promise<void> {
  await post(ledger, tx, entry.merchantId, entry.currency, {
    id: `acq:refund:${entry.refundId}`,
    debit_account_id: merchantBalanceAccount(entry.merchantId, entry.currency),
    credit_account_id: networkReceivableAccount(entry.currency),
    amount: entry.amountMinor,
    code: ACQUIRER_TRANSFER_CODES.refund,
    metadata: { charge_id: entry.chargeId, refund_id: entry.refundId },
  });
  await recordBalanceTransaction(tx, { merchantId: entry.merchantId, ledgerTransferId: `acq:refund:${entry.refundId}`, currency: entry.currency, amountMinor: -entry.amountMinor, feeMinor: 0, type: 'refund', reportingCategory: 'refund', sourceId: entry.refundId, nowMs: ledger.clock.nowMs() });
}

/**
 * Books the transfer; the accounts are made only the first time a merchant
 * and currency meet (the ledger answers `…_account_not_found` without
 * writing anything), so a payment costs no account lookup of its own. Both
 * accounts are open (no limit): the ledger locks neither (src/ledger/entries.ts).
 */
async function post(ledger: Ledger, tx: Tx, merchantId: string, currency: string, input: Parameters<Ledger['createTransfer']>[1]): Promise<void> {
  let outcome = await ledger.createTransfer(tx, input);
  if (outcome.result === 'debit_account_not_found' || outcome.result === 'credit_account_not_found') {
    await ensureAccounts(ledger, tx, merchantId, currency);
    outcome = await ledger.createTransfer(tx, input);
  }
  if (outcome.result !== 'ok' && outcome.result !== 'exists') throw new Error(`acquirer ledger transfer ${input.id}: ${outcome.result}`);
}
