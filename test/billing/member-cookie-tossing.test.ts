import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { createBillingServices } from '../../src/billing/billing-services.ts';
import { billingRoutes } from '../../src/billing/http/billing-routes.ts';
import { readMemberMailbox } from '../../src/billing/members/member-mail.ts';
import type { BillingProvider } from '../../src/billing/payments/provider.ts';
import { organizationApiRoutes } from '../../src/billing/usage/organization-routes.ts';
import { csrfTokenOf } from '../../src/platform/http/session-cookie.ts';
import { OTP_RESEND_COOLDOWN_MS } from '../../src/platform/identity/one-time-codes.ts';
import { call as send, type Answer } from '../support/operator-console.ts';
import type { BillingFixture } from './billing-fixture.ts';
import { memberHttpFixture, type MemberHttpFixture } from './member-http-fixture.ts';
import { BILLING_TEST_CONFIG } from './payments-fixture.ts';

// Cookie tossing on the billing page, over HTTP on both databases. A page on a sibling subdomain
// (evil.example.com beside billing.example.com) may set `cardlane_billing=<its own session>; Domain=example.com;
// Path=/billing`; the browser then sends it before the page's own (a longer path goes first), and a server that took
// the first would run the victim's page in the attacker's organization. So: a request carrying the session cookie's
// name twice is refused (401 session_cookie_ambiguous), changes nothing in either organization, and clears the cookie
// (the tossed copy too, as far as the server can name it); over HTTPS the cookie is `__Host-cardlane_billing`, which no
// other host can set or shadow, and the plain name is ignored there.

let h: MemberHttpFixture;
let f: BillingFixture;

