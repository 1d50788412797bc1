import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { ManualClock } from '../../src/platform/clock.ts';
import { hashToken } from '../../src/platform/identity/secret-tokens.ts';
import { SessionStore } from '../../src/platform/identity/session-store.ts';
import { IdGenerator, seededRandom } from '../../src/platform/ids.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';

// The platform's session store over a table of the test's own, on whichever
// database the suite runs on.

const T0 = Date.UTC(2026, 0, 1);
const TTL_MS = 60_000;

const sessions = new SessionStore({ table: 'test_sessions', ownerColumn: 'user_id', idPrefix: 'tses', tokenPrefix: 'tok-', ttlMs: TTL_MS });

let t: TestDatabase;
beforeEach(async () => {
  t = await createTestDatabase();
  await t.db.transaction((tx) =>
    tx.exec(`CREATE TABLE test_sessions (
      id TEXT PRIMARY KEY, user_id TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,
      created_at_ms BIGINT NOT NULL, expires_at_ms BIGINT NOT NULL, revoked_at_ms BIGINT)`),
  );
});
afterEach(async () => {
  await t.cleanup();
});

test('a session token is shown once, stored as its hash, works until it expires or is revoked', async () => {
  const random = seededRandom(5);
  const deps = { ids: new IdGenerator(new ManualClock(T0), random), random };
  const created = await t.db.transaction((tx) => sessions.create(tx, deps, 'user_1', T0));
  assert.match(created.token, /^tok-[A-Za-z0-9_-]{43}$/);
  assert.match(created.id, /^tses_/);
  assert.equal(created.expiresAtMs, T0 + TTL_MS);
  const row = await t.db.get<{ token_hash: string; user_id: string }>('SELECT token_hash, user_id FROM test_sessions');
  assert.deepEqual(row, { token_hash: hashToken(created.token), user_id: 'user_1' });

  assert.deepEqual(await sessions.authenticate(t.db, created.token, T0 + TTL_MS - 1), { sessionId: created.id, ownerId: 'user_1', expiresAtMs: T0 + TTL_MS });
  assert.equal(await sessions.authenticate(t.db, created.token, T0 + TTL_MS), undefined, 'expired');
  assert.equal(await sessions.authenticate(t.db, created.token.replace('tok-', 'other-'), T0), undefined, 'another prefix is not ours');
  assert.equal(sessions.looksLikeToken('tok-short'), false);

  assert.equal(await sessions.revoke(t.db, created.id, T0 + 1), true);
  assert.equal(await sessions.revoke(t.db, created.id, T0 + 2), false, 'already revoked');
  assert.equal(await sessions.authenticate(t.db, created.token, T0 + 3), undefined);
});
