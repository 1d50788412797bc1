import { pruneRiskAttempts } from './acquirer/risk/risk-attempts.ts';
import { acquirerCvcCache } from './acquirer/acquirer-endpoints.ts';
import { PaymentIntents } from './acquirer/payments/payment-intents.ts';
import { releaseOpenVerifications } from './acquirer/payments/card-verification.ts';
import { resendPendingRefunds } from './acquirer/payments/refunds.ts';
import { acquirerWebhookTask } from './acquirer/webhooks/webhook-task.ts';
import { billingServices } from './billing/billing-services.ts';
import { RENEWAL_SWEEP_INTERVAL_MS } from './billing/subscriptions/renewals.ts';
import { Ledger } from './ledger/ledger.ts';
import { paymentParties } from './payment-parties.ts';
import { expireDueAuthorizations } from './issuer/authorization/expire.ts';
import { issuerServices } from './issuer/issuer-services.ts';
import type { Clock } from './platform/clock.ts';
import type { Config } from './platform/config.ts';
import type { Database } from './platform/db/database.ts';
import { pruneIdempotencyKeys } from './platform/idempotency.ts';
import { pruneJobs, type WorkerLogger } from './platform/jobs/index.ts';
import type { BackgroundTask } from './platform/task-runner.ts';

/** Finished jobs are kept this long for inspection, then deleted (dead ones are kept). */
const FINISHED_JOB_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
const PRUNE_INTERVAL_MS = 60 * 60 * 1000;
// Unpaid orders expire on a 30-minute clock by default; a sweep every 30 s is late by at most that.
const TOP_UP_SWEEP_INTERVAL_MS = 30 * 1000;
// Retries of provider calls whose answer was lost: often enough to settle within a minute, rare enough not to hammer a provider that is down.
const PROVIDER_RETRY_INTERVAL_MS = 60 * 1000;
// Expired holds stop holding funds the moment they expire (the ledger sees to that); this only brings the records and statements along.
const AUTHORIZATION_EXPIRY_INTERVAL_MS = 60 * 1000;
// A payment is only stuck once it has been processing far longer than the network's 2 s time-out.
const STUCK_PAYMENT_SWEEP_INTERVAL_MS = 30 * 1000;
const STUCK_PAYMENT_AGE_MS = 60 * 1000;
// A balance below its threshold is recharged within this (usage also nudges the job at once); the back-off keeps declined cards from being retried each time.
const AUTO_RECHARGE_INTERVAL_MS = 30 * 1000;

/**
 * Every periodic task a running Cardlane has; `runtime.ts` runs them and
 * stops them on shutdown. One list, so what runs in the background can be
 * read in one place. Each task must be safe to run in several processes at
 * once (on PostgreSQL several Cardlanes may share a database): claim work
 * with `FOR UPDATE SKIP LOCKED`, lock in the one order, or be idempotent.
 */
export function backgroundTasks(db: Database, clock: Clock, config: Config, logger?: WorkerLogger): BackgroundTask[] {
  const ledger = new Ledger(clock);
  return [
    {
      // Holds past their timeout already hold nothing; this makes the stored
      // balances and the holds' statuses say so, and journals each expiry.
      name: 'ledger.expire-holds',
      intervalMs: config.ledger.sweepIntervalMs,
      run: async () => void (await ledger.expireDue(db)),
    },
    {
      name: 'ledger.seal-journal',
      intervalMs: config.ledger.sealIntervalMs,
      run: async () => void (await ledger.sealJournal(db)),
    },
    {
      // Each order is locked and its status re-checked before it changes, so several processes may sweep at once.
      name: 'issuer.expire-top-up-orders',
      intervalMs: TOP_UP_SWEEP_INTERVAL_MS,
      run: async () => void (await issuerServices(db, clock, config).topUps.expireDueOrders()),
    },
    {
      // Refunds are idempotent at the provider (refund request number) and booked under the order's lock.
      name: 'issuer.retry-refunds',
      intervalMs: PROVIDER_RETRY_INTERVAL_MS,
      run: async () => void (await issuerServices(db, clock, config).topUps.retryPendingRefunds()),
    },
    {
      // Payouts are idempotent at the provider (payout id); holds are posted or voided under the row's lock.
      name: 'issuer.resolve-withdrawals',
      intervalMs: PROVIDER_RETRY_INTERVAL_MS,
      run: async () => void (await issuerServices(db, clock, config).withdrawals.resolvePending()),
    },
    {
      // Rows are claimed with SKIP LOCKED; a follow-up that holds one expires it itself.
      name: 'issuer.expire-authorizations',
      intervalMs: AUTHORIZATION_EXPIRY_INTERVAL_MS,
      run: async () => void (await expireDueAuthorizations(db, clock)),
    },
    // Deliveries are jobs claimed with SKIP LOCKED; each is signed and retried with back-off.
    acquirerWebhookTask(paymentParties(db, clock, config).acquirer, logger === undefined ? {} : { logger }),
    {
      // Each intent is locked while it is finished, and network messages are repeats: safe in several processes.
      name: 'acquirer.resume-stuck-payments',
      intervalMs: STUCK_PAYMENT_SWEEP_INTERVAL_MS,
      run: async () => {
        const { acquirer } = paymentParties(db, clock, config);
        await new PaymentIntents(acquirer, acquirerCvcCache(acquirer)).resumeStuck(clock.nowMs(), STUCK_PAYMENT_AGE_MS);
        // Refunds the network could not take: re-sent with their own ids (repeats), settled once.
        await resendPendingRefunds(acquirer, clock.nowMs(), STUCK_PAYMENT_AGE_MS);
        // Verification holds whose release did not go through: released again (a repeat at the issuer).
        await releaseOpenVerifications(acquirer, clock.nowMs(), STUCK_PAYMENT_AGE_MS);
      },
    },
    {
      // Billing's payments and refunds whose answer was lost: re-sent with the same idempotency keys, finished only while still processing.
      name: 'billing.resume-stuck-payments',
      intervalMs: STUCK_PAYMENT_SWEEP_INTERVAL_MS,
      run: async () => void (await billingServices(db, clock, config).resumeStuckPayments()),
    },
    {
      // Each recharge is claimed under its organization's settings-row lock with an in-flight mark, so several processes never charge twice.
      name: 'billing.auto-recharge',
      intervalMs: AUTO_RECHARGE_INTERVAL_MS,
      run: async () => void (await billingServices(db, clock, config).autoRecharge.runDue()),
    },
    {
      // Each subscription is claimed under its row lock (SKIP LOCKED) with its payment stored on it before the provider is called: safe in several processes.
      name: 'billing.renew-subscriptions',
      intervalMs: RENEWAL_SWEEP_INTERVAL_MS,
      run: async () => void (await billingServices(db, clock, config).subscriptions.runDue()),
    },
    {
      // Velocity windows reach back at most 30 days; older risk attempts are only weight. Deleting is safe in several processes at once.
      name: 'acquirer.prune-risk-attempts',
      intervalMs: PRUNE_INTERVAL_MS,
      run: async () => void (await pruneRiskAttempts(db, clock.nowMs())),
    },
    {
      name: 'platform.prune-idempotency-keys',
      intervalMs: PRUNE_INTERVAL_MS,
      run: async () => void (await pruneIdempotencyKeys(db, { nowMs: clock.nowMs() })),
    },
    {
      name: 'platform.prune-finished-jobs',
      intervalMs: PRUNE_INTERVAL_MS,
      run: async () => void (await pruneJobs(db, { finishedBeforeMs: clock.nowMs() - FINISHED_JOB_RETENTION_MS })),
    },
  ];
}
