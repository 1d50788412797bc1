import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { readMemberMailbox } from '../../src/billing/members/member-mail.ts';
import { removeMember } from '../../src/billing/members/member-roster.ts';
import { addMember, listMembers } from '../../src/billing/members/members.ts';
import { lockOrganization } from '../../src/billing/organizations.ts';
import { ECHO_MODEL } from '../../src/billing/price-book.ts';
import { defaultProjectId } from '../../src/billing/usage/projects.ts';
import { runCli } from '../../src/cli/program.ts';
import { OTP_RESEND_COOLDOWN_MS } from '../../src/platform/identity/one-time-codes.ts';
import type { BillingFixture } from './billing-fixture.ts';
import { memberHttpFixture, type MemberHttpFixture } from './member-http-fixture.ts';

// Review findings: (1) an API key recorded nobody as its maker, so a removed owner kept spending — and, since a key could do
// everything, could invite themselves back; (2) an invitation made the address a member at once, and signing in without naming
// an organization opened the oldest membership, so whoever invited an address first became that person's default organization.

let h: MemberHttpFixture;
let f: BillingFixture;
let url: string;

beforeEach(async () => {
  h = await memberHttpFixture({ seed: 41 });
  ({ f, url } = h);
});
afterEach(() => h.close());

const call: MemberHttpFixture['call'] = (...args) => h.call(...args);
const memberWithSession: MemberHttpFixture['memberWithSession'] = (...args) => h.memberWithSession(...args);

const chat = (key: string) => call('POST', '/merchant/v1/chat/completions', key, { model: ECHO_MODEL, messages: [{ role: 'user', content: 'hi' }] });
const keysPath = (orgId: string) => `/merchant/v1/organization/projects/${defaultProjectId(orgId)}/api_keys`;

async function makeKey(orgId: string, token: string, name: string) {
  return call('POST', keysPath(orgId), token, { name });
}

async function liveKeysMadeBy(memberId: string): Promise<unknown[]> {
  return f.db.all('SELECT id FROM billing_api_keys WHERE created_by_member_id = ? AND revoked_at_ms IS NULL', [memberId]);
}

async function signInCode(email: string): Promise<string> {
  const sent = await call('POST', '/billing/v1/sessions/code', undefined, { email });
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
  const [letter] = await readMemberMailbox(f.db, email, 1);
  return /\b(\d{6})\b/.exec(letter!.subject)![1]!;
}

test('a key records the member who made it; removing the member revokes their keys at once, so they can neither spend nor invite themselves back', async () => {
  const org = await f.newOrg('Acme AI');
  await f.grant(org.orgId, 1_000);
  const alice = await memberWithSession(org.orgId, 'alice@example.com');
  const bob = await memberWithSession(org.orgId, 'bob@example.com');

  const made = await makeKey(org.orgId, alice.token, 'alice laptop');
  assert.equal(made.status, 201, JSON.stringify(made.body));
  assert.deepEqual(made.body.owner, { type: 'user', user: { id: alice.member.id, email: 'alice@example.com' } });
  const aliceKey: string = made.body.value;
  assert.equal((await chat(aliceKey)).status, 200);

  // The organization's first key was made by Cardlane, not a member (as every key from before makers were recorded): unknown.
  const listed = await call('GET', keysPath(org.orgId), bob.token);
  assert.deepEqual(
    listed.body.data.map((k: any) => [k.id, k.owner?.user.email ?? 'unknown']),
    [
      [org.apiKeyId, 'unknown'],
      [made.body.id, 'alice@example.com'],
    ],
  );

  const removed = await call('DELETE', `/billing/v1/members/${alice.member.id}`, bob.token);
  assert.equal(removed.status, 200, JSON.stringify(removed.body));
  assert.equal((await chat(aliceKey)).status, 401, "a removed member's key spends nothing");
  const back = await call('POST', '/billing/v1/members', aliceKey, { email: 'alice@example.com', role: 'owner' });
  assert.equal(back.status, 401, 'nor invites its maker back');
  assert.deepEqual(
    (await listMembers(f.db, org.orgId)).map((m) => m.email),
    ['bob@example.com'],
  );
  // Revoked in the removal's own transaction: stamped with its time, and the other owners still see whose it was.
  const after = await call('GET', `${keysPath(org.orgId)}?include_revoked=true`, org.apiKey);
  const revoked = after.body.data.find((k: any) => k.id === made.body.id);
  assert.deepEqual([revoked.revoked_at, revoked.owner.user.email], [Math.floor(f.clock.nowMs() / 1000), 'alice@example.com']);
  // A key without a maker keeps working.
  assert.equal((await chat(org.apiKey)).status, 200);

  // The CLI lists the same: who made each key, "unknown" for the first.
  let out = '';
  const io = { stdout: { write: (text: string) => void (out += text) }, stderr: { write: (text: string) => void (out += text) } };
  assert.equal(await runCli(['node', 'cardlane', 'billing', '--url', url, '--key', org.apiKey, 'keys', '--all'], io), 0, out);
  assert.match(out, new RegExp(`${org.apiKeyId} .*made by unknown / 未知`));
  assert.match(out, new RegExp(`${made.body.id} .*made by alice@example\\.com .*revoked`));
});

