import type { Tx } from '../../platform/db/database.ts';
import type { RandomSource } from '../../platform/ids.ts';
import { randomBytesExactly } from '../../platform/uniform.ts';

export interface KycStartRequest {
  readonly verificationId: string;
  readonly cardholderId: string;
  readonly nowMs: number;
}

export interface KycStartResult {
  /** The provider's own reference for this verification. */
  readonly providerReference: string;
  /** What the app shows as a QR code for the face scan (a URL). */
  readonly qrPayload: string;
}

/**
 * A face-verification provider (the seed's Alipay face check). Starting one
 * returns a QR payload to show; the result arrives later, asynchronously,
 * through `completeKycVerification` (a provider callback, or in the sandbox
 * an operator's approve/reject).
 */
export interface KycProvider {
  readonly name: string;
  start(tx: Tx, request: KycStartRequest): Promise<KycStartResult>;
}

/** Issues a QR URL on a sandbox host; an operator decides the outcome. */
export class SandboxKycProvider implements KycProvider {
  readonly name = 'sandbox';
  readonly #random: RandomSource;

  constructor(random: RandomSource) {
    this.#random = random;
  }

  async start(_tx: Tx, request: KycStartRequest): Promise<KycStartResult> {
    const reference = `sbx_${randomBytesExactly(this.#random, 12).toString('hex')}`;
    return {
      providerReference: reference,
      qrPayload: `https://kyc.sandbox.cardlane.invalid/verify/${request.verificationId}?ref=${reference}`,
    };
  }
}
