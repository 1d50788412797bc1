import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Database, Tx } from '../../src/platform/db/database.ts';
import { renderDdl } from '../../src/platform/db/migrations.ts';
import { openDatabase } from '../../src/platform/db/open.ts';
import {
  hashRequest,
  IDEMPOTENCY_DEFAULT_TTL_MS,
  idempotent,
  pruneIdempotencyKeys,
} from '../../src/platform/idempotency.ts';
import { AppError } from '../../src/platform/errors.ts';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from '../support/databases.ts';

const T0 = Date.UTC(2026, 0, 1);
const hashA = hashRequest({ method: 'post', path: '/v1/charges', params: { amount: 1000, currency: 'usd' } });
const hashB = hashRequest({ method: 'POST', path: '/v1/charges', params: { amount: 2000, currency: 'usd' } });

/** A stand-in for an endpoint: counts effect runs and writes one row per run. */
function endpoint(db: Database) {
  let runs = 0;
  return {
    get runs() {
      return runs;
    },
    call(key: string, requestHash: string, options: { nowMs?: number; scope?: string; fail?: boolean } = {}) {
      return db.transaction((tx) =>
        idempotent(tx, { scope: options.scope ?? 'acct_1', key, requestHash, nowMs: options.nowMs ?? T0 }, async () => {
          runs += 1;
          await tx.run('INSERT INTO effects (idem_key, note) VALUES (?, ?)', [key, `run ${runs}`]);
          if (options.fail) throw new Error('effect failed');
          return { status: 201, body: { id: `ch_${runs}`, amount: 1000, nested: { ok: true, list: [1, 2] } } };
        }),
      );
    },
  };
}

