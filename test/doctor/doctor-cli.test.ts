import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { VAULT_KEY_FILE_NAME } from '../../src/acquirer/acquirer-start.ts';
import { BLOCK_PREPAID_ON_CUSTOMER_INITIATED } from '../../src/acquirer/risk/presets.ts';
import { runCli } from '../../src/cli/program.ts';
import { loadCardlaneConfig as loadConfig } from '../../src/app/config.ts';
import { formatMoney, money } from '../../src/platform/money.ts';
import { KEYRING_FILE_NAME } from '../../src/issuer/keyring-file.ts';
import { serializeKeyring } from '../../src/issuer/keyring.ts';
import type { OpenedCard } from '../support/card-fixture.ts';
import { doctorFixture, type DoctorFixture } from './doctor-fixture.ts';

// `cardlane doctor` in this process, on the database and data directory a running Cardlane would leave.

let f: DoctorFixture;
let dataDir: string;
let card: OpenedCard;
let piId: string;

before(async () => {
  for (const name of Object.keys(process.env)) if (name.startsWith('CARDLANE_') && name !== 'CARDLANE_TEST_DATABASE') delete process.env[name];
  delete process.env.DATABASE_URL;
  f = await doctorFixture();
  dataDir = mkdtempSync(join(tmpdir(), 'cardlane-doctor-cli-'));
  // The issuer's keyring and the acquirer's vault key, as `cardlane up` writes them: the local doctor can then link cards.
  writeFileSync(join(dataDir, KEYRING_FILE_NAME), serializeKeyring(f.base.keyring));
  writeFileSync(join(dataDir, VAULT_KEY_FILE_NAME), `${f.deps.vaultKey.toString('hex')}\n`);

  await f.addRule(BLOCK_PREPAID_ON_CUSTOMER_INITIATED);
  card = await f.base.openCard({ loadUsdMinor: 5000 });
  const customer = await f.stripe.customers.create({ email: 'li.lei@example.com' });
  const pm = await f.paymentMethod(card);
  await f.stripe.setupIntents.create({ customer: customer.id, payment_method: pm.id, confirm: true });
  const pi = await f.stripe.paymentIntents.create({ amount: 1500, currency: 'usd', customer: customer.id, payment_method: pm.id });
  await f.declineOf(f.stripe.paymentIntents.confirm(pi.id));
  piId = pi.id;
});

after(async () => {
  await f.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function cli(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) } };
  const code = await runCli(['node', 'cardlane', 'doctor', ...args, '--database', f.location, '--data-dir', dataDir, '--log-level', 'silent'], io);
  return { code, stdout, stderr };
}

