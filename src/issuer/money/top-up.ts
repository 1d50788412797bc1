import type { Tx } from '../../platform/db/database.ts';
import { IssuerError } from '../errors.ts';
import type { TransferInput } from '../../ledger/index.ts';
import type { MoneyContext } from './context.ts';
import { topUpFigures } from './fees.ts';
import type { FundingProvider } from './funding-provider.ts';
import { ensureWallet, SYSTEM_ACCOUNTS, TRANSFER_CODES } from './ledger-accounts.ts';
import { getMoneySettings } from './settings.ts';
import {
  dueOrderIds,
  insertOrder,
  insertQuote,
  listOrderEvents,
  loadOrder,
  loadOrderForQuote,
  lockQuote,
  lockOrder,
  transition,
  type TopUpOrder,
  type TopUpOrderEvent,
  type TopUpQuote,
} from './top-up-store.ts';

export type { TopUpOrder, TopUpOrderEvent, TopUpOrderStatus, TopUpQuote } from './top-up-store.ts';

export type NotifyOutcome = 'credited' | 'duplicate' | 'closed' | 'failed' | 'refund_pending' | 'refunded' | 'ignored' | 'unknown_order' | 'amount_mismatch';

export interface NotifyResult {
  /** Whether to tell the provider "success" (stop redelivering). */
  readonly ack: boolean;
  readonly outcome: NotifyOutcome;
  readonly order: TopUpOrder | null;
}

const SWEEP_MAX_BATCH = 500;
const ORDER_SUBJECT = 'Cardlane wallet top-up';

/** Prices a top-up at today's rate and fee and stores the quote, in the caller's transaction. */
export async function createQuote(tx: Tx, ctx: Pick<MoneyContext, 'clock' | 'ids' | 'kycGate'>, cardholderId: string, cnyAmountMinor: number): Promise<TopUpQuote> {
  await ctx.kycGate(tx, cardholderId);
  const settings = await getMoneySettings(tx);
  const figures = topUpFigures(cnyAmountMinor, settings);
  if (!figures) {
    throw new IssuerError(
      'top_up_amount_out_of_range',
      `A top-up is from ${settings.top_up_min_cny_minor} to ${settings.top_up_max_cny_minor} fen (CNY minor units).`,
      { param: 'amount' },
    );
  }
  const nowMs = ctx.clock.nowMs();
  const quote: TopUpQuote = {
    id: ctx.ids.next('tuq'),
    cardholder_id: cardholderId,
    cny_amount_minor: figures.cny_amount_minor,
    fee_cny_minor: figures.fee_cny_minor,
    rate: figures.rate,
    usd_amount_minor: figures.usd_amount_minor,
    created_at_ms: nowMs,
    expires_at_ms: nowMs + settings.quote_validity_ms,
  };
  await insertQuote(tx, quote);
  return quote;
}

/**
 * Top-ups in CNY through a funding provider (Alipay):
 *
 *   quote ──► order: created ──paid notify──► (paid) ──► credited
 *                     │  └─ sweep past expiry ─► expired ┐
 *                     ├─ closed notify ─► closed         ├─ paid notify ─► refund_pending ─► refunded
 *                     └─ failed notify ─► failed         ┘
 *
 * A paid notify books, in one transaction: CNY Alipay → clearing (received),
 * clearing → fee revenue, clearing → CNY FX position, and USD FX position →
 * wallet. The transfer ids derive from the order id, and the order row is
 * locked and its status checked first, so a notify delivered any number of
 * times, concurrently or late, credits once; were the status check ever
 * skipped, the second booking would be `exists`, not a second credit.
 *
 * Notifies are handled directly (synchronously, in the request that carries
 * them) rather than through the jobs table: the provider already redelivers
 * until it gets "success", which is our durable queue, and acting at once
 * credits the cardholder without a worker's delay. The one call out that a
 * notify can trigger — a refund — is made after the commit, and a crash
 * between the two leaves the order `refund_pending`, which
 * `retryPendingRefunds` picks up.
 */
export class TopUpService {
  readonly #ctx: MoneyContext;
  readonly #funding: FundingProvider;

  constructor(ctx: MoneyContext, funding: FundingProvider) {
    this.#ctx = ctx;
    this.#funding = funding;
  }

  /** Prices a top-up at today's rate and fee; the quote is honoured until it expires. */
  async quote(cardholderId: string, cnyAmountMinor: number): Promise<TopUpQuote> {
    return this.#ctx.db.transaction((tx) => createQuote(tx, this.#ctx, cardholderId, cnyAmountMinor));
  }

