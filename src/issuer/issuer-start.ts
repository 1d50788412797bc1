import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Ledger } from '../ledger/index.ts';
import type { Clock } from '../platform/clock.ts';
import type { Database } from '../platform/db/database.ts';
import type { IdGenerator, RandomSource } from '../platform/ids.ts';
import type { SecretStore } from '../platform/secrets/secret-store.ts';
import { backfillCardPaymentAccountReferences } from './cards/card-par-backfill.ts';
import { bootstrapOperatorKey, verifyOperatorKey } from './identity/operator-keys.ts';
import { OPERATOR_KEY_FILE_NAME, writeOperatorKeyFile } from '../platform/identity/operator-keys.ts';
import type { Keyring } from './keyring.ts';
import { ensureIssuerAccounts } from './money/ledger-accounts.ts';

/**
 * The first operator key, sealed in the deployment's secret store by the
 * start that created it, so that a process with another data directory can
 * write it into its own (`cardlane operator-key`) rather than have nobody
 * able to hand it out. Only the hash is ever checked: this copy is for
 * handing out, and is useless once the key is revoked.
 */
export const BOOTSTRAP_OPERATOR_KEY_SECRET_NAME = 'issuer.operator-key';

export interface IssuerStart {
  /** Where the operator key is in this data directory, for the person who started Cardlane; null when it is not there. */
  readonly operatorKeyFile: string | null;
  /** True when this start created the key. */
  readonly operatorKeyCreated: boolean;
  /**
   * When the file is not here: true when the first operator key is still
   * live and sealed in the database — another process wrote it to its own
   * data directory, or it was removed from this one — so `cardlane
   * operator-key` can write it here.
   */
  readonly operatorKeyInDatabase: boolean;
}

/**
 * What the issuer needs before it takes requests: its system ledger
 * accounts, a PAR on every card, and on first start an operator key written
 * to the data directory (and sealed in the secret store). All are safe to
 * run at every start and in several processes.
 */
export async function prepareIssuer(
  db: Database,
  deps: {
    readonly ledger: Ledger;
    readonly ids: IdGenerator;
    readonly random: RandomSource;
    readonly clock: Clock;
    readonly keyring: Keyring;
    /** The network's Payment Account Reference of a card number. */
    readonly paymentAccountReference: (pan: string) => string | null;
    /** Where the first operator key's sealed copy goes; without one (tests building the issuer alone) only the file is written. */
    readonly secretStore?: SecretStore | undefined;
  },
  dataDir: string,
): Promise<IssuerStart> {
  await ensureIssuerAccounts(deps.ledger, db);
  // Cards opened before PARs get theirs from the network's PAR function (idempotent, in bounded batches).
  await backfillCardPaymentAccountReferences(db, deps.keyring, deps.paymentAccountReference);
  const store = deps.secretStore;
  const key = await bootstrapOperatorKey(
    db,
    { ids: deps.ids, random: deps.random, clock: deps.clock },
    dataDir,
    store === undefined ? undefined : async (tx, created) => void (await store.appendVersion(tx, BOOTSTRAP_OPERATOR_KEY_SECRET_NAME, Buffer.from(created.key, 'utf8'))),
  );
  if (key.created) return { operatorKeyFile: key.path, operatorKeyCreated: true, operatorKeyInDatabase: true };
  const path = join(dataDir, OPERATOR_KEY_FILE_NAME);
  if (existsSync(path)) return { operatorKeyFile: path, operatorKeyCreated: false, operatorKeyInDatabase: true };
  return { operatorKeyFile: null, operatorKeyCreated: false, operatorKeyInDatabase: store !== undefined && (await liveBootstrapKey(db, store)) !== undefined };
}

/**
 * `cardlane operator-key`: writes the first operator key, from its sealed
 * copy, to `<dataDir>/operator-key` — for a process whose data directory
 * never had it. Refuses when there is no live one to write.
 */
export async function writeBootstrapOperatorKey(db: Database, store: SecretStore, dataDir: string): Promise<string> {
  const key = await liveBootstrapKey(db, store);
  if (key === undefined) {
    throw new Error('no live first operator key is kept in this database (it was revoked, or was created before keys were sealed there): use another operator key');
  }
  return writeOperatorKeyFile(dataDir, key);
}

async function liveBootstrapKey(db: Database, store: SecretStore): Promise<string | undefined> {
  const sealed = await store.latest(BOOTSTRAP_OPERATOR_KEY_SECRET_NAME);
  if (sealed === undefined) return undefined;
  const key = sealed.bytes.toString('utf8');
  return (await verifyOperatorKey(db, key)) === undefined ? undefined : key;
}