test('administering the organization needs an owner signed in: a plain API key is refused with 403 session_required and changes nothing', async () => {
  const org = await f.newOrg('Acme AI');
  const owner = await memberWithSession(org.orgId, 'owner@example.com');
  const before = {
    keys: await f.db.all('SELECT * FROM billing_api_keys ORDER BY id'),
    members: await f.db.all('SELECT * FROM billing_members ORDER BY id'),
    projects: await f.db.all('SELECT * FROM billing_projects ORDER BY id'),
  };
  for (const [method, path, body] of [
    ['POST', '/billing/v1/members', { email: 'mallory@example.com', role: 'owner' }],
    ['DELETE', `/billing/v1/members/${owner.member.id}`, undefined],
    ['POST', keysPath(org.orgId), { name: 'another' }],
    ['POST', `${keysPath(org.orgId)}/${org.apiKeyId}`, { name: 'renamed' }],
    ['DELETE', `${keysPath(org.orgId)}/${org.apiKeyId}`, undefined],
    ['POST', '/merchant/v1/organization/projects', { name: 'Side' }],
    ['POST', `/merchant/v1/organization/projects/${defaultProjectId(org.orgId)}`, { name: 'Renamed' }],
  ] as const) {
    const refused = await call(method, path, org.apiKey, body);
    assert.deepEqual([refused.status, refused.body.error.code], [403, 'session_required'], `${method} ${path}: ${JSON.stringify(refused.body)}`);
  }
  assert.deepEqual(await f.db.all('SELECT * FROM billing_api_keys ORDER BY id'), before.keys);
  assert.deepEqual(await f.db.all('SELECT * FROM billing_members ORDER BY id'), before.members);
  assert.deepEqual(await f.db.all('SELECT * FROM billing_projects ORDER BY id'), before.projects);
  assert.deepEqual(await readMemberMailbox(f.db, 'mallory@example.com'), [], 'no invitation letter');
  // Reading stays open to keys; the owner's session does the same changes.
  assert.equal((await call('GET', '/billing/v1/members', org.apiKey)).status, 200);
  assert.equal((await call('GET', keysPath(org.orgId), org.apiKey)).status, 200);
  assert.equal((await call('POST', '/billing/v1/members', owner.token, { email: 'mallory@example.com' })).status, 201);
  assert.equal((await makeKey(org.orgId, owner.token, 'by the owner')).status, 201);
});

test('race: a key minted by a member while the member is being removed ends revoked (or is never made)', async () => {
  const org = await f.newOrg('Racing org');
  const keeper = await memberWithSession(org.orgId, 'keeper@example.com');

  // Deterministic: the member's session is read before the removal commits, the key's transaction runs after it.
  const early = await memberWithSession(org.orgId, 'early@example.com');
  let minting: Promise<{ status: number; body: any }> | undefined;
  await f.db.transaction(async (tx) => {
    await lockOrganization(tx, org.orgId);
    minting = makeKey(org.orgId, early.token, 'minted during removal');
    // Long enough for the request to authenticate the session (a read outside this transaction) and wait for the lock.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await removeMember(tx, { orgId: org.orgId, actorMemberId: keeper.member.id, memberId: early.member.id, nowMs: f.clock.nowMs() });
  });
  const refused = await minting!;
  assert.equal(refused.status, 401, JSON.stringify(refused.body));
  assert.deepEqual(await liveKeysMadeBy(early.member.id), []);

  // Free-running: both at once, many times, in whatever order the database gives.
  for (let round = 0; round < 12; round++) {
    const member = await memberWithSession(org.orgId, `racer${round}@example.com`);
    const [minted, removed] = await Promise.all([
      makeKey(org.orgId, member.token, `racer ${round}`),
      call('DELETE', `/billing/v1/members/${member.member.id}`, keeper.token),
    ]);
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    assert.deepEqual(await liveKeysMadeBy(member.member.id), [], `round ${round}: no live key of a removed member`);
    if (minted.status === 201) assert.equal((await chat(minted.body.value)).status, 401, `round ${round}: the minted key is refused`);
    else assert.equal(minted.status, 401, JSON.stringify(minted.body));
  }
});

