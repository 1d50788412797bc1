import type { BillingDeps } from '../../src/billing/billing-deps.ts';
import { grantCredits } from '../../src/billing/billing-ledger.ts';
import { createOrganization } from '../../src/billing/organizations.ts';
import { IdGenerator, seededRandom } from '../../src/platform/ids.ts';
import { ledgerFixture, type LedgerFixture } from '../support/ledger-fixture.ts';

export interface BillingFixture extends LedgerFixture {
  readonly deps: BillingDeps;
  newOrg(name?: string): Promise<{ orgId: string; apiKey: string; apiKeyId: string }>;
  grant(orgId: string, amountMinor: number): Promise<void>;
}

export async function billingFixture(): Promise<BillingFixture> {
  const f = await ledgerFixture();
  const random = seededRandom(7);
  const deps: BillingDeps = { clock: f.clock, ids: new IdGenerator(f.clock, random), random, ledger: f.ledger };
  let grants = 0;
  return {
    ...f,
    deps,
    async newOrg(name = 'Example Org') {
      const created = await f.db.transaction((tx) => createOrganization(tx, deps, { name }));
      return { orgId: created.organization.id, apiKey: created.apiKey, apiKeyId: created.apiKeyId };
    },
    async grant(orgId, amountMinor) {
      const outcome = await grantCredits(f.db, deps, { orgId, amountMinor, reason: 'test', transferId: `test-grant-${++grants}` });
      if (outcome.result !== 'ok') throw new Error(`grant: ${outcome.result}`);
    },
  };
}
