import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { acquirerEndpoints } from '../../src/acquirer/acquirer-endpoints.ts';
import { cardFingerprint, openPan, sealPan } from '../../src/acquirer/cards/vault.ts';
import { acquirerModule } from '../../src/acquirer/module.ts';
import { rekeyLegacyVault } from '../../src/acquirer/payments/vault-rekey.ts';
import { recordAttempt } from '../../src/acquirer/risk/risk-attempts.ts';
import { createRiskRule } from '../../src/acquirer/risk/risk-rules.ts';
import { loadCardlaneConfig as loadConfig } from '../../src/app/config.ts';
import { seededRandom } from '../../src/platform/ids.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';

// One vault key used to both seal card numbers (AES-GCM) and key fingerprints
// (HMAC) is now the root of two HKDF subkeys. What was sealed and keyed
// before still works, and the start re-keys it.

const PAN = '4242424242424242';

/** Sealing and fingerprinting exactly as the vault did before subkeys: the raw vault key for both. */
function legacySeal(key: Buffer, pan: string): string {
  const iv = Buffer.alloc(12, 3);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(pan, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join(':');
}
function legacyFingerprint(key: Buffer, pan: string): string {
  const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const digest = createHmac('sha256', key).update(`fingerprint:${pan}`).digest();
  let out = '';
  for (let i = 0; out.length < 16; i++) out += BASE62[digest[i]! % 62];
  return out;
}
/** Opens a sealed number with the raw vault key, ignoring the version: what a key used for two jobs would allow. */
function openWithRawKey(key: Buffer, sealed: string): string {
  const [, iv, body, tag] = sealed.split(':');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv!, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag!, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body!, 'base64url')), decipher.final()]).toString('utf8');
}

let f: AcquirerFixture;
beforeEach(async () => {
  f = await acquirerFixture({ endpoints: acquirerEndpoints });
});
afterEach(async () => {
  await f.close();
});

async function vault(pan: string): Promise<string> {
  const pm = await f.stripe.paymentMethods.create({ type: 'card', card: { number: pan, exp_month: 12, exp_year: 2030 } });
  return pm.id;
}

/** Rewrites a payment method as the vault stored it before subkeys. */
async function makeLegacy(id: string, pan: string): Promise<string> {
  const fingerprint = legacyFingerprint(f.deps.vaultKey, pan);
  await f.db.run('UPDATE acquirer_payment_methods SET pan_sealed = ?, fingerprint = ? WHERE id = ?', [legacySeal(f.deps.vaultKey, pan), fingerprint, id]);
  return fingerprint;
}

async function stored(id: string): Promise<{ pan_sealed: string; fingerprint: string }> {
  return (await f.db.get<{ pan_sealed: string; fingerprint: string }>('SELECT pan_sealed, fingerprint FROM acquirer_payment_methods WHERE id = ?', [id]))!;
}

test('a card number sealed before subkeys still opens; a new one is sealed v2 under a subkey the raw vault key does not open; fingerprints use their own subkey', () => {
  const key = Buffer.alloc(32, 7);
  assert.equal(openPan(key, legacySeal(key, PAN)), PAN);

  const sealed = sealPan(key, PAN, seededRandom(1));
  assert.match(sealed, /^v2:/);
  assert.equal(openPan(key, sealed), PAN);
  assert.throws(() => openWithRawKey(key, sealed), 'the raw vault key no longer opens what is sealed now');
  assert.throws(() => openPan(Buffer.alloc(32, 8), sealed), 'another vault key opens nothing');

  const fingerprint = cardFingerprint(key, PAN);
  assert.match(fingerprint, /^[0-9A-Za-z]{16}$/);
  assert.notEqual(fingerprint, legacyFingerprint(key, PAN), 'the fingerprint is no longer keyed with the raw vault key');
  assert.equal(cardFingerprint(key, PAN), fingerprint, 'the same card, the same fingerprint');
});

