import type { Sql, Tx } from '../../platform/db/database.ts';
import type { Ledger, TransferInput } from '../../ledger/index.ts';
import { cardAccountId } from '../cards/card-accounts.ts';
import { ISSUER_USD_LEDGER, SYSTEM_ACCOUNTS, walletAccountId } from '../money/ledger-accounts.ts';

/**
 * A dispute in the issuer's USD book. Dispute suspense holds what the issuer
 * has advanced or is owed for open cases; every closed case nets it to zero:
 *
 *   provisional credit     debit iss:usd:dispute_suspense     credit card (wallet if the card is closed)
 *   chargeback taken       debit iss:usd:network_settlement   credit iss:usd:dispute_suspense
 *   won, no provisional    debit iss:usd:dispute_suspense     credit card
 *   merchant won           debit iss:usd:dispute_suspense     credit iss:usd:network_settlement
 *     and, after a provisional credit, it comes back from the card as far as
 *     the card has it (balancing debit); the rest is the issuer's loss:
 *                          debit card                          credit iss:usd:dispute_suspense
 *                          debit iss:usd:dispute_losses        credit iss:usd:dispute_suspense
 *   network refused        the provisional credit reversed the same way
 *   liability shifted      (a fraud chargeback refused because the payment was authenticated with
 *                          3-D Secure: the fraud is the issuer's loss, and the cardholder keeps the money)
 *                          debit iss:usd:dispute_losses       credit iss:usd:dispute_suspense
 *                          and, without a provisional credit, the credit as when won
 */

export const DISPUTE_SUSPENSE = 'iss:usd:dispute_suspense';
export const DISPUTE_LOSSES = 'iss:usd:dispute_losses';
export const DISPUTE_TRANSFER_CODES = { provisional_credit: 60, chargeback: 61, credit: 62, representment: 63, provisional_reversal: 64, write_off: 65, liability_loss: 66 } as const;

export const disputeTransferIds = (id: string) => ({
  provisional: `idsp:${id}:provisional`,
  chargeback: `idsp:${id}:chargeback`,
  credit: `idsp:${id}:credit`,
  representment: `idsp:${id}:representment`,
  reversal: `idsp:${id}:reversal`,
  writeOff: `idsp:${id}:write_off`,
  liabilityLoss: `idsp:${id}:liability_loss`,
});

export interface DisputeMoney {
  readonly disputeId: string;
  readonly cardId: string;
  readonly cardholderId: string;
  readonly amountMinor: number;
}

export async function ensureDisputeAccounts(ledger: Ledger, tx: Sql): Promise<void> {
  const outcomes = await ledger.createAccounts(tx, [
    { id: DISPUTE_SUSPENSE, ledger: ISSUER_USD_LEDGER, currency: 'USD', code: 114 },
    { id: DISPUTE_LOSSES, ledger: ISSUER_USD_LEDGER, currency: 'USD', code: 115 },
  ]);
  for (const o of outcomes) if (o.result !== 'ok' && o.result !== 'exists') throw new Error(`issuer dispute account ${o.id}: ${o.result}`);
}

/**
 * Where the cardholder's side of a dispute is booked: the card, or the wallet
 * once the card is closed (its money went there). The status is read under the
 * card row's lock, the lock a close takes: read without it, a close committing
 * meanwhile would leave a credit on a closed card nobody can unload, or find
 * nothing there to take back and write off what the wallet still holds.
 */
async function cardholderAccount(tx: Tx, m: DisputeMoney): Promise<string> {
  const card = await tx.get<{ status: string }>(`SELECT status FROM issuer_cards WHERE id = ? ${tx.forUpdate}`, [m.cardId]);
  return card?.status === 'closed' ? walletAccountId(m.cardholderId) : cardAccountId(m.cardId);
}

async function post(ledger: Ledger, tx: Tx, input: TransferInput): Promise<number> {
  const outcome = await ledger.createTransfer(tx, { ...input, metadata: { ...(input.metadata ?? {}) } });
  if (outcome.result !== 'ok' && outcome.result !== 'exists') throw new Error(`issuer dispute transfer ${input.id}: ${outcome.result}`);
  return outcome.transfer!.amount;
}

export async function bookProvisionalCredit(ledger: Ledger, tx: Tx, m: DisputeMoney): Promise<void> {
  await ensureDisputeAccounts(ledger, tx);
  await post(ledger, tx, { id: disputeTransferIds(m.disputeId).provisional, debit_account_id: DISPUTE_SUSPENSE, credit_account_id: await cardholderAccount(tx, m), amount: m.amountMinor, code: DISPUTE_TRANSFER_CODES.provisional_credit });
}

