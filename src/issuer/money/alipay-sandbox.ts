import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { Clock } from '../../platform/clock.ts';
import type { RandomSource } from '../../platform/ids.ts';
import { money, MoneyError, parseMoney, toDecimalString } from '../../platform/money.ts';
import { randomBytesExactly, randomDigits } from '../../platform/uniform.ts';
import { signAlipay, verifyAlipay } from './alipay-signature.ts';
import type {
  CloseResult,
  FundingNotify,
  FundingNotifyStatus,
  FundingOrder,
  FundingOrderRequest,
  FundingProvider,
  RefundRequest,
} from './funding-provider.ts';

type TradeStatus = 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_CLOSED';

interface SandboxTrade {
  readonly outTradeNo: string;
  readonly tradeNo: string;
  readonly amountCnyMinor: number;
  status: TradeStatus;
  paid: boolean;
  refundedCnyMinor: number;
}

export interface SandboxRefund {
  readonly refundId: string;
  readonly refundRequestNo: string;
  readonly outTradeNo: string;
  /** Back to the payer's Alipay balance. */
  readonly amountCnyMinor: number;
  readonly atMs: number;
}

export type AlipayNotifyFields = Readonly<Record<string, string>>;

const APP_ID = '2021000000000000';
// Bounds the sandbox's memory; it is a simulator, not a store.
const MAX_TRADES = 100_000;
const NOTIFY_TYPE = 'trade_status_sync';

/**
 * A simulated Alipay, faithful where the issuer's correctness depends on it:
 * it signs every notify with its own RSA key pair (RSA2) and only the public
 * key leaves it; notifies are kept so a test can deliver them again, late or
 * out of order, as Alipay's at-least-once delivery does.
 *
 * Operator actions stand in for the payer: `pay` (scanned and paid), `fail`
 * (the payment attempt failed and the trade closed), `close` (closed unpaid).
 * State is in memory: the sandbox is the outside world, not the issuer.
 */
export class AlipaySandbox implements FundingProvider {
  readonly #privateKey: KeyObject;
  /** Alipay's public key, which is all the issuer gets. */
  readonly publicKeyPem: string;
  readonly #publicKey: KeyObject;
  readonly #clock: Clock;
  readonly #random: RandomSource;
  readonly #trades = new Map<string, SandboxTrade>();
  readonly #notifies: AlipayNotifyFields[] = [];
  readonly #refunds = new Map<string, SandboxRefund>();