test('the re-key moves old payment methods onto the subkeys in bounded batches, with their risk attempts and fingerprint rules; idempotent; a number that does not open is skipped', async () => {
  const merchantId = f.merchant.merchant.id;
  const ids = [await vault(PAN), await vault('4000056655665556'), await vault('5555555555554444')];
  const legacy = [await makeLegacy(ids[0]!, PAN), await makeLegacy(ids[1]!, '4000056655665556'), await makeLegacy(ids[2]!, '5555555555554444')];
  const nowMs = f.clock.nowMs();
  const rule = await f.db.transaction(async (tx) => {
    await recordAttempt(tx, {
      merchantId, paymentId: 'pi_0000000000legacy', cardFingerprint: legacy[0]!, customerId: null, initiator: 'customer', purpose: 'purchase',
      attemptedAtMs: nowMs, outcome: 'allowed', phase: null, ruleId: null, reason: null, declineCode: null,
    });
    return createRiskRule(tx, { ids: f.deps.ids, nowMs }, merchantId, { action: 'block', condition: { kind: 'card_fingerprint', in: [legacy[0]!, 'AAAAAAAAAAAAAAAA'] } });
  });

  assert.deepEqual(await rekeyLegacyVault(f.db, Buffer.alloc(32, 8), seededRandom(2), 2), { rekeyed: 0, skipped: 3 }, 'another vault key re-keys nothing');
  assert.deepEqual(await rekeyLegacyVault(f.db, f.deps.vaultKey, seededRandom(2), 2), { rekeyed: 3, skipped: 0 });
  assert.deepEqual(await rekeyLegacyVault(f.db, f.deps.vaultKey, seededRandom(2), 2), { rekeyed: 0, skipped: 0 }, 'idempotent');

  for (const [i, pan] of [PAN, '4000056655665556', '5555555555554444'].entries()) {
    const row = await stored(ids[i]!);
    assert.match(row.pan_sealed, /^v2:/);
    assert.equal(openPan(f.deps.vaultKey, row.pan_sealed), pan);
    assert.equal(row.fingerprint, cardFingerprint(f.deps.vaultKey, pan));
  }
  const fresh = cardFingerprint(f.deps.vaultKey, PAN);
  const attempts = await f.db.all<{ card_fingerprint: string }>('SELECT card_fingerprint FROM acquirer_risk_attempts WHERE merchant_id = ?', [merchantId]);
  assert.deepEqual(attempts.map((a) => a.card_fingerprint), [fresh], 'velocity per card keeps counting the same card');
  const condition = JSON.parse((await f.db.get<{ condition_json: string }>('SELECT condition_json FROM acquirer_risk_rules WHERE id = ?', [rule.id]))!.condition_json);
  assert.deepEqual(condition.in, [fresh, 'AAAAAAAAAAAAAAAA'], "the merchant's block list still names the card");
});

test("after a start, the payment methods of one card vaulted before and after subkeys have the same fingerprint, and the old one's number still opens", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cardlane-acquirer-vault-'));
  try {
    const before = await vault(PAN);
    await makeLegacy(before, PAN);
    const config = loadConfig({ flags: { dataDir, database: ':memory:' }, env: {} });
    const module = acquirerModule.build({
      db: f.db, clock: f.clock, ids: f.deps.ids, random: f.deps.random, config, logger: createLogger({ level: 'silent' }),
      ledger: f.ledger, network: f.deps.network, settings: config.acquirer, vaultKey: f.deps.vaultKey,
    } as Parameters<typeof acquirerModule.build>[0]);
    await module.api.prepare();

    const after = await vault(PAN);
    const [old, now] = [await f.stripe.paymentMethods.retrieve(before), await f.stripe.paymentMethods.retrieve(after)];
    assert.equal(old.card!.fingerprint, now.card!.fingerprint);
    assert.equal(now.card!.fingerprint, cardFingerprint(f.deps.vaultKey, PAN));
    const row = await stored(before);
    assert.match(row.pan_sealed, /^v2:/);
    assert.equal(openPan(module.api.deps.vaultKey, row.pan_sealed), PAN);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
