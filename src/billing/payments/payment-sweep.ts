import type { ChargeRunner } from './charge-runner.ts';
import type { CreditRefunds } from './credit-refunds.ts';
import { processingRefunds } from './credit-refunds.ts';
import { processingAttempts } from './payment-attempts.ts';
import type { BillingPaymentDeps } from './payment-deps.ts';
import type { PaymentMethods } from './payment-methods.ts';

/** An attempt is only stuck once it has been processing far longer than a provider call takes. */
export const STUCK_AFTER_MS = 60_000;
const BATCH = 50;

/**
 * Finishes what billing started and never heard back about: attempts and
 * refunds still `processing` a minute after they began (a crash, a lost
 * answer, the provider down). Each is sent again with its own idempotency
 * key, so the provider answers what it did the first time — or does it now,
 * once. Safe to run in several processes: finishing is conditional on the
 * row still being `processing`.
 */
export async function resumeStuckPayments(
  deps: Pick<BillingPaymentDeps, 'db' | 'clock'>,
  parts: { runner: ChargeRunner; paymentMethods: PaymentMethods; refunds: CreditRefunds },
  stuckAfterMs = STUCK_AFTER_MS,
): Promise<{ attempts: number; refunds: number }> {
  const olderThan = deps.clock.nowMs() - stuckAfterMs;
  const attempts = await processingAttempts(deps.db, olderThan, BATCH);
  for (const attempt of attempts) {
    if (attempt.kind === 'verification') await parts.paymentMethods.verify(attempt);
    else await parts.runner.run(attempt.id);
  }
  const refunds = await processingRefunds(deps.db, olderThan, BATCH);
  for (const refund of refunds) await parts.refunds.send(refund);
  return { attempts: attempts.length, refunds: refunds.length };
}
