import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { loadCardlaneConfig } from '../../src/app/config.ts';
import { ConfigError } from '../../src/platform/config.ts';
import { billingPaymentsFixture, type BillingPaymentsFixture } from './payments-fixture.ts';

// The billing country sets the tax on every invoice, so it must be a real
// country: `UK` (the United Kingdom is GB) used to pass as a country with
// no tax, and a British customer was invoiced at 0% instead of 20%.

let b: BillingPaymentsFixture;
beforeEach(async () => {
  b = await billingPaymentsFixture({ config: { taxRatesBps: { DE: 1900, GB: 2000 } } });
});
afterEach(async () => {
  await b.close();
});

const profile = (country: string) => ({ name: 'Babbage Ltd', address_line1: '1 Dorset St', city: 'London', postal_code: 'W1U 4EG', country });

test('a billing profile in "UK" is refused with GB suggested and changes nothing; GB is invoiced with its tax', async () => {
  const { apiKey } = await b.orgWithDefaultCard();
  for (const country of ['UK', 'uk']) {
    const refused = await b.api(apiKey, 'POST', '/billing_profile', profile(country));
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.deepEqual([refused.body.error.code, refused.body.error.param], ['billing_profile_invalid', 'country']);
    assert.match(refused.body.error.message, /use GB \(United Kingdom\)/);
  }
  for (const country of ['ZZ', 'EU', 'XX', 'EL']) {
    const refused = await b.api(apiKey, 'POST', '/billing_profile', profile(country));
    assert.deepEqual([refused.status, refused.body.error.param], [400, 'country'], country);
  }
  assert.equal((await b.api(apiKey, 'GET', '/billing_profile')).body.country, null, 'refused edits changed nothing');

  const saved = await b.api(apiKey, 'POST', '/billing_profile', profile('gb'));
  assert.equal(saved.status, 200, JSON.stringify(saved.body));
  assert.deepEqual([saved.body.country, saved.body.tax_rate_bps], ['GB', 2000]);
  const bought = await b.api(apiKey, 'POST', '/credit_purchases', { amount: 1200 });
  assert.equal(bought.body.status, 'succeeded');
  const [invoice] = (await b.api(apiKey, 'GET', '/invoices')).body.data;
  assert.deepEqual([invoice.bill_to.country, invoice.tax_rate_bps, invoice.tax.amount_minor, invoice.subtotal.amount_minor], ['GB', 2000, 200, 1000]);
});

test('a tax table keyed by something that is no country ("UK") is refused at start, naming the code meant', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'cardlane-tax-'));
  try {
    mkdirSync(join(cwd, '.cardlane'));
    writeFileSync(join(cwd, '.cardlane', 'cardlane.json'), JSON.stringify({ billing: { taxRatesBps: { DE: 1900, UK: 2000 } } }));
    assert.throws(
      () => loadCardlaneConfig({ cwd, env: {} }),
      (error: unknown) => error instanceof ConfigError && /UK/.test(error.message) && /use GB/.test(error.message),
    );
    writeFileSync(join(cwd, '.cardlane', 'cardlane.json'), JSON.stringify({ billing: { taxRatesBps: { DE: 1900, GB: 2000 } } }));
    assert.deepEqual(loadCardlaneConfig({ cwd, env: {} }).billing.taxRatesBps, { DE: 1900, GB: 2000 });
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});
