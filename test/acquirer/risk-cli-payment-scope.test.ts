import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { riskRuleEndpoints } from '../../src/acquirer/risk/risk-rule-endpoints.ts';
import { runCli } from '../../src/cli/program.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';

// README's Stripe section: a rule scoped by the payment's own metadata or description, set from `cardlane acquirer rules add`.
let f: AcquirerFixture;
let dataDir: string;
before(async () => {
  for (const name of ['CARDLANE_URL', 'CARDLANE_DATA_DIR', 'CARDLANE_MERCHANT_KEY']) delete process.env[name];
  f = await acquirerFixture({ endpoints: riskRuleEndpoints });
  dataDir = mkdtempSync(join(tmpdir(), 'cardlane-risk-cli-scope-'));
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

test("rules add --except-when / --only-when set the rule's payment scope, as README's example does over the API", async () => {
  const made = await cli(['rules', 'add', '--funding', 'prepaid', '--applies-to', 'cit', '--purpose', 'purchase', '--except-when', 'product=plus', '--json']);
  assert.equal(made.code, 0, made.stderr);
  const rule = JSON.parse(made.stdout);
  assert.deepEqual([rule.applies_to, rule.purpose, rule.only_when, rule.except_when], ['customer_initiated', 'purchase', null, { metadata: { product: 'plus' } }]);
  assert.equal(rule.predicate, ":card_funding: = 'prepaid' and :is_off_session: = false and :purpose: = 'purchase' and not (::product:: = 'plus')");

  const only = await cli(['rules', 'add', '--country-not-in', 'us', '--only-when', 'channel=web', '--only-when', 'tier=gold', '--only-when-description', 'Gift card', '--json']);
  assert.equal(only.code, 0, only.stderr);
  assert.deepEqual(JSON.parse(only.stdout).only_when, { metadata: { channel: 'web', tier: 'gold' }, description_contains: 'Gift card' });

  const preset = await cli(['rules', 'add', '--preset', 'block-prepaid-cit', '--except-when-description', 'plus plan', '--json']);
  assert.equal(preset.code, 0, preset.stderr);
  assert.deepEqual(JSON.parse(preset.stdout).except_when, { description_contains: 'plus plan' });

  for (const args of [['--except-when', 'product'], ['--only-when', '=x'], ['--only-when', 'a=1', '--only-when', 'a=2'], ['--only-when-description', ' ']]) {
    const bad = await cli(['rules', 'add', '--cvc', ...args]);
    assert.equal(bad.code, 2, `${args.join(' ')}: ${bad.stderr}`);
    assert.match(bad.stderr, /^cardlane: --(only|except)-when/);
  }
});
