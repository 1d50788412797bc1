import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openSecret, sealSecret, SecretUnsealError } from '../../src/platform/secrets/envelope.ts';
import { parseMasterKey } from '../../src/platform/secrets/master-key.ts';

// The envelope under the deployment's secrets: AES-256-GCM under the master key, the secret's name and kid bound in.
const MASTER = Buffer.alloc(32, 1);
const OTHER = Buffer.alloc(32, 2);
const SECRET = Buffer.from('a vault key of thirty-two bytes!');

test('a sealed secret opens under its master key, name and kid; each seal is fresh', () => {
  const sealed = sealSecret(MASTER, 'acquirer.vault-key', 'v1', SECRET);
  assert.deepEqual(openSecret(MASTER, 'acquirer.vault-key', 'v1', sealed), SECRET);
  assert.notEqual(sealSecret(MASTER, 'acquirer.vault-key', 'v1', SECRET), sealed, 'a new nonce every time');
  assert.ok(!sealed.includes(SECRET.toString('base64url')), 'no plaintext in the sealed text');
});

test('another master key is refused (GCM authentication), never an answer of garbage', () => {
  const sealed = sealSecret(MASTER, 'acquirer.vault-key', 'v1', SECRET);
  assert.throws(() => openSecret(OTHER, 'acquirer.vault-key', 'v1', sealed), (error) => error instanceof SecretUnsealError && /authentication failed/.test(error.message));
});

test('tampering with the nonce, the ciphertext or the tag is detected', () => {
  const sealed = sealSecret(MASTER, 'network.par-key', 'v1', SECRET);
  const parts = sealed.split('.');
  for (const index of [1, 2, 3]) {
    const bytes = Buffer.from(parts[index]!, 'base64url');
    bytes[0]! ^= 1;
    const altered = parts.map((part, i) => (i === index ? bytes.toString('base64url') : part)).join('.');
    assert.throws(() => openSecret(MASTER, 'network.par-key', 'v1', altered), SecretUnsealError, `part ${index}`);
  }
  assert.throws(() => openSecret(MASTER, 'network.par-key', 'v1', 'v1.abc'), SecretUnsealError, 'malformed');
  assert.throws(() => openSecret(MASTER, 'network.par-key', 'v1', `v0.${parts.slice(1).join('.')}`), SecretUnsealError, 'unknown format');
});

test("the associated data binds the secret's name and kid: a row copied onto another does not open", () => {
  const sealed = sealSecret(MASTER, 'network.par-key', 'v1', SECRET);
  assert.throws(() => openSecret(MASTER, 'acquirer.vault-key', 'v1', sealed), SecretUnsealError, 'another name');
  assert.throws(() => openSecret(MASTER, 'network.par-key', 'v2', sealed), SecretUnsealError, 'another kid');
  // Length-prefixed: moving a character between name and kid is another associated data too.
  const split = sealSecret(MASTER, 'ab', 'c', SECRET);
  assert.throws(() => openSecret(MASTER, 'a', 'bc', split), SecretUnsealError);
});

test('a master key is 32 bytes as hex or base64; anything else is refused without echoing it', () => {
  const hex = MASTER.toString('hex');
  assert.deepEqual(parseMasterKey(hex, 'env'), MASTER);
  assert.deepEqual(parseMasterKey(`${hex.toUpperCase()}\n`, 'file'), MASTER);
  assert.deepEqual(parseMasterKey(MASTER.toString('base64'), 'env'), MASTER);
  assert.deepEqual(parseMasterKey(MASTER.toString('base64url'), 'env'), MASTER);
  for (const bad of ['', 'abc', hex.slice(2), Buffer.alloc(31).toString('base64'), `${hex}00`]) {
    assert.throws(() => parseMasterKey(bad, 'CARDLANE_MASTER_KEY'), (error: Error) => /CARDLANE_MASTER_KEY must be 32 bytes/.test(error.message) && (bad === '' || !error.message.includes(bad)));
  }
});
