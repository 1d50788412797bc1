import type { ModuleDescription, Runtime } from '../platform/module.ts';
import { defaultBinTable } from './bins.ts';
import type { PaymentsConfig } from './config.ts';
import { CardNetwork } from './card-network.ts';
import type { IssuerEndpoint } from './messages.ts';
import { networkMigrations } from './migrations.ts';
import { createTestBank } from './test-issuers/create-test-issuers.ts';
import { testBankChallengeRoutes } from './test-issuers/test-bank-challenge-page.ts';
import { DisputeRouter } from './disputes/dispute-router.ts';
import { networkDisputeMigrations } from './disputes/migrations.ts';
import { TestBankDisputes } from './disputes/test-bank-disputes.ts';

// Stripe opens a test card's dispute moments after the capture; the test bank looks every few seconds.
const TEST_BANK_DISPUTE_INTERVAL_MS = 2_000;

const STAND_IN_SWEEP_INTERVAL_MS = 30_000;

export interface NetworkModuleDeps extends Runtime {
  readonly payments: PaymentsConfig;
  /** The network's key for Payment Account References (loaded once by the composition root: the issuer stores PARs made with it too). */
  readonly parKey: Buffer;
  /** The network's key for the advices it still owes issuers after stand-ins (owed-advices.ts), from the secret store. */
  readonly adviceKey: Buffer;
  /** Issuers outside the network (Cardlane's own), reached only through the network's issuer interface. */
  readonly issuers: readonly IssuerEndpoint[];
  /** The BIN the network routes to Cardlane's issuer. */
  readonly cardlaneBin: string;
  /** Told each time an issuer missed the network's time-out and was answered for (91): the issuer link counts its own. */
  readonly onIssuerTimeout?: (issuer: string) => void;
}

export interface NetworkApi {
  readonly network: CardNetwork;
  /** Chargebacks, representments and decisions between issuers and acquirers (issue 17). */
  readonly disputes: DisputeRouter;
}

/** The card network: ISO 8583-style messages, BIN routing, stand-in, and the scripted test bank behind Stripe's test cards. */
export const networkModule: ModuleDescription<NetworkModuleDeps, NetworkApi> = {
  name: 'network',
  migrations: [...networkMigrations, ...networkDisputeMigrations],
  errorCodes: {},
  build({ db, clock, ids, payments, parKey, adviceKey, issuers, cardlaneBin, onIssuerTimeout }) {
    const testBank = createTestBank({ db, clock, ids });
    const network = new CardNetwork({
      db,
      clock,
      ids,
      bins: defaultBinTable(cardlaneBin),
      issuers: [...issuers, testBank],
      timeoutMs: payments.issuerTimeoutMs,
      parKey,
      adviceKey,
      ...(onIssuerTimeout ? { onIssuerTimeout } : {}),
    });
    const standInSweep = {
      // Reversals and advices owed after stand-ins whose live follow-through could not finish (a long outage, or a
      // process that died); one id each, so safe in several processes.
      name: 'network.settle-owed-stand-ins',
      intervalMs: STAND_IN_SWEEP_INTERVAL_MS,
      run: async () => void (await network.settleOwedStandIns(clock.nowMs())),
    };
    const testBankDisputes = new TestBankDisputes({ db, clock });
    const disputes = new DisputeRouter({ db, clock, timeoutMs: payments.issuerTimeoutMs, issuers: [testBankDisputes] });
    testBankDisputes.connect(disputes);
    const testBankDisputeSweep = {
      // Each step is claimed in the test bank's row and carried with one message id: safe in several processes.
      name: 'network.test-bank-disputes',
      intervalMs: TEST_BANK_DISPUTE_INTERVAL_MS,
      run: async () => void (await testBankDisputes.sweep()),
    };
    // The test bank's 3-D Secure challenge page (its access control server's), at /3ds/test-bank/{authentication id}.
    return { routes: [{ plugin: testBankChallengeRoutes(testBank.acs, clock), prefix: '' }], tasks: [standInSweep, testBankDisputeSweep], api: { network, disputes } };
  },
};
