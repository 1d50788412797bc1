import type { Tx } from '../../platform/db/database.ts';
import { BillingError } from '../errors.ts';
import { BILLING_CURRENCY, creditBalance } from '../billing-ledger.ts';
import { NotificationOutbox } from '../notifications/notification-outbox.ts';
import { SandboxMailer, type Mailer } from '../notifications/sandbox-mailbox.ts';
import type { ChargeRunner } from '../payments/charge-runner.ts';
import { findAttempt, insertAttempt, type PaymentAttempt } from '../payments/payment-attempts.ts';
import type { BillingPaymentDeps } from '../payments/payment-deps.ts';
import { defaultPaymentMethod } from '../payments/payment-methods.ts';
import { rechargeAmount, type RechargeDecision } from './recharge-amount.ts';
import { checkRule } from './recharge-rule.ts';
import { findSettings, markInFlight, rechargeCandidates, saveRule, type AutoRechargeSettings } from './recharge-settings.ts';
import { rechargeStatus, type RechargeStatus } from './recharge-status.ts';
import { rechargeUsage } from './recharge-usage.ts';

/**
 * Auto-recharge as a job: when an organization's balance plus its recharges
 * in flight is below its threshold, charge its default card off-session
 * (merchant-initiated) to bring the balance to the target, and credit it on
 * success (recharge-handler.ts, inside the finishing transaction).
 *
 * One recharge at a time per organization, in any number of processes:
 * the decision and the claim — the attempt row written `processing` and the
 * settings row's in-flight mark — happen in one transaction holding the
 * settings row's lock; the provider is called after commit (ChargeRunner),
 * outside any transaction. A recharge whose answer is lost stays in flight
 * until the stuck-payment sweep finishes it through the same handler.
 *
 * `runDue` is the guarantee (a background task every 30 s); `nudge` only
 * makes it sooner after usage.
 */

export type SkipReason = 'off' | 'paused' | 'in_flight' | 'backing_off' | 'no_default_card' | 'above_threshold' | 'monthly_limit_reached';

export type RechargeRun = { readonly result: 'charged'; readonly attempt: PaymentAttempt } | { readonly result: 'skipped'; readonly reason: SkipReason };

export interface RuleUpdate {
  readonly enabled: boolean;
  /** Omitted: keep the saved value (required the first time it is turned on). */
  readonly thresholdMinor?: number;
  readonly targetMinor?: number;
  /** Omitted: keep; null: no limit. */
  readonly monthlyLimitMinor?: number | null;
}

export interface AutoRechargeView {
  readonly settings: AutoRechargeSettings | null;
  readonly status: RechargeStatus;
  readonly usedThisMonthMinor: number;
  readonly inFlight: PaymentAttempt | null;
  readonly lastAttempt: PaymentAttempt | null;
}

// Organizations looked at per page and per run: a run stays bounded however many organizations have it on; the next run goes on from where it stopped.
const PAGE = 200;
const MAX_ORGS_PER_RUN = 10_000;

export class AutoRecharge {
  readonly #outbox: NotificationOutbox;
  #cursor = '';

  constructor(
    private readonly deps: BillingPaymentDeps,
    private readonly runner: ChargeRunner,
    mailer: Mailer = new SandboxMailer(deps.ids),
  ) {
    this.#outbox = new NotificationOutbox(deps, mailer);
  }

  /**
   * Recharges every organization that needs it now, then delivers pending
   * notifications. An organization whose run throws does not stop the
   * others; the first error is rethrown at the end, for the task's log.
   */
  async runDue(): Promise<{ checked: number; charged: number; delivered: number }> {
    const errors: unknown[] = [];
    let checked = 0;
    let charged = 0;
    let after = this.#cursor;
    for (;;) {
      const candidates = await rechargeCandidates(this.deps.db, this.deps.clock.nowMs(), after, PAGE);
      for (const candidate of candidates) {
        checked += 1;
        after = candidate.orgId;
        // A cheap read first; the decision is made again under the lock.
        const balance = await creditBalance(this.deps.db, candidate.orgId);
        if (balance === null || balance.available_minor >= candidate.thresholdMinor) continue;
        try {
          if ((await this.runFor(candidate.orgId)).result === 'charged') charged += 1;
        } catch (error) {
          errors.push(error);
        }
      }
      if (candidates.length < PAGE) {
        after = '';
        break;
      }
      if (checked >= MAX_ORGS_PER_RUN) break;
    }
    this.#cursor = after;
    const delivered = await this.deliverNotifications();
    if (errors.length > 0) throw new AggregateError(errors, `${errors.length} auto-recharge runs failed`);
    return { checked, charged, delivered };
  }

