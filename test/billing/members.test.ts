import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import fc from 'fast-check';
import OpenAI from 'openai';
import { DEMO_OWNER_EMAIL, prepareDemoOrganization } from '../../src/billing/billing-start.ts';
import { autoRechargeRoutes } from '../../src/billing/http/auto-recharge-routes.ts';
import { billingRoutes } from '../../src/billing/http/billing-routes.ts';
import { billingMemberRoutes } from '../../src/billing/http/member-routes.ts';
import { rosterRoutes } from '../../src/billing/http/roster-routes.ts';
import { merchantApiRoutes } from '../../src/billing/merchant-api-routes.ts';
import { billingPageRoutes } from '../../src/web/index.ts';
import { providerOrigin } from '../../src/billing/billing-page-start.ts';
import { SandboxMemberMailer } from '../../src/billing/members/member-mail.ts';
import { MEMBER_SESSION_TTL_MS } from '../../src/billing/members/member-sessions.ts';
import type { MemberDeps } from '../../src/billing/members/member-sign-in.ts';
import { addMember, listMembers, normalizeEmail, type MemberRole } from '../../src/billing/members/members.ts';
import { createOperatorKey, installOperatorKeys } from '../../src/issuer/identity/operator-keys.ts';
import type { CardNetwork } from '../../src/network/card-network.ts';
import { OTP_MAX_ATTEMPTS, OTP_RESEND_COOLDOWN_MS, OTP_TTL_MS } from '../../src/platform/identity/one-time-codes.ts';
import { createHttpServer } from '../../src/platform/http/server.ts';
import { cryptoRandom, IdGenerator, seededRandom } from '../../src/platform/ids.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { billingPaymentsFixture, type BillingPaymentsFixture } from './payments-fixture.ts';

// Members of an organization signing in to the billing page with an e-mail
// code, over real HTTP on the whole payment path: the session token works
// wherever billing's API takes an API key, and nowhere else. Time moves only
// by jumps of the fixture's ManualClock.

const VISA = '4242424242424242';

let b: BillingPaymentsFixture;
let app: FastifyInstance;
let url: string;
let operatorKey: string;

