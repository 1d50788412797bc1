import type { AcquirerDeps } from './acquirer/acquirer-deps.ts';
import { loadOrCreateVaultKey } from './acquirer/acquirer-start.ts';
import { CardlaneIssuer } from './issuer/authorization/cardlane-issuer.ts';
import { cardProgram } from './issuer/cards/card-program.ts';
import { loadOrCreateKeyring } from './issuer/keyring-file.ts';
import { Ledger } from './ledger/ledger.ts';
import { defaultBinTable } from './network/bins.ts';
import { CardNetwork } from './network/card-network.ts';
import { createTestIssuers } from './network/test-issuers/create-test-issuers.ts';
import type { Clock } from './platform/clock.ts';
import type { Config } from './platform/config.ts';
import type { Database } from './platform/db/database.ts';
import { cryptoRandom, IdGenerator } from './platform/ids.ts';

/**
 * The payment path as one running Cardlane wires it: Cardlane's issuer and
 * the scripted test bank behind the card network, and the acquirer in front
 * of it, all in this process and talking only through the network's typed
 * messages. One set per database handle, shared by the HTTP routes and the
 * background tasks (like `issuerServices`).
 */
export interface PaymentParties {
  readonly cardlaneIssuer: CardlaneIssuer;
  readonly network: CardNetwork;
  readonly acquirer: AcquirerDeps;
}

const byDatabase = new WeakMap<Database, PaymentParties>();

export function paymentParties(db: Database, clock: Clock, config: Config): PaymentParties {
  const existing = byDatabase.get(db);
  if (existing) return existing;
  const ids = new IdGenerator(clock, cryptoRandom);
  const ledger = new Ledger(clock);
  const cardlaneIssuer = new CardlaneIssuer({
    db,
    clock,
    ids,
    ledger,
    keyring: loadOrCreateKeyring(config.dataDir, cryptoRandom),
    holdTtlMs: config.payments.authorizationHoldMs,
  });
  const network = new CardNetwork({
    db,
    clock,
    ids,
    bins: defaultBinTable(cardProgram().bin),
    issuers: [cardlaneIssuer, ...createTestIssuers({ db, clock, ids })],
    timeoutMs: config.payments.issuerTimeoutMs,
  });
  const acquirer: AcquirerDeps = {
    db,
    clock,
    ids,
    random: cryptoRandom,
    ledger,
    network,
    acquirerId: 'cardlane-acquirer',
    vaultKey: loadOrCreateVaultKey(config.dataDir),
  };
  const parties = { cardlaneIssuer, network, acquirer };
  byDatabase.set(db, parties);
  return parties;
}
