import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { VAULT_KEY_FILE_NAME } from '../../src/acquirer/acquirer-start.ts';
import { BLOCK_PREPAID_ON_CUSTOMER_INITIATED } from '../../src/acquirer/risk/presets.ts';
import { runCli } from '../../src/cli/program.ts';
import { KEYRING_FILE_NAME } from '../../src/issuer/keyring-file.ts';
import { serializeKeyring } from '../../src/issuer/keyring.ts';
import type { OpenedCard } from '../support/card-fixture.ts';
import { doctorFixture, type DoctorFixture } from './doctor-fixture.ts';

// The doctor's card-window sentence: the window in the reader's time zone (the CLI's is the machine's), named,
// and "1 attempt" / "2 attempts" rather than "attempt(s)" in English.

let f: DoctorFixture;
let dataDir: string;
let card: OpenedCard;
const WINDOW = { fromMs: Date.parse('2026-11-01T00:00:00Z'), toMs: Date.parse('2026-12-01T00:00:00Z') };

before(async () => {
  for (const name of Object.keys(process.env)) if (name.startsWith('CARDLANE_') && name !== 'CARDLANE_TEST_DATABASE') delete process.env[name];
  delete process.env.DATABASE_URL;
  f = await doctorFixture();
  dataDir = mkdtempSync(join(tmpdir(), 'cardlane-doctor-window-'));
  writeFileSync(join(dataDir, KEYRING_FILE_NAME), serializeKeyring(f.base.keyring));
  writeFileSync(join(dataDir, VAULT_KEY_FILE_NAME), `${f.deps.vaultKey.toString('hex')}\n`);
  // A card verified at the merchant (reached the issuer), then a purchase the merchant's rule refused (never reached it).
  await f.addRule(BLOCK_PREPAID_ON_CUSTOMER_INITIATED);
  card = await f.base.openCard({ loadUsdMinor: 5000 });
  const customer = await f.stripe.customers.create({ email: 'li.lei@example.com' });
  const pm = await f.paymentMethod(card);
  await f.stripe.setupIntents.create({ customer: customer.id, payment_method: pm.id, confirm: true });
  const pi = await f.stripe.paymentIntents.create({ amount: 1500, currency: 'usd', customer: customer.id, payment_method: pm.id });
  await f.declineOf(f.stripe.paymentIntents.confirm(pi.id));
});

after(async () => {
  await f.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test('the summary says the window in the reader\'s zone and counts in proper English; the query keeps ISO times', async () => {
  const operator = await f.doctor.traceCard(card.cardId, WINDOW, { view: 'operator' }, 'en', { timeZone: 'Asia/Shanghai' });
  assert.match(operator.summary, /^2 attempts with card •••• \d{4} between 2026-11-01 08:00 GMT\+8 and 2026-12-01 08:00 GMT\+8: \d approved, \d declined\.$/);
  assert.ok(operator.notes.includes("1 merchant-side attempt with this card never reached the issuer (refused at the acquirer); it is listed with the issuer's authorizations."), operator.notes.join('\n'));
  assert.deepEqual(operator.query, { card: card.cardId, from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' });

  const holder = await f.doctor.traceCard(card.cardId, WINDOW, { view: 'cardholder', cardholderId: card.cardholderId }, 'en', { timeZone: 'America/New_York' });
  assert.match(holder.summary, /^1 attempt with card •••• \d{4} between 2026-10-31 20:00 EDT and 2026-11-30 19:00 EST: 1 approved, 0 declined\.$/);
  assert.doesNotMatch(holder.summary, /\(s\)/);

  // Without a zone: the language's (UTC, named, for English; China's for Chinese).
  assert.match((await f.doctor.traceCard(card.cardId, WINDOW, { view: 'operator' }, 'en')).summary, /between 2026-11-01 00:00 UTC and 2026-12-01 00:00 UTC:/);
  const zh = await f.doctor.traceCard(card.cardId, WINDOW, { view: 'operator' }, 'zh-CN');
  assert.match(zh.summary, /^2026-11-01 08:00 GMT\+8 至 2026-12-01 08:00 GMT\+8 之间，卡片 •••• \d{4} 共 2 次尝试/);
  await assert.rejects(f.doctor.traceCard(card.cardId, WINDOW, { view: 'operator' }, 'en', { timeZone: 'Mars/Olympus' }), (e: any) => e.code === 'parameter_invalid');
});

test('cardlane doctor --card writes the window in the machine\'s time zone', async () => {
  const saved = process.env.TZ;
  process.env.TZ = 'Asia/Shanghai';
  try {
    let stdout = '';
    let stderr = '';
    const io = { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) } };
    const code = await runCli(
      ['node', 'cardlane', 'doctor', '--card', card.cardId, '--from', '2026-11-01T00:00:00Z', '--to', '2026-12-01T00:00:00Z', '--database', f.location, '--data-dir', dataDir, '--log-level', 'silent'],
      io,
    );
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^2 attempts with card •••• \d{4} between 2026-11-01 08:00 GMT\+8 and 2026-12-01 08:00 GMT\+8: /m);
    assert.doesNotMatch(stdout, /attempt\(s\)|T00:00:00/);
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
});