beforeEach(async () => {
  b = await billingPaymentsFixture();
  const random = seededRandom(29);
  const ids = new IdGenerator(b.f.clock, random);
  const deps: MemberDeps = { clock: b.f.clock, ids, random, otpPepper: Buffer.alloc(32, 7), mailer: new SandboxMemberMailer(ids) };
  app = await createHttpServer({
    db: b.f.db,
    logger: createLogger({ level: 'silent' }),
    version: 'test',
    routes: [
      { plugin: billingMemberRoutes(b.f.db, deps, installOperatorKeys), prefix: '/billing/v1' },
      { plugin: rosterRoutes(b.f.db, deps), prefix: '/billing/v1' },
      { plugin: billingRoutes(b.billing), prefix: '/billing/v1' },
      { plugin: autoRechargeRoutes(b.billing), prefix: '/billing/v1' },
      { plugin: merchantApiRoutes(b.f.db, { clock: b.f.clock, ids, random, ledger: b.f.ledger }), prefix: '/merchant/v1' },
      billingPageRoutes({ providerOrigin: () => providerOrigin(b.billing.provider) }),
    ],
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  operatorKey = (await createOperatorKey(b.f.db, { ids, random }, 'members test', b.f.clock.nowMs())).key;
});
afterEach(async () => {
  await app.close();
  await (b.f.deps.network as CardNetwork).idle();
  await b.cards.assertConsistent();
  await b.close();
});

async function call(method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  return { status: response.status, body: await response.json(), headers: response.headers };
}

async function orgWithMember(email: string, role: MemberRole = 'owner', name?: string) {
  const org = await b.newOrg(name);
  const member = await b.f.db.transaction((tx) => addMember(tx, { ids: b.f.deps.ids, nowMs: b.f.clock.nowMs() }, { orgId: org.orgId, email, role }));
  return { ...org, member };
}

/** The sandbox mailbox of `to`, as the operator reads it. */
async function mailbox(to: string): Promise<Array<{ subject: string; body: string; to: string }>> {
  const answer = await call('GET', `/billing/v1/sandbox/mail?to=${encodeURIComponent(to)}`, { token: operatorKey });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body.data;
}

async function latestCode(to: string): Promise<string> {
  const [letter] = await mailbox(to);
  assert.ok(letter, `no letter for ${to}`);
  return /\b(\d{6})\b/.exec(letter.subject)![1]!;
}

async function requestCode(email: string) {
  return call('POST', '/billing/v1/sessions/code', { body: { email } });
}

async function signIn(email: string, organization?: string): Promise<{ token: string; body: any }> {
  const sent = await requestCode(email);
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
  const answer = await call('POST', '/billing/v1/sessions', { body: { email, code: await latestCode(email), ...(organization ? { organization } : {}) } });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return { token: answer.body.token, body: answer.body };
}

test('e-mail addresses are normalized to one form: trimmed, lower case, and normalizing twice changes nothing', () => {
  assert.deepEqual(normalizeEmail('  Owner@Demo.Cardlane.TEST '), { ok: true, email: 'owner@demo.cardlane.test' });
  for (const bad of ['', 'owner', 'owner@', '@demo.test', 'a b@demo.test', 'owner@localhost', 'x@y@z.test', `${'a'.repeat(250)}@d.test`, 42]) {
    assert.equal(normalizeEmail(bad).ok, false, String(bad));
  }
  fc.assert(
    fc.property(fc.emailAddress(), (email) => {
      const once = normalizeEmail(email);
      if (!once.ok) return email.length > 254 || !/\./.test(email.split('@')[1]!);
      const twice = normalizeEmail(once.email);
      return twice.ok && twice.email === once.email && once.email === once.email.toLowerCase();
    }),
  );
});

test('a member signs in with a mailed code; the session token works on every billing route, once per code, and not on the merchant API', async () => {
  const { orgId, apiKey } = await orgWithMember('li.lei@example.com');
  const sent = await requestCode('  Li.Lei@Example.com ');
  assert.equal(sent.status, 200);
  assert.deepEqual(Object.keys(sent.body).sort(), ['email', 'expires_at', 'object', 'resend_after']);
  assert.equal(sent.body.email, 'li.lei@example.com');
  assert.equal(Date.parse(sent.body.expires_at), b.f.clock.nowMs() + OTP_TTL_MS);
  const [letter, ...older] = await mailbox('li.lei@example.com');
  assert.equal(older.length, 0);
  assert.match(letter!.body, /works once, for 5 minutes/);
  const code = await latestCode('li.lei@example.com');

  const signedIn = await call('POST', '/billing/v1/sessions', { body: { email: 'LI.LEI@example.com', code } });
  assert.equal(signedIn.status, 200, JSON.stringify(signedIn.body));
  assert.equal(signedIn.headers.get('cache-control'), 'no-store');
  const token = signedIn.body.token as string;
  assert.match(token, /^sess-cl-[A-Za-z0-9_-]{43}$/);
  assert.equal(signedIn.body.member.email, 'li.lei@example.com');
  assert.equal(signedIn.body.member.role, 'owner');
  assert.deepEqual(signedIn.body.organization, { id: orgId, name: 'Example API customer' });
  assert.equal(Date.parse(signedIn.body.expires_at), b.f.clock.nowMs() + MEMBER_SESSION_TTL_MS);
  // The token is stored only as its hash.
  const stored = await b.f.db.all<{ token_hash: string }>('SELECT token_hash FROM billing_member_sessions');
  assert.equal(stored.length, 1);
  assert.notEqual(stored[0]!.token_hash, token);
  assert.equal(JSON.stringify(await b.f.db.all('SELECT * FROM billing_member_sessions')).includes(token), false);

  // The code works once.
  const again = await call('POST', '/billing/v1/sessions', { body: { email: 'li.lei@example.com', code } });
  assert.equal(again.status, 400);
  assert.equal(again.body.error.code, 'code_used');

  // Every billing route: read, add a card (verified with the $5 hold), make it default, buy, auto-recharge.
  assert.equal((await call('GET', '/billing/v1/sessions/current', { token })).body.member.email, 'li.lei@example.com');
  assert.equal((await call('GET', '/billing/v1/credit_balance', { token })).body.available.formatted, '$0.00');
  const pm = await b.testCard(VISA);
  const added = await call('POST', '/billing/v1/payment_methods', { token, body: { payment_method: pm } });
  assert.equal(added.status, 201, JSON.stringify(added.body));
  assert.equal(added.body.verification.hold.formatted, '$5.00');
  assert.equal((await call('POST', `/billing/v1/payment_methods/${pm}/default`, { token })).status, 200);
  const bought = await call('POST', '/billing/v1/credit_purchases', { token, body: { amount: 1_000 } });
  assert.equal(bought.status, 200, JSON.stringify(bought.body));
  assert.equal(await b.balance(orgId), 1_000);
  const recharge = await call('POST', '/billing/v1/auto_recharge', { token, body: { enabled: true, threshold: 500, target: 1_000 } });
  assert.equal(recharge.body.status, 'active');
  // The API key sees the same organization.
  assert.equal((await b.api(apiKey, 'GET', '/credit_balance')).body.available.formatted, '$10.00');

  // The merchant's OpenAI-compatible API takes API keys only.
  const openai = new OpenAI({ apiKey: token, baseURL: `${url}/merchant/v1`, maxRetries: 0 });
  await assert.rejects(openai.models.list(), (error: unknown) => error instanceof OpenAI.AuthenticationError);
  const withKey = new OpenAI({ apiKey, baseURL: `${url}/merchant/v1`, maxRetries: 0 });
  assert.ok((await withKey.models.list()).data.length > 0);
});

test('wrong codes count, the fifth locks the code even against the right one, and a new code works after the cooldown', async () => {
  await orgWithMember('owner@example.com');
  await requestCode('owner@example.com');
  const code = await latestCode('owner@example.com');
  const wrong = code === '000000' ? '111111' : '000000';
  for (let attempt = 1; attempt < OTP_MAX_ATTEMPTS; attempt++) {
    const refused = await call('POST', '/billing/v1/sessions', { body: { email: 'owner@example.com', code: wrong } });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.code, 'code_invalid');
    assert.equal(refused.body.error.param, 'code');
    assert.match(refused.body.error.message, new RegExp(`${OTP_MAX_ATTEMPTS - attempt} of ${OTP_MAX_ATTEMPTS} attempts left`));
  }
  // Not six digits: refused without costing an attempt.
  assert.equal((await call('POST', '/billing/v1/sessions', { body: { email: 'owner@example.com', code: 'abc' } })).body.error.code, 'code_invalid');
  const locked = await call('POST', '/billing/v1/sessions', { body: { email: 'owner@example.com', code: wrong } });
  assert.equal(locked.body.error.code, 'code_locked');
  assert.equal((await call('POST', '/billing/v1/sessions', { body: { email: 'owner@example.com', code } })).body.error.code, 'code_locked');
  assert.equal((await b.f.db.all('SELECT id FROM billing_member_sessions')).length, 0);

  // A new code at once is refused (one a minute), then works.
  const tooSoon = await requestCode('owner@example.com');
  assert.equal(tooSoon.status, 429);
  assert.equal(tooSoon.body.error.code, 'rate_limited');
  assert.equal(tooSoon.headers.get('retry-after'), String(OTP_RESEND_COOLDOWN_MS / 1000));
  b.f.clock.advanceMs(OTP_RESEND_COOLDOWN_MS);
  await signIn('owner@example.com');
});

test('codes expire after 5 minutes and sessions after 12 hours, by the injected clock; a newer code voids the older one', async () => {
  await orgWithMember('owner@example.com');
  await requestCode('owner@example.com');
  const first = await latestCode('owner@example.com');
  b.f.clock.advanceMs(OTP_RESEND_COOLDOWN_MS);
  await requestCode('owner@example.com');
  const second = await latestCode('owner@example.com');
  if (first !== second) {
    assert.equal((await call('POST', '/billing/v1/sessions', { body: { email: 'owner@example.com', code: first } })).body.error.code, 'code_invalid');
  }
  b.f.clock.advanceMs(OTP_TTL_MS);
  const expired = await call('POST', '/billing/v1/sessions', { body: { email: 'owner@example.com', code: second } });
  assert.equal(expired.body.error.code, 'code_expired');

  const { token } = await signIn('owner@example.com');
  b.f.clock.advanceMs(MEMBER_SESSION_TTL_MS - 1);
  assert.equal((await call('GET', '/billing/v1/payment_methods', { token })).status, 200);
  b.f.clock.advanceMs(1);
  const late = await call('GET', '/billing/v1/payment_methods', { token });
  assert.equal(late.status, 401);
  assert.equal(late.body.error.code, 'authentication_required');
  assert.equal((await call('GET', '/billing/v1/sessions/current', { token })).status, 401);
  assert.equal((await call('GET', '/billing/v1/auto_recharge', { token })).status, 401);
});

test('an address that is nobody’s gets the same answers as a member’s: same body, same limits, same refusals — and no letter', async () => {
  await orgWithMember('member@example.com', 'member');
  const known = await requestCode('member@example.com');
  const unknown = await requestCode('stranger@example.com');
  assert.equal(unknown.status, known.status);
  assert.deepEqual({ ...unknown.body, email: 'x' }, { ...known.body, email: 'x' });
  assert.deepEqual(await mailbox('stranger@example.com'), []);
  assert.equal((await mailbox('member@example.com')).length, 1);

  // The same cooldown for both.
  const knownAgain = await requestCode('member@example.com');
  const unknownAgain = await requestCode('stranger@example.com');
  assert.equal(knownAgain.status, 429);
  assert.equal(unknownAgain.status, 429);
  assert.equal(unknownAgain.body.error.message, knownAgain.body.error.message);

  // The same refusal for a guessed code, down to the attempts left, and the same lockout.
  const code = await latestCode('member@example.com');
  const guess = code === '123456' ? '654321' : '123456';
  for (let attempt = 1; attempt <= OTP_MAX_ATTEMPTS; attempt++) {
    const knownGuess = await call('POST', '/billing/v1/sessions', { body: { email: 'member@example.com', code: guess } });
    const unknownGuess = await call('POST', '/billing/v1/sessions', { body: { email: 'stranger@example.com', code: guess } });
    assert.equal(unknownGuess.status, knownGuess.status);
    assert.deepEqual(unknownGuess.body.error, knownGuess.body.error);
  }
  // No code was ever asked for: the same answer as for a member who asked for none.
  await orgWithMember('quiet@example.com');
  const neverAsked = await call('POST', '/billing/v1/sessions', { body: { email: 'nobody@example.com', code: '123456' } });
  const memberNeverAsked = await call('POST', '/billing/v1/sessions', { body: { email: 'quiet@example.com', code: '123456' } });
  assert.deepEqual(neverAsked.body, memberNeverAsked.body);
  const invalid = await requestCode('not an address');
  assert.equal(invalid.status, 400);
  assert.equal(invalid.body.error.code, 'email_invalid');
});

test('sending is rate-limited per address (5 an hour) with Retry-After', async () => {
  await orgWithMember('owner@example.com');
  for (let sent = 0; sent < 5; sent++) {
    assert.equal((await requestCode('owner@example.com')).status, 200);
    b.f.clock.advanceMs(OTP_RESEND_COOLDOWN_MS);
  }
  const refused = await requestCode('owner@example.com');
  assert.equal(refused.status, 429);
  assert.match(refused.body.error.message, /Too many codes were sent to this address/);
  const retryAfterS = Number(refused.headers.get('retry-after'));
  assert.equal(retryAfterS, 60 * 60 - 5 * 60);
  b.f.clock.advanceMs(retryAfterS * 1000);
  assert.equal((await requestCode('owner@example.com')).status, 200);
});

test('signing out ends the session at once; other sessions and API keys keep working', async () => {
  const { apiKey } = await orgWithMember('owner@example.com');
  const first = await signIn('owner@example.com');
  b.f.clock.advanceMs(OTP_RESEND_COOLDOWN_MS);
  const second = await signIn('owner@example.com');
  const out = await call('DELETE', '/billing/v1/sessions', { token: first.token });
  assert.equal(out.status, 200);
  assert.deepEqual(out.body, { object: 'billing.session', deleted: true });
  assert.equal((await call('GET', '/billing/v1/credit_balance', { token: first.token })).status, 401);
  assert.equal((await call('DELETE', '/billing/v1/sessions', { token: first.token })).status, 401);
  assert.equal((await call('GET', '/billing/v1/credit_balance', { token: second.token })).status, 200);
  assert.equal((await b.api(apiKey, 'GET', '/credit_balance')).status, 200);
  // An API key is not a session: it cannot sign out or say who is signed in.
  assert.equal((await call('DELETE', '/billing/v1/sessions', { token: apiKey })).status, 401);
  assert.equal((await call('GET', '/billing/v1/sessions/current', { token: apiKey })).status, 401);
});

test('a session sees only its organization; an address in two organizations picks one at sign-in', async () => {
  const first = await orgWithMember('both@example.com', 'owner', 'First');
  const second = await orgWithMember('both@example.com', 'owner', 'Second');
  const pm = await b.testCard(VISA);
  assert.equal((await b.api(first.apiKey, 'POST', '/payment_methods', { payment_method: pm })).status, 201);

  const oldest = await signIn('both@example.com');
  assert.equal(oldest.body.organization.id, first.orgId);
  assert.deepEqual(oldest.body.organizations, [
    { id: first.orgId, name: 'First', role: 'owner', status: 'active' },
    { id: second.orgId, name: 'Second', role: 'owner', status: 'active' },
  ]);
  b.f.clock.advanceMs(OTP_RESEND_COOLDOWN_MS);
  const picked = await signIn('both@example.com', second.orgId);
  assert.equal(picked.body.organization.id, second.orgId);
  assert.equal(picked.body.member.role, 'owner');
  assert.equal((await call('GET', '/billing/v1/payment_methods', { token: oldest.token })).body.data.length, 1);
  assert.equal((await call('GET', '/billing/v1/payment_methods', { token: picked.token })).body.data.length, 0);
  // An owner of the second organization, and still the first's card is not found.
  assert.equal((await call('POST', `/billing/v1/payment_methods/${pm}/default`, { token: picked.token })).status, 404);

  b.f.clock.advanceMs(OTP_RESEND_COOLDOWN_MS);
  await requestCode('both@example.com');
  const other = await orgWithMember('other@example.com');
  const notMine = await call('POST', '/billing/v1/sessions', { body: { email: 'both@example.com', code: await latestCode('both@example.com'), organization: other.orgId } });
  assert.equal(notMine.status, 404);
  assert.equal(notMine.body.error.param, 'organization');
});

test('the sandbox mailbox opens only with the operator key', async () => {
  const { apiKey } = await orgWithMember('owner@example.com');
  const { token } = await signIn('owner@example.com');
  for (const credential of [undefined, apiKey, token]) {
    const answer = await call('GET', '/billing/v1/sandbox/mail?to=owner%40example.com', credential === undefined ? {} : { token: credential });
    assert.equal(answer.status, 401, String(credential));
  }
  // Sign-in letters are not the organization's notifications.
  const notifications = await call('GET', '/billing/v1/notifications', { token });
  assert.equal(notifications.status, 200);
  assert.deepEqual(notifications.body.data, []);
  assert.equal((await call('GET', '/billing/v1/sandbox/mail?to=nope', { token: operatorKey })).body.error.code, 'email_invalid');
});

test('the billing page is served with its script and style sheet under a strict Content-Security-Policy', async () => {
  for (const path of ['/billing', '/billing/']) {
    const response = await fetch(`${url}${path}`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    // The provider, where the page tokenizes cards, is the one other origin it may fetch.
    assert.match(csp, new RegExp(`connect-src 'self' ${new URL(b.billing.provider.endpoint().baseUrl).origin}(;|$)`));
    const html = await response.text();
    assert.match(html, /<script type="module" src="\/billing\/assets\/app\.js"><\/script>/);
    assert.equal(/<script>|\son\w+=|https?:\/\//.test(html), false, 'no inline script, no inline handlers, no outside assets');
  }
  const script = await fetch(`${url}/billing/assets/app.js`);
  assert.equal(script.status, 200);
  assert.match(script.headers.get('content-type') ?? '', /^text\/javascript/);
  assert.equal(script.headers.get('x-content-type-options'), 'nosniff');
  assert.equal((await fetch(`${url}/billing/assets/app.css`)).status, 200);
  assert.equal((await fetch(`${url}/billing/assets/nope.js`)).status, 404);
  assert.equal((await fetch(`${url}/billing/assets/..%2Findex.html`)).status, 404);
});

test('cardlane up gives the demo organization its owner, once, also on a data directory from before members existed', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cardlane-members-demo-'));
  try {
    const credentials = await prepareDemoOrganization(b.f.db, { clock: b.f.clock, ids: new IdGenerator(b.f.clock, cryptoRandom), random: cryptoRandom, ledger: b.f.ledger }, dataDir);
    await prepareDemoOrganization(b.f.db, { clock: b.f.clock, ids: new IdGenerator(b.f.clock, cryptoRandom), random: cryptoRandom, ledger: b.f.ledger }, dataDir);
    const members = await listMembers(b.f.db, credentials.organization_id);
    assert.deepEqual(
      members.map((m) => [m.email, m.role]),
      [[DEMO_OWNER_EMAIL, 'owner']],
    );
    await b.f.db.run('DELETE FROM billing_members');
    await prepareDemoOrganization(b.f.db, { clock: b.f.clock, ids: new IdGenerator(b.f.clock, cryptoRandom), random: cryptoRandom, ledger: b.f.ledger }, dataDir);
    assert.equal((await listMembers(b.f.db, credentials.organization_id)).length, 1);
    const { body } = await signIn(DEMO_OWNER_EMAIL);
    assert.equal(body.organization.id, credentials.organization_id);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('roles: an owner invites (a letter says how to accept) and removes members; a member may look but not change; the last owner stays', async () => {
  const { orgId, apiKey, member: owner } = await orgWithMember('owner@example.com', 'owner', 'Acme AI');
  const { token: ownerToken } = await signIn('owner@example.com');

  const invited = await call('POST', '/billing/v1/members', { token: ownerToken, body: { email: ' Reader@Example.com ' } });
  assert.equal(invited.status, 201, JSON.stringify(invited.body));
  assert.deepEqual([invited.body.email, invited.body.role, invited.body.organization], ['reader@example.com', 'member', orgId]);
  const [letter] = await mailbox('reader@example.com');
  assert.match(letter!.subject, /Acme AI/);
  assert.match(letter!.body, /\/billing[\s\S]*账单/);
  const again = await call('POST', '/billing/v1/members', { token: ownerToken, body: { email: 'reader@example.com', role: 'owner' } });
  assert.deepEqual([again.status, again.body.id, again.body.role], [200, invited.body.id, 'member'], 'an existing member is answered as it is');
  assert.equal((await mailbox('reader@example.com')).length, 1, 'no second letter');

  // An invitation: the reader accepts by signing in naming the organization.
  const { token: readerToken } = await signIn('reader@example.com', orgId);
  assert.equal((await call('GET', '/billing/v1/payment_methods', { token: readerToken })).status, 200);
  const listed = await call('GET', '/billing/v1/members', { token: readerToken });
  assert.deepEqual(listed.body.data.map((m: any) => [m.email, m.role, m.status]), [['owner@example.com', 'owner', 'active'], ['reader@example.com', 'member', 'active']]);
  for (const [method, path, body] of [
    ['POST', '/billing/v1/credit_purchases', { amount: 1_000 }],
    ['POST', '/billing/v1/auto_recharge', { enabled: true, threshold: 500, target: 2_000 }],
    ['POST', '/billing/v1/members', { email: 'friend@example.com' }],
    ['DELETE', `/billing/v1/members/${owner.id}`, undefined],
  ] as const) {
    const refused = await call(method, path, { token: readerToken, ...(body === undefined ? {} : { body }) });
    assert.deepEqual([refused.status, refused.body.error.code], [403, 'permission_denied'], `${method} ${path}`);
  }
  assert.equal((await mailbox('friend@example.com')).length, 0);

  const lastOwner = await call('DELETE', `/billing/v1/members/${owner.id}`, { token: ownerToken });
  assert.deepEqual([lastOwner.status, lastOwner.body.error.code], [409, 'last_owner']);
  const bad = await call('POST', '/billing/v1/members', { token: ownerToken, body: { email: 'not-an-address' } });
  assert.deepEqual([bad.status, bad.body.error.code], [400, 'email_invalid']);
  const badRole = await call('POST', '/billing/v1/members', { token: ownerToken, body: { email: 'x@example.com', role: 'admin' } });
  assert.equal(badRole.status, 400);

  // An owner invites a second owner, after which — once it has accepted — the first may leave. (An API key may not: key-makers.test.ts.)
  const second = await call('POST', '/billing/v1/members', { token: ownerToken, body: { email: 'second@example.com', role: 'owner' } });
  assert.deepEqual([second.status, second.body.role, second.body.status], [201, 'owner', 'invited']);
  const removed = await call('DELETE', `/billing/v1/members/${invited.body.id}`, { token: ownerToken });
  assert.deepEqual([removed.status, removed.body.deleted], [200, true]);
  assert.equal((await call('GET', '/billing/v1/payment_methods', { token: readerToken })).status, 401, "a removed member's session ends at once");
  // Not while the second owner has only been invited: an organization must keep an owner who has accepted.
  const tooSoon = await call('DELETE', `/billing/v1/members/${owner.id}`, { token: ownerToken });
  assert.deepEqual([tooSoon.status, tooSoon.body.error.code], [409, 'last_owner']);
  const { token: secondToken } = await signIn('second@example.com', orgId);
  assert.equal((await call('DELETE', `/billing/v1/members/${owner.id}`, { token: ownerToken })).status, 200, 'no longer the last owner');
  assert.deepEqual((await listMembers(b.f.db, orgId)).map((m) => m.email), ['second@example.com']);

  assert.equal((await call('GET', '/billing/v1/members', { token: apiKey })).status, 200, 'an API key still reads the roster');
  const elsewhere = await orgWithMember('other@example.com', 'owner');
  const foreign = await call('DELETE', `/billing/v1/members/${elsewhere.member.id}`, { token: secondToken });
  assert.deepEqual([foreign.status, foreign.body.error.code], [404, 'resource_missing'], "another organization's member is not found");
});