  /**
   * Turns a quote into a provider order (pay URL and QR payload). Asking
   * again for the same quote returns the same order. Intent is recorded
   * before the provider is called and the outcome after, outside any
   * transaction; if the provider fails the order is marked failed (a late
   * payment for it would still be refunded).
   */
  async createOrder(cardholderId: string, quoteId: string): Promise<TopUpOrder> {
    const { order, fresh } = await this.#ctx.db.transaction(async (tx) => {
      await this.#ctx.kycGate(tx, cardholderId);
      // Locked, so a concurrent request for the same quote waits here and then finds this one's order.
      const quote = await lockQuote(tx, quoteId);
      if (!quote || quote.cardholder_id !== cardholderId) throw new IssuerError('resource_missing', 'No such quote.', { param: 'quote' });
      const existing = await loadOrderForQuote(tx, quoteId);
      if (existing) return { order: existing, fresh: false };
      const nowMs = this.#ctx.clock.nowMs();
      if (nowMs >= quote.expires_at_ms) throw new IssuerError('quote_expired', undefined, { param: 'quote' });
      // The wallet exists before any money can arrive for it.
      await ensureWallet(this.#ctx.ledger, tx, cardholderId);
      const settings = await getMoneySettings(tx);
      const created: TopUpOrder = {
        id: this.#ctx.ids.next('tuo'),
        cardholder_id: cardholderId,
        quote_id: quote.id,
        cny_amount_minor: quote.cny_amount_minor,
        fee_cny_minor: quote.fee_cny_minor,
        rate: quote.rate,
        usd_amount_minor: quote.usd_amount_minor,
        status: 'created',
        provider_trade_no: null,
        pay_url: null,
        qr_payload: null,
        created_at_ms: nowMs,
        expires_at_ms: nowMs + settings.order_expiry_ms,
        paid_at_ms: null,
        credited_at_ms: null,
        expired_at_ms: null,
        closed_at_ms: null,
        failed_at_ms: null,
        refund_requested_at_ms: null,
        refunded_at_ms: null,
        provider_refund_id: null,
        updated_at_ms: nowMs,
      };
      await insertOrder(tx, created, 'order created from quote');
      return { order: created, fresh: true };
    });
    if (!fresh && (order.pay_url !== null || order.status !== 'created')) return order;

