import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../platform/clock.ts';
import type { Database } from '../platform/db/database.ts';
import { cryptoRandom, IdGenerator } from '../platform/ids.ts';
import { Ledger } from '../ledger/ledger.ts';
import { bootstrapOperatorKey, OPERATOR_KEY_FILE_NAME } from './identity/operator-keys.ts';
import { ensureIssuerAccounts } from './money/ledger-accounts.ts';

export interface IssuerStart {
  /** Where the operator key is, for the person who started Cardlane; null when the file is gone (the key was handed out and removed). */
  readonly operatorKeyFile: string | null;
  /** True when this start created the key. */
  readonly operatorKeyCreated: boolean;
}

/**
 * What the issuer needs before it takes requests: its system ledger
 * accounts, and on first start an operator key written to the data
 * directory. Both are safe to run at every start and in several processes.
 */
export async function prepareIssuer(db: Database, clock: Clock, dataDir: string): Promise<IssuerStart> {
  await ensureIssuerAccounts(new Ledger(clock), db);
  const key = await bootstrapOperatorKey(db, { ids: new IdGenerator(clock, cryptoRandom), random: cryptoRandom, clock }, dataDir);
  if (key.created) return { operatorKeyFile: key.path, operatorKeyCreated: true };
  const path = join(dataDir, OPERATOR_KEY_FILE_NAME);
  return { operatorKeyFile: existsSync(path) ? path : null, operatorKeyCreated: false };
}
