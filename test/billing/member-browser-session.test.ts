import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { createBillingServices } from '../../src/billing/billing-services.ts';
import { billingRoutes } from '../../src/billing/http/billing-routes.ts';
import { readMemberMailbox } from '../../src/billing/members/member-mail.ts';
import { addMember, listMembers, memberStatus, type MemberRole } from '../../src/billing/members/members.ts';
import type { BillingProvider } from '../../src/billing/payments/provider.ts';
import { organizationApiRoutes } from '../../src/billing/usage/organization-routes.ts';
import { OTP_RESEND_COOLDOWN_MS } from '../../src/platform/identity/one-time-codes.ts';
import { call as send, type Answer } from '../support/operator-console.ts';
import type { BillingFixture } from './billing-fixture.ts';
import { memberHttpFixture, type MemberHttpFixture } from './member-http-fixture.ts';
import { BILLING_TEST_CONFIG } from './payments-fixture.ts';

// The billing page's session (POST /billing/v1/browser-session, then the `cardlane_billing` cookie), over HTTP on
// both databases: after the mailed code the session goes into an HttpOnly, SameSite=Strict cookie and the page is
// told only its anti-CSRF token, never the token an injected script could carry away. Every request made with the
// cookie is refused from another site; a change needs the session's X-CSRF-Token (403 csrf_token_invalid, nothing
// changes); answers are never cached. Signing out clears the cookie and ends the session; switching organization
// replaces the cookie. Programs keep POST /billing/v1/sessions and `Authorization: Bearer` (sess-cl-…, sk-cl-…) as before.

let h: MemberHttpFixture;
let f: BillingFixture;

beforeEach(async () => {
  h = await memberHttpFixture({
    seed: 47,
    routes: (fixture, ids) => {
      // Only balances and members are read here: the payment provider is never asked.
      const provider = { endpoint: () => assert.fail('not asked') } as unknown as BillingProvider;
      const billing = createBillingServices({ db: fixture.db, clock: fixture.clock, settings: BILLING_TEST_CONFIG, provider, ids, ledger: fixture.ledger });
      return [
        { plugin: billingRoutes(billing), prefix: '/billing/v1' },
        { plugin: organizationApiRoutes(fixture.db, fixture.deps), prefix: '/merchant/v1/organization' },
      ];
    },
  });
  f = h.f;
});
afterEach(() => h.close());

type Options = Parameters<typeof send>[3];
const call = (method: string, path: string, options?: Options): Promise<Answer> => send(h.url, method, path, options);

async function join(orgId: string, email: string, role: MemberRole = 'owner', invitation = false) {
  return f.db.transaction((tx) => addMember(tx, { ids: f.deps.ids, nowMs: f.clock.nowMs() }, { orgId, email, role, invitation }));
}

/** A mailed sign-in code for `email` (the resend cooldown waited out first). */
async function codeFor(email: string): Promise<string> {
  f.clock.advanceMs(OTP_RESEND_COOLDOWN_MS);
  const sent = await call('POST', '/billing/v1/sessions/code', { body: { email } });
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
  const [letter] = await readMemberMailbox(f.db, email, 1);
  return /\b(\d{6})\b/.exec(letter!.subject)![1]!;
}

interface PageSession {
  /** The Cookie header to send (`cardlane_billing=…`). */
  readonly cookie: string;
  readonly token: string;
  readonly csrf: string;
  readonly answer: Answer;
}

function pageSessionOf(answer: Answer): PageSession {
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  const cookie = (answer.headers.get('set-cookie') ?? '').split(';')[0]!;
  return { cookie, token: cookie.slice(cookie.indexOf('=') + 1), csrf: answer.body.csrf_token as string, answer };
}

/** Signs in as the billing page does. */
async function pageSignIn(email: string, extra: { organization?: string; headers?: Record<string, string> } = {}): Promise<PageSession> {
  const body = { email, code: await codeFor(email), ...(extra.organization === undefined ? {} : { organization: extra.organization }) };
  return pageSessionOf(await call('POST', '/billing/v1/browser-session', { body, headers: { 'sec-fetch-site': 'same-origin', ...extra.headers } }));
}

