import type { ChargeRunner } from './charge-runner.ts';
import type { CreditRefunds } from './credit-refunds.ts';
import { processingRefunds } from './credit-refunds.ts';
import { processingAttempts, STUCK_AFTER_MS } from './payment-attempts.ts';
import type { BillingPaymentDeps } from './payment-deps.ts';
import type { PaymentMethods } from './payment-methods.ts';

export { STUCK_AFTER_MS };
const BATCH = 50;

/**
 * Finishes what billing started and never heard back about: attempts and
 * refunds still `processing` a minute after they began (a crash, a lost
 * answer, the provider down). Each is sent again with its own idempotency
 * key, so the provider answers what it did the first time — or does it now,
 * once; one the provider answered `processing`/`pending` is read by its id,
 * and a re-send first looks the earlier payment or refund up by its id in
 * the provider's metadata (for when the key is gone). Safe to run in several
 * processes: one sender per row at a time (send leases), and finishing is
 * conditional on the row still being `processing`.
 */
export async function resumeStuckPayments(
  deps: Pick<BillingPaymentDeps, 'db' | 'clock'>,
  parts: { runner: ChargeRunner; paymentMethods: PaymentMethods; refunds: CreditRefunds },
  stuckAfterMs = STUCK_AFTER_MS,
): Promise<{ attempts: number; refunds: number }> {
  const olderThan = deps.clock.nowMs() - stuckAfterMs;
  // Payments first and in a batch of their own: cards waiting for their challenge cannot crowd them out (processingAttempts).
  const payments = await processingAttempts(deps.db, olderThan, BATCH, 'payments');
  for (const attempt of payments) await parts.runner.run(attempt.id);
  const verifications = await processingAttempts(deps.db, olderThan, BATCH, 'verifications');
  for (const attempt of verifications) await parts.paymentMethods.verify(attempt);
  const refunds = await processingRefunds(deps.db, olderThan, BATCH);
  for (const refund of refunds) await parts.refunds.send(refund);
  return { attempts: payments.length + verifications.length, refunds: refunds.length };
}
