import type { ModuleDescription, Runtime } from '../platform/module.ts';
import { defaultBinTable } from './bins.ts';
import type { PaymentsConfig } from './config.ts';
import { CardNetwork } from './card-network.ts';
import type { IssuerEndpoint } from './messages.ts';
import { networkMigrations } from './migrations.ts';
import { createTestIssuers } from './test-issuers/create-test-issuers.ts';

const STAND_IN_SWEEP_INTERVAL_MS = 30_000;

export interface NetworkModuleDeps extends Runtime {
  readonly payments: PaymentsConfig;
  /** The network's key for Payment Account References (loaded once by the composition root: the issuer stores PARs made with it too). */
  readonly parKey: Buffer;
  /** Issuers outside the network (Cardlane's own), reached only through the network's issuer interface. */
  readonly issuers: readonly IssuerEndpoint[];
  /** The BIN the network routes to Cardlane's issuer. */
  readonly cardlaneBin: string;
}

export interface NetworkApi {
  readonly network: CardNetwork;
}

/** The card network: ISO 8583-style messages, BIN routing, stand-in, and the scripted test bank behind Stripe's test cards. */
export const networkModule: ModuleDescription<NetworkModuleDeps, NetworkApi> = {
  name: 'network',
  migrations: networkMigrations,
  errorCodes: {},
  build({ db, clock, ids, payments, parKey, issuers, cardlaneBin }) {
    const network = new CardNetwork({
      db,
      clock,
      ids,
      bins: defaultBinTable(cardlaneBin),
      issuers: [...issuers, ...createTestIssuers({ db, clock, ids })],
      timeoutMs: payments.issuerTimeoutMs,
      parKey,
    });
    const standInSweep = {
      // Reversals owed after stand-ins whose live follow-through died with its process; one id each, so safe in several processes.
      name: 'network.settle-owed-stand-ins',
      intervalMs: STAND_IN_SWEEP_INTERVAL_MS,
      run: async () => void (await network.settleOwedStandIns(clock.nowMs())),
    };
    return { routes: [], tasks: [standInSweep], api: { network } };
  },
};