    let providerOrder;
    try {
      providerOrder = await this.#funding.createOrder({
        outTradeNo: order.id,
        amountCnyMinor: order.cny_amount_minor,
        subject: ORDER_SUBJECT,
        expiresAtMs: order.expires_at_ms,
      });
    } catch (error) {
      await this.#ctx.db.transaction(async (tx) => {
        const current = await lockOrder(tx, order.id);
        if (current?.status === 'created') {
          await transition(tx, current, 'failed', { reason: 'provider refused or did not answer order creation', nowMs: this.#ctx.clock.nowMs(), stamps: ['failed_at_ms'] });
        }
      });
      throw new IssuerError('funding_provider_unavailable', undefined, { cause: error });
    }
    return this.#ctx.db.transaction(async (tx) => {
      await tx.run('UPDATE issuer_topup_orders SET provider_trade_no = ?, pay_url = ?, qr_payload = ?, updated_at_ms = ? WHERE id = ?', [
        providerOrder.tradeNo,
        providerOrder.payUrl,
        providerOrder.qrPayload,
        this.#ctx.clock.nowMs(),
        order.id,
      ]);
      return (await loadOrder(tx, order.id))!;
    });
  }

  /**
   * Handles one provider notify exactly as received. A notify that does not
   * verify is refused with `notify_signature_invalid` and changes nothing.
   */
  async handleNotify(fields: Readonly<Record<string, string>>): Promise<NotifyResult> {
    const notify = this.#funding.verifyNotify(fields);
    if (!notify) throw new IssuerError('notify_signature_invalid');
    const result = await this.#ctx.db.transaction(async (tx): Promise<NotifyResult> => {
      const order = await lockOrder(tx, notify.outTradeNo);
      // Verified but not ours: nothing to do, and redelivery would not change that.
      if (!order) return { ack: true, outcome: 'unknown_order', order: null };
      // A verified notify for another amount is the provider's bug; keep it unacknowledged for a human.
      if (notify.amountCnyMinor !== order.cny_amount_minor) return { ack: false, outcome: 'amount_mismatch', order };
      const nowMs = this.#ctx.clock.nowMs();
      const tradeNo = order.provider_trade_no === null ? { provider_trade_no: notify.tradeNo } : {};

      if (notify.status === 'paid') {
        if (order.status === 'created') {
          await this.#credit(tx, order);
          // Two recorded steps in one transaction: `paid` never outlives it, but the history shows both.
          await transition(tx, order, 'paid', { reason: 'paid notify verified', nowMs, stamps: ['paid_at_ms'], extra: tradeNo });
          await transition(tx, { ...order, status: 'paid' }, 'credited', { reason: 'wallet credited', nowMs, stamps: ['credited_at_ms'] });
          await this.#ctx.notifier?.record(tx, [
            { kind: 'top_up', cardholderId: order.cardholder_id, subjectId: order.id, eventKey: order.id, amountMinor: Number(order.usd_amount_minor), currency: 'USD', createdAtMs: nowMs },
          ]);
          return { ack: true, outcome: 'credited', order: (await loadOrder(tx, order.id))! };
        }
        if (order.status === 'expired' || order.status === 'closed' || order.status === 'failed') {
          await this.#book(tx, [this.#receivedTransfer(order)]);
          await transition(tx, order, 'refund_pending', {
            reason: `paid after the order was ${order.status}; refunding in full`,
            nowMs,
            stamps: ['paid_at_ms', 'refund_requested_at_ms'],
            extra: tradeNo,
          });
          return { ack: true, outcome: 'refund_pending', order: (await loadOrder(tx, order.id))! };
        }
        return { ack: true, outcome: 'duplicate', order };
      }
      if ((notify.status === 'closed' || notify.status === 'failed') && order.status === 'created') {
        const stamp = notify.status === 'closed' ? 'closed_at_ms' : 'failed_at_ms';
        await transition(tx, order, notify.status, { reason: `${notify.status} notify verified`, nowMs, stamps: [stamp], extra: tradeNo });
        return { ack: true, outcome: notify.status, order: (await loadOrder(tx, order.id))! };
      }
      // Waiting, or a close that arrives after the order was settled: stale, nothing changes.
      return { ack: true, outcome: 'ignored', order };
    });
    if (result.outcome === 'refund_pending' && result.order) {
      const refunded = await this.#refund(result.order.id);
      if (refunded?.status === 'refunded') return { ack: true, outcome: 'refunded', order: refunded };
    }
    return result;
  }

  /** Expires unpaid orders past their expiry and asks the provider to close them. Returns how many expired. */
  async expireDueOrders(limit = SWEEP_MAX_BATCH): Promise<number> {
    const ids = await dueOrderIds(this.#ctx.db, 'created', this.#ctx.clock.nowMs(), Math.min(limit, SWEEP_MAX_BATCH));
    let expired = 0;
    for (const id of ids) {
      const changed = await this.#ctx.db.transaction(async (tx) => {
        const order = await lockOrder(tx, id);
        const nowMs = this.#ctx.clock.nowMs();
        if (!order || order.status !== 'created' || order.expires_at_ms > nowMs) return false;
        await transition(tx, order, 'expired', { reason: 'unpaid past expiry', nowMs, stamps: ['expired_at_ms'] });
        return true;
      });
      if (!changed) continue;
      expired++;
      // Best effort: if the payer paid meanwhile, the paid notify arrives and is refunded.
      await this.#funding.closeOrder(id).catch(() => undefined);
    }
    return expired;
  }

  /**
   * The cardholder gives up an order still waiting for payment (they chose
   * another amount, or changed their mind): the provider is asked to close
   * it first, so a QR code already scanned cannot be paid afterwards, then
   * the order is `closed`. Already closed: answered as is. If the provider
   * says it was paid meanwhile, nothing is closed (its paid notify credits
   * the wallet) and the answer is `resource_conflict`; a payment racing the
   * close is refunded like any paid-after-closed order.
   */
  async cancelOrder(cardholderId: string, orderId: string): Promise<TopUpOrder> {
    const before = await this.getOrder(cardholderId, orderId);
    if (!before) throw new IssuerError('resource_missing', 'No such top-up.', { param: 'id' });
    if (before.status === 'closed') return before;
    if (before.status !== 'created') throw notCancellable(before.status);
    let closed;
    try {
      closed = await this.#funding.closeOrder(orderId);
    } catch (error) {
      throw new IssuerError('funding_provider_unavailable', undefined, { cause: error });
    }
    if (closed === 'already_paid') throw notCancellable('paid');
    return this.#ctx.db.transaction(async (tx) => {
      const order = await lockOrder(tx, orderId);
      if (!order) throw new IssuerError('resource_missing', 'No such top-up.', { param: 'id' });
      if (order.status === 'closed') return order;
      if (order.status !== 'created') throw notCancellable(order.status);
      await transition(tx, order, 'closed', { reason: 'cancelled by the cardholder', nowMs: this.#ctx.clock.nowMs(), stamps: ['closed_at_ms'] });
      return (await loadOrder(tx, orderId))!;
    });
  }

  /** Retries refunds whose provider call failed or was interrupted. Returns how many completed. */
  async retryPendingRefunds(limit = SWEEP_MAX_BATCH): Promise<number> {
    const ids = await dueOrderIds(this.#ctx.db, 'refund_pending', Number.MAX_SAFE_INTEGER, Math.min(limit, SWEEP_MAX_BATCH));
    let done = 0;
    for (const id of ids) if ((await this.#refund(id))?.status === 'refunded') done++;
    return done;
  }

  /** The order, if it belongs to the cardholder (null answers "no such order" for both cases). */
  async getOrder(cardholderId: string, orderId: string): Promise<TopUpOrder | null> {
    const order = await loadOrder(this.#ctx.db, orderId);
    return order && order.cardholder_id === cardholderId ? order : null;
  }

  orderEvents(orderId: string): Promise<TopUpOrderEvent[]> {
    return listOrderEvents(this.#ctx.db, orderId);
  }

  /** Record intent (refund_pending, already committed) → call → record outcome. */
  async #refund(orderId: string): Promise<TopUpOrder | null> {
    const order = await loadOrder(this.#ctx.db, orderId);
    if (!order || order.status !== 'refund_pending') return order ?? null;
    let refundId: string;
    try {
      ({ refundId } = await this.#funding.refund({
        outTradeNo: order.id,
        refundRequestNo: `${order.id}-refund`,
        amountCnyMinor: order.cny_amount_minor,
      }));
    } catch {
      return order; // stays refund_pending; retryPendingRefunds tries again
    }
    return this.#ctx.db.transaction(async (tx) => {
      const current = await lockOrder(tx, orderId);
      if (!current || current.status !== 'refund_pending') return current ?? null;
      await this.#book(tx, [
        {
          id: `tu:${order.id}:refund`,
          debit_account_id: SYSTEM_ACCOUNTS.cnyTopupClearing,
          credit_account_id: SYSTEM_ACCOUNTS.cnyAlipay,
          amount: order.cny_amount_minor,
          code: TRANSFER_CODES.top_up_refund,
          metadata: { order_id: order.id },
        },
      ]);
      await transition(tx, current, 'refunded', {
        reason: 'refunded in full to the payer',
        nowMs: this.#ctx.clock.nowMs(),
        stamps: ['refunded_at_ms'],
        extra: { provider_refund_id: refundId },
      });
      return (await loadOrder(tx, orderId))!;
    });
  }

  #receivedTransfer(order: TopUpOrder): TransferInput {
    return {
      id: `tu:${order.id}:recv`,
      debit_account_id: SYSTEM_ACCOUNTS.cnyAlipay,
      credit_account_id: SYSTEM_ACCOUNTS.cnyTopupClearing,
      amount: order.cny_amount_minor,
      code: TRANSFER_CODES.top_up_received,
      metadata: { order_id: order.id },
    };
  }

  async #credit(tx: Tx, order: TopUpOrder): Promise<void> {
    const metadata = { order_id: order.id };
    const wallet = await ensureWallet(this.#ctx.ledger, tx, order.cardholder_id);
    const transfers: TransferInput[] = [this.#receivedTransfer(order)];
    if (order.fee_cny_minor > 0) {
      transfers.push({
        id: `tu:${order.id}:fee`,
        debit_account_id: SYSTEM_ACCOUNTS.cnyTopupClearing,
        credit_account_id: SYSTEM_ACCOUNTS.cnyFeeRevenue,
        amount: order.fee_cny_minor,
        code: TRANSFER_CODES.top_up_fee,
        metadata,
      });
    }
    transfers.push(
      {
        id: `tu:${order.id}:fx`,
        debit_account_id: SYSTEM_ACCOUNTS.cnyTopupClearing,
        credit_account_id: SYSTEM_ACCOUNTS.cnyFxPosition,
        amount: order.cny_amount_minor - order.fee_cny_minor,
        code: TRANSFER_CODES.top_up_exchange,
        metadata,
      },
      {
        id: `tu:${order.id}:credit`,
        debit_account_id: SYSTEM_ACCOUNTS.usdFxPosition,
        credit_account_id: wallet,
        amount: order.usd_amount_minor,
        code: TRANSFER_CODES.top_up_credit,
        metadata,
      },
    );
    await this.#book(tx, transfers);
  }

  /** Books transfers that our own state says must succeed; anything else is a bug and rolls back. */
  async #book(tx: Tx, transfers: readonly TransferInput[]): Promise<void> {
    const outcomes = await this.#ctx.ledger.createTransfers(tx, transfers);
    const bad = outcomes.filter((o) => o.result !== 'ok' && o.result !== 'exists');
    if (bad.length > 0) throw new Error(`top-up booking failed: ${bad.map((o) => `${o.id}=${o.result}`).join(', ')}`);
  }
}

/** Only an order waiting for payment can be cancelled; a paid one is (or is being) credited, an ended one needs nothing. */
function notCancellable(status: string): InstanceType<typeof IssuerError> {
  return new IssuerError('resource_conflict', `This top-up is ${status}; only an order waiting for payment can be cancelled.`, { param: 'id' });
}