test('an invitation is not membership: it is never the default organization, and the person accepts by choosing it', async () => {
  // The attacker's organization invites the address first.
  const attacker = await f.newOrg('Attacker Inc');
  const attackerOwner = await memberWithSession(attacker.orgId, 'mallory@example.com');
  f.clock.advanceMs(1);
  const invited = await call('POST', '/billing/v1/members', attackerOwner.token, { email: 'victim@example.com', role: 'owner' });
  assert.deepEqual([invited.status, invited.body.status], [201, 'invited']);
  const [letter] = await readMemberMailbox(f.db, 'victim@example.com');
  assert.match(letter!.body, /invited[\s\S]*accept[\s\S]*邀请/);

  // Only an invitation: signing in without naming an organization opens nothing; the same code then accepts the one named.
  f.clock.advanceMs(1);
  const code = await signInCode('victim@example.com');
  const choose = await call('POST', '/billing/v1/sessions', undefined, { email: 'victim@example.com', code });
  assert.deepEqual([choose.status, choose.body.error.code, choose.body.error.param], [409, 'organization_choice_required', 'organization']);
  assert.deepEqual(choose.body.error.invitations, [{ organization: { id: attacker.orgId, name: 'Attacker Inc' }, role: 'owner' }]);
  assert.equal(choose.body.error.token, undefined);
  assert.equal((await listMembers(f.db, attacker.orgId)).find((m) => m.email === 'victim@example.com')!.lastChosenAtMs, null, 'still an invitation');

  // The victim's own organization, made later.
  const own = await f.newOrg('Victim Labs');
  await f.db.transaction((tx) => addMember(tx, { ids: f.deps.ids, nowMs: f.clock.nowMs() }, { orgId: own.orgId, email: 'victim@example.com', role: 'owner' }));
  const signedIn = await call('POST', '/billing/v1/sessions', undefined, { email: 'victim@example.com', code });
  assert.equal(signedIn.status, 200, 'the same code works: the refusal rolled back');
  assert.equal(signedIn.body.organization.id, own.orgId, 'the default is their own organization, not the older invitation');
  assert.deepEqual(
    signedIn.body.organizations.map((o: any) => [o.id, o.status]),
    [
      [attacker.orgId, 'invited'],
      [own.orgId, 'active'],
    ],
  );
  const roster = await call('GET', '/billing/v1/members', attackerOwner.token);
  assert.deepEqual(
    roster.body.data.map((m: any) => [m.email, m.status]),
    [
      ['mallory@example.com', 'active'],
      ['victim@example.com', 'invited'],
    ],
  );

  // Naming the organization accepts it, and it becomes the default: the organization last chosen.
  f.clock.advanceMs(OTP_RESEND_COOLDOWN_MS);
  const accepted = await call('POST', '/billing/v1/sessions', undefined, { email: 'victim@example.com', code: await signInCode('victim@example.com'), organization: attacker.orgId });
  assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
  assert.deepEqual([accepted.body.organization.id, accepted.body.member.status], [attacker.orgId, 'active']);
  f.clock.advanceMs(OTP_RESEND_COOLDOWN_MS);
  const again = await call('POST', '/billing/v1/sessions', undefined, { email: 'victim@example.com', code: await signInCode('victim@example.com') });
  assert.equal(again.body.organization.id, attacker.orgId);
  f.clock.advanceMs(OTP_RESEND_COOLDOWN_MS);
  const back = await call('POST', '/billing/v1/sessions', undefined, { email: 'victim@example.com', code: await signInCode('victim@example.com'), organization: own.orgId });
  assert.equal(back.body.organization.id, own.orgId);
  f.clock.advanceMs(OTP_RESEND_COOLDOWN_MS);
  const lastChosen = await call('POST', '/billing/v1/sessions', undefined, { email: 'victim@example.com', code: await signInCode('victim@example.com') });
  assert.equal(lastChosen.body.organization.id, own.orgId);
});
