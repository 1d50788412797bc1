import type { Ledger } from '../ledger/index.ts';
import type { OperatorKeyStore } from '../platform/identity/operator-keys.ts';
import type { ModuleDescription, Runtime, ServerAddress } from '../platform/module.ts';
import { autoRechargeMigrations } from './auto-recharge/migrations.ts';
import { prepareDemoOrganization, type DemoBillingCredentials } from './billing-start.ts';
import { billingPageAndSessions } from './billing-page-start.ts';
import { createBillingServices, type BillingServices } from './billing-services.ts';
import type { BillingConfig } from './config.ts';
import { BILLING_ERROR_CODES } from './errors.ts';
import { autoRechargeRoutes } from './http/auto-recharge-routes.ts';
import { budgetRoutes } from './http/budget-routes.ts';
import { creditLotRoutes } from './http/credit-lot-routes.ts';
import { creditAdjustmentRoutes } from './http/credit-adjustment-routes.ts';
import { providerEventMigrations } from './provider-events/migrations.ts';
import { invoiceRoutes } from './http/invoice-routes.ts';
import { invoiceMigrations } from './invoices/migrations.ts';
import { budgetMigrations } from './budgets/migrations.ts';
import { CREDIT_EXPIRY_INTERVAL_MS, expireDueCredits } from './credit-lots/credit-expiry.ts';
import { creditLotMigrations } from './credit-lots/migrations.ts';
import { billingRoutes } from './http/billing-routes.ts';
import { subscriptionRoutes } from './http/subscription-routes.ts';
import { memberMigrations } from './members/migrations.ts';
import { merchantApiRoutes } from './merchant-api-routes.ts';
import { billingMigrations } from './migrations.ts';
import { notificationMigrations } from './notifications/migrations.ts';
import { createOrganization } from './organizations.ts';
import { BillingProvider } from './payments/provider.ts';
import { subscriptionMigrations } from './subscriptions/migrations.ts';
import { usageMigrations } from './usage/migrations.ts';
import { organizationApiRoutes } from './usage/organization-routes.ts';
import { RENEWAL_SWEEP_INTERVAL_MS } from './subscriptions/renewals.ts';

// A payment is only stuck once it has been processing far longer than the provider's time-outs.
const STUCK_PAYMENT_SWEEP_INTERVAL_MS = 30 * 1000;
// A balance below its threshold is recharged within this (usage also nudges the job at once); the back-off keeps declined cards from being retried each time.
const AUTO_RECHARGE_INTERVAL_MS = 30 * 1000;
// Refunds made at the provider and disputes take their credits back within this; a sweep, not a webhook (provider-event-feed.ts says why).
const PROVIDER_EVENTS_INTERVAL_MS = 30 * 1000;

export interface BillingModuleDeps extends Runtime {
  readonly ledger: Ledger;
  readonly settings: BillingConfig;
  /** This Cardlane's operator keys (the issuer keeps them), for the sandbox mailbox's operator route. */
  readonly operatorKeys: OperatorKeyStore;
  /** This Cardlane's own address: billing pays through its Stripe-compatible API over HTTP unless another provider is configured. */
  readonly self: ServerAddress;
  /** The pepper of members' sign-in codes, read once from the deployment's secret store (the same in every process). */
  readonly memberPepper: Buffer;
}

export interface BillingApi {
  readonly services: BillingServices;
  /** The demo API customer's organization, its key and its owner, written to the data directory. Idempotent. */
  prepareDemoOrganization(): Promise<DemoBillingCredentials>;
  /** A new organization with its first API key (an API business's sign-up, which is not part of Cardlane's API). */
  createOrganization(name: string): Promise<{ readonly id: string; readonly name: string; readonly apiKey: string }>;
}

/** Merchant billing for an API business: organizations, metered usage, prepaid credits, cards, auto-recharge, subscriptions. */
export const billingModule: ModuleDescription<BillingModuleDeps, BillingApi> = {
  name: 'billing',
  migrations: [...billingMigrations, ...autoRechargeMigrations, ...notificationMigrations, ...subscriptionMigrations, ...memberMigrations, ...usageMigrations, ...budgetMigrations, ...creditLotMigrations, ...invoiceMigrations, ...providerEventMigrations],
  errorCodes: BILLING_ERROR_CODES,
  build(runtime) {
    const { db, clock, ids, random, config, ledger, settings, self, operatorKeys } = runtime;
    const provider = new BillingProvider(settings, config.dataDir, self);
    const services = createBillingServices({ db, clock, settings, provider, ids, ledger });
    const orgDeps = { clock, ids, random, ledger };
    return {
      routes: [
        { plugin: merchantApiRoutes(db, orgDeps, { afterUsage: (orgId) => void services.autoRecharge.nudge(orgId) }), prefix: '/merchant/v1' },
        { plugin: organizationApiRoutes(db, orgDeps), prefix: '/merchant/v1/organization' },
        { plugin: billingRoutes(services), prefix: '/billing/v1' },
        { plugin: subscriptionRoutes(services), prefix: '/billing/v1' },
        { plugin: autoRechargeRoutes(services), prefix: '/billing/v1' },
        { plugin: budgetRoutes(services.deps), prefix: '/billing/v1' },
        { plugin: creditLotRoutes(services.deps), prefix: '/billing/v1' },
        { plugin: creditAdjustmentRoutes(services.deps), prefix: '/billing/v1' },
        { plugin: invoiceRoutes(services.deps), prefix: '/billing/v1' },
        billingPageAndSessions(runtime, provider, operatorKeys, runtime.memberPepper),
      ],
      tasks: [
        {
          // Billing's payments and refunds whose answer was lost: re-sent with the same idempotency keys, finished only while still processing.
          name: 'billing.resume-stuck-payments',
          intervalMs: STUCK_PAYMENT_SWEEP_INTERVAL_MS,
          run: async () => void (await services.resumeStuckPayments()),
        },
        {
          // Each recharge is claimed under its organization's settings-row lock with an in-flight mark, so several processes never charge twice.
          name: 'billing.auto-recharge',
          intervalMs: AUTO_RECHARGE_INTERVAL_MS,
          run: async () => void (await services.autoRecharge.runDue()),
        },
        {
          // Each subscription is claimed under its row lock (SKIP LOCKED) with its payment stored on it before the provider is called: safe in several processes.
          name: 'billing.renew-subscriptions',
          intervalMs: RENEWAL_SWEEP_INTERVAL_MS,
          run: async () => void (await services.subscriptions.runDue()),
        },
        {
          // Each lot is expired in its own transaction under its organization's lots' lock: exactly once, in several processes too.
          name: 'billing.expire-credits',
          intervalMs: CREDIT_EXPIRY_INTERVAL_MS,
          run: async () => void (await expireDueCredits(services.deps)),
        },
        {
          // Each event is handled in one transaction under its inbox row's lock, its effects keyed by the provider's refund or dispute: once, in several processes too.
          name: 'billing.provider-events',
          intervalMs: PROVIDER_EVENTS_INTERVAL_MS,
          run: async () => void (await services.providerEvents.sweep()),
        },
      ],
      api: {
        services,
        prepareDemoOrganization: () => prepareDemoOrganization(db, orgDeps, config.dataDir),
        async createOrganization(name) {
          const created = await db.transaction((tx) => createOrganization(tx, orgDeps, { name }));
          return { id: created.organization.id, name: created.organization.name, apiKey: created.apiKey };
        },
      },
    };
  },
};
