import type { Clock } from '../platform/clock.ts';
import type { Database } from '../platform/db/database.ts';
import { readDemoCredentialsSection, writeDemoCredentialsSection } from '../platform/demo-credentials-file.ts';
import type { IdGenerator } from '../platform/ids.ts';
import { addOrganizationApiKey, createOrganization, getDemoOrganization, type OrgDeps } from './organizations.ts';
import { addMember } from './members/members.ts';

export const MERCHANT_API_BASE_PATH = '/merchant/v1';
export const DEMO_ORGANIZATION_NAME = 'Demo API customer';
/** The demo organization's owner, who signs in to the billing page (`/billing`) with a code from the sandbox mailbox. */
export const DEMO_OWNER_EMAIL = 'owner@demo.cardlane.test';

/** The `billing` section of `<dataDir>/demo-credentials.json`. */
export interface DemoBillingCredentials {
  readonly base_url_path: string;
  readonly organization_id: string;
  readonly api_key: string;
}

/**
 * The demo organization `cardlane up` creates once, with an API key and no
 * credits (the demo's customer buys them), and its key in the `billing`
 * section of `<dataDir>/demo-credentials.json` (the other sections are kept).
 * If the file lost the section, the organization gets a fresh key (old keys
 * keep working: keys are only ever added here).
 */
export async function prepareDemoOrganization(db: Database, deps: OrgDeps, dataDir: string): Promise<DemoBillingCredentials> {
  const existing = await getDemoOrganization(db);
  if (existing !== null) {
    const saved = readDemoBillingCredentials(dataDir);
    if (saved !== null && saved.organization_id === existing.id) {
      await ensureDemoOwner(db, deps, existing.id);
      return saved;
    }
  }
  const credentials = await db.transaction(async (tx): Promise<DemoBillingCredentials> => {
    const org = existing ?? (await getDemoOrganization(tx));
    if (org !== null) {
      const key = await addOrganizationApiKey(tx, deps, org.id);
      return { base_url_path: MERCHANT_API_BASE_PATH, organization_id: org.id, api_key: key.apiKey };
    }
    const created = await createOrganization(tx, deps, { name: DEMO_ORGANIZATION_NAME, isDemo: true });
    return { base_url_path: MERCHANT_API_BASE_PATH, organization_id: created.organization.id, api_key: created.apiKey };
  });
  writeDemoCredentialsSection(dataDir, 'billing', credentials);
  await ensureDemoOwner(db, deps, credentials.organization_id);
  return credentials;
}

/** The demo owner, added on every start (a no-op once there): data directories from before members existed get one too. */
async function ensureDemoOwner(db: Database, deps: { readonly clock: Clock; readonly ids: IdGenerator }, orgId: string): Promise<void> {
  await db.transaction((tx) => addMember(tx, { ids: deps.ids, nowMs: deps.clock.nowMs() }, { orgId, email: DEMO_OWNER_EMAIL, role: 'owner' }));
}

export function readDemoBillingCredentials(dataDir: string): DemoBillingCredentials | null {
  return readDemoCredentialsSection<DemoBillingCredentials>(dataDir, 'billing');
}
