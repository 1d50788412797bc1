import { RetryableConflict, type Sql, type Tx } from '../../platform/db/database.ts';
import { IssuerError } from '../errors.ts';
import type { TransferInput } from '../../ledger/index.ts';
import type { MoneyContext } from './context.ts';
import { withdrawalFigures } from './fees.ts';
import { ensureWallet, SYSTEM_ACCOUNTS, TRANSFER_CODES } from './ledger-accounts.ts';
import type { PayoutProvider, PayoutResult } from './payout-provider.ts';
import { insufficientFunds } from './insufficient-funds.ts';
import { getMoneySettings } from './settings.ts';

export type WithdrawalStatus = 'pending' | 'paid' | 'failed';

export interface Withdrawal {
  readonly id: string;
  readonly cardholder_id: string;
  readonly request_id: string;
  /** Taken from the wallet: payout + fee. */
  readonly amount_usd_minor: number;
  readonly fee_usd_minor: number;
  readonly payout_usd_minor: number;
  readonly rate: string;
  readonly payout_cny_minor: number;
  readonly status: WithdrawalStatus;
  readonly provider_payout_id: string | null;
  readonly failure_reason: string | null;
  readonly created_at_ms: number;
  readonly paid_at_ms: number | null;
  readonly failed_at_ms: number | null;
  readonly updated_at_ms: number;
}

const COLUMNS = `id, cardholder_id, request_id, amount_usd_minor, fee_usd_minor, payout_usd_minor, rate, payout_cny_minor, status,
  provider_payout_id, failure_reason, created_at_ms, paid_at_ms, failed_at_ms, updated_at_ms`;
const REQUEST_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
const SWEEP_MAX_BATCH = 500;

/**
 * Withdrawal of wallet USD to the cardholder's Alipay, in three steps:
 *
 * 1. One transaction: two holds (pending transfers, no timeout) from the
 *    wallet — the payout to payout clearing, the fee to fee revenue — and the
 *    withdrawal row `pending`. Not enough money → `insufficient_funds`, and
 *    the transaction rolls back: nothing changes.
 * 2. The payout provider is called outside any transaction.
 * 3. One transaction: paid → post both holds; failed → void both (the money
 *    is back in the wallet). The row is locked and must still be `pending`,
 *    so a hold is posted or voided, never both.
 *
 * The holds have no timeout on purpose: a hold that lapsed while the payout
 * had in fact gone through would hand the money back twice. An unknown
 * outcome (the call threw) leaves the withdrawal pending;
 * `resolvePending` asks again (the provider is idempotent on the id).
 */
export class WithdrawalService {
  readonly #ctx: MoneyContext;
  readonly #payouts: PayoutProvider;

  constructor(ctx: MoneyContext, payouts: PayoutProvider) {
    this.#ctx = ctx;
    this.#payouts = payouts;
  }

