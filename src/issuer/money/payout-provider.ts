/**
 * How the issuer pays a withdrawal out to the cardholder's Alipay. The
 * provider must be idempotent on `payoutId`: asking again for the same
 * payout returns its first outcome and never pays twice, which is what lets
 * the issuer retry a payout whose answer it never got.
 */
export interface PayoutRequest {
  readonly payoutId: string;
  readonly cardholderId: string;
  readonly amountCnyMinor: number;
  readonly amountUsdMinor: number;
}

export type PayoutResult =
  | { readonly status: 'paid'; readonly providerPayoutId: string }
  | { readonly status: 'failed'; readonly reason: string };

export interface PayoutProvider {
  /** Throws when the outcome is unknown (time-out, connection lost); returns a result when the provider decided. */
  payout(request: PayoutRequest): Promise<PayoutResult>;
}
