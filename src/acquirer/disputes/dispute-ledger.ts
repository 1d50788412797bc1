import type { Sql, Tx } from '../../platform/db/database.ts';
import type { Ledger, TransferInput } from '../../ledger/index.ts';
import { parseMoney } from '../../platform/money.ts';
import { recordBalanceTransaction } from '../balance/balance-transactions.ts';

/**
 * A dispute in the acquirer's book (ledger 2000, beside captures and refunds):
 *
 *   withdrawal     debit acq:merchant:<id>:<CUR>    credit acq:network_receivable:<CUR>   the disputed amount, in the charge's currency
 *   fee            debit acq:merchant:<id>:<FEE>    credit acq:dispute_fees:<FEE>        the dispute fee, in the merchant's settlement currency
 *   reinstatement  the two above reversed, when the merchant wins
 *
 * The fee is the acquirer's, so it is charged as Stripe charges it: a fixed
 * amount in the merchant's settlement currency (DISPUTE_FEES), whatever the
 * currency the customer paid in. When the two are one currency the merchant
 * sees one adjustment with a fee, as at Stripe; otherwise the fee is a balance
 * transaction of its own, in its currency. An inquiry moves nothing. Ids
 * derive from the dispute's, so a retried write is the same transfer; per
 * currency, a lost dispute's postings net to −(amount + fee) for the merchant,
 * a won one's to zero (auditAcquirerDisputes).
 */

const ACQUIRER_LEDGER = 2000;
const DISPUTE_FEES_ACCOUNT_CODE = 3;
export const DISPUTE_TRANSFER_CODES = { withdrawal: 3, fee: 4, reinstatement: 5, fee_refund: 6 } as const;
/**
 * The dispute fee per settlement currency, in its major unit (a decimal
 * string, turned into minor units by the currency's own exponent, so ¥1,500
 * is 1500 and KWD 4.600 is 4600). Stripe's published fees where it has one:
 * $15.00 (US), €20.00 (EEA, since April 2023), £20.00 (UK), ¥1,500 (Japan);
 * the others are Cardlane's, about $15 in round local money.
 */
export const DISPUTE_FEES: Readonly<Record<string, string>> = {
  USD: '15.00', EUR: '20.00', GBP: '20.00', JPY: '1500',
  CAD: '20.00', AUD: '25.00', HKD: '120.00', SGD: '20.00', CHF: '15.00', CNY: '100.00', INR: '1300.00',
  KRW: '20000', VND: '380000', BHD: '5.650', KWD: '4.600',
};

/** The fee a merchant settling in `settlementCurrency` pays for a chargeback: minor units of that currency (upper case). */
export function disputeFeeFor(settlementCurrency: string): { minor: number; currency: string } {
  const code = settlementCurrency.toUpperCase();
  // A settlement currency is one of the money table's (acquirer config); one added there without a fee here pays 15 of it.
  const fee = parseMoney(DISPUTE_FEES[code] ?? '15', code);
  return { minor: fee.amount_minor, currency: fee.currency };
}

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
  /** The fee's currency (the merchant's settlement currency when the dispute opened). */
  readonly feeCurrency: string;
}

export async function bookWithdrawal(ledger: Ledger, tx: Tx, e: Entry): Promise<void> {
  await ensureAccounts(ledger, tx, e);
  const ids = disputeTransferIds(e.disputeId);
  await post(ledger, tx, [
    { id: ids.withdrawal, debit_account_id: merchantAccount(e.merchantId, e.currency), credit_account_id: receivableAccount(e.currency), amount: e.amountMinor, code: DISPUTE_TRANSFER_CODES.withdrawal, metadata: { dispute_id: e.disputeId } },
    ...(e.feeMinor > 0
      ? [{ id: ids.fee, debit_account_id: merchantAccount(e.merchantId, e.feeCurrency), credit_account_id: feesAccount(e.feeCurrency), amount: e.feeMinor, code: DISPUTE_TRANSFER_CODES.fee, metadata: { dispute_id: e.disputeId } }]
      : []),
  ]);
  const nowMs = ledger.clock.nowMs();
  // Stripe shows the withdrawal and its fee as one adjustment with a fee; a fee in another currency is a movement of its own.
  const together = sameCurrency(e);
  await recordBalanceTransaction(tx, {
    merchantId: e.merchantId, ledgerTransferId: ids.withdrawal, currency: e.currency, amountMinor: -e.amountMinor, feeMinor: together ? e.feeMinor : 0, feeDescription: 'Dispute fee',
    type: 'adjustment', reportingCategory: 'dispute', sourceId: e.disputeId, nowMs,
  });
  if (!together && e.feeMinor > 0) {
    await recordBalanceTransaction(tx, {
      merchantId: e.merchantId, ledgerTransferId: ids.fee, currency: e.feeCurrency, amountMinor: 0, feeMinor: e.feeMinor, feeDescription: 'Dispute fee',
      type: 'adjustment', reportingCategory: 'dispute', sourceId: e.disputeId, description: 'Dispute fee', nowMs,
    });
  }
}

