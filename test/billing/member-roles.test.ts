import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { changeMemberRole } from '../../src/billing/members/member-roster.ts';
import { addMember, listMembers, memberStatus } from '../../src/billing/members/members.ts';
import { lockOrganization } from '../../src/billing/organizations.ts';
import { ECHO_MODEL } from '../../src/billing/price-book.ts';
import { defaultProjectId } from '../../src/billing/usage/projects.ts';
import { runCli } from '../../src/cli/program.ts';
import type { BillingFixture } from './billing-fixture.ts';
import { memberHttpFixture, type MemberHttpFixture } from './member-http-fixture.ts';

// Changing a member's role (POST /billing/v1/members/:id, as OpenAI's "modify user"), over HTTP on both databases:
// an owner promotes, demotes or steps down; the organization keeps an owner who has accepted, also when two owners
// demote each other at the same moment; a demoted owner is a member from its very next request and keeps its keys.

let h: MemberHttpFixture;
let f: BillingFixture;
let url: string;

beforeEach(async () => {
  h = await memberHttpFixture({ seed: 43 });
  ({ f, url } = h);
});
afterEach(() => h.close());

const call: MemberHttpFixture['call'] = (...args) => h.call(...args);
const memberWithSession: MemberHttpFixture['memberWithSession'] = (...args) => h.memberWithSession(...args);

const setRole = (token: string, memberId: string, role: unknown) => call('POST', `/billing/v1/members/${memberId}`, token, { role });
// By address: members added in the same millisecond of the manual clock list in id order, which is random.
const roster = async (orgId: string) => (await listMembers(f.db, orgId)).map((m) => [m.email, m.role, memberStatus(m)]).sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
const acceptedOwners = async (orgId: string) => (await listMembers(f.db, orgId)).filter((m) => m.role === 'owner' && memberStatus(m) === 'active').map((m) => m.email);
const chat = (key: string) => call('POST', '/merchant/v1/chat/completions', key, { model: ECHO_MODEL, messages: [{ role: 'user', content: 'hi' }] });
const makeKey = (orgId: string, token: string, name: string) => call('POST', `/merchant/v1/organization/projects/${defaultProjectId(orgId)}/api_keys`, token, { name });
const invite = (token: string, email: string) => call('POST', '/billing/v1/members', token, { email });

test('an owner promotes a member to owner and demotes an owner; an invitation changes role too; the same role again changes nothing', async () => {
  const org = await f.newOrg('Acme AI');
  const alice = await memberWithSession(org.orgId, 'alice@example.com');
  const bob = await memberWithSession(org.orgId, 'bob@example.com', 'member');

  const promoted = await setRole(alice.token, bob.member.id, 'owner');
  assert.equal(promoted.status, 200, JSON.stringify(promoted.body));
  assert.deepEqual([promoted.body.object, promoted.body.id, promoted.body.email, promoted.body.role, promoted.body.status], ['billing.member', bob.member.id, 'bob@example.com', 'owner', 'active']);
  assert.equal((await invite(bob.token, 'carol@example.com')).status, 201, 'a promoted member administers the organization at its next request');

  // An invitation not accepted yet: its role changes, it stays an invitation.
  const carol = (await listMembers(f.db, org.orgId)).find((m) => m.email === 'carol@example.com')!;
  const carolOwner = await setRole(alice.token, carol.id, 'owner');
  assert.deepEqual([carolOwner.status, carolOwner.body.role, carolOwner.body.status], [200, 'owner', 'invited']);
  const carolMember = await setRole(bob.token, carol.id, 'member');
  assert.deepEqual([carolMember.status, carolMember.body.role, carolMember.body.status], [200, 'member', 'invited']);

  // The same role again: 200, the member as it is.
  const before = await f.db.all('SELECT * FROM billing_members ORDER BY id');
  const same = await setRole(alice.token, bob.member.id, 'owner');
  assert.deepEqual([same.status, same.body.role, same.body.created_at], [200, 'owner', promoted.body.created_at]);
  assert.deepEqual(await f.db.all('SELECT * FROM billing_members ORDER BY id'), before);

  // An owner demotes another owner.
  const demoted = await setRole(bob.token, alice.member.id, 'member');
  assert.deepEqual([demoted.status, demoted.body.role], [200, 'member']);
  assert.deepEqual(await roster(org.orgId), [
    ['alice@example.com', 'member', 'active'],
    ['bob@example.com', 'owner', 'active'],
    ['carol@example.com', 'member', 'invited'],
  ]);
});

