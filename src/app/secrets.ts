import { VAULT_KEY_SECRET } from '../acquirer/index.ts';
import { MEMBER_PEPPER_SECRET } from '../billing/index.ts';
import { ALIPAY_SANDBOX_KEY_SECRET, ISSUER_KEYRING_SECRET, type IssuerSecrets } from '../issuer/index.ts';
import { ADVICE_KEY_SECRET, ISSUER_LINK_KEY_SECRET, PAR_KEY_SECRET } from '../network/index.ts';
import type { Clock } from '../platform/clock.ts';
import type { Database } from '../platform/db/database.ts';
import type { Logger } from '../platform/logger.ts';
import { resolveMasterKey } from '../platform/secrets/master-key.ts';
import { SecretStore, type SecretSpec } from '../platform/secrets/secret-store.ts';
import type { CardlaneConfig } from './config.ts';

/** Every party's secrets, one set per deployment: read from the database at start, handed to each party by `buildCardlane`. */
export interface DeploymentSecrets {
  readonly issuer: IssuerSecrets;
  readonly vaultKey: Buffer;
  readonly parKey: Buffer;
  /** Seals the advices the network still owes issuers after stand-ins (they carry a card number). */
  readonly adviceKey: Buffer;
  readonly memberPepper: Buffer;
  /** Authenticates every message on the ISO 8583 issuer link; both of its ends are handed it. */
  readonly issuerLinkKey: Buffer;
}

/** The secret store of this deployment: the database, under the master key this process was given (or generated in its data directory). */
export function openSecretStore(db: Database, config: CardlaneConfig, clock: Clock): SecretStore {
  return new SecretStore(db, resolveMasterKey(config), () => clock.nowMs());
}

/**
 * Reads every party's secret, creating those the deployment does not have
 * yet (or importing them from this data directory's key files, as older
 * Cardlanes kept them). Called after migrations and before the program is
 * built; a master key that does not open what is stored stops the start
 * here, before anything new is written.
 */
export async function loadDeploymentSecrets(store: SecretStore, config: CardlaneConfig, logger: Logger): Promise<DeploymentSecrets> {
  await store.checkMasterKey();
  const load = async <T>(spec: SecretSpec<T>): Promise<T> => {
    const { value, origin } = await store.loadOrCreate(spec, config.dataDir, logger);
    if (origin !== 'database') logger.info({ secret: spec.name, origin }, origin === 'imported' ? 'imported a key file into the secret store' : 'created a secret');
    return value;
  };
  // One at a time: each insert takes the secret's lock, and on SQLite the database's write lock.
  const keyring = await load(ISSUER_KEYRING_SECRET);
  const alipaySandboxKeyPem = await load(ALIPAY_SANDBOX_KEY_SECRET);
  const vaultKey = await load(VAULT_KEY_SECRET);
  const parKey = await load(PAR_KEY_SECRET);
  const memberPepper = await load(MEMBER_PEPPER_SECRET);
  const adviceKey = await load(ADVICE_KEY_SECRET);
  // Made even while the link runs in process, so every process of the deployment has the one key before any uses it.
  const issuerLinkKey = await load(ISSUER_LINK_KEY_SECRET);
  return { issuer: { keyring, alipaySandboxKeyPem }, vaultKey, parKey, adviceKey, memberPepper, issuerLinkKey };
}
