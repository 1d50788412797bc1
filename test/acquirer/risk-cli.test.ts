import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { riskRuleEndpoints } from '../../src/acquirer/risk/risk-rule-endpoints.ts';
import { formEncode } from '../../src/cli/commands/acquirer/merchant-client.ts';
import { runCli } from '../../src/cli/program.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';

// `cardlane acquirer rules …` in this process, against a real HTTP server with the risk endpoints.
let f: AcquirerFixture;
let dataDir: string;
before(async () => {
  for (const name of ['CARDLANE_URL', 'CARDLANE_DATA_DIR', 'CARDLANE_MERCHANT_KEY']) delete process.env[name];
  f = await acquirerFixture({ endpoints: riskRuleEndpoints });
  dataDir = mkdtempSync(join(tmpdir(), 'cardlane-risk-cli-'));
  // What `cardlane up` leaves for the demo merchant (plus where it listens).
  writeFileSync(join(dataDir, 'demo-credentials.json'), JSON.stringify({ acquirer: { merchant_id: f.merchant.merchant.id, secret_key: f.merchant.secretKey, url: `${f.url}/v1` } }));
});
after(async () => {
  await f.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function cli(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) } };
  const code = await runCli(['node', 'cardlane', 'acquirer', '--data-dir', dataDir, ...args], io);
  return { code, stdout, stderr };
}