  /** Decides and, if needed, makes one recharge for the organization now (the provider call included). */
  async runFor(orgId: string): Promise<RechargeRun> {
    const claim = await this.deps.db.transaction((tx) => this.#claim(tx, orgId));
    if (claim.result === 'skipped') return claim;
    return { result: 'charged', attempt: await this.runner.run(claim.attemptId) };
  }

  /**
   * Runs the organization's recharge now if it needs one (after a usage
   * debit; callers do not wait for it). Only two cheap reads happen when
   * none is needed. Never rejects: failures are left to the periodic run.
   */
  nudge(orgId: string): Promise<void> {
    return (async () => {
      const settings = await findSettings(this.deps.db, orgId);
      if (settings === null || !settings.enabled || settings.pausedReason !== null || settings.inFlightAttemptId !== null) return;
      const balance = await creditBalance(this.deps.db, orgId);
      if (balance === null || balance.available_minor >= settings.thresholdMinor) return;
      await this.runFor(orgId);
    })().catch(() => {
      // The periodic run is the guarantee; a failed nudge changes nothing it would not redo.
    });
  }

  deliverNotifications(): Promise<number> {
    return this.#outbox.deliverPending();
  }

  /** Saves the owner's rule; turning it on needs a default card, and ends a pause. */
  async configure(orgId: string, update: RuleUpdate): Promise<AutoRechargeView> {
    await this.deps.db.transaction(async (tx) => {
      const saved = await findSettings(tx, orgId, { lock: true });
      const thresholdMinor = update.thresholdMinor ?? saved?.thresholdMinor;
      const targetMinor = update.targetMinor ?? saved?.targetMinor;
      const monthlyLimitMinor = update.monthlyLimitMinor !== undefined ? update.monthlyLimitMinor : (saved?.monthlyLimitMinor ?? null);
      if (thresholdMinor === undefined || targetMinor === undefined) {
        if (!update.enabled) return; // Nothing set up and nothing to turn on: it is off already.
        throw new BillingError('parameter_missing', 'Set threshold and target (in cents) to turn auto-recharge on.', { param: thresholdMinor === undefined ? 'threshold' : 'target' });
      }
      // A rule saved under an older minimum may still be turned off untouched.
      const changes = update.thresholdMinor !== undefined || update.targetMinor !== undefined || update.monthlyLimitMinor !== undefined;
      if (update.enabled || changes) checkRule({ thresholdMinor, targetMinor, monthlyLimitMinor }, this.deps.config);
      if (update.enabled && (await defaultPaymentMethod(tx, orgId)) === null) {
        throw new BillingError('payment_method_required', 'Auto-recharge charges the default card: make a card your default first.', { param: 'enabled' });
      }
      await saveRule(tx, orgId, { enabled: update.enabled, thresholdMinor, targetMinor, monthlyLimitMinor, currency: BILLING_CURRENCY }, this.deps.clock.nowMs());
    });
    return this.view(orgId);
  }

  /** The settings, the status as the billing page must show it, this month's use and the payments in question. */
  async view(orgId: string): Promise<AutoRechargeView> {
    const { db, clock, config } = this.deps;
    const nowMs = clock.nowMs();
    const settings = await findSettings(db, orgId);
    const [card, usage] = await Promise.all([defaultPaymentMethod(db, orgId), rechargeUsage(db, orgId, nowMs)]);
    const status = rechargeStatus(settings, { hasDefaultCard: card !== null, usedThisMonthMinor: usage.usedThisMonthMinor, minimumMinor: config.rechargeMinimumMinor, nowMs });
    const [inFlight, lastAttempt] = await Promise.all([
      settings?.inFlightAttemptId ? findAttempt(db, settings.inFlightAttemptId) : null,
      settings?.lastAttemptId ? findAttempt(db, settings.lastAttemptId) : null,
    ]);
    return { settings, status, usedThisMonthMinor: usage.usedThisMonthMinor, inFlight, lastAttempt };
  }

  async #claim(tx: Tx, orgId: string): Promise<{ result: 'claimed'; attemptId: string } | { result: 'skipped'; reason: SkipReason }> {
    const skip = (reason: SkipReason) => ({ result: 'skipped' as const, reason });
    const nowMs = this.deps.clock.nowMs();
    const settings = await findSettings(tx, orgId, { lock: true });
    if (settings === null || !settings.enabled) return skip('off');
    if (settings.pausedReason !== null) return skip('paused');
    if (settings.inFlightAttemptId !== null) return skip('in_flight');
    if (settings.nextAttemptAtMs !== null && settings.nextAttemptAtMs > nowMs) return skip('backing_off');
    const card = await defaultPaymentMethod(tx, orgId);
    if (card === null) return skip('no_default_card');
    const balance = await creditBalance(tx, orgId);
    if (balance === null) return skip('off');
    const usage = await rechargeUsage(tx, orgId, nowMs);
    const decision: RechargeDecision = rechargeAmount(
      {
        thresholdMinor: settings.thresholdMinor,
        targetMinor: settings.targetMinor,
        monthlyLimitMinor: settings.monthlyLimitMinor,
        minimumMinor: this.deps.config.rechargeMinimumMinor,
        maximumMinor: this.deps.config.purchaseMaximumMinor,
      },
      { balanceMinor: balance.available_minor, inFlightMinor: usage.inFlightMinor, usedThisMonthMinor: usage.usedThisMonthMinor },
    );
    if (decision.action === 'skip') return skip(decision.reason);
    const attempt = await insertAttempt(tx, {
      id: this.deps.ids.next('bpa'),
      orgId,
      kind: 'auto_recharge',
      amountMinor: decision.amountMinor,
      currency: settings.currency,
      paymentMethodId: card.id,
      initiator: 'merchant',
      createdAtMs: nowMs,
    });
    await markInFlight(tx, orgId, attempt.id, nowMs);
    return { result: 'claimed', attemptId: attempt.id };
  }
}
