import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { createBillingServices } from '../../src/billing/billing-services.ts';
import { billingRoutes } from '../../src/billing/http/billing-routes.ts';
import { MEMBER_SESSION_SWITCH_RATE_LIMIT } from '../../src/billing/http/member-routes.ts';
import { readMemberMailbox } from '../../src/billing/members/member-mail.ts';
import { MEMBER_SESSION_TTL_MS } from '../../src/billing/members/member-sessions.ts';
import { addMember, listMembers, type MemberRole } from '../../src/billing/members/members.ts';
import type { BillingProvider } from '../../src/billing/payments/provider.ts';
import { OTP_RESEND_COOLDOWN_MS } from '../../src/platform/identity/one-time-codes.ts';
import type { BillingFixture } from './billing-fixture.ts';
import { memberHttpFixture, type MemberHttpFixture } from './member-http-fixture.ts';
import { BILLING_TEST_CONFIG } from './payments-fixture.ts';

// A person in several organizations moves between them on the billing page
// without a new mailed code (POST /billing/v1/sessions/switch, as OpenAI's
// organization switcher): a new session in the one named, the old one ended
// in the same transaction; an invitation is accepted by it as by signing in
// choosing it; an organization they are not in is 404 and nothing changes;
// only a member's session switches, never an API key.

let h: MemberHttpFixture;
let f: BillingFixture;

beforeEach(async () => {
  h = await memberHttpFixture({
    seed: 43,
    routes: (fixture, ids) => {
      // Only balances are read here: the payment provider is never asked.
      const provider = { endpoint: () => assert.fail('not asked') } as unknown as BillingProvider;
      const billing = createBillingServices({ db: fixture.db, clock: fixture.clock, settings: BILLING_TEST_CONFIG, provider, ids, ledger: fixture.ledger });
      return [{ plugin: billingRoutes(billing), prefix: '/billing/v1' }];
    },
  });
  f = h.f;
});
afterEach(() => h.close());

const call: MemberHttpFixture['call'] = (...args) => h.call(...args);

const switchTo = (token: string | undefined, organization: unknown) => call('POST', '/billing/v1/sessions/switch', token, { organization });
const balanceOf = async (token: string) => (await call('GET', '/billing/v1/credit_balance', token)).body.available?.amount_minor;

async function join(orgId: string, email: string, role: MemberRole, invitation = false) {
  return f.db.transaction((tx) => addMember(tx, { ids: f.deps.ids, nowMs: f.clock.nowMs() }, { orgId, email, role, invitation }));
}

/** Signs in with a mailed code, as the page does; `organization` names one. */
async function signIn(email: string, organization?: string): Promise<any> {
  f.clock.advanceMs(OTP_RESEND_COOLDOWN_MS);
  assert.equal((await call('POST', '/billing/v1/sessions/code', undefined, { email })).status, 200);
  const [letter] = await readMemberMailbox(f.db, email, 1);
  const code = /\b(\d{6})\b/.exec(letter!.subject)![1]!;
  const answer = await call('POST', '/billing/v1/sessions', undefined, { email, code, ...(organization === undefined ? {} : { organization }) });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body;
}

/** Everything a switch could change. */
const snapshot = async () => ({
  members: await f.db.all('SELECT * FROM billing_members ORDER BY id'),
  sessions: await f.db.all('SELECT * FROM billing_member_sessions ORDER BY id'),
});