  /**
   * `privateKeyPem` (PKCS#8) keeps the sandbox's identity across restarts, so
   * notifies signed before a restart still verify after it; without it a
   * fresh key pair is made.
   */
  constructor(options: { clock: Clock; random: RandomSource; modulusLength?: number; privateKeyPem?: string }) {
    this.#clock = options.clock;
    this.#random = options.random;
    this.#privateKey =
      options.privateKeyPem === undefined
        ? generateKeyPairSync('rsa', { modulusLength: options.modulusLength ?? 2048 }).privateKey
        : createPrivateKey(options.privateKeyPem);
    this.publicKeyPem = createPublicKey(this.#privateKey).export({ type: 'spki', format: 'pem' }).toString();
    this.#publicKey = createPublicKey(this.publicKeyPem);
  }

  /** A new RSA private key in PKCS#8 PEM, for `privateKeyPem`. */
  static generatePrivateKeyPem(modulusLength = 2048): string {
    return generateKeyPairSync('rsa', { modulusLength }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  }

  // ── the provider API the issuer calls ──────────────────────────────────

  async createOrder(request: FundingOrderRequest): Promise<FundingOrder> {
    let trade = this.#trades.get(request.outTradeNo);
    if (!trade) {
      if (this.#trades.size >= MAX_TRADES) throw new Error('alipay sandbox: too many trades');
      trade = {
        outTradeNo: request.outTradeNo,
        tradeNo: this.#tradeNo(),
        amountCnyMinor: request.amountCnyMinor,
        status: 'WAIT_BUYER_PAY',
        paid: false,
        refundedCnyMinor: 0,
      };
      this.#trades.set(request.outTradeNo, trade);
    } else if (trade.amountCnyMinor !== request.amountCnyMinor) {
      throw new Error(`alipay sandbox: out_trade_no ${request.outTradeNo} reused with another amount`);
    }
    return {
      tradeNo: trade.tradeNo,
      payUrl: `https://openapi-sandbox.alipaydev.example/gateway.do?trade_no=${trade.tradeNo}`,
      qrPayload: `https://qr.alipay.example/sandbox/${trade.tradeNo}`,
    };
  }

  async closeOrder(outTradeNo: string): Promise<CloseResult> {
    const trade = this.#trades.get(outTradeNo);
    if (!trade) return 'unknown_order';
    if (trade.paid) return 'already_paid';
    if (trade.status === 'TRADE_CLOSED') return 'already_closed';
    trade.status = 'TRADE_CLOSED';
    return 'closed';
  }

  async refund(request: RefundRequest): Promise<{ refundId: string }> {
    const existing = this.#refunds.get(request.refundRequestNo);
    if (existing) return { refundId: existing.refundId };
    const trade = this.#trades.get(request.outTradeNo);
    if (!trade || !trade.paid) throw new Error(`alipay sandbox: trade ${request.outTradeNo} was not paid`);
    if (request.amountCnyMinor <= 0 || trade.refundedCnyMinor + request.amountCnyMinor > trade.amountCnyMinor) {
      throw new Error('alipay sandbox: refund exceeds the amount paid');
    }
    trade.refundedCnyMinor += request.amountCnyMinor;
    if (trade.refundedCnyMinor === trade.amountCnyMinor) trade.status = 'TRADE_CLOSED';
    const refund: SandboxRefund = {
      refundId: `rf${randomDigits(this.#random, 20)}`,
      refundRequestNo: request.refundRequestNo,
      outTradeNo: request.outTradeNo,
      amountCnyMinor: request.amountCnyMinor,
      atMs: this.#clock.nowMs(),
    };
    this.#refunds.set(request.refundRequestNo, refund);
    return { refundId: refund.refundId };
  }

  verifyNotify(fields: Readonly<Record<string, string>>): FundingNotify | null {
    return verifyAlipayNotify(fields, this.#publicKey);
  }

  // ── sandbox operator actions (the payer's side) ────────────────────────

  /**
   * The payer scanned and paid. `lateAfterClose` simulates the race where a
   * payment and a close cross: Alipay takes the money although the order was
   * just closed, which the issuer must refund.
   */
  pay(outTradeNo: string, options: { lateAfterClose?: boolean } = {}): AlipayNotifyFields {
    const trade = this.#trade(outTradeNo);
    if (trade.paid) throw new Error(`alipay sandbox: ${outTradeNo} is already paid`);
    if (trade.status === 'TRADE_CLOSED' && !options.lateAfterClose) throw new Error(`alipay sandbox: ${outTradeNo} is closed`);
    trade.paid = true;
    trade.status = 'TRADE_SUCCESS';
    return this.#notify(trade, {});
  }

  /** The payment attempt failed; the trade is closed unpaid. */
  fail(outTradeNo: string): AlipayNotifyFields {
    const trade = this.#unpaidOpenTrade(outTradeNo);
    trade.status = 'TRADE_CLOSED';
    return this.#notify(trade, { sandbox_reason: 'payment_failed' });
  }

  /** The trade was closed unpaid (by the payer or by Alipay). */
  close(outTradeNo: string): AlipayNotifyFields {
    const trade = this.#unpaidOpenTrade(outTradeNo);
    trade.status = 'TRADE_CLOSED';
    return this.#notify(trade, {});
  }

  /**
   * Trades live in memory; after a restart the issuer still has its open
   * orders. This re-registers one, unpaid, under its original trade number,
   * so the payer can still pay it. Known trades are left alone.
   */
  adopt(outTradeNo: string, tradeNo: string, amountCnyMinor: number): void {
    if (this.#trades.has(outTradeNo)) return;
    if (this.#trades.size >= MAX_TRADES) throw new Error('alipay sandbox: too many trades');
    this.#trades.set(outTradeNo, { outTradeNo, tradeNo, amountCnyMinor, status: 'WAIT_BUYER_PAY', paid: false, refundedCnyMinor: 0 });
  }

  /** Every notify sent, oldest first, for redelivery in tests. */
  notifies(outTradeNo?: string): AlipayNotifyFields[] {
    return this.#notifies.filter((n) => outTradeNo === undefined || n.out_trade_no === outTradeNo);
  }

  refunds(): SandboxRefund[] {
    return [...this.#refunds.values()];
  }

  tradeStatus(outTradeNo: string): TradeStatus | null {
    return this.#trades.get(outTradeNo)?.status ?? null;
  }

  #trade(outTradeNo: string): SandboxTrade {
    const trade = this.#trades.get(outTradeNo);
    if (!trade) throw new Error(`alipay sandbox: no trade ${outTradeNo}`);
    return trade;
  }

  #unpaidOpenTrade(outTradeNo: string): SandboxTrade {
    const trade = this.#trade(outTradeNo);
    if (trade.paid || trade.status !== 'WAIT_BUYER_PAY') throw new Error(`alipay sandbox: ${outTradeNo} is not waiting for payment`);
    return trade;
  }

  #notify(trade: SandboxTrade, extra: Record<string, string>): AlipayNotifyFields {
    const nowMs = this.#clock.nowMs();
    const fields: Record<string, string> = {
      notify_time: chinaTime(nowMs),
      notify_type: NOTIFY_TYPE,
      notify_id: randomBytesExactly(this.#random, 16).toString('hex'),
      app_id: APP_ID,
      charset: 'utf-8',
      version: '1.0',
      trade_no: trade.tradeNo,
      out_trade_no: trade.outTradeNo,
      trade_status: trade.status,
      total_amount: toDecimalString(money(trade.amountCnyMinor, 'CNY')),
      ...(trade.paid ? { gmt_payment: chinaTime(nowMs) } : {}),
      ...extra,
      sign_type: 'RSA2',
    };
    fields.sign = signAlipay(fields, this.#privateKey);
    const frozen = Object.freeze(fields);
    this.#notifies.push(frozen);
    return frozen;
  }

  #tradeNo(): string {
    return `${chinaTime(this.#clock.nowMs()).slice(0, 10).replace(/-/g, '')}2200${randomDigits(this.#random, 14)}`;
  }
}

const MAX_ID_CHARS = 64;

/** Verifies and reads an Alipay trade notify. Only the public key is needed. */
export function verifyAlipayNotify(fields: Readonly<Record<string, string>>, publicKey: KeyObject | string): FundingNotify | null {
  if (!verifyAlipay(fields, publicKey)) return null;
  const { notify_id, out_trade_no, trade_no, trade_status, total_amount } = fields;
  for (const value of [notify_id, out_trade_no, trade_no]) {
    if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID_CHARS) return null;
  }
  let status: FundingNotifyStatus;
  if (trade_status === 'TRADE_SUCCESS' || trade_status === 'TRADE_FINISHED') status = 'paid';
  else if (trade_status === 'TRADE_CLOSED') status = fields.sandbox_reason === 'payment_failed' ? 'failed' : 'closed';
  else if (trade_status === 'WAIT_BUYER_PAY') status = 'waiting';
  else return null;
  let amountCnyMinor: number;
  try {
    amountCnyMinor = parseMoney(total_amount ?? '', 'CNY').amount_minor;
  } catch (error) {
    if (error instanceof MoneyError) return null;
    throw error;
  }
  return { notifyId: notify_id!, outTradeNo: out_trade_no!, tradeNo: trade_no!, status, amountCnyMinor };
}

/** "2026-11-25 20:00:00": Alipay's times are Beijing time (UTC+8), no zone. */
function chinaTime(ms: number): string {
  return new Date(ms + 8 * 60 * 60 * 1000).toISOString().slice(0, 19).replace('T', ' ');
}
