import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Ledger } from '../ledger/index.ts';
import type { Clock } from '../platform/clock.ts';
import type { Database } from '../platform/db/database.ts';
import type { IdGenerator, RandomSource } from '../platform/ids.ts';
import { backfillCardPaymentAccountReferences } from './cards/card-par-backfill.ts';
import { bootstrapOperatorKey } from './identity/operator-keys.ts';
import { OPERATOR_KEY_FILE_NAME } from '../platform/identity/operator-keys.ts';
import type { Keyring } from './keyring.ts';
import { ensureIssuerAccounts } from './money/ledger-accounts.ts';

export interface IssuerStart {
  /** Where the operator key is, for the person who started Cardlane; null when the file is gone (the key was handed out and removed). */
  readonly operatorKeyFile: string | null;
  /** True when this start created the key. */
  readonly operatorKeyCreated: boolean;
}

/**
 * What the issuer needs before it takes requests: its system ledger
 * accounts, a PAR on every card, and on first start an operator key written
 * to the data directory. All are safe to run at every start and in several
 * processes.
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
  },
  dataDir: string,
): Promise<IssuerStart> {
  await ensureIssuerAccounts(deps.ledger, db);
  // Cards opened before PARs get theirs from the network's PAR function (idempotent, in bounded batches).
  await backfillCardPaymentAccountReferences(db, deps.keyring, deps.paymentAccountReference);
  const key = await bootstrapOperatorKey(db, { ids: deps.ids, random: deps.random, clock: deps.clock }, dataDir);
  if (key.created) return { operatorKeyFile: key.path, operatorKeyCreated: true };
  const path = join(dataDir, OPERATOR_KEY_FILE_NAME);
  return { operatorKeyFile: existsSync(path) ? path : null, operatorKeyCreated: false };
}
