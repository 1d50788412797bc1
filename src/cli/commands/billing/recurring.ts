import { randomUUID } from 'node:crypto';
import { Command } from 'commander';
import { parseMoney } from '../../../platform/money.ts';
import { CliError, EXIT_USAGE, localTime, printTable, type Io } from '../../output.ts';
import { billingCall, orgContextOf, output } from './org-client.ts';

/** `cardlane billing auto-recharge | plans | subscribe | subscriptions | cancel | notifications`. */

interface Amount {
  amount_minor: number;
  formatted: string;
}
interface AutoRechargeObject {
  enabled: boolean;
  status: 'off' | 'active' | 'paused';
  paused_reason: string | null;
  paused_message: string | null;
  threshold: Amount | null;
  target: Amount | null;
  monthly_limit: Amount | null;
  used_this_month: Amount;
  recharge_minimum: Amount;
  in_flight_payment: string | null;
  next_attempt_at: string | null;
}
interface SubscriptionObject {
  id: string;
  plan: { name: string };
  status: string;
  price: Amount;
  current_period_end: string | null;
  next_payment_at: string | null;
  cancel_at_period_end: boolean;
  latest_payment: { failure: { explanation: { en: string } } | null } | null;
}

function cents(flag: string, text: string): number {
  try {
    return parseMoney(text, 'USD').amount_minor;
  } catch (error) {
    throw new CliError(`${flag}: ${(error as Error).message}`, EXIT_USAGE);
  }
}

function printAutoRecharge(io: Io, state: AutoRechargeObject): void {
  const rows: Array<[string, string]> = [['status', state.status === 'paused' ? `paused — ${state.paused_message ?? state.paused_reason}` : state.status]];
  if (state.threshold && state.target) rows.push(['rule', `when the balance is below ${state.threshold.formatted}, recharge to ${state.target.formatted} (at least ${state.recharge_minimum.formatted})`]);
  rows.push(['monthly limit', state.monthly_limit === null ? 'none' : `${state.monthly_limit.formatted} (${state.used_this_month.formatted} used this month)`]);
  if (state.in_flight_payment) rows.push(['in flight', state.in_flight_payment]);
  if (state.next_attempt_at) rows.push(['next attempt', localTime(state.next_attempt_at)]);
  printTable(io, rows);
}

function describeSubscription(sub: SubscriptionObject): string {
  // Calendar days as the reader's (localTime), not UTC's: 00:30 in Shanghai is still yesterday in UTC.
  const day = (iso: string | null) => (iso === null ? '' : localTime(iso).slice(0, 10));
  const renews = sub.cancel_at_period_end ? `ends ${day(sub.current_period_end)}` : sub.next_payment_at ? `next payment ${day(sub.next_payment_at)}` : '';
  const failure = sub.latest_payment?.failure ? ` — ${sub.latest_payment.failure.explanation.en}` : '';
  return `${sub.id}  ${sub.plan.name} ${sub.price.formatted}/month  ${sub.status}  ${renews}${failure}`;
}

