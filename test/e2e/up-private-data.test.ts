import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CALL_BOUND_MS, e2eWorkspace, EXIT_BOUND_MS, spawnCardlane, START_BOUND_MS, type Spawned } from '../support/cli.ts';
import { testDatabaseKind } from '../support/databases.ts';

// A local user read a fresh sign-in code out of a 0644 database in a 0755
// data directory and took over a cardholder. After `cardlane up`, the data
// directory is 0700 and every file in it 0600 — the database with its -wal
// and -shm included — and a wider directory found at start is narrowed, with
// a warning in the banner and the log. Listening beyond loopback with the
// sandbox on is warned about too. And a CLI session can be signed out.

const { workDir, location } = e2eWorkspace('up-private-data');
const dataDir = join(workDir, 'data');
const dbArgs = testDatabaseKind() === 'postgres' ? ['--database', location.url] : [];
const modeOf = (path: string) => statSync(path).mode & 0o777;

async function stop(server: Spawned): Promise<void> {
  server.child.kill('SIGTERM');
  const exit = await server.waitForExit(EXIT_BOUND_MS);
  assert.deepEqual(exit, { code: 0, signal: null }, server.stderr());
}

function assertPrivate(): void {
  assert.equal(modeOf(dataDir), 0o700, dataDir);
  const names = readdirSync(dataDir);
  if (testDatabaseKind() === 'sqlite') for (const name of ['cardlane.db', 'cardlane.db-wal', 'cardlane.db-shm']) assert.ok(names.includes(name), name);
  for (const name of ['operator-key', 'demo-credentials.json']) assert.ok(names.includes(name), name);
  for (const name of names) assert.equal(modeOf(join(dataDir, name)), 0o600, name);
}

test('cardlane up on a data directory others can read: narrows it, warns in the banner and the log; warns when listening beyond loopback', { timeout: 180_000 }, async () => {
  // What an older Cardlane, `cp -r` or a restored backup may leave behind.
  mkdirSync(dataDir, { recursive: true });
  chmodSync(dataDir, 0o755);
  writeFileSync(join(dataDir, 'notes.txt'), 'left here\n');
  chmodSync(join(dataDir, 'notes.txt'), 0o644);

  const server = spawnCardlane(['up', '--host', '0.0.0.0', '--port', '0', '--data-dir', dataDir, ...dbArgs], { cwd: workDir });
  try {
    await server.waitForLine((line) => line.startsWith('Logs go to standard error'), START_BOUND_MS);
    const banner = server.stdout();
    assert.match(banner, new RegExp(`^WARNING: ${dataDir} was open to other users \\(mode 0755\\); narrowed to 0700`, 'm'));
    assert.match(banner, new RegExp(`^WARNING: ${join(dataDir, 'notes.txt')} was open to other users \\(mode 0644\\); narrowed to 0600`, 'm'));
    assert.match(banner, /^WARNING: listening on 0\.0\.0\.0, reachable from the network, with the sandbox providers on/m);
    assert.ok(banner.indexOf('WARNING') < banner.indexOf('API '), 'the warnings come first');
    assertPrivate();
  } finally {
    await stop(server);
  }
  const logs = server.stderr();
  assert.match(logs, /"level":"warn"[^\n]*was open to other users/);
  assert.match(logs, /"level":"warn"[^\n]*reachable from the network/);
});

test('cardlane up again, on loopback: no warnings, everything still private; the CLI signs in and out', { timeout: 180_000 }, async () => {
  const server = spawnCardlane(['up', '--port', '0', '--data-dir', dataDir, '--json', ...dbArgs], { cwd: workDir });
  try {
    const info = JSON.parse(await server.waitForLine((line) => line.startsWith('{'), START_BOUND_MS)) as { url: string; security_warnings: string[] };
    assert.deepEqual(info.security_warnings, []);
    assertPrivate();

    const issuer = async (args: readonly string[]) => {
      const child = spawnCardlane(['issuer', '--url', info.url, '--data-dir', dataDir, ...args], { cwd: workDir });
      const { code } = await child.waitForExit(CALL_BOUND_MS);
      return { code, stdout: child.stdout(), stderr: child.stderr() };
    };
    const phone = '+8613700137000';
    assert.equal((await issuer(['sign-in', '--phone', phone])).code, 0);
    const inbox = JSON.parse((await issuer(['sms-inbox', '--phone', phone, '--json'])).stdout) as { data: Array<{ body: string }> };
    const code = /\b(\d{6})\b/.exec(inbox.data[0]!.body)![1]!;
    const verified = await issuer(['verify', '--phone', phone, '--code', code]);
    assert.equal(verified.code, 0, verified.stderr);
    const sessionFile = join(dataDir, 'cli-session.json');
    assert.equal(modeOf(sessionFile), 0o600);
    const { token } = JSON.parse((await import('node:fs')).readFileSync(sessionFile, 'utf8')) as { token: string };

    const out = await issuer(['sign-out']);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^Signed out; removed .*cli-session\.json\.$/m);
    assert.equal(existsSync(sessionFile), false, 'the saved session is gone');
    const me = await fetch(`${info.url}/issuer/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(me.status, 401, 'and the token no longer works on the server');
    const again = await issuer(['me']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /not signed in/);
  } finally {
    await stop(server);
  }
});
