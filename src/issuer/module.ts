import type { Ledger } from '../ledger/index.ts';
import type { PaymentsConfig } from '../network/index.ts';
import type { OperatorKeyStore } from '../platform/identity/operator-keys.ts';
import type { SecretStore } from '../platform/secrets/secret-store.ts';
import type { ModuleDescription, Runtime } from '../platform/module.ts';
import { CardlaneIssuer } from './authorization/cardlane-issuer.ts';
import { expireDueAuthorizations } from './authorization/expire.ts';
import { authorizationMigrations } from './authorization/migrations.ts';
import { fxMigrations } from './authorization/fx-migrations.ts';
import type { IssuerFx } from './authorization/foreign-exchange.ts';
import { runtimeCardDeps } from './cards/card-deps.ts';
import { cardMigrations } from './cards/migrations.ts';
import { prepareDemoCardholder, type DemoIssuerCredentials } from './demo-cardholder.ts';
import { ISSUER_ERROR_CODES } from './errors.ts';
import { cardRoutes } from './http/card-routes.ts';
import { identityRoutes } from './http/identity-routes.ts';
import { moneyRoutes } from './http/money-routes.ts';
import { createSandboxIdentityDeps } from './identity/create-identity-deps.ts';
import { identityMigrations } from './identity/migrations.ts';
import { installOperatorKeys } from './identity/operator-keys.ts';
import { createIssuerServices, type IssuerServices } from './issuer-services.ts';
import { prepareIssuer, type IssuerStart } from './issuer-start.ts';
import type { Keyring } from './keyring.ts';
import { ensureIssuerAccounts } from './money/ledger-accounts.ts';
import { moneyMigrations } from './money/migrations.ts';
import { IssuerDisputes } from './disputes/disputes.ts';
import { issuerDisputeMigrations } from './disputes/migrations.ts';
import { disputeRoutes } from './http/dispute-routes.ts';
import { notificationRoutes } from './http/notification-routes.ts';
import { withLocalizedErrors } from './http/error-language.ts';
import { notificationMigrations } from './notifications/migrations.ts';
import { Notifier } from './notifications/notifier.ts';
import { CardlaneAccessControlServer } from './authentication/access-control-server.ts';
import { authenticationMigrations } from './authentication/migrations.ts';
import { operationsMigrations } from './operations/migrations.ts';
import { operatorConsoleRoutes } from './http/operator-console-routes.ts';
import { issuerAuth } from './http/issuer-auth.ts';
import type { RouteAuth } from '../platform/http/typed-route.ts';
import { cardlaneChallengeRoutes } from './authentication/challenge-page.ts';
import type { ThreeDSecurePolicy } from './authentication/policy.ts';
import { ISSUER_NAME } from './authorization/records.ts';

// Chargebacks and decisions the network could not take are re-sent on this beat.
const DISPUTE_RETRY_INTERVAL_MS = 30 * 1000;

// Unpaid orders expire on a 30-minute clock by default; a sweep every 30 s is late by at most that.
const TOP_UP_SWEEP_INTERVAL_MS = 30 * 1000;
// Retries of provider calls whose answer was lost: often enough to settle within a minute, rare enough not to hammer a provider that is down.
const PROVIDER_RETRY_INTERVAL_MS = 60 * 1000;
// Expired holds stop holding funds the moment they expire (the ledger sees to that); this only brings the records and statements along.
const AUTHORIZATION_EXPIRY_INTERVAL_MS = 60 * 1000;

export interface IssuerModuleDeps extends Runtime {
  readonly ledger: Ledger;
  /** The network's rules: how long an approved authorization may hold funds. */
  readonly payments: PaymentsConfig;
  /** The network's Payment Account Reference of a card number: stored on each card, so others can name the card without its number. */
  readonly paymentAccountReference: (pan: string) => string | null;
  /** The issuer's secrets, read once from the deployment's secret store (the same in every process). */
  readonly secrets: IssuerSecrets;
  /** Exchange rates and the cross-border fee (config `issuer`); USD only when absent. */
  readonly fx?: IssuerFx;
  /** When the card program asks for 3-D Secure (config `issuer.threeDSecure`); never when absent. */
  readonly threeDSecure?: ThreeDSecurePolicy;
}

/** What the issuer keeps secret: its keyring (card numbers, CVV2, code pepper) and the Alipay sandbox's signing key. */
export interface IssuerSecrets {
  readonly keyring: Keyring;
  readonly alipaySandboxKeyPem: string;
}

export interface IssuerApi {
  /** Cardlane's issuer as the card network calls it (it implements the network's issuer interface). */
  readonly networkIssuer: CardlaneIssuer;
  readonly services: IssuerServices;
  /** This Cardlane's operator keys, which the issuer keeps; other modules' operator routes check them too. */
  readonly operatorKeys: OperatorKeyStore;
  /** The check of the issuer's operator routes — an operator key or the operator console's session (with its X-CSRF-Token for a change) — for operator routes the program serves itself (the audit). */
  readonly operatorAuth: RouteAuth;
  /** The BIN of Cardlane's card program, for the network's routing table. */
  readonly bin: string;
  /** Cardholders' disputes (issue 17): the network's dispute service is connected to it, and it to the network, by the composition root. */
  readonly disputes: IssuerDisputes;
  /** Start-up set-up: the issuer's house accounts, a PAR on every card, and on first start the operator key (its sealed copy in `store`). Idempotent. */
  prepare(store?: SecretStore): Promise<IssuerStart>;
  /** The demo cardholder with a verified identity, a top-up and a loaded card. Idempotent. */
  prepareDemoCardholder(): Promise<DemoIssuerCredentials>;
}