  /**
   * `requestId` is the client's key for this withdrawal: a retry with the
   * same one returns the same withdrawal instead of taking money again; the
   * same one with another amount is refused `idempotency_key_reused` (400),
   * before anything happens — answering the first withdrawal would tell the
   * client its new amount was taken. Requests racing with one id make one
   * withdrawal: the id is claimed (the row inserted) before any money
   * moves, so on PostgreSQL a racer's insert waits for the first
   * transaction and then finds its row instead of failing on the unique
   * index; on SQLite writers never overlap.
   */
  async withdraw(input: { cardholderId: string; amountUsdMinor: number; requestId: string }): Promise<Withdrawal> {
    if (!REQUEST_ID_PATTERN.test(input.requestId)) throw new IssuerError('parameter_invalid', 'A request id is 1 to 64 letters, digits or _.:-', { param: 'request_id' });
    const { withdrawal, fresh } = await this.#ctx.db.transaction(async (tx) => {
      const existing = await tx.get<Withdrawal>(`SELECT ${COLUMNS} FROM issuer_withdrawals WHERE cardholder_id = ? AND request_id = ?`, [
        input.cardholderId,
        input.requestId,
      ]);
      if (existing) return { withdrawal: sameRequest(existing, input.amountUsdMinor), fresh: false };
      await this.#ctx.kycGate(tx, input.cardholderId);
      const settings = await getMoneySettings(tx);
      const figures = withdrawalFigures(input.amountUsdMinor, settings);
      if (!figures) {
        throw new IssuerError(
          'withdrawal_amount_out_of_range',
          `A withdrawal is from ${settings.withdrawal_min_usd_minor} to ${settings.withdrawal_max_usd_minor} cents and must cover the fee.`,
          { param: 'amount' },
        );
      }
      const nowMs = this.#ctx.clock.nowMs();
      const id = this.#ctx.ids.next('wd');
      const row: Withdrawal = {
        id,
        cardholder_id: input.cardholderId,
        request_id: input.requestId,
        ...figures,
        status: 'pending',
        provider_payout_id: null,
        failure_reason: null,
        created_at_ms: nowMs,
        paid_at_ms: null,
        failed_at_ms: null,
        updated_at_ms: nowMs,
      };
      // The claim, before any money moves. 0 rows: a concurrent request with this id committed first (this insert waited for it).
      const claimed = await tx.run(
        `INSERT INTO issuer_withdrawals (id, cardholder_id, request_id, amount_usd_minor, fee_usd_minor, payout_usd_minor, rate,
           payout_cny_minor, status, created_at_ms, updated_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (cardholder_id, request_id) DO NOTHING`,
        [id, row.cardholder_id, row.request_id, row.amount_usd_minor, row.fee_usd_minor, row.payout_usd_minor, row.rate, row.payout_cny_minor, 'pending', nowMs, nowMs],
      );
      if (claimed === 0) {
        const first = await tx.get<Withdrawal>(`SELECT ${COLUMNS} FROM issuer_withdrawals WHERE cardholder_id = ? AND request_id = ?`, [input.cardholderId, input.requestId]);
        // Gone again only if that transaction's row was deleted meanwhile (nothing deletes withdrawals): a fresh attempt settles it.
        if (!first) throw new RetryableConflict(`withdrawal request ${input.requestId} vanished while being read`);
        return { withdrawal: sameRequest(first, input.amountUsdMinor), fresh: false };
      }
      const wallet = await ensureWallet(this.#ctx.ledger, tx, input.cardholderId);
      const holds: TransferInput[] = [
        {
          id: `wd:${id}:payout`,
          debit_account_id: wallet,
          credit_account_id: SYSTEM_ACCOUNTS.usdPayoutClearing,
          amount: figures.payout_usd_minor,
          code: TRANSFER_CODES.withdrawal_payout,
          flags: ['pending'],
          metadata: { withdrawal_id: id },
        },
      ];
      if (figures.fee_usd_minor > 0) {
        holds.push({
          id: `wd:${id}:fee`,
          debit_account_id: wallet,
          credit_account_id: SYSTEM_ACCOUNTS.usdFeeRevenue,
          amount: figures.fee_usd_minor,
          code: TRANSFER_CODES.withdrawal_fee,
          flags: ['pending'],
          metadata: { withdrawal_id: id },
        });
      }
      const outcomes = await this.#ctx.ledger.createTransfers(tx, holds);
      // Thrown: the transaction rolls back, the claim with it, and the id stays free for a retry.
      if (outcomes.some((o) => o.result === 'exceeds_credits')) throw await insufficientFunds(tx, this.#ctx.ledger, 'wallet', wallet);
      assertBooked(outcomes);
      return { withdrawal: row, fresh: true };
    });
    if (!fresh && withdrawal.status !== 'pending') return withdrawal;
    return this.#payOut(withdrawal);
  }