test('a demoted owner loses the owner’s rights at its very next request, keeps its session to look, and the keys it made stay valid', async () => {
  const org = await f.newOrg('Acme AI');
  await f.grant(org.orgId, 1_000);
  const alice = await memberWithSession(org.orgId, 'alice@example.com');
  const bob = await memberWithSession(org.orgId, 'bob@example.com');
  const made = await makeKey(org.orgId, bob.token, 'bob laptop');
  assert.equal(made.status, 201, JSON.stringify(made.body));
  // Bob's session has already been used as an owner's (anything kept from it would say owner).
  assert.equal((await invite(bob.token, 'dave@example.com')).status, 201);
  const dave = (await listMembers(f.db, org.orgId)).find((m) => m.email === 'dave@example.com')!;

  assert.equal((await setRole(alice.token, bob.member.id, 'member')).status, 200);

  const before = { members: await f.db.all('SELECT * FROM billing_members ORDER BY id'), keys: await f.db.all('SELECT * FROM billing_api_keys ORDER BY id') };
  for (const [method, path, body, code] of [
    ['POST', '/billing/v1/members', { email: 'eve@example.com' }, 'permission_denied'],
    ['POST', `/billing/v1/members/${bob.member.id}`, { role: 'owner' }, 'permission_denied'],
    ['POST', `/billing/v1/members/${dave.id}`, { role: 'owner' }, 'permission_denied'],
    ['DELETE', `/billing/v1/members/${dave.id}`, undefined, 'permission_denied'],
    // The organization API answers in OpenAI's words.
    ['POST', `/merchant/v1/organization/projects/${defaultProjectId(org.orgId)}/api_keys`, { name: 'another' }, 'insufficient_permissions'],
  ] as const) {
    const refused = await call(method, path, bob.token, body);
    assert.deepEqual([refused.status, refused.body.error?.code], [403, code], `${method} ${path}: ${JSON.stringify(refused.body)}`);
  }
  assert.deepEqual(await f.db.all('SELECT * FROM billing_members ORDER BY id'), before.members);
  assert.deepEqual(await f.db.all('SELECT * FROM billing_api_keys ORDER BY id'), before.keys);

  // Still a member: the same session reads; the key Bob made as an owner still spends (as OpenAI keeps a user's keys).
  const current = await call('GET', '/billing/v1/sessions/current', bob.token);
  assert.deepEqual([current.status, current.body.member.role], [200, 'member']);
  assert.equal((await call('GET', '/billing/v1/members', bob.token)).status, 200);
  assert.equal((await chat(made.body.value)).status, 200);
});

test('the organization keeps an owner who has accepted: stepping down as the only one is 409 last_owner, an invited owner does not count', async () => {
  const org = await f.newOrg('Acme AI');
  const alice = await memberWithSession(org.orgId, 'alice@example.com');
  const reader = await memberWithSession(org.orgId, 'reader@example.com', 'member');
  assert.equal((await call('POST', '/billing/v1/members', alice.token, { email: 'heir@example.com', role: 'owner' })).status, 201);
  const before = await f.db.all('SELECT * FROM billing_members ORDER BY id');

  const refused = await setRole(alice.token, alice.member.id, 'member');
  assert.deepEqual([refused.status, refused.body.error.code, refused.body.error.type], [409, 'last_owner', 'invalid_request_error']);
  assert.match(refused.body.error.message, /only owner who has accepted/);
  assert.deepEqual(await f.db.all('SELECT * FROM billing_members ORDER BY id'), before, 'nothing changed');

  // Once another owner has accepted (signed in choosing the organization), the first may step down.
  await f.db.transaction((tx) => addMember(tx, { ids: f.deps.ids, nowMs: f.clock.nowMs() }, { orgId: org.orgId, email: 'heir@example.com', role: 'owner' }));
  const steppedDown = await setRole(alice.token, alice.member.id, 'member');
  assert.deepEqual([steppedDown.status, steppedDown.body.role], [200, 'member']);
  assert.deepEqual(await acceptedOwners(org.orgId), ['heir@example.com']);
  assert.equal((await setRole(reader.token, reader.member.id, 'owner')).status, 403, 'a member cannot promote itself');
});