beforeEach(async () => {
  h = await memberHttpFixture({
    seed: 53,
    routes: (fixture, ids) => {
      // Only balances, members and projects are touched here: the payment provider is never asked.
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
const HTTPS = { 'x-forwarded-proto': 'https' } as const;

/** Everything a request could change, in both organizations. */
const everything = async () => ({
  members: await f.db.all('SELECT * FROM billing_members ORDER BY id'),
  sessions: await f.db.all('SELECT * FROM billing_member_sessions ORDER BY id'),
  projects: await f.db.all('SELECT * FROM billing_projects ORDER BY id'),
});

/** The victim (an owner of Acme AI, signed in to the page) and the attacker (an owner of Evil Co, with a session of their own). */
async function victimAndAttacker() {
  const acme = await f.newOrg('Acme AI');
  const evil = await f.newOrg('Evil Co');
  await f.grant(acme.orgId, 1_000);
  await f.grant(evil.orgId, 7);
  const victim = await h.memberWithSession(acme.orgId, 'ana@example.com');
  const attacker = await h.memberWithSession(evil.orgId, 'eve@example.net');
  return { acme, evil, victim, attacker };
}

test('a tossed duplicate cookie: every request made with it is refused 401 session_cookie_ambiguous, changes nothing in either organization, and clears the cookie', async () => {
  const { acme, victim, attacker } = await victimAndAttacker();
  // The attacker's first, as the browser sends it (the longer Path=/billing); the other order, and the two far apart
  // (past the first 50 cookies of the header), must be refused as well.
  const tossed = [
    `cardlane_billing=${attacker.token}; cardlane_billing=${victim.token}`,
    `cardlane_billing=${victim.token}; cardlane_billing=${attacker.token}`,
    `cardlane_billing=${attacker.token}; ${Array.from({ length: 60 }, (_, i) => `junk${i}=${i}`).join('; ')}; cardlane_billing=${victim.token}`,
  ];
  const before = await everything();
  for (const cookie of tossed) {
    const current = await call('GET', '/billing/v1/sessions/current', { cookie, headers: { 'sec-fetch-site': 'same-origin' } });
    assert.deepEqual([current.status, current.body.error?.code], [401, 'session_cookie_ambiguous'], `the page's load is not run in any organization: ${JSON.stringify(current.body)}`);
    assert.equal(current.body.organization, undefined);
    assert.equal(current.body.csrf_token, undefined);
    const cleared = current.headers.getSetCookie();
    assert.ok(cleared.includes('cardlane_billing=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict'), `the page's own cookie is cleared: ${cleared.join(' | ')}`);
    assert.ok(cleared.includes('cardlane_billing=; Path=/billing; Max-Age=0; HttpOnly; SameSite=Strict'), `and the tossed one's likely path: ${cleared.join(' | ')}`);
    assert.equal(current.headers.get('cache-control'), 'no-store');

    // Whichever anti-CSRF token the page holds (the attacker's, told by a vulnerable load; or the victim's), no change is made.
    for (const csrf of [csrfTokenOf(attacker.token), csrfTokenOf(victim.token)]) {
      const attempts = [
        await call('POST', '/billing/v1/members', { cookie, csrf, body: { email: 'new@example.com' } }),
        await call('POST', '/billing/v1/sessions/switch', { cookie, csrf, body: { organization: acme.orgId } }),
        await call('DELETE', '/billing/v1/sessions', { cookie, csrf }),
        await call('POST', '/merchant/v1/organization/projects', { cookie, csrf, body: { name: 'paid for by someone else' } }),
        await call('GET', '/billing/v1/credit_balance', { cookie }),
        await call('GET', '/merchant/v1/organization/projects', { cookie }),
      ];
      for (const refused of attempts) {
        assert.deepEqual([refused.status, refused.body.error?.code], [401, 'session_cookie_ambiguous'], JSON.stringify(refused.body));
        assert.ok(refused.headers.getSetCookie().includes('cardlane_billing=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict'));
      }
    }
  }
  assert.deepEqual(await everything(), before, 'no refused request changed either organization');

  // Both sessions live on, each in its own organization, once the browser holds one cookie again.
  const own = await call('GET', '/billing/v1/sessions/current', { cookie: `cardlane_billing=${victim.token}` });
  assert.deepEqual([own.status, own.body.organization?.id], [200, acme.orgId]);
  assert.equal((await call('GET', '/billing/v1/credit_balance', { cookie: `cardlane_billing=${victim.token}` })).body.available.amount_minor, 1_000);
  // Other pages' cookies and look-alike names are not billing's, and do not make it ambiguous.
  const beside = `cardlane_billingx=${attacker.token}; Cardlane_billing=${attacker.token}; cardlane_cardholder=${attacker.token}; cardlane_billing=${victim.token}`;
  assert.equal((await call('GET', '/billing/v1/sessions/current', { cookie: beside })).body.organization?.id, acme.orgId);
});

test('over HTTPS the cookie is __Host-cardlane_billing (Secure, Path=/, no Domain): the plain name is ignored, a tossed plain cookie changes nothing, and sign-out and a switch clear and replace that name', async () => {
  const { acme, evil, victim, attacker } = await victimAndAttacker();
  const beta = await f.newOrg('Beta Labs');
  await h.memberWithSession(beta.orgId, 'ana@example.com', 'member');

  // The page's sign-in over HTTPS.
  f.clock.advanceMs(OTP_RESEND_COOLDOWN_MS);
  assert.equal((await call('POST', '/billing/v1/sessions/code', { body: { email: 'ana@example.com' } })).status, 200);
  const [letter] = await readMemberMailbox(f.db, 'ana@example.com', 1);
  const code = /\b(\d{6})\b/.exec(letter!.subject)![1]!;
  const signedIn = await call('POST', '/billing/v1/browser-session', { body: { email: 'ana@example.com', code, organization: acme.orgId }, headers: { ...HTTPS, 'sec-fetch-site': 'same-origin' } });
  assert.equal(signedIn.status, 200, JSON.stringify(signedIn.body));
  const setCookie = signedIn.headers.get('set-cookie') ?? '';
  assert.match(setCookie, /^__Host-cardlane_billing=sess-cl-[A-Za-z0-9_-]{43}; Path=\/; Max-Age=43200; HttpOnly; SameSite=Strict; Secure$/);
  assert.doesNotMatch(setCookie, /domain=/i);
  const pageCookie = setCookie.split(';')[0]!;
  const token = pageCookie.slice(pageCookie.indexOf('=') + 1);
  const csrf = signedIn.body.csrf_token as string;

  // Only the __Host- name counts over HTTPS; the plain name is as if absent (and so is the __Host- name over HTTP).
  assert.equal((await call('GET', '/billing/v1/sessions/current', { cookie: pageCookie, headers: HTTPS })).body.organization?.id, acme.orgId);
  const plain = await call('GET', '/billing/v1/sessions/current', { cookie: `cardlane_billing=${token}`, headers: HTTPS });
  assert.deepEqual([plain.status, plain.body.error?.code, plain.headers.get('set-cookie')], [401, 'authentication_required', null]);
  assert.equal((await call('GET', '/billing/v1/sessions/current', { cookie: pageCookie })).status, 401, 'a __Host- cookie over plain HTTP is not read');

  // A sibling subdomain can set only the plain name (a browser refuses it a __Host- cookie): ignored, whatever its order.
  const before = await everything();
  const tossed = `cardlane_billing=${attacker.token}; ${pageCookie}`;
  const current = await call('GET', '/billing/v1/sessions/current', { cookie: tossed, headers: HTTPS });
  assert.deepEqual([current.status, current.body.organization?.id, current.body.csrf_token], [200, acme.orgId, csrf]);
  const plainOnly = await call('POST', '/merchant/v1/organization/projects', { cookie: `cardlane_billing=${attacker.token}`, csrf: csrfTokenOf(attacker.token), body: { name: 'tossed' }, headers: HTTPS });
  assert.deepEqual([plainOnly.status, plainOnly.body.error?.code], [401, 'invalid_api_key'], JSON.stringify(plainOnly.body));
  assert.deepEqual(await everything(), before, 'the tossed cookie alone made nothing');
  const made = await call('POST', '/merchant/v1/organization/projects', { cookie: tossed, csrf, body: { name: 'the victim’s own' }, headers: HTTPS });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const projects = await f.db.all<{ org_id: string }>('SELECT org_id FROM billing_projects WHERE name = ?', ['the victim’s own']);
  assert.deepEqual(projects.map((row) => row.org_id), [acme.orgId], 'in the victim’s organization, not in the attacker’s');
  assert.notEqual(acme.orgId, evil.orgId);

  // An old browser without cookie prefixes could be tossed a __Host- cookie too: two of them are refused and cleared as such.
  const twice = await call('GET', '/billing/v1/sessions/current', { cookie: `__Host-cardlane_billing=${attacker.token}; ${pageCookie}`, headers: HTTPS });
  assert.deepEqual([twice.status, twice.body.error?.code], [401, 'session_cookie_ambiguous']);
  assert.ok(twice.headers.getSetCookie().includes('__Host-cardlane_billing=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict; Secure'), twice.headers.getSetCookie().join(' | '));

  // A switch replaces the __Host- cookie; sign-out clears it.
  const switched = await call('POST', '/billing/v1/sessions/switch', { cookie: pageCookie, csrf, body: { organization: beta.orgId }, headers: HTTPS });
  assert.equal(switched.status, 200, JSON.stringify(switched.body));
  assert.match(switched.headers.get('set-cookie') ?? '', /^__Host-cardlane_billing=sess-cl-[A-Za-z0-9_-]{43}; Path=\/; Max-Age=43200; HttpOnly; SameSite=Strict; Secure$/);
  const next = switched.headers.get('set-cookie')!.split(';')[0]!;
  const out = await call('DELETE', '/billing/v1/sessions', { cookie: next, csrf: switched.body.csrf_token, headers: HTTPS });
  assert.equal(out.status, 200, JSON.stringify(out.body));
  assert.equal(out.headers.get('set-cookie'), '__Host-cardlane_billing=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict; Secure');
  // The victim's and the attacker's sessions made before are untouched.
  assert.equal((await call('GET', '/billing/v1/sessions/current', { cookie: `cardlane_billing=${victim.token}` })).status, 200);
  assert.equal((await call('GET', '/billing/v1/sessions/current', { cookie: `cardlane_billing=${attacker.token}` })).body.organization?.id, evil.orgId);
});