test('switching moves a signed-in person to another of their organizations: a new token there, the old one stops working, each sees its own balance', async () => {
  const acme = await f.newOrg('Acme AI');
  const beta = await f.newOrg('Beta Labs');
  await f.grant(acme.orgId, 1_000);
  await f.grant(beta.orgId, 2_500);
  await join(acme.orgId, 'ana@example.com', 'owner');
  await join(beta.orgId, 'ana@example.com', 'member');

  const signedIn = await signIn('ana@example.com', acme.orgId);
  const current = await call('GET', '/billing/v1/sessions/current', signedIn.token);
  assert.equal(current.status, 200);
  assert.equal(current.body.organization.id, acme.orgId);
  assert.deepEqual(current.body.organizations, [
    { id: acme.orgId, name: 'Acme AI', role: 'owner', status: 'active' },
    { id: beta.orgId, name: 'Beta Labs', role: 'member', status: 'active' },
  ]);
  assert.equal(await balanceOf(signedIn.token), 1_000);

  f.clock.advanceMs(60_000);
  const switched = await switchTo(signedIn.token, beta.orgId);
  assert.equal(switched.status, 200, JSON.stringify(switched.body));
  assert.equal(switched.headers.get('cache-control'), 'no-store', 'the answer holds a secret');
  assert.match(switched.body.token, /^sess-cl-/);
  assert.notEqual(switched.body.token, signedIn.token);
  assert.deepEqual([switched.body.organization, switched.body.member.role], [{ id: beta.orgId, name: 'Beta Labs' }, 'member']);
  assert.equal(switched.body.expires_at, new Date(f.clock.nowMs() + MEMBER_SESSION_TTL_MS).toISOString(), "a sign-in's lifetime, from the switch");
  assert.equal(switched.body.organizations.length, 2);

  // The old token is over, everywhere; the new one sees the other organization.
  assert.equal((await call('GET', '/billing/v1/credit_balance', signedIn.token)).status, 401);
  assert.equal((await call('GET', '/billing/v1/sessions/current', signedIn.token)).status, 401);
  assert.equal((await switchTo(signedIn.token, acme.orgId)).status, 401, 'nor switches again');
  assert.equal(await balanceOf(switched.body.token), 2_500);
  assert.equal((await call('GET', '/billing/v1/sessions/current', switched.body.token)).body.organization.id, beta.orgId);
  const live = await f.db.all<{ member_id: string }>('SELECT member_id FROM billing_member_sessions WHERE revoked_at_ms IS NULL');
  assert.equal(live.length, 1, 'one session at a time');

  // A member (not an owner) switches too: it changes no billing. And back.
  const back = await switchTo(switched.body.token, acme.orgId);
  assert.equal(back.status, 200, JSON.stringify(back.body));
  assert.equal(await balanceOf(back.body.token), 1_000);
  assert.equal((await call('GET', '/billing/v1/credit_balance', switched.body.token)).status, 401);

  // The organization switched to last is the next sign-in's default, as after signing in choosing it.
  f.clock.advanceMs(1);
  assert.equal((await switchTo(back.body.token, beta.orgId)).status, 200);
  assert.equal((await signIn('ana@example.com')).organization.id, beta.orgId);
});

test('switching to an organization the person was only invited to accepts the invitation, as signing in choosing it does', async () => {
  const own = await f.newOrg('Own Co');
  const inviting = await f.newOrg('Inviting Inc');
  await f.grant(inviting.orgId, 700);
  await join(own.orgId, 'li@example.com', 'owner');
  await join(inviting.orgId, 'boss@example.com', 'owner');
  await join(inviting.orgId, 'li@example.com', 'owner', true);

  const signedIn = await signIn('li@example.com');
  assert.equal(signedIn.organization.id, own.orgId, 'an invitation is never the default');
  const current = await call('GET', '/billing/v1/sessions/current', signedIn.token);
  assert.deepEqual(
    current.body.organizations.map((o: any) => [o.name, o.status]),
    [
      ['Own Co', 'active'],
      ['Inviting Inc', 'invited'],
    ],
  );

  f.clock.advanceMs(1_000);
  const switched = await switchTo(signedIn.token, inviting.orgId);
  assert.equal(switched.status, 200, JSON.stringify(switched.body));
  assert.deepEqual([switched.body.organization.id, switched.body.member.status, switched.body.member.role], [inviting.orgId, 'active', 'owner']);
  assert.equal(await balanceOf(switched.body.token), 700);
  const accepted = (await listMembers(f.db, inviting.orgId)).find((m) => m.email === 'li@example.com')!;
  assert.equal(accepted.lastChosenAtMs, f.clock.nowMs(), 'accepted, at the switch');
  assert.deepEqual(
    (await call('GET', '/billing/v1/sessions/current', switched.body.token)).body.organizations.map((o: any) => o.status),
    ['active', 'active'],
  );
  assert.equal((await signIn('li@example.com')).organization.id, inviting.orgId, 'and the default now');
});

