import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadCardlaneConfig as loadConfig } from '../../src/app/config.ts';
import { ConfigError } from '../../src/platform/config.ts';

const root = mkdtempSync(join(tmpdir(), 'cardlane-config-'));
after(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
function freshDir(): string {
  const dir = join(root, `case-${++counter}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

test('defaults: ./.cardlane under the working directory, SQLite inside it, 127.0.0.1:4400', () => {
  const cwd = freshDir();
  const config = loadConfig({ cwd, env: {} });
  assert.equal(config.dataDir, join(cwd, '.cardlane'));
  assert.equal(config.database, join(cwd, '.cardlane', 'cardlane.db'));
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.port, 4400);
  assert.equal(config.logLevel, 'info');
  assert.equal(config.configFile, null);
  assert.ok(config.ledger.sweepIntervalMs > 0 && config.ledger.sealIntervalMs > 0);
  assert.equal(config.http.bodyLimitBytes, 1_048_576);
  assert.deepEqual(config.payments, { issuerTimeoutMs: 2_000, authorizationHoldMs: 7 * 24 * 60 * 60 * 1000 });
  assert.ok(Object.isFrozen(config));
});

test('precedence: defaults < config file < environment < flags, field by field', () => {
  const cwd = freshDir();
  const dataDir = join(cwd, '.cardlane');
  mkdirSync(dataDir);
  writeFileSync(
    join(dataDir, 'cardlane.json'),
    JSON.stringify({ host: '0.0.0.0', port: 5000, logLevel: 'warn', ledger: { sweepIntervalMs: 250 } }),
  );

  const fileOnly = loadConfig({ cwd, env: {} });
  assert.equal(fileOnly.configFile, join(dataDir, 'cardlane.json'), 'the data directory config file is found');
  assert.deepEqual([fileOnly.host, fileOnly.port, fileOnly.logLevel], ['0.0.0.0', 5000, 'warn']);
  assert.equal(fileOnly.ledger.sweepIntervalMs, 250);
  assert.equal(fileOnly.ledger.sealIntervalMs, loadConfig({ cwd: freshDir(), env: {} }).ledger.sealIntervalMs, 'unset nested fields keep their default');

  const withEnv = loadConfig({ cwd, env: { CARDLANE_PORT: '6000', CARDLANE_LOG_LEVEL: 'debug' } });
  assert.deepEqual([withEnv.host, withEnv.port, withEnv.logLevel], ['0.0.0.0', 6000, 'debug']);

  const withFlags = loadConfig({ cwd, env: { CARDLANE_PORT: '6000', CARDLANE_LOG_LEVEL: 'debug' }, flags: { port: '0' } });
  assert.deepEqual([withFlags.host, withFlags.port, withFlags.logLevel], ['0.0.0.0', 0, 'debug']);
});

test('data directory and database from the environment and flags', () => {
  const cwd = freshDir();
  const fromEnv = loadConfig({ cwd, env: { CARDLANE_DATA_DIR: 'data' } });
  assert.equal(fromEnv.dataDir, join(cwd, 'data'));
  assert.equal(fromEnv.database, join(cwd, 'data', 'cardlane.db'), 'the database follows the data directory');

  const fromFlag = loadConfig({ cwd, env: { CARDLANE_DATA_DIR: 'data' }, flags: { dataDir: '/srv/cardlane' } });
  assert.equal(fromFlag.dataDir, '/srv/cardlane');

  const url = 'postgres://postgres@127.0.0.1:5432/test?schema=abc';
  assert.equal(loadConfig({ cwd, env: { DATABASE_URL: url } }).database, url);
  assert.equal(
    loadConfig({ cwd, env: { DATABASE_URL: url, CARDLANE_DATABASE: 'other.db' } }).database,
    join(cwd, 'other.db'),
    'CARDLANE_DATABASE is more specific than DATABASE_URL',
  );
  assert.equal(loadConfig({ cwd, env: { DATABASE_URL: url }, flags: { database: 'sqlite:x.db' } }).database, join(cwd, 'x.db'));
  assert.equal(loadConfig({ cwd, env: {}, flags: { database: ':memory:' } }).database, ':memory:');
  assert.equal(loadConfig({ cwd, env: { CARDLANE_PORT: '' } }).port, 4400, 'an empty variable counts as unset');
});

test('an explicit --config file; its relative paths resolve against the file', () => {
  const cwd = freshDir();
  const etc = join(cwd, 'etc');
  mkdirSync(etc);
  const file = join(etc, 'prod.json');
  writeFileSync(file, JSON.stringify({ dataDir: '../var', database: 'ledger.db', http: { bodyLimitBytes: 65_536 } }));
  const config = loadConfig({ cwd, env: {}, flags: { config: 'etc/prod.json' } });
  assert.equal(config.configFile, file);
  assert.equal(config.dataDir, join(cwd, 'var'));
  assert.equal(config.database, join(etc, 'ledger.db'));
  assert.equal(config.http.bodyLimitBytes, 65_536);
  assert.equal(loadConfig({ cwd, env: { CARDLANE_CONFIG: file } }).configFile, file);
});

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected loadConfig to throw');
}

test('bad configuration names the field and where it came from, table-driven', () => {
  const cwd = freshDir();
  const write = (name: string, text: string) => {
    const path = join(cwd, name);
    writeFileSync(path, text);
    return path;
  };
  const cases: ReadonlyArray<{ input: Parameters<typeof loadConfig>[0]; field: string | null; source: RegExp; message: RegExp }> = [
    { input: { env: { CARDLANE_PORT: 'abc' } }, field: 'port', source: /^CARDLANE_PORT$/, message: /port .*0 to 65535.*"abc"/ },
    { input: { flags: { port: '70000' } }, field: 'port', source: /^--port$/, message: /port \(from --port\)/ },
    { input: { flags: { port: '-1' } }, field: 'port', source: /^--port$/, message: /whole number/ },
    { input: { env: { CARDLANE_LOG_LEVEL: 'loud' } }, field: 'logLevel', source: /CARDLANE_LOG_LEVEL/, message: /one of fatal, error/ },
    { input: { env: { CARDLANE_HOST: 'not a host' } }, field: 'host', source: /CARDLANE_HOST/, message: /host name or an IP/ },
    { input: { env: { DATABASE_URL: 'postgres://' } }, field: 'database', source: /^DATABASE_URL$/, message: /postgres/ },
    {
      input: { flags: { config: write('typo.json', '{"prot": 1}') } },
      field: 'prot',
      source: /config file .*typo\.json/,
      message: /unknown setting "prot".*known: .*port/,
    },
    {
      input: { flags: { config: write('nested.json', '{"ledger": {"sweepIntervalMs": 0}}') } },
      field: 'ledger.sweepIntervalMs',
      source: /nested\.json/,
      message: /ledger\.sweepIntervalMs .*milliseconds/,
    },
    { input: { flags: { config: write('port.json', '{"port": "4400"}') } }, field: 'port', source: /port\.json/, message: /whole number/ },
    {
      input: { flags: { config: write('timeout.json', '{"payments": {"issuerTimeoutMs": 120000}}') } },
      field: 'payments.issuerTimeoutMs',
      source: /timeout\.json/,
      message: /payments\.issuerTimeoutMs .*milliseconds/,
    },
    { input: { flags: { config: write('broken.json', '{port: 1') } }, field: null, source: /broken\.json/, message: /not valid JSON/ },
    { input: { flags: { config: write('array.json', '[]') } }, field: null, source: /array\.json/, message: /JSON object/ },
    { input: { flags: { config: join(cwd, 'missing.json') } }, field: null, source: /missing\.json/, message: /does not exist/ },
  ];
  for (const { input, field, source, message } of cases) {
    const error = configError(() => loadConfig({ cwd, env: {}, ...input }));
    assert.equal(error.field, field, error.message);
    assert.match(error.source, source, error.message);
    assert.match(error.message, message);
  }
});