async function count(db: Database, table: string): Promise<number> {
  const row = await db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`);
  return Number(row!.n);
}

describe(`idempotency store (${testDatabaseKind()})`, () => {
  let t: TestDatabase;
  before(async () => {
    t = await createTestDatabase();
    await t.db.transaction((tx) =>
      tx.exec(renderDdl(tx.dialect, 'CREATE TABLE effects (id {{serial}}, idem_key TEXT NOT NULL, note TEXT NOT NULL)')),
    );
  });
  after(() => t.cleanup());

  test('the request hash ignores key order and method case, and sees every value', () => {
    const a = hashRequest({ method: 'post', path: '/v1/x', params: { a: 1, b: { c: [1, 2] } } });
    assert.equal(a, hashRequest({ method: 'POST', path: '/v1/x', params: { b: { c: [1, 2] }, a: 1 } }));
    assert.notEqual(a, hashRequest({ method: 'POST', path: '/v1/x', params: { b: { c: [2, 1] }, a: 1 } }));
    assert.notEqual(a, hashRequest({ method: 'POST', path: '/v1/y', params: { b: { c: [1, 2] }, a: 1 } }));
    assert.match(a, /^sha256:[0-9a-f]{64}$/);
  });

  test('a replay returns the saved response and does not run the effect again', async () => {
    const api = endpoint(t.db);
    const first = await api.call('replay-1', hashA);
    assert.equal(first.replayed, false);
    assert.equal(first.status, 201);
    const second = await api.call('replay-1', hashA);
    const third = await api.call('replay-1', hashA);
    assert.equal(api.runs, 1);
    for (const replay of [second, third]) {
      assert.equal(replay.replayed, true);
      assert.equal(replay.status, 201);
      assert.deepEqual(replay.body, first.body);
      assert.equal(replay.bodyJson, first.bodyJson);
    }
    assert.equal(Number((await t.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM effects WHERE idem_key = 'replay-1'"))!.n), 1);
  });

  test('the same key with different parameters is refused with idempotency_key_reused and changes nothing', async () => {
    const api = endpoint(t.db);
    await api.call('reuse-1', hashA);
    const effectsBefore = await count(t.db, 'effects');
    const saved = await t.db.get("SELECT * FROM idempotency_keys WHERE idem_key = 'reuse-1'");
    await assert.rejects(api.call('reuse-1', hashB), (error: unknown) => {
      assert.ok(error instanceof AppError);
      assert.equal(error.code, 'idempotency_key_reused');
      assert.equal(error.type, 'idempotency_error');
      assert.equal(error.status, 400);
      return true;
    });
    assert.equal(api.runs, 1);
    assert.equal(await count(t.db, 'effects'), effectsBefore);
    assert.deepEqual(await t.db.get("SELECT * FROM idempotency_keys WHERE idem_key = 'reuse-1'"), saved);
    // The original request still replays.
    assert.equal((await api.call('reuse-1', hashA)).replayed, true);
  });

  test('an effect that fails rolls back and leaves no key, so a retry runs it', async () => {
    const api = endpoint(t.db);
    const effectsBefore = await count(t.db, 'effects');
    await assert.rejects(api.call('rollback-1', hashA, { fail: true }), /effect failed/);
    assert.equal(await t.db.get("SELECT * FROM idempotency_keys WHERE idem_key = 'rollback-1'"), undefined);
    assert.equal(await count(t.db, 'effects'), effectsBefore);
    const retry = await api.call('rollback-1', hashA);
    assert.equal(retry.replayed, false);
    assert.equal(api.runs, 2);
  });

  test('a caller that swallows the effect error and commits does not leave a key without a response', async () => {
    await t.db.transaction(async (tx) => {
      await assert.rejects(
        idempotent(tx, { scope: 'acct_1', key: 'swallow-1', requestHash: hashA, nowMs: T0 }, async () => {
          throw new Error('not a SQL error');
        }),
        /not a SQL error/,
      );
    });
    assert.equal(await t.db.get("SELECT * FROM idempotency_keys WHERE idem_key = 'swallow-1'"), undefined);
  });

  test('using the same key twice in one transaction is a bug and says so', async () => {
    await assert.rejects(
      t.db.transaction(async (tx) => {
        const request = { scope: 'acct_1', key: 'nested-1', requestHash: hashA, nowMs: T0 };
        await idempotent(tx, request, () => idempotent(tx, request, async () => ({ status: 200, body: {} })));
      }),
      /no saved response/,
    );
    assert.equal(await t.db.get("SELECT * FROM idempotency_keys WHERE idem_key = 'nested-1'"), undefined);
  });

  test('keys are validated: up to 255 characters, not empty, no control characters', async () => {
    const api = endpoint(t.db);
    const runsBefore = api.runs;
    for (const bad of ['', 'x'.repeat(256), 'a\nb']) {
      await assert.rejects(api.call(bad, hashA), (error: unknown) => {
        assert.ok(error instanceof AppError);
        assert.equal(error.code, 'parameter_invalid');
        assert.equal(error.type, 'invalid_request_error');
        assert.equal(error.param, 'Idempotency-Key');
        return true;
      });
    }
    assert.equal(api.runs, runsBefore);
    assert.equal((await api.call('k'.repeat(255), hashA)).replayed, false);
  });

  test('scopes keep the same key apart', async () => {
    const api = endpoint(t.db);
    assert.equal((await api.call('scoped-1', hashA, { scope: 'acct_1' })).replayed, false);
    assert.equal((await api.call('scoped-1', hashB, { scope: 'acct_2' })).replayed, false);
    assert.equal(api.runs, 2);
  });

  test('after 24 hours a key may be used again, and pruning removes only expired keys', async () => {
    const api = endpoint(t.db);
    await api.call('expiry-1', hashA, { nowMs: T0 });
    await api.call('expiry-2', hashA, { nowMs: T0 + 1_000 });
    await assert.rejects(api.call('expiry-1', hashB, { nowMs: T0 + IDEMPOTENCY_DEFAULT_TTL_MS - 1 }), { code: 'idempotency_key_reused' });
    const reused = await api.call('expiry-1', hashB, { nowMs: T0 + IDEMPOTENCY_DEFAULT_TTL_MS });
    assert.equal(reused.replayed, false);
    assert.equal(api.runs, 3);

    const pruneAt = T0 + IDEMPOTENCY_DEFAULT_TTL_MS + 1_000;
    const expiredBefore = Number(
      (await t.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM idempotency_keys WHERE expires_at_ms <= ?', [pruneAt]))!.n,
    );
    assert.ok(expiredBefore >= 1);
    const pruned = await pruneIdempotencyKeys(t.db, { nowMs: pruneAt, batchSize: 1 });
    assert.equal(pruned, expiredBefore);
    assert.equal(await t.db.get("SELECT * FROM idempotency_keys WHERE idem_key = 'expiry-2'"), undefined);
    // expiry-1 was renewed by its second use and is kept.
    assert.ok(await t.db.get("SELECT * FROM idempotency_keys WHERE idem_key = 'expiry-1'"));
  });

  test('many concurrent first requests with one key run the effect once and all get its response', async () => {
    // On PostgreSQL, two handles (two pools) share the work, so the requests
    // really overlap on different connections. SQLite serializes writers, and
    // a second handle in the same process would block the event loop in its
    // (synchronous) busy wait while the first cannot finish, so it gets one.
    const second = testDatabaseKind() === 'postgres' ? openDatabase(t.location) : t.db;
    try {
      const apis = [endpoint(t.db), endpoint(second)];
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => apis[i % 2]!.call('race-1', hashA)));
      assert.equal(apis[0]!.runs + apis[1]!.runs, 1);
      assert.equal(results.filter((r) => !r.replayed).length, 1);
      for (const result of results) assert.equal(result.bodyJson, results[0]!.bodyJson);
      assert.equal(Number((await t.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM effects WHERE idem_key = 'race-1'"))!.n), 1);
    } finally {
      if (second !== t.db) await second.close();
    }
  });

  for (const firstOutcome of ['commits', 'rolls back'] as const) {
    test(`PostgreSQL: a second request waits on the first's uncommitted key; the first ${firstOutcome}`, {
      skip: testDatabaseKind() !== 'postgres' && 'needs two concurrent writers',
    }, async () => {
      const other = openDatabase(t.location);
      const key = `wait-${firstOutcome === 'commits' ? 'commit' : 'rollback'}`;
      try {
        let entered!: () => void;
        const effectEntered = new Promise<void>((resolve) => (entered = resolve));
        let release!: () => void;
        const released = new Promise<void>((resolve) => (release = resolve));
        const first = t.db.transaction((tx) =>
          idempotent(tx, { scope: 'acct_1', key, requestHash: hashA, nowMs: T0 }, async () => {
            await tx.run('INSERT INTO effects (idem_key, note) VALUES (?, ?)', [key, 'first']);
            entered();
            await released;
            if (firstOutcome === 'rolls back') throw new Error('first request failed');
            return { status: 201, body: { by: 'first' } };
          }),
        );
        await effectEntered;

        let secondPid = 0;
        let secondRuns = 0;
        const secondCall = other.transaction(async (tx: Tx) => {
          secondPid = Number((await tx.get<{ pid: number }>('SELECT pg_backend_pid() AS pid'))!.pid);
          return idempotent(tx, { scope: 'acct_1', key, requestHash: hashA, nowMs: T0 }, async () => {
            secondRuns += 1;
            await tx.run('INSERT INTO effects (idem_key, note) VALUES (?, ?)', [key, 'second']);
            return { status: 201, body: { by: 'second' } };
          });
        });
        // Bounded wait until the second request is blocked on the first's row lock.
        let waiting = false;
        for (let i = 0; i < 1_000 && !waiting; i++) {
          const row = await t.db.get<{ w: string | null }>('SELECT wait_event_type AS w FROM pg_stat_activity WHERE pid = ?', [
            secondPid,
          ]);
          waiting = secondPid !== 0 && row?.w === 'Lock';
          if (!waiting) await new Promise((resolve) => setTimeout(resolve, 10));
        }
        assert.ok(waiting, 'the second request never waited on the first');
        release();

        if (firstOutcome === 'commits') {
          assert.equal((await first).replayed, false);
          const second = await secondCall;
          assert.equal(second.replayed, true);
          assert.deepEqual(second.body, { by: 'first' });
          assert.equal(secondRuns, 0);
        } else {
          await assert.rejects(first, /first request failed/);
          const second = await secondCall;
          assert.equal(second.replayed, false);
          assert.deepEqual(second.body, { by: 'second' });
          assert.equal(secondRuns, 1);
        }
        const notes = await t.db.all<{ note: string }>('SELECT note FROM effects WHERE idem_key = ?', [key]);
        assert.deepEqual(notes.map((n) => n.note), [firstOutcome === 'commits' ? 'first' : 'second']);
      } finally {
        await other.close();
      }
    });
  }
});