const members = async (orgId: string) => (await listMembers(f.db, orgId)).map((m) => [m.email, m.role, memberStatus(m)]).sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
const everything = async () => ({
  members: await f.db.all('SELECT * FROM billing_members ORDER BY id'),
  sessions: await f.db.all('SELECT * FROM billing_member_sessions ORDER BY id'),
  projects: await f.db.all('SELECT * FROM billing_projects ORDER BY id'),
});

test('the page signs in into an HttpOnly SameSite=Strict cookie (Secure behind HTTPS) and is told its anti-CSRF token, never the session token', async () => {
  const org = await f.newOrg('Acme AI');
  await join(org.orgId, 'ana@example.com');

  const code = await codeFor('ana@example.com');
  const form = await call('POST', '/billing/v1/browser-session', { body: `email=ana%40example.com&code=${code}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.deepEqual([form.status, form.body.error?.code], [415, 'unsupported_media_type']);
  for (const site of ['cross-site', 'same-site']) {
    const refused = await call('POST', '/billing/v1/browser-session', { body: { email: 'ana@example.com', code }, headers: { 'sec-fetch-site': site } });
    assert.deepEqual([refused.status, refused.body.error?.code, refused.headers.get('set-cookie')], [403, 'csrf_token_invalid', null], site);
  }
  const wrong = await call('POST', '/billing/v1/browser-session', { body: { email: 'ana@example.com', code: code === '000000' ? '111111' : '000000' } });
  assert.deepEqual([wrong.status, wrong.body.error?.code, wrong.headers.get('set-cookie')], [400, 'code_invalid', null]);
  assert.equal((await f.db.all('SELECT id FROM billing_member_sessions')).length, 0, 'no refused sign-in made a session');

  const signedIn = await call('POST', '/billing/v1/browser-session', { body: { email: 'ana@example.com', code }, headers: { 'sec-fetch-site': 'same-origin' } });
  assert.equal(signedIn.status, 200, JSON.stringify(signedIn.body));
  const setCookie = signedIn.headers.get('set-cookie') ?? '';
  assert.match(setCookie, /^cardlane_billing=sess-cl-[A-Za-z0-9_-]{43}; Path=\/; Max-Age=43200; HttpOnly; SameSite=Strict$/);
  const token = setCookie.split(';')[0]!.split('=')[1]!;
  assert.equal(signedIn.body.token, undefined);
  assert.equal(JSON.stringify(signedIn.body).includes(token), false, 'the session token is not in the answer');
  assert.match(signedIn.body.csrf_token, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(signedIn.body.object, 'billing.session');
  assert.equal(signedIn.body.member.email, 'ana@example.com');
  assert.equal(signedIn.body.organization.id, org.orgId);
  assert.equal(signedIn.headers.get('cache-control'), 'no-store');

  // Behind a proxy that ended HTTPS, the cookie is Secure.
  await join(org.orgId, 'bo@example.com');
  const secure = await call('POST', '/billing/v1/browser-session', { body: { email: 'bo@example.com', code: await codeFor('bo@example.com') }, headers: { 'x-forwarded-proto': 'https' } });
  assert.match(secure.headers.get('set-cookie') ?? '', /; HttpOnly; SameSite=Strict; Secure$/);
});

test('an invitation is accepted by the page’s sign-in choosing it: first the choice (no cookie), then the cookie', async () => {
  const org = await f.newOrg('Beta Labs');
  await join(org.orgId, 'ivy@example.com', 'member', true);
  const code = await codeFor('ivy@example.com');
  const choose = await call('POST', '/billing/v1/browser-session', { body: { email: 'ivy@example.com', code } });
  assert.deepEqual([choose.status, choose.body.error?.code, choose.headers.get('set-cookie')], [409, 'organization_choice_required', null]);
  assert.deepEqual(choose.body.error.invitations, [{ organization: { id: org.orgId, name: 'Beta Labs' }, role: 'member' }]);
  const session = pageSessionOf(await call('POST', '/billing/v1/browser-session', { body: { email: 'ivy@example.com', code, organization: org.orgId } }));
  assert.match(session.cookie, /^cardlane_billing=sess-cl-/);
  assert.deepEqual(await members(org.orgId), [['ivy@example.com', 'member', 'active']]);
});

test('on a load the page asks GET /sessions/current with the cookie alone: who, and the same anti-CSRF token; a dead cookie is cleared', async () => {
  const org = await f.newOrg('Acme AI');
  await join(org.orgId, 'ana@example.com');
  const session = await pageSignIn('ana@example.com');
  const current = await call('GET', '/billing/v1/sessions/current', { cookie: session.cookie, headers: { 'sec-fetch-site': 'same-origin' } });
  assert.equal(current.status, 200, JSON.stringify(current.body));
  assert.equal(current.body.csrf_token, session.csrf);
  assert.equal(current.body.member.email, 'ana@example.com');
  assert.equal(current.body.token, undefined);
  assert.equal(current.headers.get('cache-control'), 'no-store');

  assert.deepEqual([(await call('GET', '/billing/v1/sessions/current')).status], [401]);
  const forged = await call('GET', '/billing/v1/sessions/current', { cookie: `cardlane_billing=sess-cl-${'A'.repeat(43)}` });
  assert.deepEqual([forged.status, forged.body.error?.code], [401, 'authentication_required']);
  assert.equal(forged.headers.get('set-cookie'), 'cardlane_billing=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict', 'a dead cookie is cleared');
  // The other pages' cookies are not billing's.
  assert.equal((await call('GET', '/billing/v1/sessions/current', { cookie: `cardlane_cardholder=${session.token}; cardlane_operator=${session.token}` })).status, 401);
  // A read from another site is refused too, though it changes nothing: a sibling subdomain is same-site and gets a Strict cookie.
  for (const site of ['cross-site', 'same-site']) {
    const read = await call('GET', '/billing/v1/credit_balance', { cookie: session.cookie, headers: { 'sec-fetch-site': site } });
    assert.deepEqual([read.status, read.body.error?.code], [403, 'csrf_token_invalid'], site);
  }
  // After twelve hours the session is over, cookie or not.
  f.clock.advanceMs(12 * 3600_000);
  assert.equal((await call('GET', '/billing/v1/credit_balance', { cookie: session.cookie })).status, 401);
});

test('every billing request the cookie authenticates: reads need no token and are never cached; a change without the session’s X-CSRF-Token, or from another site, is 403 and changes nothing', async () => {
  const org = await f.newOrg('Acme AI');
  await join(org.orgId, 'ana@example.com');
  const session = await pageSignIn('ana@example.com');

  for (const path of ['/billing/v1/credit_balance', '/billing/v1/members', '/merchant/v1/organization/projects']) {
    const read = await call('GET', path, { cookie: session.cookie, headers: { 'sec-fetch-site': 'same-origin' } });
    assert.equal(read.status, 200, `${path}: ${JSON.stringify(read.body)}`);
    assert.equal(read.headers.get('cache-control'), 'no-store', path);
  }

  const before = await everything();
  const invite = (options: Options) => call('POST', '/billing/v1/members', { cookie: session.cookie, body: { email: 'eve@example.com' }, ...options });
  const project = (options: Options) => call('POST', '/merchant/v1/organization/projects', { cookie: session.cookie, body: { name: 'by a forged request' }, ...options });
  for (const attempt of [invite, project]) {
    const refusals = [
      await attempt({}),
      await attempt({ csrf: 'A'.repeat(43) }),
      await attempt({ csrf: session.token }),
      await attempt({ csrf: session.csrf, headers: { 'sec-fetch-site': 'cross-site' } }),
      await attempt({ csrf: session.csrf, headers: { 'sec-fetch-site': 'same-site' } }),
    ];
    for (const refused of refusals) assert.deepEqual([refused.status, refused.body.error?.code], [403, 'csrf_token_invalid'], JSON.stringify(refused.body));
  }
  const signOut = await call('DELETE', '/billing/v1/sessions', { cookie: session.cookie });
  assert.deepEqual([signOut.status, signOut.body.error?.code, signOut.headers.get('set-cookie')], [403, 'csrf_token_invalid', null]);
  assert.deepEqual(await everything(), before, 'no refused request changed anything');

  const invited = await invite({ csrf: session.csrf, headers: { 'sec-fetch-site': 'same-origin' } });
  assert.equal(invited.status, 201, JSON.stringify(invited.body));
  assert.equal(invited.headers.get('cache-control'), 'no-store');
  assert.equal((await project({ csrf: session.csrf })).status, 201);

  // Roles hold as with a token: a member's cookie, with its anti-CSRF token, still only looks.
  await join(org.orgId, 'max@example.com', 'member');
  const reader = await pageSignIn('max@example.com');
  assert.equal((await call('GET', '/billing/v1/members', { cookie: reader.cookie })).status, 200);
  const denied = await call('POST', '/billing/v1/members', { cookie: reader.cookie, csrf: reader.csrf, body: { email: 'zed@example.com' } });
  assert.deepEqual([denied.status, denied.body.error?.code], [403, 'permission_denied']);
  // One session's anti-CSRF token does not pass for another's.
  const crossed = await call('POST', '/billing/v1/members', { cookie: session.cookie, csrf: reader.csrf, body: { email: 'zed@example.com' } });
  assert.deepEqual([crossed.status, crossed.body.error?.code], [403, 'csrf_token_invalid']);
});

test('signing out with the cookie (and its X-CSRF-Token) ends the session on the server and clears the cookie', async () => {
  const org = await f.newOrg('Acme AI');
  await join(org.orgId, 'ana@example.com');
  const session = await pageSignIn('ana@example.com');
  const out = await call('DELETE', '/billing/v1/sessions', { cookie: session.cookie, csrf: session.csrf, headers: { 'sec-fetch-site': 'same-origin' } });
  assert.equal(out.status, 200, JSON.stringify(out.body));
  assert.deepEqual(out.body, { object: 'billing.session', deleted: true });
  assert.equal(out.headers.get('set-cookie'), 'cardlane_billing=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict');
  // A copy of the cookie kept anyway is dead on the server, and so is the token in it.
  assert.equal((await call('GET', '/billing/v1/sessions/current', { cookie: session.cookie })).status, 401);
  assert.equal((await call('GET', '/billing/v1/credit_balance', { cookie: session.cookie })).status, 401);
  assert.equal((await call('GET', '/billing/v1/credit_balance', { bearer: session.token })).status, 401);
});

test('switching organization with the cookie replaces it: a new session in a new cookie, its own anti-CSRF token, the old cookie dead', async () => {
  const acme = await f.newOrg('Acme AI');
  const beta = await f.newOrg('Beta Labs');
  await f.grant(beta.orgId, 2_500);
  await join(acme.orgId, 'ana@example.com', 'owner');
  await join(beta.orgId, 'ana@example.com', 'member', true);
  const session = await pageSignIn('ana@example.com', { organization: acme.orgId });

  const before = await everything();
  const forged = await call('POST', '/billing/v1/sessions/switch', { cookie: session.cookie, body: { organization: beta.orgId } });
  assert.deepEqual([forged.status, forged.body.error?.code, forged.headers.get('set-cookie')], [403, 'csrf_token_invalid', null]);
  const crossSite = await call('POST', '/billing/v1/sessions/switch', { cookie: session.cookie, csrf: session.csrf, body: { organization: beta.orgId }, headers: { 'sec-fetch-site': 'cross-site' } });
  assert.deepEqual([crossSite.status, crossSite.body.error?.code], [403, 'csrf_token_invalid']);
  assert.deepEqual(await everything(), before, 'a refused switch changes nothing');

  const switched = pageSessionOf(await call('POST', '/billing/v1/sessions/switch', { cookie: session.cookie, csrf: session.csrf, body: { organization: beta.orgId }, headers: { 'sec-fetch-site': 'same-origin' } }));
  assert.match(switched.answer.headers.get('set-cookie') ?? '', /^cardlane_billing=sess-cl-[A-Za-z0-9_-]{43}; Path=\/; Max-Age=43200; HttpOnly; SameSite=Strict$/);
  assert.notEqual(switched.token, session.token);
  assert.equal(switched.answer.body.token, undefined);
  assert.equal(JSON.stringify(switched.answer.body).includes(switched.token), false);
  assert.notEqual(switched.csrf, session.csrf);
  assert.equal(switched.answer.body.organization.id, beta.orgId);
  assert.equal(switched.answer.headers.get('cache-control'), 'no-store');
  assert.deepEqual(await members(beta.orgId), [['ana@example.com', 'member', 'active']], 'the invitation is accepted');

  assert.equal((await call('GET', '/billing/v1/sessions/current', { cookie: session.cookie })).status, 401, 'the old cookie ended with the switch');
  const now = await call('GET', '/billing/v1/sessions/current', { cookie: switched.cookie });
  assert.deepEqual([now.body.organization.id, now.body.csrf_token], [beta.orgId, switched.csrf]);
  assert.equal((await call('GET', '/billing/v1/credit_balance', { cookie: switched.cookie })).body.available.amount_minor, 2_500);
});

test('programs keep the bearer API as before: POST /sessions answers the token and sets no cookie; sess-cl- and sk-cl- work without an anti-CSRF token; Authorization wins over a cookie', async () => {
  const acme = await f.newOrg('Acme AI');
  const beta = await f.newOrg('Beta Labs');
  await join(acme.orgId, 'ana@example.com', 'owner');
  await join(beta.orgId, 'ana@example.com', 'owner');

  const signedIn = await call('POST', '/billing/v1/sessions', { body: { email: 'ana@example.com', code: await codeFor('ana@example.com'), organization: acme.orgId } });
  assert.equal(signedIn.status, 200, JSON.stringify(signedIn.body));
  assert.equal(signedIn.headers.get('set-cookie'), null);
  assert.equal(signedIn.body.csrf_token, undefined);
  const token = signedIn.body.token as string;
  assert.match(token, /^sess-cl-[A-Za-z0-9_-]{43}$/);

  const current = await call('GET', '/billing/v1/sessions/current', { bearer: token });
  assert.deepEqual([current.status, current.body.csrf_token], [200, undefined]);
  assert.equal((await call('POST', '/billing/v1/members', { bearer: token, body: { email: 'eve@example.com' } })).status, 201);
  assert.equal((await call('POST', '/merchant/v1/organization/projects', { bearer: token, body: { name: 'by the CLI' } })).status, 201);
  assert.equal((await call('GET', '/billing/v1/credit_balance', { bearer: acme.apiKey })).status, 200);
  assert.equal((await call('GET', '/merchant/v1/organization/projects', { bearer: acme.apiKey })).status, 200);

  // Authorization is judged on its own: a dead token is not rescued by a live cookie, nor a live one refused for a cookie's sake.
  const page = await pageSignIn('ana@example.com', { organization: acme.orgId });
  assert.equal((await call('GET', '/billing/v1/credit_balance', { bearer: `sess-cl-${'A'.repeat(43)}`, cookie: page.cookie })).status, 401);
  assert.equal((await call('POST', '/billing/v1/members', { bearer: token, cookie: page.cookie, body: { email: 'fay@example.com' } })).status, 201);

  // A switch with a token answers a token, and sets no cookie; signing out with one clears none.
  const switched = await call('POST', '/billing/v1/sessions/switch', { bearer: token, body: { organization: beta.orgId } });
  assert.equal(switched.status, 200, JSON.stringify(switched.body));
  assert.equal(switched.headers.get('set-cookie'), null);
  assert.match(switched.body.token, /^sess-cl-/);
  assert.equal(switched.body.csrf_token, undefined);
  assert.equal((await call('GET', '/billing/v1/sessions/current', { bearer: token })).status, 401, 'the old token ended with the switch');
  const out = await call('DELETE', '/billing/v1/sessions', { bearer: switched.body.token });
  assert.deepEqual([out.status, out.headers.get('set-cookie')], [200, null]);
  assert.equal((await call('GET', '/billing/v1/sessions/current', { bearer: switched.body.token })).status, 401);
});
