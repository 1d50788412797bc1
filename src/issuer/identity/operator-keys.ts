import type { Clock } from '../../platform/clock.ts';
import type { Database, Sql, Tx } from '../../platform/db/database.ts';
import { OperatorKeyStore, type CreatedOperatorKey, type OperatorKeyDeps } from '../../platform/identity/operator-keys.ts';

/**
 * The operator keys of this Cardlane: one credential for every module's
 * operator routes (the issuer's, billing's sandbox mailbox, the doctor's
 * operator view), the first written to `<dataDir>/operator-key` on first
 * start. The issuer keeps them, in its `issuer_operator_keys` table; the
 * composition root hands this store to the other modules that check them.
 */
export const installOperatorKeys = new OperatorKeyStore({ table: 'issuer_operator_keys', bootstrapLock: 'issuer:operator-key-bootstrap' });

export function createOperatorKey(sql: Sql, deps: OperatorKeyDeps, name: string, nowMs: number): Promise<CreatedOperatorKey> {
  return installOperatorKeys.create(sql, deps, name, nowMs);
}

/** The id of the live operator key `key`, or undefined. */
export function verifyOperatorKey(sql: Sql, key: string): Promise<string | undefined> {
  return installOperatorKeys.verify(sql, key);
}

/** True when the key was live and is now revoked. */
export function revokeOperatorKey(sql: Sql, id: string, nowMs: number): Promise<boolean> {
  return installOperatorKeys.revoke(sql, id, nowMs);
}

/** First start: a key written to `<dataDir>/operator-key` unless one is live (OperatorKeyStore.bootstrap). */
export function bootstrapOperatorKey(
  db: Database,
  deps: OperatorKeyDeps & { readonly clock: Clock },
  dataDir: string,
  onCreated?: (tx: Tx, key: CreatedOperatorKey) => Promise<void>,
) {
  return installOperatorKeys.bootstrap(db, deps, dataDir, onCreated);
}
