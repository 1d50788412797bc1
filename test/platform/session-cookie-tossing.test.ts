import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { clearSessionCookie, readSessionCookie, sessionCookieName, setSessionCookie } from '../../src/platform/http/session-cookie.ts';

// The browser sessions' shared defence against cookie tossing (platform/http/session-cookie.ts), on a bare server:
// over HTTPS the cookie is `__Host-<name>` (Secure, Path=/, no Domain) and only that name is read; over HTTP the plain
// name, as before; setting and clearing agree on name and attributes; a request carrying the name twice is ambiguous,
// and its answer clears the page's own cookie and every copy a sibling subdomain could have tossed in.

let app: FastifyInstance;

before(async () => {
  app = Fastify();
  app.get('/*', async (request, reply) => {
    const query = request.query as { do?: string };
    if (query.do === 'set') setSessionCookie(request, reply, 'cardlane_test', 'tok', 3_600_500);
    if (query.do === 'clear') clearSessionCookie(request, reply, 'cardlane_test');
    return { name: sessionCookieName(request, 'cardlane_test'), read: readSessionCookie(request, reply, 'cardlane_test') };
  });
  await app.ready();
});
after(() => app.close());

async function ask(url: string, headers: Record<string, string> = {}) {
  const answer = await app.inject({ method: 'GET', url, headers });
  const setCookie = answer.headers['set-cookie'];
  return { ...(answer.json() as { name: string; read: { kind: string; token?: string } }), setCookie: setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie], cacheControl: answer.headers['cache-control'] };
}

const HTTPS_HEADERS: Record<string, string>[] = [{ 'x-forwarded-proto': 'https' }, { forwarded: 'for=192.0.2.60;proto=https' }];

test('over HTTP the plain name, over HTTPS __Host-: set and cleared with the same name and attributes, never a Domain', async () => {
  const plainSet = await ask('/?do=set');
  assert.equal(plainSet.name, 'cardlane_test');
  assert.deepEqual(plainSet.setCookie, ['cardlane_test=tok; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict']);
  assert.deepEqual((await ask('/?do=clear')).setCookie, ['cardlane_test=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict']);
  for (const headers of HTTPS_HEADERS) {
    const set = await ask('/?do=set', headers);
    assert.equal(set.name, '__Host-cardlane_test');
    assert.deepEqual(set.setCookie, ['__Host-cardlane_test=tok; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict; Secure']);
    assert.deepEqual((await ask('/?do=clear', headers)).setCookie, ['__Host-cardlane_test=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict; Secure']);
  }
});

test('reading: over HTTPS only the __Host- name (a plain one is as if absent), over HTTP only the plain name', async () => {
  const https = HTTPS_HEADERS[0]!;
  assert.deepEqual((await ask('/', { cookie: 'cardlane_test=a' })).read, { kind: 'one', token: 'a' });
  assert.deepEqual((await ask('/', { cookie: '__Host-cardlane_test=a' })).read, { kind: 'absent' });
  assert.deepEqual((await ask('/', { ...https, cookie: 'cardlane_test=a' })).read, { kind: 'absent' });
  assert.deepEqual((await ask('/', { ...https, cookie: 'cardlane_test=evil; __Host-cardlane_test=a; cardlane_test=evil2' })).read, { kind: 'one', token: 'a' });
  assert.deepEqual((await ask('/', { ...https, cookie: '__Host-cardlane_test=a; __Host-cardlane_test=b' })).read, { kind: 'ambiguous' });
  // Look-alike names are other cookies; the name is matched whole and with its case.
  assert.deepEqual((await ask('/', { cookie: 'Cardlane_test=x; cardlane_testx=y; xcardlane_test=z; cardlane_test=a' })).read, { kind: 'one', token: 'a' });
  // The whole header is read: a second copy far behind other cookies still makes it ambiguous.
  const filler = Array.from({ length: 120 }, (_, i) => `c${i}=${i}`).join('; ');
  assert.deepEqual((await ask('/', { cookie: `cardlane_test=evil; ${filler}; cardlane_test=a` })).read, { kind: 'ambiguous' });
  assert.deepEqual((await ask('/', { cookie: `${filler}; cardlane_test=a` })).read, { kind: 'one', token: 'a' });
});