/** Cardholders, KYC, the CNY wallet, USD virtual cards and their controls, and authorization decisions. */
export const issuerModule: ModuleDescription<IssuerModuleDeps, IssuerApi> = {
  name: 'issuer',
  migrations: [...identityMigrations, ...moneyMigrations, ...cardMigrations, ...authorizationMigrations, ...fxMigrations, ...issuerDisputeMigrations, ...notificationMigrations, ...authenticationMigrations, ...operationsMigrations],
  errorCodes: ISSUER_ERROR_CODES,
  build(deps) {
    const { db, clock, ids, random, config, ledger, payments, paymentAccountReference, secrets } = deps;
    // Card numbers are encrypted under the keyring and one-time codes peppered with it.
    const { keyring } = secrets;
    const identity = createSandboxIdentityDeps({ clock, random, ids, otpPepper: keyring.otpPepper });
    const cards = runtimeCardDeps({ ledger, clock, ids, random, keyring, sms: identity.sms, paymentAccountReference });
    // Notifications of money events, written in each event's transaction; the important ones go out by SMS too.
    const notifier = new Notifier({ sms: identity.sms });
    const services = createIssuerServices(deps, ledger, secrets.alipaySandboxKeyPem, notifier);
    // 3-D Secure: the access control server runs the challenges (a code by SMS, on the issuer's own page).
    const threeDSecure = deps.threeDSecure ?? { mode: 'off', aboveUsdMinor: 0 };
    const acs = new CardlaneAccessControlServer({ db, clock, random, keyring, sms: identity.sms, policy: threeDSecure }, ISSUER_NAME);
    const networkIssuer = new CardlaneIssuer({ db, clock, ids, ledger, keyring, holdTtlMs: payments.authorizationHoldMs, notifier, threeDSecure, acs, ...(deps.fx ? { fx: deps.fx } : {}) });
    const disputes = new IssuerDisputes({ db, clock, ids, ledger, notifier });
    return {
      routes: [
        // Error answers in the request's language (Accept-Language zh → Chinese messages).
        { plugin: withLocalizedErrors(disputeRoutes({ db, clock, disputes })), prefix: '/issuer/v1' },
        { plugin: withLocalizedErrors(identityRoutes({ db, deps: identity })), prefix: '/issuer/v1' },
        { plugin: withLocalizedErrors(moneyRoutes({ db, clock, ledger, ...services })), prefix: '/issuer/v1' },
        { plugin: withLocalizedErrors(cardRoutes({ db, deps: cards })), prefix: '/issuer/v1' },
        { plugin: withLocalizedErrors(notificationRoutes({ db, clock })), prefix: '/issuer/v1' },
        // The operator console's sign-in and lists (its page is served at /console).
        { plugin: withLocalizedErrors(operatorConsoleRoutes({ db, clock, ids, random })), prefix: '/issuer/v1' },
        // The 3-D Secure challenge page (a page for the cardholder's browser, not the API).
        { plugin: cardlaneChallengeRoutes(acs, () => clock.nowMs()), prefix: '' },
      ],
      tasks: [
        {
          // Each order is locked and its status re-checked before it changes, so several processes may sweep at once.
          name: 'issuer.expire-top-up-orders',
          intervalMs: TOP_UP_SWEEP_INTERVAL_MS,
          run: async () => void (await services.topUps.expireDueOrders()),
        },
        {
          // Refunds are idempotent at the provider (refund request number) and booked under the order's lock.
          name: 'issuer.retry-refunds',
          intervalMs: PROVIDER_RETRY_INTERVAL_MS,
          run: async () => void (await services.topUps.retryPendingRefunds()),
        },
        {
          // Payouts are idempotent at the provider (payout id); holds are posted or voided under the row's lock.
          name: 'issuer.resolve-withdrawals',
          intervalMs: PROVIDER_RETRY_INTERVAL_MS,
          run: async () => void (await services.withdrawals.resolvePending()),
        },
        {
          // Rows are claimed with SKIP LOCKED; a follow-up that holds one expires it itself.
          name: 'issuer.expire-authorizations',
          intervalMs: AUTHORIZATION_EXPIRY_INTERVAL_MS,
          run: async () => void (await expireDueAuthorizations(db, clock, ledger, notifier)),
        },
        {
          // Each dispute is locked and its status re-checked; messages carry one id each: safe in several processes.
          name: 'issuer.dispute-messages',
          intervalMs: DISPUTE_RETRY_INTERVAL_MS,
          run: async () => void (await disputes.sweep()),
        },
      ],
      api: {
        networkIssuer,
        disputes,
        services,
        bin: cards.program.bin,
        operatorKeys: installOperatorKeys,
        operatorAuth: issuerAuth(db, clock).operator,
        prepare: (store) => prepareIssuer(db, { ledger, ids, random, clock, keyring, paymentAccountReference, secretStore: store }, config.dataDir),
        async prepareDemoCardholder() {
          // prepare() makes these first at a normal start; they are needed before any money moves.
          await ensureIssuerAccounts(ledger, db);
          return prepareDemoCardholder(db, { clock, dataDir: config.dataDir, services, identity, cards });
        },
      },
    };
  },
};
