import type { Ledger } from '../ledger/index.ts';
import type { ModuleDescription, Runtime } from '../platform/module.ts';
import type { AcquirerDeps, AcquirerNetwork } from './acquirer-deps.ts';
import type { AcquirerConfig } from './config.ts';
import { acquirerEndpoints } from './acquirer-endpoints.ts';
import { prepareAcquirer, prepareDemoMerchant, type DemoAcquirerCredentials } from './acquirer-start.ts';
import { CvcCache } from './cards/vault.ts';
import { balanceMigrations } from './balance/migrations.ts';
import { testClockMigrations } from './test-clocks/migrations.ts';
import { subscriptionMigrations } from './subscriptions/migrations.ts';
import { renewDueSubscriptions } from './subscriptions/renewals.ts';
import { customerMigrations } from './customers/migrations.ts';
import { ACQUIRER_ERROR_CODES } from './errors.ts';
import { eventMigrations } from './events/migrations.ts';
import { acquirerRoutes } from './http/acquirer-routes.ts';
import { authenticationReturnRoutes } from './http/authentication-return-routes.ts';
import { SetupIntentFlow } from './payments/setup-intent-flow.ts';
import { stripeJsRoutes } from './stripe-js/stripe-js-routes.ts';
import { merchantMigrations } from './merchants/migrations.ts';
import { merchantOperatorRoutes } from './merchants/merchant-operator-routes.ts';
import type { OperatorKeyStore } from '../platform/identity/operator-keys.ts';
import { releaseDueVerificationHolds, releaseOpenVerifications } from './payments/card-verification.ts';
import { paymentMigrations } from './payments/migrations.ts';
import { PaymentIntents } from './payments/payment-intents.ts';
import { rekeyLegacyVault } from './payments/vault-rekey.ts';
import { resendPendingRefunds } from './payments/refunds.ts';
import { riskMigrations } from './risk/migrations.ts';
import { pruneRiskAttempts } from './risk/risk-attempts.ts';
import { pruneAcquirerIdempotencyKeys } from './stripe/idempotency-keys.ts';
import { webhookMigrations } from './webhooks/migrations.ts';
import { disputeEndpointFor, sweepDisputes } from './disputes/dispute-lifecycle.ts';
import { disputeMigrations } from './disputes/migrations.ts';
import type { DisputeAcquirerEndpoint, DisputeNetwork } from '../network/messages.ts';
import { acquirerWebhookTask } from './webhooks/webhook-task.ts';

// A payment is only stuck once it has been processing far longer than the network's 2 s time-out.
const STUCK_PAYMENT_SWEEP_INTERVAL_MS = 30 * 1000;
const STUCK_PAYMENT_AGE_MS = 60 * 1000;
const PRUNE_INTERVAL_MS = 60 * 60 * 1000;
// Holds merchants keep are released to the minute of their time (a setting is in whole hours).
const HOLD_RELEASE_INTERVAL_MS = 60 * 1000;
// Stripe finalizes and charges a renewal about an hour after the period ends; a minute is well within that.
const SUBSCRIPTION_RENEWAL_INTERVAL_MS = 60 * 1000;

export interface AcquirerModuleDeps extends Runtime {
  readonly ledger: Ledger;
  /** The card network as the acquirer reaches it: the only way to an issuer. */
  readonly network: AcquirerNetwork;
  readonly settings: AcquirerConfig;
  /** The vault's key, read once from the deployment's secret store (the same in every process). */
  readonly vaultKey: Buffer;
  /** The network's dispute service: representments go through it (issue 17). */
  readonly disputes?: DisputeNetwork;
  /** This Cardlane's operator keys (the issuer keeps them): the operator's merchant routes check them. */
  readonly operatorKeys?: OperatorKeyStore;
}

// Deadlines are days long: a minute late is nothing; representments the network could not take are re-sent as often.
const DISPUTE_SWEEP_INTERVAL_MS = 60 * 1000;

export interface AcquirerApi {
  /** The acquirer as the network delivers chargebacks and decisions to it. */
  readonly disputeEndpoint: DisputeAcquirerEndpoint;
  /** Loses disputes past due and re-sends representments (the `acquirer.dispute-deadlines` task); returns how many changed. */
  sweepDisputes(): Promise<number>;
  readonly deps: AcquirerDeps;
  /** At every start: payment methods vaulted before the vault's subkeys are re-keyed, and those vaulted before PARs get their card account's PAR. Idempotent. */
  prepare(): Promise<void>;
  /** The demo merchant with a secret and a publishable key, written to the data directory. Idempotent. */
  prepareDemoMerchant(): Promise<DemoAcquirerCredentials>;
}

