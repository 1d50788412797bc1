import { setTimeout as sleep } from 'node:timers/promises';
import type { BillingServices } from '../../billing/index.ts';
import { systemClock } from '../../platform/clock.ts';
import type { BillingPage, PaymentJson } from './story-customer.ts';

/**
 * The few places the story waits for something another part of Cardlane
 * is doing at the same moment — the acquirer releasing a verification hold,
 * a recharge that usage's nudge started — by reading until it is done,
 * within a bound. (Nothing is waited for by time: the story's clock skips.)
 */

// Bounds, not expectations: each of these finishes in milliseconds on a working system.
const SETTLE_BOUND_MS = 30_000;
const POLL_MS = 25;

/** The acquirer's task that releases verification holds at the time the merchant's setting says. */
export const HOLD_RELEASE_TASK = 'acquirer.release-verification-holds';

export class StoryWaitTimedOut extends Error {}

/** Reads `read()` until `done` holds, then returns what it read. */
export async function settled<T>(read: () => Promise<T>, done: (value: T) => boolean, what: (last: T) => string): Promise<T> {
  // Real elapsed time, not the story's clock: the bound is on how long a person waits.
  const deadline = systemClock.nowMs() + SETTLE_BOUND_MS;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (systemClock.nowMs() > deadline) throw new StoryWaitTimedOut(`${what(value)} after ${SETTLE_BOUND_MS / 1000} s`);
    await sleep(POLL_MS);
  }
}

export async function settledPayment(page: BillingPage, id: string): Promise<PaymentJson> {
  return settled(
    () => page.payment(id),
    (payment) => payment.status !== 'processing',
    () => `payment ${id} is still processing`,
  );
}

export interface RechargeRun {
  readonly payment: PaymentJson;
  /** `story`: the story's run of the job charged; `background`: the job's periodic run or usage's nudge got there first. */
  readonly ranBy: 'story' | 'background';
}

/**
 * "The next run of the recharge job", for one organization, in process
 * (the story started Cardlane, so it holds the same billing services the
 * background task runs). If the periodic run or usage's nudge got there
 * first, the job skips — never two recharges in flight — and the story
 * takes the outcome of that recharge instead. `skipped` (with the job's
 * reason) when nobody charged anything since `previous`.
 */
export async function runRechargeJob(services: BillingServices, page: BillingPage, orgId: string, previous: string | null): Promise<RechargeRun | { skipped: string }> {
  const run = await services.autoRecharge.runFor(orgId);
  if (run.result === 'charged') return { payment: await settledPayment(page, run.attempt.id), ranBy: 'story' };
  const view = await settled(
    () => page.autoRecharge(),
    (v) => v.in_flight_payment === null,
    (v) => `recharge ${v.in_flight_payment} is still in flight`,
  );
  const last = view.last_payment;
  if (last === null || last.id === previous) return { skipped: run.reason };
  return { payment: await settledPayment(page, last.id), ranBy: 'background' };
}
