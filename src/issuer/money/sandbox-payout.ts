import type { RandomSource } from '../../platform/ids.ts';
import { randomDigits } from '../../platform/uniform.ts';
import type { PayoutProvider, PayoutRequest, PayoutResult } from './payout-provider.ts';

export interface SandboxPayout extends PayoutRequest {
  readonly result: PayoutResult;
}

/**
 * A payout provider that pays at once. A test can make the next payouts
 * fail (`failNext`) or make the next calls lose their answer (`dropNext`:
 * throws as a time-out would, without recording anything).
 */
export class SandboxPayoutProvider implements PayoutProvider {
  readonly #random: RandomSource;
  readonly #payouts = new Map<string, SandboxPayout>();
  #failures: string[] = [];
  #drops = 0;

  constructor(options: { random: RandomSource }) {
    this.#random = options.random;
  }

  failNext(reason = 'payee_account_invalid', count = 1): void {
    for (let i = 0; i < count; i++) this.#failures.push(reason);
  }

  dropNext(count = 1): void {
    this.#drops += count;
  }

  async payout(request: PayoutRequest): Promise<PayoutResult> {
    const existing = this.#payouts.get(request.payoutId);
    if (existing) return existing.result;
    if (this.#drops > 0) {
      this.#drops--;
      throw new Error('sandbox payout: no answer (simulated time-out)');
    }
    const failure = this.#failures.shift();
    const result: PayoutResult =
      failure === undefined ? { status: 'paid', providerPayoutId: `po${randomDigits(this.#random, 20)}` } : { status: 'failed', reason: failure };
    this.#payouts.set(request.payoutId, { ...request, result });
    return result;
  }

  payouts(): SandboxPayout[] {
    return [...this.#payouts.values()];
  }
}