/** The withdrawal and the fee given back, each in its own currency: the exact mirror of bookWithdrawal. */
export async function bookReinstatement(ledger: Ledger, tx: Tx, e: Entry): Promise<void> {
  await ensureAccounts(ledger, tx, e);
  const ids = disputeTransferIds(e.disputeId);
  await post(ledger, tx, [
    { id: ids.reinstatement, debit_account_id: receivableAccount(e.currency), credit_account_id: merchantAccount(e.merchantId, e.currency), amount: e.amountMinor, code: DISPUTE_TRANSFER_CODES.reinstatement, metadata: { dispute_id: e.disputeId } },
    ...(e.feeMinor > 0
      ? [{ id: ids.feeRefund, debit_account_id: feesAccount(e.feeCurrency), credit_account_id: merchantAccount(e.merchantId, e.feeCurrency), amount: e.feeMinor, code: DISPUTE_TRANSFER_CODES.fee_refund, metadata: { dispute_id: e.disputeId } }]
      : []),
  ]);
  const nowMs = ledger.clock.nowMs();
  const together = sameCurrency(e);
  await recordBalanceTransaction(tx, {
    merchantId: e.merchantId, ledgerTransferId: ids.reinstatement, currency: e.currency, amountMinor: e.amountMinor, feeMinor: together ? -e.feeMinor : 0, feeDescription: 'Dispute fee refund',
    type: 'adjustment', reportingCategory: 'dispute_reversal', sourceId: e.disputeId, nowMs,
  });
  if (!together && e.feeMinor > 0) {
    await recordBalanceTransaction(tx, {
      merchantId: e.merchantId, ledgerTransferId: ids.feeRefund, currency: e.feeCurrency, amountMinor: 0, feeMinor: -e.feeMinor, feeDescription: 'Dispute fee refund',
      type: 'adjustment', reportingCategory: 'dispute_reversal', sourceId: e.disputeId, description: 'Dispute fee refund', nowMs,
    });
  }
}

function sameCurrency(e: Entry): boolean {
  return e.currency.toUpperCase() === e.feeCurrency.toUpperCase();
}

async function ensureAccounts(ledger: Ledger, tx: Tx, e: Entry): Promise<void> {
  const currency = e.currency.toUpperCase();
  const feeCurrency = e.feeCurrency.toUpperCase();
  const outcomes = await ledger.createAccounts(tx, [
    { id: receivableAccount(currency), ledger: ACQUIRER_LEDGER, currency, code: 1 },
    { id: merchantAccount(e.merchantId, currency), ledger: ACQUIRER_LEDGER, currency, code: 2, metadata: { merchant_id: e.merchantId } },
    ...(feeCurrency === currency ? [] : [{ id: merchantAccount(e.merchantId, feeCurrency), ledger: ACQUIRER_LEDGER, currency: feeCurrency, code: 2, metadata: { merchant_id: e.merchantId } }]),
    { id: feesAccount(feeCurrency), ledger: ACQUIRER_LEDGER, currency: feeCurrency, code: DISPUTE_FEES_ACCOUNT_CODE },
  ]);
  for (const o of outcomes) if (o.result !== 'ok' && o.result !== 'exists') throw new Error(`acquirer dispute account ${o.id}: ${o.result}`);
}

async function post(ledger: Ledger, tx: Tx, inputs: TransferInput[]): Promise<void> {
  for (const outcome of await ledger.createTransfers(tx, inputs)) {
    if (outcome.result !== 'ok' && outcome.result !== 'exists') throw new Error(`acquirer dispute transfer ${outcome.id}: ${outcome.result}`);
  }
}

/**
 * Every closed dispute's postings net to its outcome for the merchant, in each currency: −(amount + fee) when lost
 * (the amount in the dispute's currency, the fee in its own), 0 when won, nothing moved for an inquiry.
 */
export async function auditAcquirerDisputes(ledger: Pick<Ledger, 'lookupTransfers'>, tx: Sql): Promise<string[]> {
  const rows = await tx.all<{ id: string; merchant_id: string; kind: string; status: string; amount_minor: number | string; fee_minor: number | string; currency: string; fee_currency: string | null }>(
    `SELECT id, merchant_id, kind, status, amount_minor, fee_minor, currency, fee_currency FROM acquirer_disputes WHERE closed_at_ms IS NOT NULL`,
  );
  const problems: string[] = [];
  for (const row of rows) {
    const ids = disputeTransferIds(row.id);
    const transfers = await ledger.lookupTransfers(tx, [ids.withdrawal, ids.fee, ids.reinstatement, ids.feeRefund]);
    const net = new Map<string, number>();
    for (const t of transfers) {
      if (!t) continue;
      const merchantSide = t.credit_account_id.startsWith('acq:merchant:') ? t.credit_account_id : t.debit_account_id;
      const currency = merchantSide.slice(merchantSide.lastIndexOf(':') + 1);
      net.set(currency, (net.get(currency) ?? 0) + (t.credit_account_id.startsWith('acq:merchant:') ? t.amount : -t.amount));
    }
    const expected = new Map<string, number>();
    if (row.kind !== 'inquiry' && row.status !== 'won') {
      const currency = row.currency.toUpperCase();
      const feeCurrency = (row.fee_currency ?? row.currency).toUpperCase();
      expected.set(currency, -Number(row.amount_minor));
      expected.set(feeCurrency, (expected.get(feeCurrency) ?? 0) - Number(row.fee_minor));
    }
    for (const currency of new Set([...net.keys(), ...expected.keys()])) {
      const got = net.get(currency) ?? 0;
      const want = expected.get(currency) ?? 0;
      if (got !== want) problems.push(`dispute ${row.id} (${row.status}): merchant net ${got} ${currency}, expected ${want}`);
    }
  }
  return problems;
}
