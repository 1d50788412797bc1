import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { identityRoutes } from '../../src/issuer/http/identity-routes.ts';
import { SESSION_IDLE_TIMEOUT_MS, SESSION_TTL_MS } from '../../src/issuer/identity/sessions.ts';
import { createHttpServer } from '../../src/platform/http/server.ts';
import { SESSION_SLIDE_GRANULARITY_MS } from '../../src/platform/identity/session-store.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { identityFixture, PHONE_A, type IdentityFixture } from '../support/identity-fixture.ts';

// A cardholder's session used to last 30 days with no way to end it: a token
// copied from a phone, a log or a CLI session file kept working for a month.
// Now: DELETE /issuer/v1/sessions signs out, and an unused session expires.

let f: IdentityFixture;
let app: FastifyInstance;

beforeEach(async () => {
  f = await identityFixture(11);
  app = await createHttpServer({
    db: f.db,
    logger: createLogger({ level: 'silent' }),
    version: 'test',
    routes: [{ plugin: identityRoutes({ db: f.db, deps: f.deps }), prefix: '/issuer/v1' }],
  });
});

afterEach(async () => {
  await app.close();
  await f.cleanup();
});

async function call(method: 'GET' | 'DELETE', url: string, token?: string) {
  const response = await app.inject({ method, url: `/issuer/v1${url}`, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  return { status: response.statusCode, body: response.json() as Record<string, any> };
}

const storedExpiry = async (sessionId: string) =>
  Number((await f.db.get<{ expires_at_ms: number | string }>('SELECT expires_at_ms FROM issuer_sessions WHERE id = ?', [sessionId]))!.expires_at_ms);

test('DELETE /sessions signs out the session used, and only it; the token then answers 401 everywhere', async () => {
  const phone = await f.signIn(PHONE_A);
  const laptop = await f.signIn(PHONE_A);
  assert.equal((await call('GET', '/me', phone.session.token)).status, 200);

  const out = await call('DELETE', '/sessions', phone.session.token);
  assert.equal(out.status, 200, JSON.stringify(out.body));
  assert.deepEqual(out.body, { id: phone.session.id, object: 'session', deleted: true });

  const after = await call('GET', '/me', phone.session.token);
  assert.deepEqual([after.status, after.body.error.code], [401, 'authentication_required']);
  const again = await call('DELETE', '/sessions', phone.session.token);
  assert.deepEqual([again.status, again.body.error.code], [401, 'authentication_required']);
  assert.equal((await call('GET', '/me', laptop.session.token)).status, 200, 'the other session stays signed in');

  const anonymous = await call('DELETE', '/sessions');
  assert.deepEqual([anonymous.status, anonymous.body.error.code], [401, 'authentication_required']);
});

test('a session unused for the idle timeout expires; each use slides it, up to 30 days after sign-in', async () => {
  const { session } = await f.signIn(PHONE_A);
  const signedInAt = f.clock.nowMs();
  assert.equal(session.expiresAtMs, signedInAt + SESSION_IDLE_TIMEOUT_MS, 'sign-in answers the idle deadline');

  // Used just before the deadline: still good, and the deadline moves.
  f.clock.advanceMs(SESSION_IDLE_TIMEOUT_MS - 1);
  assert.equal((await call('GET', '/me', session.token)).status, 200);
  f.clock.advanceMs(SESSION_IDLE_TIMEOUT_MS - 1);
  assert.equal((await call('GET', '/me', session.token)).status, 200, 'the use before slid the deadline');

  // Unused for the whole timeout: gone.
  f.clock.advanceMs(SESSION_IDLE_TIMEOUT_MS);
  const idle = await call('GET', '/me', session.token);
  assert.deepEqual([idle.status, idle.body.error.code], [401, 'authentication_required']);
  assert.ok(f.clock.nowMs() - signedInAt < SESSION_TTL_MS, 'long before the 30 days');
});

test('sliding writes at most once a minute per session', async () => {
  const { session } = await f.signIn(PHONE_A);
  const first = await storedExpiry(session.id);
  f.clock.advanceMs(SESSION_SLIDE_GRANULARITY_MS - 1);
  for (let i = 0; i < 5; i++) assert.equal((await call('GET', '/me', session.token)).status, 200);
  assert.equal(await storedExpiry(session.id), first, 'not written within the minute');
  f.clock.advanceMs(1);
  assert.equal((await call('GET', '/me', session.token)).status, 200);
  assert.equal(await storedExpiry(session.id), f.clock.nowMs() + SESSION_IDLE_TIMEOUT_MS, 'written once the minute has passed');
});

test('a session used all the time still ends 30 days after sign-in', async () => {
  const { session } = await f.signIn(PHONE_A);
  const signedInAt = f.clock.nowMs();
  const step = SESSION_IDLE_TIMEOUT_MS - 60 * 60 * 1000;
  while (f.clock.nowMs() + step < signedInAt + SESSION_TTL_MS) {
    f.clock.advanceMs(step);
    assert.equal((await call('GET', '/me', session.token)).status, 200);
  }
  assert.equal(await storedExpiry(session.id), signedInAt + SESSION_TTL_MS, 'never slid past the lifetime');
  f.clock.setMs(signedInAt + SESSION_TTL_MS);
  assert.equal((await call('GET', '/me', session.token)).status, 401);
});

test('a session signed in before the idle timeout existed gets it at its first use', async () => {
  const { session } = await f.signIn(PHONE_A);
  const signedInAt = f.clock.nowMs();
  // What sign-in stored before: 30 days, whatever the use.
  await f.db.run('UPDATE issuer_sessions SET expires_at_ms = ? WHERE id = ?', [signedInAt + SESSION_TTL_MS, session.id]);
  f.clock.advanceMs(60 * 60 * 1000);
  assert.equal((await call('GET', '/me', session.token)).status, 200);
  assert.equal(await storedExpiry(session.id), f.clock.nowMs() + SESSION_IDLE_TIMEOUT_MS);
  f.clock.advanceMs(SESSION_IDLE_TIMEOUT_MS);
  assert.equal((await call('GET', '/me', session.token)).status, 401);
});

test('the OpenAPI document has DELETE /issuer/v1/sessions, for a signed-in cardholder', async () => {
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as Record<string, any>;
  const signOut = doc.paths['/issuer/v1/sessions'].delete;
  assert.ok(signOut, 'documented');
  // A bearer token, or the cardholder app's session cookie (which needs its X-CSRF-Token for this change).
  assert.deepEqual(signOut.security, [{ cardholderSession: [] }, { cardholderAppSession: [] }]);
  assert.deepEqual(signOut.responses['200'].content['application/json'].schema.required, ['id', 'object', 'deleted']);
});