test('an organization the person is not in — unknown, someone else’s, or one they were removed from — is 404 resource_missing alike, and nothing changes', async () => {
  const home = await f.newOrg('Home');
  const left = await f.newOrg('Left behind');
  const stranger = await f.newOrg('Stranger');
  await join(home.orgId, 'kim@example.com', 'owner');
  await join(left.orgId, 'keeper@example.com', 'owner');
  const kimInLeft = await join(left.orgId, 'kim@example.com', 'member');
  await join(stranger.orgId, 'someone@example.com', 'owner');
  const kim = await signIn('kim@example.com', home.orgId);
  const keeper = await signIn('keeper@example.com', left.orgId);

  // Removed by the other organization's owner after Kim signed in: gone from the list, and not switchable.
  const removed = await call('DELETE', `/billing/v1/members/${kimInLeft.id}`, keeper.token);
  assert.equal(removed.status, 200, JSON.stringify(removed.body));
  assert.deepEqual(
    (await call('GET', '/billing/v1/sessions/current', kim.token)).body.organizations.map((o: any) => o.id),
    [home.orgId],
  );

  const before = await snapshot();
  const messages: string[] = [];
  for (const organization of [left.orgId, stranger.orgId, 'org_nonexistent0000000000']) {
    const refused = await switchTo(kim.token, organization);
    assert.deepEqual([refused.status, refused.body.error.code, refused.body.error.param], [404, 'resource_missing', 'organization'], JSON.stringify(refused.body));
    assert.equal(refused.body.token, undefined);
    messages.push(refused.body.error.message.replace(organization, '…'));
  }
  assert.equal(new Set(messages).size, 1, `one answer whether the organization exists or not: ${messages.join(' | ')}`);
  assert.deepEqual(await snapshot(), before, 'no session ended or made, no membership touched');
  assert.equal((await call('GET', '/billing/v1/sessions/current', kim.token)).status, 200, 'the session still works');

  // Not an organization id at all: refused by the schema, also changing nothing.
  const bad = await switchTo(kim.token, '');
  assert.equal(bad.status, 400);
  assert.deepEqual(await snapshot(), before);
});

test('only a member’s session switches: an API key, no credential or a signed-out token gets 401 before the body is looked at, and nothing changes', async () => {
  const one = await f.newOrg('One');
  const two = await f.newOrg('Two');
  await join(one.orgId, 'pat@example.com', 'owner');
  await join(two.orgId, 'pat@example.com', 'owner');
  const pat = await signIn('pat@example.com', one.orgId);
  const signedOut = await signIn('pat@example.com', one.orgId);
  assert.equal((await call('DELETE', '/billing/v1/sessions', signedOut.token)).status, 200);

  const before = await snapshot();
  for (const [who, token] of [
    ['an API key of the organization', one.apiKey],
    ["an API key of the other (the target's own)", two.apiKey],
    ['no credential', undefined],
    ['a signed-out session', signedOut.token],
  ] as const) {
    for (const body of [two.orgId, 42]) {
      const refused = await switchTo(token, body);
      assert.deepEqual([refused.status, refused.body.error.code], [401, 'authentication_required'], `${who}, ${JSON.stringify(body)}: ${JSON.stringify(refused.body)}`);
    }
  }
  assert.deepEqual(await snapshot(), before);
  assert.equal((await switchTo(pat.token, two.orgId)).status, 200, 'the live session does switch');
});

test('two switches with the same token at once: exactly one succeeds, so one session follows from one', async () => {
  const one = await f.newOrg('One');
  const two = await f.newOrg('Two');
  await join(one.orgId, 'sam@example.com', 'owner');
  await join(two.orgId, 'sam@example.com', 'owner');
  for (let round = 0; round < 4; round++) {
    const sam = await signIn('sam@example.com', one.orgId);
    const answers = await Promise.all([switchTo(sam.token, two.orgId), switchTo(sam.token, one.orgId)]);
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 401], JSON.stringify(answers.map((a) => a.body)));
    const live = await f.db.all('SELECT id FROM billing_member_sessions WHERE revoked_at_ms IS NULL');
    assert.equal(live.length, 1, `round ${round}`);
    const winner = answers.find((a) => a.status === 200)!;
    assert.equal((await call('DELETE', '/billing/v1/sessions', winner.body.token)).status, 200);
  }
});

test(`switching is rate-limited per client address like signing in: ${MEMBER_SESSION_SWITCH_RATE_LIMIT.burst} at once, then 429 with Retry-After, before the session is looked up`, async () => {
  for (let i = 0; i < MEMBER_SESSION_SWITCH_RATE_LIMIT.burst; i++) {
    assert.equal((await switchTo('sess-cl-not-a-real-token', 'org_x')).status, 401, `request ${i + 1}`);
  }
  const refused = await switchTo('sess-cl-not-a-real-token', 'org_x');
  assert.deepEqual([refused.status, refused.body.error.code], [429, 'rate_limited']);
  assert.ok(Number(refused.headers.get('retry-after')) >= 1);
});