test('an ambiguous cookie’s answer is not cached and clears the page’s own cookie and the copies another subdomain could have set', async () => {
  const tossed = await ask('/billing/v1/sessions/current?x=1', { host: 'billing.example.com:8443', cookie: 'cardlane_test=evil; cardlane_test=a' });
  assert.equal(tossed.read.kind, 'ambiguous');
  assert.equal(tossed.cacheControl, 'no-store');
  assert.equal(tossed.setCookie[0], 'cardlane_test=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict', 'the page’s own first');
  for (const expected of [
    'cardlane_test=; Path=/billing; Max-Age=0; HttpOnly; SameSite=Strict',
    'cardlane_test=; Domain=example.com; Path=/billing; Max-Age=0; HttpOnly; SameSite=Strict',
    'cardlane_test=; Domain=example.com; Path=/billing/; Max-Age=0; HttpOnly; SameSite=Strict',
    'cardlane_test=; Domain=example.com; Path=/; Max-Age=0; HttpOnly; SameSite=Strict',
    'cardlane_test=; Domain=billing.example.com; Path=/billing/v1/sessions/current; Max-Age=0; HttpOnly; SameSite=Strict',
  ]) {
    assert.ok(tossed.setCookie.includes(expected), `${expected} in ${tossed.setCookie.join(' | ')}`);
  }
  assert.ok(tossed.setCookie.every((header) => header.startsWith('cardlane_test=; ') && header.includes('; Max-Age=0; HttpOnly; SameSite=Strict')));
  assert.ok(!tossed.setCookie.some((header) => /Domain=com;|Path=\/billing\/v1\/sessions\/current\/;|x=1/.test(header)), 'no public suffix alone, no path the request is not under, no query');
  // Over HTTPS the same, under the __Host- name and Secure; behind a proxy, the host the browser asked for.
  const secure = await ask('/app', { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'pay.example.org', host: 'internal:3000', cookie: '__Host-cardlane_test=evil; __Host-cardlane_test=a' });
  assert.ok(secure.setCookie.includes('__Host-cardlane_test=; Domain=example.org; Path=/app; Max-Age=0; HttpOnly; SameSite=Strict; Secure'), secure.setCookie.join(' | '));
  assert.ok(secure.setCookie.every((header) => header.startsWith('__Host-cardlane_test=; ') && header.endsWith('; Secure')));
  // No Domain for an IP address, a one-label name or a Host header that is not a name; nothing but `/` for a path a Path attribute cannot carry.
  for (const host of ['127.0.0.1:3000', 'localhost:3000', '[::1]:3000', 'evil.example.com;x=1']) {
    const answer = await ask('/billing/v1', { host, cookie: 'cardlane_test=evil; cardlane_test=a' });
    assert.deepEqual(answer.setCookie.filter((header) => header.includes('Domain=')), [], host);
    assert.ok(answer.setCookie.includes('cardlane_test=; Path=/billing; Max-Age=0; HttpOnly; SameSite=Strict'), host);
  }
  const odd = await ask('/billing;evil=1/v1', { cookie: 'cardlane_test=evil; cardlane_test=a' });
  assert.deepEqual(odd.setCookie, ['cardlane_test=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict']);
  // A read that is not ambiguous sets no cookie.
  assert.deepEqual((await ask('/billing/v1', { cookie: 'cardlane_test=a' })).setCookie, []);
});

/** RFC 6265 §5.1.4: whether a cookie with path `cookiePath` is sent with a request for `requestPath`. */
function pathMatches(cookiePath: string, requestPath: string): boolean {
  if (cookiePath === requestPath) return true;
  return requestPath.startsWith(cookiePath) && (cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/');
}

test('property: the name’s count decides — none absent, one its token, more ambiguous — and any tossed copy the browser sent is among those cleared', async () => {
  const name = fc.constantFrom('cardlane_test', 'other', 'cardlane_tes', 'Cardlane_test');
  const value = fc.stringMatching(/^[A-Za-z0-9_-]{0,12}$/);
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(name, value), { maxLength: 8 }), async (cookies) => {
      const header = cookies.map(([n, v]) => `${n}=${v}`).join('; ');
      const read = (await ask('/', header === '' ? {} : { cookie: header })).read;
      const mine = cookies.filter(([n]) => n === 'cardlane_test').map(([, v]) => v);
      assert.deepEqual(read, mine.length === 0 ? { kind: 'absent' } : mine.length === 1 ? { kind: 'one', token: mine[0] } : { kind: 'ambiguous' });
    }),
    { numRuns: 60 },
  );

  // A tossed cookie was sent with the request: its domain is the host or a parent of it, its path one the request's path matches.
  const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,6}$/);
  // Not `.` or `..`: a browser resolves those before it sends the path.
  const segment = fc.stringMatching(/^[a-z0-9._-]{1,6}$/).filter((s) => s !== '.' && s !== '..');
  await fc.assert(
    fc.asyncProperty(fc.array(label, { minLength: 2, maxLength: 5 }), fc.array(segment, { minLength: 0, maxLength: 6 }), fc.boolean(), fc.nat(), fc.nat(), async (labels, segments, trailingSlash, domainPick, pathPick) => {
      const host = labels.join('.');
      const requestPath = `/${segments.join('/')}${trailingSlash && segments.length > 0 ? '/' : ''}`;
      const domains = labels.slice(0, -1).map((_, i) => labels.slice(i).join('.'));
      const paths = ['/', ...segments.flatMap((_, i) => [`/${segments.slice(0, i + 1).join('/')}`, `/${segments.slice(0, i + 1).join('/')}/`])].filter((path) => pathMatches(path, requestPath));
      const domain = domains[domainPick % domains.length]!;
      const path = paths[pathPick % paths.length]!;
      const answer = await ask(requestPath, { host, cookie: 'cardlane_test=evil; cardlane_test=a' });
      assert.ok(answer.setCookie.includes(`cardlane_test=; Domain=${domain}; Path=${path}; Max-Age=0; HttpOnly; SameSite=Strict`), `${host}${requestPath}: Domain=${domain}; Path=${path}`);
    }),
    { numRuns: 80 },
  );
});
