import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { changeMemberRole, removeMember } from '../../src/billing/members/member-roster.ts';
import type { Member } from '../../src/billing/members/members.ts';
import { createProject, defaultProjectId } from '../../src/billing/usage/projects.ts';
import type { Sql, Tx } from '../../src/platform/db/database.ts';
import type { BillingFixture } from './billing-fixture.ts';
import { memberHttpFixture, type MemberHttpFixture } from './member-http-fixture.ts';

// An owner's change authenticated just before another owner's demotion (or removal) of it commits must not finish after
// it: the auth hook reads the role before the change's own transaction. Deterministic: the demotion is committed through
// the roster right after the hook has read the acting member's role — between the auth check and the handler — by
// wrapping the database's one-statement reads, which the auth hooks use (the changes run in transactions). On both databases.

let h: MemberHttpFixture;
let f: BillingFixture;

beforeEach(async () => {
  h = await memberHttpFixture({ seed: 47 });
  f = h.f;
});
afterEach(() => h.close());

// The auth hooks' read of a session's member and its role (member-sessions.ts authenticateMemberSession).
const ROLE_READ = 'FROM billing_members m JOIN billing_organizations o';

/**
 * The next request's role read answers as it found the member, and `meanwhile` commits before the request goes on.
 * The answer, called once the request has been answered, puts the read back and says whether `meanwhile` ran: a test
 * that never reached it proves nothing.
 */
function commitAfterNextRoleRead(meanwhile: () => Promise<unknown>): () => boolean {
  const db = f.db as Sql & { get: Sql['get'] };
  const real = db.get;
  let ran = false;
  db.get = async function (sql: string, params?: readonly unknown[]) {
    const row = await real.call(db, sql, params);
    if (!ran && sql.includes(ROLE_READ)) {
      ran = true;
      await meanwhile();
    }
    return row as never;
  } as Sql['get'];
  return () => {
    db.get = real;
    return ran;
  };
}

// What an administrative change could change, compared whole before and after.
const TABLES = ['billing_members', 'billing_member_sessions', 'billing_member_mail', 'billing_api_keys', 'billing_projects'];
const snapshot = async () => Object.fromEntries(await Promise.all(TABLES.map(async (t) => [t, await f.db.all(`SELECT * FROM ${t} ORDER BY id`)] as const)));

interface Organization {
  readonly orgId: string;
  readonly apiKeyId: string;
  readonly alice: { member: Member; token: string };
  readonly bob: { member: Member; token: string };
  readonly carol: { member: Member; token: string };
  readonly sideProjectId: string;
}

/** Alice and Bob own it, Carol is a member; it has its first key and a second project. */
async function organization(name: string): Promise<Organization> {
  const org = await f.newOrg(name);
  const alice = await h.memberWithSession(org.orgId, `alice@${name}.example`);
  const bob = await h.memberWithSession(org.orgId, `bob@${name}.example`);
  const carol = await h.memberWithSession(org.orgId, `carol@${name}.example`, 'member');
  const side = await f.db.transaction((tx: Tx) => createProject(tx, f.deps, org.orgId, 'Side project'));
  assert.equal(side.result, 'ok');
  return { orgId: org.orgId, apiKeyId: org.apiKeyId, alice, bob, carol, sideProjectId: side.result === 'ok' ? side.project.id : '' };
}