test('cardlane doctor <id> explains the seed\'s decline for people, and recommends the seed\'s remedy', async () => {
  const { code, stdout, stderr } = await cli([piId]);
  assert.equal(code, 0, stderr);
  assert.match(stdout, new RegExp(`^Trace of ${piId} \\(payment_intent\\) — operator view\n`));
  assert.match(stdout, /^Declined by the merchant's risk rule: Card type not accepted by the merchant\.$/m);
  assert.match(stdout, /^ {2}1\. acquirer +blocked +The merchant's risk rule rr_\w+ “Block prepaid cards on customer-initiated purchases”/m);
  assert.match(stdout, /^ {2}3\. issuer +not_reached +No authorization reached the card issuer/m);
  assert.match(stdout, /ISO — · Stripe card_declined \/ card_not_supported · retryable: no · seed cause: card_type/);
  assert.match(stdout, /Seed remedy \(default card \+ auto-recharge\): recommended/);
  // Billing's configured auto-recharge minimum when the configuration has one (the seed's $10), else the refused amount.
  const config = loadConfig({ flags: { dataDir }, env: {}, cwd: process.cwd() }) as unknown as { billing?: { rechargeMinimumMinor?: number } };
  const keep = formatMoney(money(config.billing?.rechargeMinimumMinor ?? 1500, 'USD'));
  assert.ok(stdout.includes(`Keep at least ${keep} on the card`), stdout);
});

test('--json, --lang and --view preview what each party sees', async () => {
  const holder = await cli([piId, '--view', 'cardholder', '--lang', 'zh-CN', '--json']);
  assert.equal(holder.code, 0, holder.stderr);
  const trace = JSON.parse(holder.stdout);
  assert.deepEqual([trace.view, trace.lang, trace.attempts.at(-1).verdict.title], ['cardholder', 'zh-CN', '商户不接受该类型的卡']);
  assert.doesNotMatch(holder.stdout, /rr_|Block prepaid/);

  const merchant = JSON.parse((await cli([piId, '--view', 'merchant', '--json'])).stdout);
  assert.equal(merchant.attempts.at(-1).verdict.rule.description, 'Block prepaid cards on customer-initiated purchases');

  const window = await cli(['--card', card.cardId, '--from', '2026-11-01T00:00:00Z', '--to', '2026-12-01T00:00:00Z', '--json']);
  assert.equal(window.code, 0, window.stderr);
  assert.deepEqual(JSON.parse(window.stdout).attempts.map((a: any) => [a.purpose, a.reached_issuer]), [['account_verification', true], ['purchase', false]]);
});

test('bad usage exits 2, an unknown id exits 1, each with a clear message', async () => {
  const unknown = await cli(['pi_DOESNOTEXIST00000']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /No payment, setup, billing attempt, charge or authorization has the id 'pi_DOESNOTEXIST00000'/);
  assert.equal((await cli([piId, '--card', card.cardId])).code, 2);
  assert.equal((await cli([piId, '--view', 'bank'])).code, 2);
  assert.equal((await cli(['--card', card.cardId, '--view', 'merchant'])).code, 2);
});

test('a declined card verification reads "card check declined" (验卡被拒), never as a payment of USD 0.00', async () => {
  const customer = await f.stripe.customers.create({ email: 'han.meimei@example.com' });
  const wrongCvc = await f.paymentMethod(card, { cvc: card.cvv2 === '000' ? '001' : '000' });
  const declined = await f.declineOf(f.stripe.setupIntents.create({ customer: customer.id, payment_method: wrongCvc.id, confirm: true }));
  const setupId = (declined.raw as { setup_intent?: { id: string } }).setup_intent?.id ?? declined.setup_intent?.id;
  assert.ok(setupId, 'the decline names its set-up');
  const en = await cli([setupId]);
  assert.equal(en.code, 0, en.stderr);
  assert.match(en.stdout, /· card check declined( \(verification hold USD \d+\.\d\d\))? · customer-initiated card verification ·/);
  assert.doesNotMatch(en.stdout, /USD 0\.00/);
  const zh = await cli([setupId, '--lang', 'zh-CN']);
  assert.match(zh.stdout, /· 验卡被拒( \(验证预授权 USD \d+\.\d\d\))? · /);
});

test('--view cardholder answers for a payment the merchant refused before the card ever reached the issuer', async () => {
  // A fresh card, never verified at this merchant: no authorization at the issuer ties the
  // payment to a cardholder; the card account's PAR does, as over HTTP with the cardholder's session.
  const fresh = await f.base.openCard({ loadUsdMinor: 5000 });
  const customer = await f.stripe.customers.create({ email: 'wang.fang@example.com' });
  const pm = await f.paymentMethod(fresh);
  const pi = await f.stripe.paymentIntents.create({ amount: 1500, currency: 'usd', customer: customer.id, payment_method: pm.id });
  await f.declineOf(f.stripe.paymentIntents.confirm(pi.id));
  const chargeId = (await f.stripe.paymentIntents.retrieve(pi.id)).latest_charge as string;
  for (const id of [pi.id, chargeId]) {
    const holder = await cli([id, '--view', 'cardholder']);
    assert.equal(holder.code, 0, holder.stderr);
    assert.match(holder.stdout, /cardholder view/);
    assert.match(holder.stdout, /Card type not accepted/);
    assert.doesNotMatch(holder.stdout, /rr_|Block prepaid/);
  }
});
