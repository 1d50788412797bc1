/** What each party tells the doctor about a dispute (the records of the dispute ports in ports.ts). */

export interface AcquirerDisputeRecord {
  readonly id: string;
  readonly merchantId: string;
  readonly chargeId: string;
  readonly paymentIntentId: string | null;
  readonly networkChargebackId: string;
  readonly kind: 'chargeback' | 'inquiry';
  /** Stripe's reason (`fraudulent`, `product_not_received`, …). */
  readonly reason: string;
  readonly networkReasonCode: string;
  readonly amountMinor: number;
  readonly feeMinor: number;
  readonly currency: string;
  /** The fee's currency: the merchant's settlement currency (absent: the dispute's). */
  readonly feeCurrency?: string;
  /** Stripe's status (`needs_response`, `under_review`, `won`, `lost`, `warning_*`). */
  readonly status: string;
  readonly funds: 'none' | 'withdrawn' | 'reinstated';
  readonly dueByMs: number;
  readonly submissionCount: number;
  readonly createdAtMs: number;
  readonly closedAtMs: number | null;
}

export interface IssuerDisputeRecord {
  readonly id: string;
  readonly cardholderId: string;
  readonly cardId: string;
  readonly authorizationId: string;
  readonly category: string;
  readonly scheme: string;
  readonly reasonCode: string;
  readonly amountMinor: number;
  readonly currency: string;
  /** opening → chargeback_sent → merchant_responded → deciding → won | lost; rejected. */
  readonly status: string;
  readonly provisionalCreditMinor: number;
  readonly winner: 'cardholder' | 'merchant' | null;
  readonly createdAtMs: number;
  readonly closedAtMs: number | null;
  /** What the cardholder was told, step by step (the step names; the texts are the issuer's English). */
  readonly steps: ReadonlyArray<{ readonly step: string; readonly amountMinor: number | null; readonly atMs: number }>;
}

export interface NetworkDisputeMessageRecord {
  readonly id: string;
  readonly type: 'chargeback' | 'representment' | 'dispute_decision';
  readonly sender: string;
  readonly chargebackId: string;
  readonly originalId: string | null;
  readonly action: string | null;
  readonly winner: string | null;
  readonly responseCode: string;
  readonly reason: string;
  readonly atMs: number;
}
