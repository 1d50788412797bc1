import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { DEMO_CREDENTIALS_FILE_NAME } from '../../src/acquirer/acquirer-start.ts';
import { creditBalance } from '../../src/billing/billing-ledger.ts';
import { prepareDemoOrganization, readDemoBillingCredentials } from '../../src/billing/billing-start.ts';
import { organizationForApiKey } from '../../src/billing/organizations.ts';
import { cryptoRandom, IdGenerator } from '../../src/platform/ids.ts';
import { ledgerFixture, type LedgerFixture } from '../support/ledger-fixture.ts';

let f: LedgerFixture;
const orgDeps = () => ({ clock: f.clock, ids: new IdGenerator(f.clock, cryptoRandom), random: cryptoRandom, ledger: f.ledger });
let dataDir: string;
beforeEach(async () => {
  f = await ledgerFixture();
  dataDir = mkdtempSync(join(tmpdir(), 'cardlane-billing-demo-'));
});
afterEach(async () => {
  await f.assertAudit();
  await f.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
});

test('the demo organization is created once, with no credits, and its key is added to the credentials file without clobbering it', async () => {
  const path = join(dataDir, DEMO_CREDENTIALS_FILE_NAME);
  const acquirer = { merchant_id: 'acct_x', merchant_name: 'Acme AI', secret_key: 'sk_test_x', publishable_key: 'pk_test_x' };
  writeFileSync(path, JSON.stringify({ acquirer }));
  const first = await prepareDemoOrganization(f.db, orgDeps(), dataDir);
  assert.equal(first.base_url_path, '/merchant/v1');
  assert.equal((await organizationForApiKey(f.db, first.api_key))?.id, first.organization_id);
  assert.equal((await creditBalance(f.db, first.organization_id))?.available_minor, 0);
  const file = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  assert.deepEqual(file, { acquirer, billing: first });
  assert.equal(statSync(path).mode & 0o777, 0o600);

  // A second start changes nothing.
  assert.deepEqual(await prepareDemoOrganization(f.db, orgDeps(), dataDir), first);
  // If the section is lost, the same organization gets a new key; the old one still works.
  writeFileSync(path, JSON.stringify({ acquirer }));
  const again = await prepareDemoOrganization(f.db, orgDeps(), dataDir);
  assert.equal(again.organization_id, first.organization_id);
  assert.notEqual(again.api_key, first.api_key);
  assert.equal((await organizationForApiKey(f.db, first.api_key))?.id, first.organization_id);
  assert.deepEqual(readDemoBillingCredentials(dataDir), again);
  const orgs = await f.db.all('SELECT id FROM billing_organizations');
  assert.equal(orgs.length, 1);
});
