import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadOrCreateVaultKey, VAULT_KEY_FILE_NAME } from '../acquirer/acquirer-start.ts';
import { KEYRING_FILE_NAME, loadOrCreateKeyring } from '../issuer/keyring-file.ts';
import { parseKeyring } from '../issuer/keyring.ts';
import type { Clock } from '../platform/clock.ts';
import type { Config } from '../platform/config.ts';
import type { Database, Sql } from '../platform/db/database.ts';
import type { RoutePlugin } from '../platform/http/server.ts';
import { cryptoRandom } from '../platform/ids.ts';
import { cardLinkFromKeys, type CardLink } from './card-link.ts';
import { Doctor } from './doctor.ts';
import { doctorRoutes } from './http/doctor-routes.ts';

/**
 * The doctor as a running Cardlane wires it. The server holds the issuer's
 * keyring and the acquirer's vault key already (it runs both parties), so
 * its doctor can link cards to merchant attempts; `cardlane doctor` reads
 * them from the data directory when they are there, and never creates them.
 */

/** The routes under `/doctor/v1` (http-routes.ts adds this one line). */
export function doctorHttpRoutes(db: Database, clock: Clock, config: Config): RoutePlugin {
  const cardLink = cardLinkFromKeys(loadOrCreateKeyring(config.dataDir, cryptoRandom), loadOrCreateVaultKey(config.dataDir));
  const doctor = new Doctor({ db, cardLink, rechargeMinimumMinor: rechargeMinimumOf(config) });
  return { plugin: doctorRoutes({ db, clock, doctor }), prefix: '/doctor/v1' };
}

/** A doctor on the local data directory, for `cardlane doctor`. */
export function localDoctor(db: Sql, config: Config): Doctor {
  return new Doctor({ db, cardLink: existingCardLink(config.dataDir), rechargeMinimumMinor: rechargeMinimumOf(config) });
}

/** The card link from the keys in `dataDir`, or null when either is missing (a read-only look must not mint keys). */
export function existingCardLink(dataDir: string): CardLink | null {
  const keyringPath = join(dataDir, KEYRING_FILE_NAME);
  const vaultPath = join(dataDir, VAULT_KEY_FILE_NAME);
  if (!existsSync(keyringPath) || !existsSync(vaultPath)) return null;
  const vaultKey = Buffer.from(readFileSync(vaultPath, 'utf8').trim(), 'hex');
  if (vaultKey.length !== 32) throw new Error(`${vaultPath} must hold 64 hex characters (a 32-byte key)`);
  return cardLinkFromKeys(parseKeyring(readFileSync(keyringPath, 'utf8')), vaultKey);
}

/**
 * Merchant billing's configured auto-recharge minimum, when the
 * configuration has one (read loosely: billing's settings are billing's).
 * A billing resolver's per-attempt figure wins over it.
 */
function rechargeMinimumOf(config: Config): number | null {
  const billing = (config as unknown as { billing?: { rechargeMinimumMinor?: unknown } }).billing;
  const minimum = billing?.rechargeMinimumMinor;
  return typeof minimum === 'number' && Number.isSafeInteger(minimum) && minimum > 0 ? minimum : null;
}
