import { Ledger } from '../ledger/index.ts';
import type { Clock } from '../platform/clock.ts';
import type { Database } from '../platform/db/database.ts';
import { cryptoRandom, IdGenerator } from '../platform/ids.ts';
import { AutoRecharge } from './auto-recharge/auto-recharge.ts';
import { autoRechargeHandler, resumeOnNewDefaultCard } from './auto-recharge/recharge-handler.ts';
import type { BillingDeps } from './billing-deps.ts';
import type { BillingConfig } from './config.ts';
import { ChargeRunner } from './payments/charge-runner.ts';
import { CreditPurchases, creditGrantHandler } from './payments/credit-purchases.ts';
import { CreditRefunds } from './payments/credit-refunds.ts';
import type { AttemptHandler, BillingPaymentDeps } from './payments/payment-deps.ts';
import { PaymentMethods } from './payments/payment-methods.ts';
import { resumeStuckPayments } from './payments/payment-sweep.ts';
import { ProviderEvents } from './provider-events/provider-events.ts';
import type { BillingProvider } from './payments/provider.ts';
import { subscriptionCardListener, Subscriptions } from './subscriptions/subscriptions.ts';
import { subscriptionPaymentHandler } from './subscriptions/subscription-payments.ts';

/**
 * Merchant billing's services, shared by its HTTP routes and its
 * background tasks.
 */
export interface BillingServices {
  readonly deps: BillingDeps & BillingPaymentDeps;
  readonly provider: BillingProvider;
  readonly runner: ChargeRunner;
  readonly paymentMethods: PaymentMethods;
  readonly purchases: CreditPurchases;
  readonly refunds: CreditRefunds;
  readonly subscriptions: Subscriptions;
  readonly autoRecharge: AutoRecharge;
  /** Refunds made at the provider outside billing, and disputes: read from the provider's events, credits taken back once. */
  readonly providerEvents: ProviderEvents;
  resumeStuckPayments(): Promise<{ attempts: number; refunds: number }>;
}

/** Billing's services, built once by its module; tests build them with their own parts (a seeded id source, a provider pointed at a test server). */
export function createBillingServices(input: {
  db: Database;
  clock: Clock;
  settings: BillingConfig;
  provider: BillingProvider;
  /** Tests without one get their own. */
  ids?: IdGenerator;
  ledger: Ledger;
}): BillingServices {
  const { ledger } = input;
  const ids = input.ids ?? new IdGenerator(input.clock, cryptoRandom);
  const deps = { db: input.db, clock: input.clock, ids, random: cryptoRandom, ledger, provider: input.provider, config: input.settings };
  const grant = creditGrantHandler(deps);
  const handlers: Partial<Record<'purchase' | 'auto_recharge' | 'subscription', AttemptHandler>> = { purchase: grant, auto_recharge: autoRechargeHandler(deps), subscription: subscriptionPaymentHandler(deps) };
  const runner = new ChargeRunner(deps, handlers);
  const paymentMethods = new PaymentMethods(deps, runner, [resumeOnNewDefaultCard(deps), subscriptionCardListener(deps)]);
  const refunds = new CreditRefunds(deps);
  return {
    deps,
    provider: input.provider,
    runner,
    paymentMethods,
    purchases: new CreditPurchases(deps, runner),
    refunds,
    subscriptions: new Subscriptions(deps, runner),
    autoRecharge: new AutoRecharge(deps, runner),
    providerEvents: new ProviderEvents(deps),
    resumeStuckPayments: () => resumeStuckPayments(deps, { runner, paymentMethods, refunds }),
  };
}