  /** Asks the provider again about withdrawals whose outcome is unknown. Returns how many were settled. */
  async resolvePending(limit = SWEEP_MAX_BATCH): Promise<number> {
    const rows = await this.#ctx.db.all<Withdrawal>(
      `SELECT ${COLUMNS} FROM issuer_withdrawals WHERE status = 'pending' ORDER BY created_at_ms, id LIMIT ?`,
      [Math.min(limit, SWEEP_MAX_BATCH)],
    );
    let settled = 0;
    for (const row of rows) if ((await this.#payOut(row)).status !== 'pending') settled++;
    return settled;
  }

  async get(cardholderId: string, id: string): Promise<Withdrawal | null> {
    const row = await loadWithdrawal(this.#ctx.db, id);
    return row && row.cardholder_id === cardholderId ? row : null;
  }

  async #payOut(withdrawal: Withdrawal): Promise<Withdrawal> {
    let result: PayoutResult;
    try {
      result = await this.#payouts.payout({
        payoutId: withdrawal.id,
        cardholderId: withdrawal.cardholder_id,
        amountCnyMinor: withdrawal.payout_cny_minor,
        amountUsdMinor: withdrawal.payout_usd_minor,
      });
    } catch {
      return withdrawal; // outcome unknown: the holds stay; resolvePending asks again
    }
    return this.#ctx.db.transaction(async (tx) => {
      const current = await tx.get<Withdrawal>(`SELECT ${COLUMNS} FROM issuer_withdrawals WHERE id = ? ${tx.forUpdate}`, [withdrawal.id]);
      if (!current) throw new Error(`withdrawal ${withdrawal.id} vanished`);
      if (current.status !== 'pending') return current;
      await this.#resolveHolds(tx, current, result.status === 'paid' ? 'post' : 'void');
      const nowMs = this.#ctx.clock.nowMs();
      if (result.status === 'paid') {
        await tx.run(`UPDATE issuer_withdrawals SET status = 'paid', provider_payout_id = ?, paid_at_ms = ?, updated_at_ms = ? WHERE id = ?`, [
          result.providerPayoutId,
          nowMs,
          nowMs,
          current.id,
        ]);
      } else {
        await tx.run(`UPDATE issuer_withdrawals SET status = 'failed', failure_reason = ?, failed_at_ms = ?, updated_at_ms = ? WHERE id = ?`, [
          result.reason.slice(0, 200),
          nowMs,
          nowMs,
          current.id,
        ]);
      }
      const paid = result.status === 'paid';
      await this.#ctx.notifier?.record(tx, [
        {
          kind: paid ? 'withdrawal_paid' : 'withdrawal_failed',
          cardholderId: current.cardholder_id,
          subjectId: current.id,
          eventKey: current.id,
          amountMinor: Number(current.amount_usd_minor),
          currency: 'USD',
          reason: paid ? null : 'payout_failed',
          createdAtMs: nowMs,
        },
      ]);
      return (await loadWithdrawal(tx, current.id))!;
    });
  }

  async #resolveHolds(tx: Tx, withdrawal: Withdrawal, action: 'post' | 'void'): Promise<void> {
    const flag = action === 'post' ? 'post_pending_transfer' : 'void_pending_transfer';
    const holds: { hold: string; code: number }[] = [{ hold: `wd:${withdrawal.id}:payout`, code: TRANSFER_CODES.withdrawal_payout }];
    if (withdrawal.fee_usd_minor > 0) holds.push({ hold: `wd:${withdrawal.id}:fee`, code: TRANSFER_CODES.withdrawal_fee });
    assertBooked(
      await this.#ctx.ledger.createTransfers(
        tx,
        holds.map(({ hold, code }) => ({ id: `${hold}:${action}`, pending_id: hold, code, flags: [flag] as const, metadata: { withdrawal_id: withdrawal.id } })),
      ),
    );
  }
}

/** The withdrawal a request id already names, if the request asks for the same amount; otherwise the key was reused. */
function sameRequest(withdrawal: Withdrawal, amountUsdMinor: number): Withdrawal {
  if (Number(withdrawal.amount_usd_minor) === amountUsdMinor) return withdrawal;
  throw new IssuerError(
    'idempotency_key_reused',
    `This Idempotency-Key was first used for a withdrawal of ${Number(withdrawal.amount_usd_minor)} cents, not ${amountUsdMinor}; use a new key for a new withdrawal.`,
    { param: 'Idempotency-Key' },
  );
}

function loadWithdrawal(sql: Sql, id: string): Promise<Withdrawal | undefined> {
  return sql.get<Withdrawal>(`SELECT ${COLUMNS} FROM issuer_withdrawals WHERE id = ?`, [id]);
}

function assertBooked(outcomes: readonly { id: string; result: string }[]): void {
  const bad = outcomes.filter((o) => o.result !== 'ok' && o.result !== 'exists');
  if (bad.length > 0) throw new Error(`withdrawal booking failed: ${bad.map((o) => `${o.id}=${o.result}`).join(', ')}`);
}
