import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openDatabase } from '../../src/platform/db/open.ts';
import { PostgresDatabase } from '../../src/platform/db/postgres.ts';
import { allMigrations } from '../../src/app/modules.ts';
import { startCardlane } from '../../src/app/start.ts';
import { newTestLocation, testDatabaseKind } from '../support/databases.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'cardlane-runtime-'));
const locations: Array<{ url: string; remove(): void }> = [];

function freshDatabase(): string {
  const location = newTestLocation();
  locations.push(location);
  return location.url;
}

after(async () => {
  for (const location of locations) {
    const db = openDatabase(location.url);
    if (db instanceof PostgresDatabase) await db.dropSchema();
    await db.close();
    location.remove();
  }
  rmSync(dataDir, { recursive: true, force: true });
});

async function eventually(condition: () => boolean, what: string, boundMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > boundMs) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test('start: migrate, listen, run background tasks; close: stop them all and close the database', async () => {
  const logs: string[] = [];
  let taskRuns = 0;
  const cardlane = await startCardlane({
    flags: { port: '0', database: freshDatabase(), dataDir },
    env: {},
    logDestination: { write: (line: string) => logs.push(line) },
    tasks: () => [{ name: 'counter', intervalMs: 5, run: async () => void taskRuns++ }],
  });
  assert.match(cardlane.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.deepEqual(cardlane.migrationsApplied, allMigrations.map((migration) => migration.id));
  assert.deepEqual(cardlane.backgroundTaskNames, ['counter']);
  assert.doesNotMatch(cardlane.databaseDescription, /password/);
  const health = await fetch(`${cardlane.url}/healthz`);
  assert.deepEqual(await health.json(), { status: 'ok' });
  await eventually(() => taskRuns >= 2, 'the background task to run');

  await cardlane.close();
  await cardlane.close(); // idempotent
  const runsAtClose = taskRuns;
  await assert.rejects(fetch(`${cardlane.url}/healthz`), 'no longer listening');
  await assert.rejects(cardlane.db.ping(), 'the database is closed');
  assert.equal(taskRuns, runsAtClose);
  assert.ok(logs.some((line) => line.includes('"cardlane is up"')));
});

test('a second start on the same database applies no migrations; a taken port is a clear error', async () => {
  const database = freshDatabase();
  // No background tasks in the first instance: both instances share this one
  // process, and on SQLite a connection waiting for the file's write lock
  // waits synchronously (busy_timeout), so the first instance's task holding
  // the lock could never finish while the second seeds — a livelock two real
  // processes cannot have. The tasks are not what this test is about.
  const first = await startCardlane({ flags: { port: '0', database, dataDir }, env: {}, logDestination: { write: () => true }, tasks: () => [] });
  try {
    const port = new URL(first.url).port;
    await assert.rejects(
      startCardlane({ flags: { port, database, dataDir }, env: {}, logDestination: { write: () => true } }),
      /port is in use/,
    );
  } finally {
    await first.close();
  }
  const again = await startCardlane({ flags: { port: '0', database, dataDir }, env: {}, logDestination: { write: () => true } });
  assert.deepEqual(again.migrationsApplied, []);
  await again.close();
});

test(
  'two processes starting at once on an empty database make one demo merchant, one demo organization and one demo cardholder',
  { skip: testDatabaseKind() !== 'postgres' && 'SQLite has one writer across processes, so its seeding transactions are ordered already; the race needs PostgreSQL' },
  async () => {
    const database = freshDatabase();
    const otherDataDir = mkdtempSync(join(tmpdir(), 'cardlane-runtime-second-'));
    const quiet = { write: () => true };
    // Two data directories on one database: one deployment, so one master key (else the second refuses to start).
    const env = { CARDLANE_MASTER_KEY: Buffer.alloc(32, 3).toString('hex') };
    const [first, second] = await Promise.all([
      startCardlane({ flags: { port: '0', database, dataDir }, env, logDestination: quiet }),
      startCardlane({ flags: { port: '0', database, dataDir: otherDataDir }, env, logDestination: quiet }),
    ]);
    try {
      assert.equal(second.demoMerchant.merchant_id, first.demoMerchant.merchant_id);
      assert.equal(second.demoOrganization.organization_id, first.demoOrganization.organization_id);
      assert.equal(second.demoCardholder.cardholder_id, first.demoCardholder.cardholder_id);
      const count = async (sql: string) => Number((await first.db.all<{ n: number | string }>(sql))[0]!.n);
      assert.equal(await count('SELECT COUNT(*) AS n FROM acquirer_merchants WHERE is_demo = 1'), 1);
      assert.equal(await count('SELECT COUNT(*) AS n FROM billing_organizations WHERE is_demo = 1'), 1);
      assert.equal(await count('SELECT COUNT(*) AS n FROM issuer_cards'), 1);
    } finally {
      await Promise.all([first.close(), second.close()]);
      rmSync(otherDataDir, { recursive: true, force: true });
    }
  },
);
