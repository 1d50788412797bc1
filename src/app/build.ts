import type { AcquirerApi } from '../acquirer/index.ts';
import { acquirerModule } from '../acquirer/index.ts';
import { billingModule, type BillingApi } from '../billing/index.ts';
import { issuerFxOf, issuerModule, threeDSecurePolicyOf, type IssuerApi } from '../issuer/index.ts';
import { ledgerModule, type LedgerApi } from '../ledger/index.ts';
import { networkModule, type NetworkApi, paymentAccountReferences } from '../network/index.ts';
import type { RoutePlugin } from '../platform/http/server.ts';
import type { BuiltModule, Runtime, ServerAddress } from '../platform/module.ts';
import { platformModule } from '../platform/platform-module.ts';
import type { CardlaneConfig } from './config.ts';
import { buildDoctor } from './doctor.ts';
import { appPageRoutes, consolePageRoutes, sandboxCliOptions } from '../web/index.ts';
import { auditRoutes } from './audit-routes.ts';
import { frontDoorRoutes } from './front-door.ts';
import { issuerLinkOf, type IssuerLink } from './issuer-link.ts';
import type { DeploymentSecrets } from './secrets.ts';
import type { BackgroundTask } from '../platform/task-runner.ts';

/** The whole program, built once: every module's routes and tasks, and the parts the program itself uses. */
export interface BuiltCardlane {
  readonly routes: readonly RoutePlugin[];
  readonly tasks: readonly BackgroundTask[];
  readonly ledger: LedgerApi;
  readonly issuer: IssuerApi;
  readonly network: NetworkApi;
  readonly acquirer: AcquirerApi;
  readonly billing: BillingApi;
  /** How the network reaches Cardlane's issuer; `start.ts` starts it before serving and closes it after. */
  readonly issuerLink: IssuerLink;
}

/**
 * The composition root: the one place that knows every module and gives
 * each its dependencies. One ledger, one id generator and one clock (in
 * `runtime`) are shared by all; each party is handed its own secrets (read
 * once from the deployment's secret store by `start.ts`, the same in every
 * process) and no other party's. The parties meet only here: Cardlane's issuer is handed to
 * the network as one of its issuers, the network to the acquirer, and
 * billing gets this server's own address to pay through over HTTP.
 */
export function buildCardlane(runtime: Runtime, config: CardlaneConfig, self: ServerAddress, secrets: DeploymentSecrets): BuiltCardlane {
  const platform = platformModule.build(runtime);
  const ledger = ledgerModule.build({ ...runtime, settings: config.ledger });
  // The network's PAR key: the network answers PARs with it and the issuer stores them on its cards.
  const { parKey } = secrets;
  const paymentAccountReference = paymentAccountReferences(parKey);
  const issuer = issuerModule.build({ ...runtime, ledger: ledger.api.ledger, payments: config.payments, paymentAccountReference, secrets: secrets.issuer, fx: issuerFxOf(config.issuer), threeDSecure: threeDSecurePolicyOf(config.issuer) });
  // In process by default; over ISO 8583 on TCP when `network.issuerLink` says so (issuer-link.ts), every message MAC'd with the link key.
  const issuerLink = issuerLinkOf(config.network, issuer.api.networkIssuer, { ...runtime, linkKey: secrets.issuerLinkKey });
  const network = networkModule.build({
    ...runtime,
    payments: config.payments,
    parKey,
    adviceKey: secrets.adviceKey,
    issuers: [issuerLink.endpoint],
    cardlaneBin: issuer.api.bin,
    // The network's time-outs on the link's issuer, for the link's metrics: the link cannot see when the network stops waiting.
    onIssuerTimeout: (name) => issuerLink.noteTimeout(name),
  });
  const acquirer = acquirerModule.build({
    ...runtime,
    ledger: ledger.api.ledger,
    network: network.api.network,
    settings: config.acquirer,
    vaultKey: secrets.vaultKey,
    disputes: network.api.disputes,
    operatorKeys: issuer.api.operatorKeys,
  });
  // Disputes run the other way round (issuer → network → acquirer): both parties join the network's dispute service here.
  network.api.disputes.connectIssuer(issuer.api.disputes);
  network.api.disputes.connectAcquirer(acquirer.api.disputeEndpoint);
  issuer.api.disputes.connect(network.api.disputes);
  const billing = billingModule.build({
    ...runtime,
    ledger: ledger.api.ledger,
    settings: config.billing,
    self,
    operatorKeys: issuer.api.operatorKeys,
    memberPepper: secrets.memberPepper,
  });
  const doctor = buildDoctor(runtime, config);
  const built: ReadonlyArray<BuiltModule<unknown>> = [platform, ledger, issuer, network, acquirer, billing, doctor];
  return {
    // The cardholder app at /app is browser code over the issuer's and the doctor's HTTP APIs: it needs no module, only its page.
    // The operator console at /console is browser code over the operator routes (the issuer's, the doctor's and the
    // audit's below, which runs every module's checks and so lives here). `/` tells where each of them is (front-door.ts).
    routes: [
      ...built.flatMap((module) => module.routes),
      { plugin: auditRoutes({ db: runtime.db, clock: runtime.clock, operatorAuth: issuer.api.operatorAuth }), prefix: '/operator/v1' },
      appPageRoutes({ sandbox: true, cliOptions: () => sandboxCliOptions({ dataDir: config.dataDir, url: self.url() }) }),
      consolePageRoutes(),
      frontDoorRoutes,
    ],
    tasks: built.flatMap((module) => module.tasks),
    ledger: ledger.api,
    issuer: issuer.api,
    network: network.api,
    acquirer: acquirer.api,
    billing: billing.api,
    issuerLink,
  };
}
