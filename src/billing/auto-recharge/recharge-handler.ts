import type { Tx } from '../../platform/db/database.ts';
import { notify } from '../notifications/notification-outbox.ts';
import { creditGrantHandler } from '../payments/credit-purchases.ts';
import type { PaymentAttempt } from '../payments/payment-attempts.ts';
import type { AttemptHandler, BillingPaymentDeps } from '../payments/payment-deps.ts';
import type { DefaultCardListener } from '../payments/payment-methods.ts';
import { afterFailure, type PauseReason } from './recharge-failures.ts';
import { pauseNotice } from './recharge-notices.ts';
import { clearInFlight, findSettings, recordFailure, recordSuccess, resume } from './recharge-settings.ts';

/**
 * What finishing an auto-recharge does, inside the transaction that
 * finishes its attempt — which ChargeRunner runs once per attempt, whether
 * the answer came at once or through the stuck-payment sweep:
 *
 * - succeeded: the credits and the receipt (as a purchase's), the in-flight
 *   mark cleared, the failure counts reset;
 * - failed: the in-flight mark cleared, the back-off set, and — after a hard
 *   decline or too many soft ones — the pause, with one notification per
 *   pause (its dedup key is the attempt that paused it).
 */
export function autoRechargeHandler(deps: Pick<BillingPaymentDeps, 'ledger' | 'ids' | 'clock' | 'config'>): AttemptHandler {
  const grant = creditGrantHandler(deps);
  return {
    async succeeded(tx, attempt) {
      await grant.succeeded(tx, attempt);
      await recordSuccess(tx, attempt.orgId, attempt.id, deps.clock.nowMs());
    },
    async failed(tx, attempt) {
      const nowMs = deps.clock.nowMs();
      const settings = await findSettings(tx, attempt.orgId, { lock: true });
      // Only the recharge in flight bears on the counts (there is never another, but a stray one must not pause anything).
      if (settings === null || settings.inFlightAttemptId !== attempt.id) return;
      // Turned off meanwhile, or the owner set another default card while this one was being charged: the decline says nothing about the card that will be charged next.
      if (!settings.enabled || (await defaultCardId(tx, attempt.orgId)) !== attempt.paymentMethodId) {
        await clearInFlight(tx, attempt.orgId, attempt.id, nowMs);
        return;
      }
      const after = afterFailure(settings, attempt.failureClass ?? 'soft', nowMs);
      await recordFailure(tx, attempt.orgId, attempt.id, after, nowMs);
      if (after.pause !== null) await notifyPaused(tx, deps, attempt, after.pause);
    },
  };
}

async function defaultCardId(tx: Tx, orgId: string): Promise<string | null> {
  const row = await tx.get<{ default_payment_method_id: string | null }>('SELECT default_payment_method_id FROM billing_organizations WHERE id = ?', [orgId]);
  return row?.default_payment_method_id ?? null;
}

async function notifyPaused(tx: Tx, deps: Pick<BillingPaymentDeps, 'ids' | 'clock'>, attempt: PaymentAttempt, reason: PauseReason): Promise<void> {
  const card = await tx.get<{ brand: string; last4: string }>('SELECT brand, last4 FROM billing_payment_methods WHERE id = ?', [attempt.paymentMethodId]);
  const notice = pauseNotice(attempt, reason, card ?? null);
  await notify(tx, deps, { orgId: attempt.orgId, kind: 'auto_recharge.paused', dedupKey: `auto_recharge.paused:${attempt.id}`, ...notice });
}

/** A new default card is what a paused auto-recharge waits for: it resumes, with its counts and back-off reset. */
export function resumeOnNewDefaultCard(deps: Pick<BillingPaymentDeps, 'clock'>): DefaultCardListener {
  return {
    async defaultChanged(tx, orgId, paymentMethodId) {
      if (paymentMethodId !== null) await resume(tx, orgId, deps.clock.nowMs());
    },
  };
}