async function ok(args: readonly string[]): Promise<string> {
  const result = await cli(args);
  assert.equal(result.code, 0, `${args.join(' ')}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  return result.stdout;
}

const json = async <T = any>(args: readonly string[]): Promise<T> => JSON.parse(await ok([...args, '--json'])) as T;

test('the form encoder writes Stripe\'s brackets', () => {
  assert.equal(
    decodeURIComponent(formEncode({ condition: { kind: 'card_funding', in: ['prepaid', 'debit'] }, applies_to: 'customer_initiated', skipped: undefined })),
    'condition[kind]=card_funding&condition[in][0]=prepaid&condition[in][1]=debit&applies_to=customer_initiated',
  );
});

test('rules add / list / show / disable / enable / remove with the demo credentials, for people and with --json', async () => {
  assert.match(await ok(['rules', 'list']), /No risk rules/);

  const seed = await json(['rules', 'add', '--preset', 'block-prepaid-cit']);
  assert.deepEqual([seed.condition, seed.applies_to, seed.purpose, seed.action], [{ kind: 'card_funding', in: ['prepaid'] }, 'customer_initiated', 'purchase', 'block']);

  const human = await ok(['rules', 'add', '--country-not-in', 'us,ca', '--applies-to', 'mit', '--description', 'North America only, off-session']);
  assert.match(human, /^Added rr_\w+\.\n/);
  assert.match(human, /predicate\s+:card_country: not in \('US', 'CA'\) and :is_off_session: = true\n/);
  const velocity = await json(['rules', 'add', '--velocity', '5/1h', '--per', 'customer', '--disabled']);
  assert.deepEqual([velocity.condition, velocity.enabled], [{ kind: 'velocity', per: 'customer', max_attempts: 5, window_seconds: 3600 }, false]);
  const amount = await json(['rules', 'add', '--amount-above', '1,000.00', '--allow']);
  assert.deepEqual([amount.action, amount.condition], ['allow', { kind: 'amount', currency: 'usd', above_minor: 100_000 }]);
  const avs = await json(['rules', 'add', '--avs', 'postal_code', '--purpose', 'purchase']);
  assert.deepEqual(avs.condition, { kind: 'avs', block_if_line1_fails: false, block_if_postal_code_fails: true });
  const cvc = await json(['rules', 'add', '--cvc']);
  const blocklist = await json(['rules', 'add', '--fingerprint', 'fpSTOLENaaaaaaaa']);
  const funding = await json(['rules', 'add', '--funding', 'unknown', '--applies-to', 'customer_initiated']);

  const list = await json<{ data: Array<{ id: string }> }>(['rules', 'list']);
  assert.equal(list.data.length, 8);
  assert.deepEqual(list.data.slice(0, 3).map((r) => r.id), [funding.id, blocklist.id, cvc.id], 'newest first');
  const table = await ok(['rules', 'list']);
  assert.match(table, new RegExp(`${seed.id}\\s+on\\s+block\\s+Block prepaid cards on customer-initiated purchases\\n`));
  assert.match(table, new RegExp(`${velocity.id}\\s+off\\s+block\\s+Block payments from the same customer beyond 5 attempts within 1 hour\\n`));

  assert.match(await ok(['rules', 'disable', seed.id]), /is disabled: Block prepaid cards/);
  assert.equal((await json(['rules', 'show', seed.id])).enabled, false);
  assert.match(await ok(['rules', 'enable', seed.id]), /is enabled/);
  assert.match(await ok(['rules', 'show', seed.id]), /status\s+enabled\n/);
  assert.equal(await ok(['rules', 'remove', blocklist.id]), `Removed ${blocklist.id}.\n`);
  assert.equal((await json<{ data: unknown[] }>(['rules', 'list'])).data.length, 7);
});

test('errors: the API\'s code on stderr and exit 1; bad flags exit 2 before any request', async () => {
  const missing = await cli(['rules', 'show', 'rr_01JZZZZZZZZZZZZZZZZZZZZZZZ']);
  assert.deepEqual([missing.code, missing.stdout], [1, '']);
  assert.equal(missing.stderr, "cardlane: No such risk_rule: 'rr_01JZZZZZZZZZZZZZZZZZZZZZZZ' (resource_missing)\n");

  const badCountry = await cli(['rules', 'add', '--country-in', 'UK']);
  assert.equal(badCountry.code, 1);
  assert.match(badCountry.stderr, /"UK" is not an ISO 3166-1 alpha-2 country code: use GB \(United Kingdom\)\. \(parameter_invalid\)\n$/);

  const allowCvc = await cli(['rules', 'add', '--cvc', '--allow']);
  assert.match(allowCvc.stderr, /an allow rule cannot have a cvc condition.*\(parameter_invalid\)/);

  for (const args of [['rules', 'add'], ['rules', 'add', '--cvc', '--funding', 'prepaid'], ['rules', 'add', '--velocity', 'often'], ['rules', 'add', '--amount-above', '1.001'], ['rules', 'add', '--preset', 'nope'], ['rules', 'add', '--avs', 'street']]) {
    const result = await cli(args);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, /^cardlane: /);
  }

  const json = await cli(['rules', 'show', 'rr_nope', '--json']);
  assert.equal(json.code, 1);
  assert.equal(JSON.parse(json.stderr).error.message, "No such risk_rule: 'rr_nope' (resource_missing)");
});

test('--key and CARDLANE_MERCHANT_KEY choose another merchant; a publishable key is refused', async () => {
  const other = await f.addMerchant({ name: 'Other Shop' });
  const theirs = await json(['--key', other.secretKey, 'rules', 'add', '--funding', 'debit']);
  assert.deepEqual((await json<{ data: Array<{ id: string }> }>(['--key', other.secretKey, 'rules', 'list'])).data.map((r) => r.id), [theirs.id]);
  process.env.CARDLANE_MERCHANT_KEY = other.secretKey;
  try {
    assert.deepEqual((await json<{ data: Array<{ id: string }> }>(['rules', 'list'])).data.map((r) => r.id), [theirs.id]);
  } finally {
    delete process.env.CARDLANE_MERCHANT_KEY;
  }
  assert.ok((await json<{ data: Array<{ id: string }> }>(['rules', 'list'])).data.every((r) => r.id !== theirs.id), 'the demo merchant sees only its own');

  const publishable = await cli(['--key', f.merchant.publishableKey, 'rules', 'list']);
  assert.equal(publishable.code, 1);
  assert.match(publishable.stderr, /\(permission_denied\)\n$/);

  const noKeyDir = mkdtempSync(join(tmpdir(), 'cardlane-risk-cli-nokey-'));
  try {
    const result = await runCli(['node', 'cardlane', 'acquirer', '--data-dir', noKeyDir, '--url', f.url, 'rules', 'list'], {
      stdout: { write: () => true },
      stderr: { write: (text: string) => void assert.match(text, /no merchant key: pass --key/) },
    });
    assert.equal(result, 2);
  } finally {
    rmSync(noKeyDir, { recursive: true, force: true });
  }
});

test('rules add --name-check: a rule on the issuer\'s name check; anything but no_match / partial_match is a usage error', async () => {
  const rule = await json(['rules', 'add', '--name-check', 'no_match,partial_match']);
  assert.deepEqual([rule.condition, rule.action], [{ kind: 'name_check', in: ['no_match', 'partial_match'] }, 'block']);
  assert.match(await ok(['rules', 'show', rule.id]), /:name_check: in \('no_match', 'partial_match'\)/);
  const bad = await cli(['rules', 'add', '--name-check', 'match']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--name-check: no_match, partial_match or both/);
});
