import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { addOrganizationApiKey, apiKeyCaller, lockOrganization } from '../../src/billing/organizations.ts';
import { archiveProject, createProject, findProject } from '../../src/billing/usage/projects.ts';
import { billingFixture, type BillingFixture } from './billing-fixture.ts';

/**
 * Archiving a project revokes its keys "at once, in one transaction": no key
 * of an archived project may work. A key being made in the project at that
 * very moment (POST /organization/projects/:id/api_keys: the organization
 * locked, the project read live, the key written) must not slip past the
 * archive's revocation and stay live in a project that is archived — on
 * PostgreSQL the archive did not wait for the key's transaction, so its
 * revocation never saw the new key.
 */

let f: BillingFixture;
beforeEach(async () => {
  f = await billingFixture();
});
afterEach(async () => {
  await f.cleanup();
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a key made while its project is being archived is revoked with it, never left live in the archived project', async () => {
  const org = await f.newOrg('Race customer');
  const created = await f.db.transaction((tx) => createProject(tx, f.deps, org.orgId, 'Side project'));
  assert.equal(created.result, 'ok');
  const projectId = created.result === 'ok' ? created.project.id : '';

  // The key's creation, step by step as the route makes it, held open after it saw the project live.
  let sawProject!: () => void;
  const projectSeen = new Promise<void>((resolve) => (sawProject = resolve));
  let letGo!: () => void;
  const gate = new Promise<void>((resolve) => (letGo = resolve));
  const making = f.db.transaction(async (tx) => {
    await lockOrganization(tx, org.orgId);
    const project = await findProject(tx, org.orgId, projectId);
    assert.equal(project?.archivedAtMs, null);
    sawProject();
    await gate;
    return addOrganizationApiKey(tx, f.deps, org.orgId, { projectId });
  });
  await projectSeen;
  const archiving = f.db.transaction((tx) => archiveProject(tx, f.clock.nowMs(), org.orgId, projectId));
  // Long enough for the archive to run to its end if nothing makes it wait.
  await pause(150);
  letGo();
  const key = await making;
  const archived = await archiving;
  assert.equal(archived.result, 'ok');

  assert.equal((await findProject(f.db, org.orgId, projectId))?.archivedAtMs, f.clock.nowMs());
  assert.equal(await apiKeyCaller(f.db, key.apiKey), null, 'a key of an archived project still authenticates');
  const live = await f.db.all('SELECT id FROM billing_api_keys WHERE project_id = ? AND revoked_at_ms IS NULL', [projectId]);
  assert.deepEqual(live, []);
});
