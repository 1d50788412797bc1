import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DataDirExposedError, securePrivateData, sqliteFiles } from '../../src/platform/data-dir.ts';
import { SqliteDatabase } from '../../src/platform/db/sqlite.ts';
import { loadOrCreateSecretFile } from '../../src/platform/secret-file.ts';
import { writeDemoCredentialsSection } from '../../src/platform/demo-credentials-file.ts';

// A local user read a fresh sign-in code out of a 0644 database in a 0755
// directory: the data directory must be 0700 and every file in it 0600.

const root = mkdtempSync(join(tmpdir(), 'cardlane-data-dir-'));
after(() => rmSync(root, { recursive: true, force: true }));
const modeOf = (path: string) => statSync(path).mode & 0o777;
const previousUmask = process.umask(0o022); // the common default, under which files come out 0644 unless made private
after(() => process.umask(previousUmask));

test('a new SQLite database: its directory 0700, the file and its -wal and -shm 0600', async () => {
  const dir = join(root, 'fresh', 'data');
  const file = join(dir, 'cardlane.db');
  const db = new SqliteDatabase(file);
  try {
    await db.run('CREATE TABLE t (x INTEGER)');
    await db.run('INSERT INTO t (x) VALUES (1)');
    assert.equal(modeOf(dir), 0o700);
    for (const path of sqliteFiles(file)) assert.equal(modeOf(path), 0o600, path);
  } finally {
    await db.close();
  }
});

test('secret files and the demo credentials: 0600 in a directory they create 0700', () => {
  const dir = join(root, 'secrets');
  loadOrCreateSecretFile(dir, 'some-key', 32);
  writeDemoCredentialsSection(dir, 'server', { url: 'http://127.0.0.1:1' });
  assert.equal(modeOf(dir), 0o700);
  assert.equal(modeOf(join(dir, 'some-key')), 0o600);
  assert.equal(modeOf(join(dir, 'demo-credentials.json')), 0o600);
});

test('securePrivateData narrows a wide directory, its files, a subdirectory (not entered) and a database kept elsewhere; says what it narrowed', () => {
  const dir = join(root, 'wide');
  mkdirSync(join(dir, 'sub'), { recursive: true });
  chmodSync(dir, 0o755);
  chmodSync(join(dir, 'sub'), 0o775);
  writeFileSync(join(dir, 'cardlane.db-wal'), '', { mode: 0o644 });
  writeFileSync(join(dir, 'operator-key'), 'op_x\n', { mode: 0o600 });
  writeFileSync(join(dir, 'sub', 'notes'), '');
  chmodSync(join(dir, 'sub', 'notes'), 0o664);
  const elsewhere = join(root, 'elsewhere.db');
  writeFileSync(elsewhere, '', { mode: 0o640 });

  const narrowed = securePrivateData(dir, sqliteFiles(elsewhere));

  assert.deepEqual(
    narrowed.map((t) => [t.path, t.fromMode, t.toMode]).sort(),
    [
      [dir, 0o755, 0o700],
      [join(dir, 'cardlane.db-wal'), 0o644, 0o600],
      [join(dir, 'sub'), 0o775, 0o700],
      [elsewhere, 0o640, 0o600],
    ].sort(),
  );
  assert.equal(modeOf(dir), 0o700);
  assert.equal(modeOf(join(dir, 'cardlane.db-wal')), 0o600);
  assert.equal(modeOf(join(dir, 'operator-key')), 0o600);
  assert.equal(modeOf(join(dir, 'sub', 'notes')), 0o664, 'not entered: nobody else can reach it through a 0700 directory');
  assert.equal(modeOf(elsewhere), 0o600);
  assert.deepEqual(securePrivateData(dir, sqliteFiles(elsewhere)), [], 'nothing left to narrow');
});

test('securePrivateData creates a missing data directory 0700', () => {
  const dir = join(root, 'missing', 'data');
  assert.deepEqual(securePrivateData(dir), []);
  assert.equal(modeOf(dir), 0o700);
});

test('securePrivateData refuses, with the path and the fix, a wide file it does not own', (t) => {
  const dir = join(root, 'foreign');
  mkdirSync(dir, { mode: 0o700 });
  chmodSync(dir, 0o700);
  const file = join(dir, 'cardlane.db');
  writeFileSync(file, '', { mode: 0o644 });
  chmodSync(file, 0o644);
  // This process is another user than the file's owner.
  t.mock.method(process as { getuid(): number }, 'getuid', () => statSync(file).uid + 4242);
  assert.throws(
    () => securePrivateData(dir),
    (error: unknown) =>
      error instanceof DataDirExposedError &&
      error.path === file &&
      error.message.includes('mode 0644') &&
      error.message.includes(`chmod 600 ${file}`),
  );
  assert.equal(modeOf(file), 0o644, 'left as it was');
});
