/**
 * How the issuer takes CNY in: an Alipay-like provider. The issuer creates an
 * order for a quote, the payer pays on the provider's page or QR code, and
 * the provider tells the issuer asynchronously with a signed notify, at
 * least once and in any order. Calls to the provider are made outside
 * database transactions (record intent, call, record outcome).
 */
export interface FundingOrderRequest {
  /** The issuer's order id (Alipay's out_trade_no); the provider dedupes on it. */
  readonly outTradeNo: string;
  readonly amountCnyMinor: number;
  readonly subject: string;
  /** After this the provider should refuse payment (Alipay's time_expire). */
  readonly expiresAtMs: number;
}

export interface FundingOrder {
  readonly tradeNo: string;
  readonly payUrl: string;
  readonly qrPayload: string;
}

export type CloseResult = 'closed' | 'already_closed' | 'already_paid' | 'unknown_order';

export interface RefundRequest {
  readonly outTradeNo: string;
  /** Idempotency key of the refund (Alipay's out_request_no). */
  readonly refundRequestNo: string;
  readonly amountCnyMinor: number;
}

export type FundingNotifyStatus = 'paid' | 'closed' | 'failed' | 'waiting';

/** A notify whose signature has been verified, in the issuer's terms. */
export interface FundingNotify {
  readonly notifyId: string;
  readonly outTradeNo: string;
  readonly tradeNo: string;
  readonly status: FundingNotifyStatus;
  readonly amountCnyMinor: number;
}

export interface FundingProvider {
  createOrder(request: FundingOrderRequest): Promise<FundingOrder>;
  /** Stops an unpaid order from being paid. */
  closeOrder(outTradeNo: string): Promise<CloseResult>;
  /** Returns the whole payment to the payer; idempotent on refundRequestNo. */
  refund(request: RefundRequest): Promise<{ readonly refundId: string }>;
  /**
   * Verifies a notify exactly as received (its form fields) with the
   * provider's public key. Null when the signature is missing or wrong or a
   * field is malformed: such a notify is never acted on.
   */
  verifyNotify(fields: Readonly<Record<string, string>>): FundingNotify | null;
}