test('leaving follows the same rule: the only owner who has accepted cannot leave an invited owner in charge (it could)', async () => {
  const org = await f.newOrg('Acme AI');
  const alice = await memberWithSession(org.orgId, 'alice@example.com');
  assert.equal((await call('POST', '/billing/v1/members', alice.token, { email: 'heir@example.com', role: 'owner' })).status, 201);
  const before = await f.db.all('SELECT * FROM billing_members ORDER BY id');

  const refused = await call('DELETE', `/billing/v1/members/${alice.member.id}`, alice.token);
  assert.deepEqual([refused.status, refused.body.error.code], [409, 'last_owner']);
  assert.deepEqual(await f.db.all('SELECT * FROM billing_members ORDER BY id'), before, 'nothing changed');

  // Once the heir has accepted, alice may leave.
  await f.db.transaction((tx) => addMember(tx, { ids: f.deps.ids, nowMs: f.clock.nowMs() }, { orgId: org.orgId, email: 'heir@example.com', role: 'owner' }));
  assert.equal((await call('DELETE', `/billing/v1/members/${alice.member.id}`, alice.token)).status, 200);
  assert.deepEqual(await acceptedOwners(org.orgId), ['heir@example.com']);
});

test('refusals: a role that is not one, another organization’s member or none (404), an API key (403 session_required), a member (403); nothing changes', async () => {
  const org = await f.newOrg('Acme AI');
  const alice = await memberWithSession(org.orgId, 'alice@example.com');
  const reader = await memberWithSession(org.orgId, 'reader@example.com', 'member');
  const elsewhere = await f.newOrg('Other Inc');
  const stranger = await memberWithSession(elsewhere.orgId, 'stranger@example.com', 'member');
  const before = await f.db.all('SELECT * FROM billing_members ORDER BY id');

  for (const [body, code] of [
    [{ role: 'admin' }, 'parameter_invalid'],
    [{ role: 'reader' }, 'parameter_invalid'],
    [{ role: 'OWNER' }, 'parameter_invalid'],
    [{ role: 7 }, 'parameter_invalid'],
    [{}, 'parameter_missing'],
  ] as const) {
    const bad = await call('POST', `/billing/v1/members/${reader.member.id}`, alice.token, body);
    assert.deepEqual([bad.status, bad.body.error.code, bad.body.error.param], [400, code, 'role'], JSON.stringify(body));
  }
  const badRole = await setRole(alice.token, reader.member.id, 'admin');
  assert.match(badRole.body.error.message, /role.*owner, member/);
  const extra = await call('POST', `/billing/v1/members/${reader.member.id}`, alice.token, { role: 'owner', email: 'x@example.com' });
  assert.deepEqual([extra.status, extra.body.error.code], [400, 'parameter_unknown']);

  for (const id of [stranger.member.id, 'mem_nobody']) {
    const missing = await setRole(alice.token, id, 'owner');
    assert.deepEqual([missing.status, missing.body.error.code, missing.body.error.param], [404, 'resource_missing', 'id'], id);
  }
  const byKey = await setRole(org.apiKey, reader.member.id, 'owner');
  assert.deepEqual([byKey.status, byKey.body.error.code], [403, 'session_required']);
  const byMember = await setRole(reader.token, alice.member.id, 'member');
  assert.deepEqual([byMember.status, byMember.body.error.code], [403, 'permission_denied']);
  const noCredential = await call('POST', `/billing/v1/members/${reader.member.id}`, undefined, { role: 'owner' });
  assert.equal(noCredential.status, 401);
  // Another organization's owner cannot reach this organization's members either.
  const otherOwner = await memberWithSession(elsewhere.orgId, 'boss@example.com');
  assert.equal((await setRole(otherOwner.token, alice.member.id, 'member')).status, 404);

  assert.deepEqual(await f.db.all('SELECT * FROM billing_members WHERE email <> ? ORDER BY id', ['boss@example.com']), before);
});