const org = (path: string) => `/merchant/v1/organization${path}`;
type Change = readonly [what: string, method: string, path: (o: Organization) => string, body: unknown, code: string];
const CHANGES: readonly Change[] = [
  // Billing's roster, in billing's words.
  ['invite a member', 'POST', () => '/billing/v1/members', { email: 'eve@example.com', role: 'owner' }, 'permission_denied'],
  ["change a member's role", 'POST', (o) => `/billing/v1/members/${o.carol.member.id}`, { role: 'owner' }, 'permission_denied'],
  ['remove a member', 'DELETE', (o) => `/billing/v1/members/${o.carol.member.id}`, undefined, 'permission_denied'],
  // The organization API, in OpenAI's.
  ['make an API key', 'POST', (o) => org(`/projects/${defaultProjectId(o.orgId)}/api_keys`), { name: 'late' }, 'insufficient_permissions'],
  ['revoke an API key', 'DELETE', (o) => org(`/projects/${defaultProjectId(o.orgId)}/api_keys/${o.apiKeyId}`), undefined, 'insufficient_permissions'],
  ['rename an API key', 'POST', (o) => org(`/projects/${defaultProjectId(o.orgId)}/api_keys/${o.apiKeyId}`), { name: 'renamed' }, 'insufficient_permissions'],
  ['make a project', 'POST', () => org('/projects'), { name: 'Late project' }, 'insufficient_permissions'],
  ['rename a project', 'POST', (o) => org(`/projects/${o.sideProjectId}`), { name: 'Renamed' }, 'insufficient_permissions'],
  ['archive a project', 'POST', (o) => org(`/projects/${o.sideProjectId}/archive`), undefined, 'insufficient_permissions'],
];

test('an owner demoted between the auth check and its change is refused as a member (403) and changes nothing', async () => {
  for (const [i, [what, method, path, body, code]] of CHANGES.entries()) {
    const o = await organization(`demoted${i}`);
    const before = await snapshot();
    const demoted = commitAfterNextRoleRead(() =>
      f.db.transaction((tx: Tx) => changeMemberRole(tx, { orgId: o.orgId, actorMemberId: o.alice.member.id, memberId: o.bob.member.id, role: 'member' })),
    );
    const refused = await h.call(method, path(o), o.bob.token, body);
    assert.equal(demoted(), true, `${what}: the demotion ran between the auth check and the change`);
    assert.deepEqual([refused.status, refused.body.error?.code], [403, code], `${what}: ${JSON.stringify(refused.body)}`);
    const after = await snapshot();
    const bob = (after.billing_members as Array<{ id: string; role: string }>).find((m) => m.id === o.bob.member.id)!;
    assert.equal(bob.role, 'member', `${what}: demoted`);
    assert.deepEqual({ ...after, billing_members: undefined }, { ...before, billing_members: undefined }, `${what}: nothing else changed`);
    assert.deepEqual(
      (after.billing_members as Array<{ id: string }>).filter((m) => m.id !== o.bob.member.id),
      (before.billing_members as Array<{ id: string }>).filter((m) => m.id !== o.bob.member.id),
      `${what}: no other member changed`,
    );
    // The same request from the owner who is still one goes through: the refusal was the demotion's, not the request's.
    const allowed = await h.call(method, path(o), o.alice.token, body);
    assert.ok(allowed.status === 200 || allowed.status === 201, `${what} by an owner: ${allowed.status} ${JSON.stringify(allowed.body)}`);
  }
});

test('an owner removed between the auth check and revoking a key is refused as signed out (401), and the key stays live', async () => {
  const o = await organization('removed');
  const removed = commitAfterNextRoleRead(() =>
    f.db.transaction((tx: Tx) => removeMember(tx, { orgId: o.orgId, actorMemberId: o.alice.member.id, memberId: o.bob.member.id, nowMs: f.clock.nowMs() })),
  );
  const refused = await h.call('DELETE', org(`/projects/${defaultProjectId(o.orgId)}/api_keys/${o.apiKeyId}`), o.bob.token);
  assert.equal(removed(), true);
  assert.deepEqual([refused.status, refused.body.error?.code], [401, 'invalid_session'], JSON.stringify(refused.body));
  const key = await f.db.get<{ revoked_at_ms: unknown }>('SELECT revoked_at_ms FROM billing_api_keys WHERE id = ?', [o.apiKeyId]);
  assert.equal(key?.revoked_at_ms, null);
});
