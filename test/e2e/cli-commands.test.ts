import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openDatabase } from '../../src/platform/db/open.ts';
import { PostgresDatabase } from '../../src/platform/db/postgres.ts';
import { allMigrations } from '../../src/app/modules.ts';
import { VERSION } from '../../src/version.ts';
import { childEnv, spawnCardlane } from '../support/cli.ts';
import { newTestLocation } from '../support/databases.ts';

const BOUND_MS = 60_000;
const workDir = mkdtempSync(join(tmpdir(), 'cardlane-cli-'));
const locations: Array<{ url: string; remove(): void }> = [];

after(async () => {
  for (const location of locations) {
    const db = openDatabase(location.url);
    if (db instanceof PostgresDatabase) await db.dropSchema();
    await db.close();
    location.remove();
  }
  rmSync(workDir, { recursive: true, force: true });
});

/** `--database` for the suite's database kind: a fresh schema on PostgreSQL, a fresh file on SQLite. */
function databaseArgs(): string[] {
  const location = newTestLocation();
  locations.push(location);
  return ['--database', location.url];
}

async function run(args: readonly string[], env?: NodeJS.ProcessEnv) {
  const cardlane = spawnCardlane(args, { cwd: workDir, ...(env ? { env } : {}) });
  const { code } = await cardlane.waitForExit(BOUND_MS);
  return { code, stdout: cardlane.stdout(), stderr: cardlane.stderr() };
}

test('version, for people and for programs', async () => {
  const human = await run(['version']);
  assert.equal(human.code, 0);
  assert.match(human.stdout, new RegExp(`^cardlane ${VERSION.replace(/\./g, '\\.')} \\(node v\\d+`));
  const json = await run(['version', '--json']);
  assert.deepEqual(JSON.parse(json.stdout), { version: VERSION, node: process.version });
});

test('migrate applies what is pending, then nothing', async () => {
  const database = databaseArgs();
  const first = await run(['migrate', ...database, '--json']);
  assert.equal(first.code, 0, first.stderr);
  const applied = JSON.parse(first.stdout);
  assert.deepEqual(applied.applied, allMigrations.map((migration) => migration.id));
  assert.equal(applied.total, allMigrations.length);
  const second = await run(['migrate', ...database]);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /is up to date/);
});

test('bad configuration: a readable error on stderr, nothing on stdout, exit 2', async () => {
  const human = await run(['up', '--port', 'eighty']);
  assert.equal(human.code, 2);
  assert.equal(human.stdout, '');
  assert.match(human.stderr, /^cardlane: invalid configuration: port \(from --port\)/);

  const fromEnv = await run(['migrate', '--json'], childEnv({ CARDLANE_LOG_LEVEL: 'chatty' }));
  assert.equal(fromEnv.code, 2);
  const error = JSON.parse(fromEnv.stderr).error;
  assert.equal(error.type, 'config_error');
  assert.equal(error.field, 'logLevel');
  assert.equal(error.source, 'CARDLANE_LOG_LEVEL');

  const file = join(workDir, 'bad.json');
  writeFileSync(file, '{"port": 1, "colour": "blue"}');
  const fromFile = await run(['up', '--config', file]);
  assert.equal(fromFile.code, 2);
  assert.match(fromFile.stderr, /unknown setting "colour"/);

  const unknown = await run(['launch']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command 'launch'/);
});

test('up prints a readable banner, refuses a taken port with exit 1, and stops on SIGINT', async () => {
  const database = databaseArgs();
  const cardlane = spawnCardlane(['up', '--port', '0', '--data-dir', join(workDir, 'data'), ...database], { cwd: workDir });
  try {
    const apiLine = await cardlane.waitForLine((line) => line.trim().startsWith('API '), BOUND_MS);
    const url = /http:\/\/\S+/.exec(apiLine)?.[0];
    assert.ok(url);
    await cardlane.waitForLine((line) => line.includes('Ctrl+C'), BOUND_MS);
    for (const label of ['OpenAPI document', 'API reference', 'Metrics', 'Health', 'Data directory', 'Database']) {
      assert.match(cardlane.stdout(), new RegExp(`^  ${label} +\\S`, 'm'), label);
    }

    // The same deployment (data directory, so the same master key) a second time: only the port is in the way.
    const clash = await run(['up', '--port', new URL(url).port, '--data-dir', join(workDir, 'data'), ...database]);
    assert.equal(clash.code, 1);
    assert.match(clash.stderr, /port is in use/);

    cardlane.child.kill('SIGINT');
    const exit = await cardlane.waitForExit(BOUND_MS);
    assert.deepEqual(exit, { code: 0, signal: null }, cardlane.stderr());
  } finally {
    if (cardlane.child.exitCode === null && cardlane.child.signalCode === null) cardlane.child.kill('SIGKILL');
  }
});