test('race: two owners demoting each other (or both stepping down) at the same moment leave one owner', async () => {
  // Deterministic: Bob's request authenticates (as an owner) before Alice's demotion of him commits, and reaches the lock after it.
  const org = await f.newOrg('Racing org');
  const alice = await memberWithSession(org.orgId, 'alice@example.com');
  const bob = await memberWithSession(org.orgId, 'bob@example.com');
  let demoting: Promise<{ status: number; body: any }> | undefined;
  await f.db.transaction(async (tx) => {
    await lockOrganization(tx, org.orgId);
    demoting = setRole(bob.token, alice.member.id, 'member');
    // Long enough for the request to authenticate the session (a read outside this transaction) and wait for the lock.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await changeMemberRole(tx, { orgId: org.orgId, actorMemberId: alice.member.id, memberId: bob.member.id, role: 'member' });
  });
  const refused = await demoting!;
  assert.deepEqual([refused.status, refused.body.error?.code], [403, 'permission_denied'], JSON.stringify(refused.body));
  assert.deepEqual(await acceptedOwners(org.orgId), ['alice@example.com']);

  // Free-running: both at once, in whatever order the database gives.
  for (let round = 0; round < 12; round++) {
    const racing = await f.newOrg(`Racing org ${round}`);
    const a = await memberWithSession(racing.orgId, `a${round}@example.com`);
    const b = await memberWithSession(racing.orgId, `b${round}@example.com`);
    const stepDown = round % 2 === 1;
    const answers = await Promise.all([setRole(a.token, (stepDown ? a : b).member.id, 'member'), setRole(b.token, (stepDown ? b : a).member.id, 'member')]);
    const owners = await acceptedOwners(racing.orgId);
    assert.equal(owners.length, 1, `round ${round}: ${JSON.stringify(answers.map((x) => x.body))}`);
    const statuses = answers.map((x) => x.status).sort();
    // Demoting each other: the second finds itself a member (403). Both stepping down: the second is the last owner (409).
    assert.deepEqual(statuses, [200, stepDown ? 409 : 403], `round ${round}: ${JSON.stringify(answers.map((x) => x.body))}`);
    assert.deepEqual(answers.find((x) => x.status !== 200)!.body.error.code, stepDown ? 'last_owner' : 'permission_denied');
  }
});

test('cardlane billing members role <email> <role>: readable and --json, by address, with an owner’s session token', async () => {
  const org = await f.newOrg('Acme AI');
  const alice = await memberWithSession(org.orgId, 'alice@example.com');
  const bob = await memberWithSession(org.orgId, 'bob@example.com', 'member');
  let out = '';
  const io = { stdout: { write: (text: string) => void (out += text) }, stderr: { write: (text: string) => void (out += text) } };
  const cli = async (key: string, ...args: string[]) => {
    out = '';
    const code = await runCli(['node', 'cardlane', 'billing', '--url', url, '--key', key, 'members', ...args], io);
    return { code, out };
  };

  const promoted = await cli(alice.token, 'role', ' Bob@Example.com ', 'owner');
  assert.equal(promoted.code, 0, promoted.out);
  assert.match(promoted.out, new RegExp(`^bob@example\\.com: member → owner\\n  ${bob.member.id}  bob@example\\.com  owner  since \\d{4}-\\d\\d-\\d\\d\\n$`));
  const again = await cli(alice.token, 'role', 'bob@example.com', 'owner');
  assert.match(again.out, /bob@example\.com is already owner: nothing changed/);
  const json = await cli(alice.token, 'role', 'bob@example.com', 'member', '--json');
  assert.equal(json.code, 0, json.out);
  assert.deepEqual([JSON.parse(json.out).id, JSON.parse(json.out).role], [bob.member.id, 'member']);

  const stepDown = await cli(alice.token, 'role', 'alice@example.com', 'member');
  assert.notEqual(stepDown.code, 0);
  assert.match(stepDown.out, /\(last_owner\)/);
  const byKey = await cli(org.apiKey, 'role', 'bob@example.com', 'owner');
  assert.match(byKey.out, /\(session_required\)/);
  const nobody = await cli(alice.token, 'role', 'nobody@example.com', 'owner');
  assert.notEqual(nobody.code, 0);
  assert.match(nobody.out, /nobody@example\.com is not a member of this organization/);
  const badRole = await cli(alice.token, 'role', 'bob@example.com', 'admin');
  assert.notEqual(badRole.code, 0);
  assert.deepEqual(await roster(org.orgId), [
    ['alice@example.com', 'owner', 'active'],
    ['bob@example.com', 'member', 'active'],
  ]);
});