export function recurringCommands(io: Io): Command[] {
  const autoRecharge = new Command('auto-recharge')
    .description('show or change auto-recharge: charge the default card off-session when the balance falls below a threshold')
    .option('--on', 'turn it on (needs a default card)')
    .option('--off', 'turn it off')
    .option('--threshold <amount>', 'recharge when the balance is below this, e.g. 5.00')
    .option('--target <amount>', 'recharge up to this balance, e.g. 10.00')
    .option('--monthly-limit <amount>', "at most this much recharged per calendar month; 'none' for no limit")
    .action(async (options: { on?: boolean; off?: boolean; threshold?: string; target?: string; monthlyLimit?: string }, command: Command) => {
      const ctx = orgContextOf(io, command);
      if (options.on && options.off) throw new CliError('--on and --off together: choose one', EXIT_USAGE);
      const changing = options.on || options.off || options.threshold !== undefined || options.target !== undefined || options.monthlyLimit !== undefined;
      let state: AutoRechargeObject;
      if (changing) {
        const current = await billingCall<AutoRechargeObject>(ctx, 'GET', '/auto_recharge');
        state = await billingCall<AutoRechargeObject>(ctx, 'POST', '/auto_recharge', {
          enabled: options.on ? true : options.off ? false : current.enabled,
          ...(options.threshold !== undefined ? { threshold: cents('--threshold', options.threshold) } : {}),
          ...(options.target !== undefined ? { target: cents('--target', options.target) } : {}),
          ...(options.monthlyLimit !== undefined ? { monthly_limit: options.monthlyLimit === 'none' ? null : cents('--monthly-limit', options.monthlyLimit) } : {}),
        });
      } else {
        state = await billingCall<AutoRechargeObject>(ctx, 'GET', '/auto_recharge');
      }
      output(ctx, state, () => printAutoRecharge(io, state));
    });

  const plans = new Command('plans').description('plans one can subscribe to').action(async (_options: unknown, command: Command) => {
    const ctx = orgContextOf(io, command);
    const list = await billingCall<{ data: Array<{ id: string; name: string; amount: Amount }> }>(ctx, 'GET', '/plans');
    output(ctx, list, () => {
      for (const plan of list.data) io.stdout.write(`  ${plan.id}  ${plan.name}  ${plan.amount.formatted}/month\n`);
    });
  });

  const subscribe = new Command('subscribe')
    .description('subscribe to a plan, paid now with the default card (customer-initiated); renewals are charged off-session')
    .argument('<plan>', 'plan id, e.g. plus')
    .action(async (plan: string, _options: unknown, command: Command) => {
      const ctx = orgContextOf(io, command);
      const sub = await billingCall<SubscriptionObject>(ctx, 'POST', '/subscriptions', { plan }, { 'idempotency-key': randomUUID() });
      output(ctx, sub, () => io.stdout.write(`Subscribed: ${describeSubscription(sub)}\n`));
    });

  const subscriptions = new Command('subscriptions').description("the organization's subscriptions").action(async (_options: unknown, command: Command) => {
    const ctx = orgContextOf(io, command);
    const list = await billingCall<{ data: SubscriptionObject[] }>(ctx, 'GET', '/subscriptions');
    output(ctx, list, () => {
      if (list.data.length === 0) io.stdout.write('No subscriptions.\n');
      for (const sub of list.data) io.stdout.write(`  ${describeSubscription(sub)}\n`);
    });
  });

  const cancel = new Command('cancel')
    .description('cancel a subscription at the end of its period (or --now)')
    .argument('<subscription>', 'subscription id')
    .option('--now', 'end it now instead of at the end of the paid period')
    .action(async (id: string, options: { now?: boolean }, command: Command) => {
      const ctx = orgContextOf(io, command);
      const sub = await billingCall<SubscriptionObject>(ctx, 'POST', `/subscriptions/${encodeURIComponent(id)}/cancel`, { at_period_end: options.now !== true });
      output(ctx, sub, () => io.stdout.write(`${describeSubscription(sub)}\n`));
    });

  const notifications = new Command('notifications').description("the organization's mail (sandbox mailbox), newest first").action(async (_options: unknown, command: Command) => {
    const ctx = orgContextOf(io, command);
    const list = await billingCall<{ data: Array<{ subject: string; body: string; received_at: string; to: string }> }>(ctx, 'GET', '/notifications');
    output(ctx, list, () => {
      if (list.data.length === 0) io.stdout.write('No mail.\n');
      for (const letter of list.data) io.stdout.write(`${localTime(letter.received_at)}  to ${letter.to}\n  ${letter.subject}\n\n${letter.body}\n\n`);
    });
  });
  return [autoRecharge, plans, subscribe, subscriptions, cancel, notifications];
}