export async function bookChargebackTaken(ledger: Ledger, tx: Tx, m: DisputeMoney): Promise<void> {
  await ensureDisputeAccounts(ledger, tx);
  await post(ledger, tx, { id: disputeTransferIds(m.disputeId).chargeback, debit_account_id: SYSTEM_ACCOUNTS.usdNetworkSettlement, credit_account_id: DISPUTE_SUSPENSE, amount: m.amountMinor, code: DISPUTE_TRANSFER_CODES.chargeback });
}

export async function bookCardholderWon(ledger: Ledger, tx: Tx, m: DisputeMoney, provisional: boolean): Promise<void> {
  if (provisional) return;
  await post(ledger, tx, { id: disputeTransferIds(m.disputeId).credit, debit_account_id: DISPUTE_SUSPENSE, credit_account_id: await cardholderAccount(tx, m), amount: m.amountMinor, code: DISPUTE_TRANSFER_CODES.credit });
}

/** The merchant won (or the network refused the chargeback: `chargebackTaken` false). Returns what the issuer wrote off. */
export async function bookMerchantWon(ledger: Ledger, tx: Tx, m: DisputeMoney, provisional: boolean, chargebackTaken: boolean): Promise<number> {
  const ids = disputeTransferIds(m.disputeId);
  if (chargebackTaken) {
    await post(ledger, tx, { id: ids.representment, debit_account_id: DISPUTE_SUSPENSE, credit_account_id: SYSTEM_ACCOUNTS.usdNetworkSettlement, amount: m.amountMinor, code: DISPUTE_TRANSFER_CODES.representment });
  }
  if (!provisional) return 0;
  const moved = await post(ledger, tx, {
    id: ids.reversal,
    debit_account_id: await cardholderAccount(tx, m),
    credit_account_id: DISPUTE_SUSPENSE,
    amount: m.amountMinor,
    code: DISPUTE_TRANSFER_CODES.provisional_reversal,
    flags: ['balancing_debit'],
  });
  const rest = m.amountMinor - moved;
  if (rest > 0) await post(ledger, tx, { id: ids.writeOff, debit_account_id: DISPUTE_LOSSES, credit_account_id: DISPUTE_SUSPENSE, amount: rest, code: DISPUTE_TRANSFER_CODES.write_off });
  return rest;
}

/**
 * The network refused a fraud chargeback because the payment was authenticated
 * (3-D Secure liability shift): the issuer bears the fraud — the cardholder is
 * credited for good, out of the issuer's dispute losses.
 */
export async function bookIssuerLiability(ledger: Ledger, tx: Tx, m: DisputeMoney, provisional: boolean): Promise<void> {
  await ensureDisputeAccounts(ledger, tx);
  await post(ledger, tx, { id: disputeTransferIds(m.disputeId).liabilityLoss, debit_account_id: DISPUTE_LOSSES, credit_account_id: DISPUTE_SUSPENSE, amount: m.amountMinor, code: DISPUTE_TRANSFER_CODES.liability_loss });
  await bookCardholderWon(ledger, tx, m, provisional);
}

/**
 * Every closed dispute's postings net to its outcome: suspense back to zero,
 * and the cardholder (with what the issuer wrote off for them) ahead by the
 * amount when won, by nothing when lost or rejected. What the issuer wrote off
 * for a cardholder who no longer had a reversed credit counts as theirs; a
 * loss the issuer bears itself (liability shift) does not.
 */
export async function auditIssuerDisputes(ledger: Pick<Ledger, 'lookupTransfers'>, sql: Sql): Promise<string[]> {
  const rows = await sql.all<{ id: string; status: string; amount_minor: number | string }>(
    `SELECT id, status, amount_minor FROM issuer_disputes WHERE status IN ('won', 'lost', 'rejected')`,
  );
  const problems: string[] = [];
  for (const row of rows) {
    const ids = Object.values(disputeTransferIds(row.id));
    let suspense = 0;
    let cardholder = 0;
    for (const t of await ledger.lookupTransfers(sql, ids)) {
      if (t.credit_account_id === DISPUTE_SUSPENSE) suspense += t.amount;
      if (t.debit_account_id === DISPUTE_SUSPENSE) suspense -= t.amount;
      const toHolder = t.credit_account_id.startsWith('iss:card:') || t.credit_account_id.startsWith('iss:wallet:');
      const fromHolder = t.debit_account_id.startsWith('iss:card:') || t.debit_account_id.startsWith('iss:wallet:');
      if (toHolder) cardholder += t.amount;
      if (fromHolder) cardholder -= t.amount;
      if (t.debit_account_id === DISPUTE_LOSSES && t.code === DISPUTE_TRANSFER_CODES.write_off) cardholder -= t.amount;
    }
    const expected = row.status === 'won' ? Number(row.amount_minor) : 0;
    if (suspense !== 0) problems.push(`dispute ${row.id} (${row.status}): suspense nets to ${suspense}, not 0`);
    if (cardholder !== expected) problems.push(`dispute ${row.id} (${row.status}): the cardholder nets ${cardholder}, expected ${expected}`);
  }
  return problems;
}