/** The Stripe-compatible acquirer: its API at /v1, merchants' risk rules, and signed webhooks. */
export const acquirerModule: ModuleDescription<AcquirerModuleDeps, AcquirerApi> = {
  name: 'acquirer',
  migrations: [...merchantMigrations, ...customerMigrations, ...eventMigrations, ...webhookMigrations, ...riskMigrations, ...paymentMigrations, ...disputeMigrations, ...balanceMigrations, ...testClockMigrations, ...subscriptionMigrations],
  errorCodes: ACQUIRER_ERROR_CODES,
  build({ db, clock, ids, random, config, logger, ledger, network, settings, vaultKey, disputes, operatorKeys }) {
    const deps: AcquirerDeps = {
      db,
      clock,
      ids,
      random,
      ledger,
      network,
      acquirerId: 'cardlane-acquirer',
      // It seals stored card numbers and webhook secrets; every process on the database has the same one.
      vaultKey,
      cvcCache: new CvcCache(),
      webhookNetwork: { allowPrivateNetworks: settings.webhooksAllowPrivateNetworks },
      apiRequestsPerSecond: settings.apiRequestsPerSecond,
      ...(disputes ? { disputes } : {}),
    };
    const payments = new PaymentIntents(deps, deps.cvcCache);
    const setups = new SetupIntentFlow(deps, deps.cvcCache);
    return {
      // The acquirer answers at /v1 because that is the path the official Stripe SDKs call.
      routes: [
        { plugin: acquirerRoutes(deps, acquirerEndpoints(deps)), prefix: '/v1' },
        // Where issuers' 3-D Secure challenge pages send the customer back; the payment continues there.
        { plugin: authenticationReturnRoutes(payments, setups, () => clock.nowMs()), prefix: '' },
        // The Stripe.js stand-in, so a checkout page runs offline against Cardlane (stripe-js/).
        { plugin: stripeJsRoutes(), prefix: '/js' },
        // Merchants as data: the operator makes merchants and their keys (issue 16).
        ...(operatorKeys ? [{ plugin: merchantOperatorRoutes({ db, clock, ids, random, operatorKeys, settlementCurrencies: settings.settlementCurrencies }), prefix: '/acquirer/v1' }] : []),
      ],
      tasks: [
        // Deliveries are jobs claimed with SKIP LOCKED; each is signed and retried with back-off.
        acquirerWebhookTask(deps, { logger }),
        {
          // Each intent is locked while it is finished, and network messages are repeats: safe in several processes.
          name: 'acquirer.resume-stuck-payments',
          intervalMs: STUCK_PAYMENT_SWEEP_INTERVAL_MS,
          // Each sweep runs even when one before it failed (the failures are reported together at the end):
          // a payment the network cannot take now must not keep a cardholder's verification hold from being released.
          run: () =>
            runEach([
              () => payments.resumeStuck(clock.nowMs(), STUCK_PAYMENT_AGE_MS),
              // 3-D Secure challenges abandoned past their time: ended (each under its intent's lock, so safe in several processes).
              () => payments.expireAuthentications(clock.nowMs()),
              () => setups.expireAuthentications(clock.nowMs()),
              // Uncaptured payments past their 7 days: released and canceled `automatic` (charge.expired), each under its intent's lock.
              () => payments.expireUncaptured(clock.nowMs()),
              // Set-ups a crash left processing: re-claimed under their row lock and resumed (a repeat at the issuer).
              () => setups.resumeStuck(clock.nowMs(), STUCK_PAYMENT_AGE_MS),
              // Refunds the network could not take: re-sent with their own ids (repeats), settled once.
              () => resendPendingRefunds(deps, clock.nowMs(), STUCK_PAYMENT_AGE_MS),
              // Verification holds whose release did not go through: released again (a repeat at the issuer).
              () => releaseOpenVerifications(deps, clock.nowMs(), STUCK_PAYMENT_AGE_MS),
            ]),
        },
        {
          // Holds kept by a merchant's verification_hold_release, reversed when due; each release is one message id, a repeat at the issuer: safe in several processes.
          name: 'acquirer.release-verification-holds',
          intervalMs: HOLD_RELEASE_INTERVAL_MS,
          run: async () => void (await releaseDueVerificationHolds(deps, clock.nowMs())),
        },
        {
          // Subscriptions whose period ended renew (each under its row lock, re-read; one invoice per period by a unique index),
          // and invoices whose payment a crash cut short are collected (a confirm again is a repeat at the issuer): safe in several processes.
          name: 'acquirer.subscription-renewals',
          intervalMs: SUBSCRIPTION_RENEWAL_INTERVAL_MS,
          run: async () => void (await renewDueSubscriptions({ ...deps, payments }, clock.nowMs())),
        },
        {
          // Each dispute is locked and its status re-checked; representments carry one id each: safe in several processes.
          name: 'acquirer.dispute-deadlines',
          intervalMs: DISPUTE_SWEEP_INTERVAL_MS,
          run: async () => void (await sweepDisputes(deps, clock.nowMs())),
        },
        {
          // Velocity windows reach back at most 30 days; older risk attempts are only weight. Deleting is safe in several processes at once.
          name: 'acquirer.prune-risk-attempts',
          intervalMs: PRUNE_INTERVAL_MS,
          run: async () => void (await pruneRiskAttempts(db, clock.nowMs())),
        },
        {
          // Keys past their 24 hours (a cut-short one a week later: idempotency-keys.ts); deleting is safe in several processes.
          name: 'acquirer.prune-idempotency-keys',
          intervalMs: PRUNE_INTERVAL_MS,
          run: async () => void (await pruneAcquirerIdempotencyKeys(db, clock.nowMs())),
        },
      ],
      api: {
        deps,
        disputeEndpoint: disputeEndpointFor(deps),
        sweepDisputes: () => sweepDisputes(deps, clock.nowMs()),
        async prepare() {
          // Before the server listens: fingerprints are compared across payment methods, so none may be served half re-keyed.
          await rekeyLegacyVault(db, deps.vaultKey, random);
          const par = network.paymentAccountReference?.bind(network);
          if (par !== undefined) await prepareAcquirer(db, deps.vaultKey, par);
        },
        prepareDemoMerchant: () => prepareDemoMerchant(db, { clock, ids, random }, config.dataDir),
      },
    };
  },
};

/** Runs every step in order, each whatever became of the ones before; throws what failed, together, at the end. */
async function runEach(steps: ReadonlyArray<() => Promise<unknown>>): Promise<void> {
  const failures: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new AggregateError(failures, `${failures.length} acquirer sweeps failed`);
}
