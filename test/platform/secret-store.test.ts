import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { VAULT_KEY_FILE_NAME, VAULT_KEY_SECRET } from '../../src/acquirer/acquirer-start.ts';
import { decryptPan, encryptPan } from '../../src/issuer/card-secrets.ts';
import { ISSUER_KEYRING_SECRET, KEYRING_FILE_NAME, rotateIssuerPanKey } from '../../src/issuer/keyring-file.ts';
import { generateKeyring, serializeKeyring } from '../../src/issuer/keyring.ts';
import { openDatabase } from '../../src/platform/db/open.ts';
import { seededRandom } from '../../src/platform/ids.ts';
import { MasterKeyMismatchError, SecretStore } from '../../src/platform/secrets/secret-store.ts';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from '../support/databases.ts';

const MASTER = { key: Buffer.alloc(32, 1), source: 'the test' };
const OTHER = { key: Buffer.alloc(32, 2), source: 'another test key' };

let t: TestDatabase;
let dataDir: string;
beforeEach(async () => {
  t = await createTestDatabase();
  dataDir = mkdtempSync(join(tmpdir(), 'cardlane-secret-store-'));
});
afterEach(async () => {
  await t.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
});

const store = (master = MASTER, db = t.db) => new SecretStore(db, master, () => 1_000);

test('the first start creates a secret; every later start, whatever its data directory, reads the same', async () => {
  const first = await store().loadOrCreate(VAULT_KEY_SECRET, dataDir);
  assert.equal(first.origin, 'created');
  const otherDir = mkdtempSync(join(tmpdir(), 'cardlane-secret-store-other-'));
  try {
    const again = await store().loadOrCreate(VAULT_KEY_SECRET, otherDir);
    assert.equal(again.origin, 'database');
    assert.deepEqual(again.value, first.value);
  } finally {
    rmSync(otherDir, { recursive: true, force: true });
  }
  const rows = await t.db.all<{ name: string; kid: string; ciphertext: string }>('SELECT name, kid, ciphertext FROM platform_secrets');
  assert.deepEqual(rows.map((r) => [r.name, r.kid]), [['acquirer.vault-key', 'v1']]);
  assert.ok(!rows[0]!.ciphertext.includes(first.value.toString('hex')) && !rows[0]!.ciphertext.includes(first.value.toString('base64')), 'sealed, not in clear');
});

test(
  'processes starting at once agree on one secret',
  { skip: testDatabaseKind() !== 'postgres' && 'SQLite serializes writers across processes; the race needs PostgreSQL' },
  async () => {
    const handles = [0, 1, 2, 3].map(() => openDatabase(t.location));
    try {
      const values = await Promise.all(handles.map((db) => store(MASTER, db).loadOrCreate(ISSUER_KEYRING_SECRET, dataDir)));
      for (const value of values) assert.deepEqual(serializeKeyring(value.value), serializeKeyring(values[0]!.value));
      assert.equal(values.filter((v) => v.origin === 'created').length, 1);
    } finally {
      await Promise.all(handles.map((db) => db.close()));
    }
  },
);

test('a master key that does not open what is stored is refused with a clear error, and creates nothing', async () => {
  await store().loadOrCreate(VAULT_KEY_SECRET, dataDir);
  const wrong = store(OTHER);
  await assert.rejects(wrong.checkMasterKey(), (error: Error) => error instanceof MasterKeyMismatchError && /another test key does not open the secrets/.test(error.message) && /same master key/.test(error.message));
  await assert.rejects(wrong.loadOrCreate(VAULT_KEY_SECRET, dataDir), MasterKeyMismatchError);
  const rows = await t.db.all('SELECT name FROM platform_secrets');
  assert.equal(rows.length, 1, 'no secret of its own beside the deployment’s');
});

test("a row's ciphertext copied onto another secret's row does not open (the name is bound in)", async () => {
  await store().loadOrCreate(VAULT_KEY_SECRET, dataDir);
  await store().loadOrCreate(ISSUER_KEYRING_SECRET, dataDir);
  const vault = await t.db.get<{ ciphertext: string }>("SELECT ciphertext FROM platform_secrets WHERE name = 'acquirer.vault-key'");
  await t.db.run("UPDATE platform_secrets SET ciphertext = ? WHERE name = 'issuer.keyring'", [vault!.ciphertext]);
  await assert.rejects(store().loadOrCreate(ISSUER_KEYRING_SECRET, dataDir), MasterKeyMismatchError);
});

test("migration: a data directory's key files (today's format) are imported once, so existing cards keep decrypting", async () => {
  const keyring = generateKeyring(seededRandom(7));
  const vaultKey = Buffer.alloc(32, 0xab);
  writeFileSync(join(dataDir, KEYRING_FILE_NAME), serializeKeyring(keyring), { mode: 0o600 });
  writeFileSync(join(dataDir, VAULT_KEY_FILE_NAME), `${vaultKey.toString('hex')}\n`, { mode: 0o600 });
  const pan = encryptPan(keyring, '4530000000000006', seededRandom(8));

  const imported = await store().loadOrCreate(ISSUER_KEYRING_SECRET, dataDir);
  assert.equal(imported.origin, 'imported');
  assert.equal(decryptPan(imported.value, pan), '4530000000000006');
  const vault = await store().loadOrCreate(VAULT_KEY_SECRET, dataDir);
  assert.deepEqual([vault.origin, vault.value], ['imported', vaultKey]);

  // Another data directory with no files (a second process) reads the imported ones.
  const elsewhere = mkdtempSync(join(tmpdir(), 'cardlane-secret-store-other-'));
  try {
    assert.equal(decryptPan((await store().loadOrCreate(ISSUER_KEYRING_SECRET, elsewhere)).value, pan), '4530000000000006');
  } finally {
    rmSync(elsewhere, { recursive: true, force: true });
  }
});

test('a malformed key file fails the start with its path, and nothing is stored', async () => {
  writeFileSync(join(dataDir, VAULT_KEY_FILE_NAME), 'not hex\n', { mode: 0o600 });
  await assert.rejects(store().loadOrCreate(VAULT_KEY_SECRET, dataDir), new RegExp(VAULT_KEY_FILE_NAME));
  assert.equal((await t.db.all('SELECT name FROM platform_secrets')).length, 0);
});

test('rotating the issuer PAN key stores a new version; cards under the old kid still decrypt, new ones use the new kid', async () => {
  const before = (await store().loadOrCreate(ISSUER_KEYRING_SECRET, dataDir)).value;
  const old = encryptPan(before, '4530000000000006', seededRandom(9));
  const kid = await rotateIssuerPanKey(store());
  assert.equal(kid, 'k2');
  const after = (await store().loadOrCreate(ISSUER_KEYRING_SECRET, dataDir)).value;
  assert.equal(after.panEncryption.activeKid, 'k2');
  assert.equal(decryptPan(after, old), '4530000000000006');
  assert.equal(encryptPan(after, '4530000000000014', seededRandom(10)).kid, 'k2');
  const kids = await t.db.all<{ kid: string }>("SELECT kid FROM platform_secrets WHERE name = 'issuer.keyring' ORDER BY kid");
  assert.deepEqual(kids.map((r) => r.kid), ['v1', 'v2'], 'the old version is kept, never overwritten');
});
