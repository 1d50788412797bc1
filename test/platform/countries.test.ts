import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { COUNTRY_CODES, countryCodeProblem, countryName, intendedCountryCode, isCountryCode } from '../../src/platform/countries.ts';

test('the list is the 249 ISO 3166-1 alpha-2 codes plus XK, upper case', () => {
  assert.equal(COUNTRY_CODES.size, 250);
  for (const code of COUNTRY_CODES) assert.match(code, /^[A-Z]{2}$/);
  for (const code of ['US', 'GB', 'DE', 'CN', 'JP', 'SS', 'BQ', 'CW', 'SX', 'AX', 'XK']) assert.ok(isCountryCode(code), code);
  // UK and EL are ISO's "exceptionally reserved" codes, EU its reservation for the Union, ZZ and XX user-assigned: none a country.
  for (const code of ['UK', 'EL', 'EU', 'ZZ', 'XX', 'AN', 'us', 'gb', 'GBR', '', ' GB']) assert.ok(!isCountryCode(code), code);
});

test('the mix-ups people make are named with the code they meant', () => {
  assert.equal(intendedCountryCode('UK'), 'GB');
  assert.equal(intendedCountryCode(' uk '), 'GB');
  assert.equal(intendedCountryCode('EL'), 'GR');
  assert.equal(intendedCountryCode('ZZ'), undefined);
  assert.equal(countryCodeProblem('UK'), '"UK" is not an ISO 3166-1 alpha-2 country code: use GB (United Kingdom).');
  assert.equal(countryCodeProblem('ZZ'), '"ZZ" is not an ISO 3166-1 alpha-2 country code, such as US, GB, DE or CN.');
  assert.equal(countryCodeProblem(42), '"42" is not an ISO 3166-1 alpha-2 country code, such as US, GB, DE or CN.');
  // Every suggestion is itself on the list.
  for (const typed of ['UK', 'EL']) assert.ok(isCountryCode(intendedCountryCode(typed)!), typed);
});

test('countries have names for people', () => {
  assert.equal(countryName('CN'), 'China');
  assert.equal(countryName('XK'), 'Kosovo');
});

test('one list: no other file of src/ keeps its own copy, and every country check uses this one', () => {
  const src = new URL('../../src/', import.meta.url).pathname;
  const copies = readdirSync(src, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && file !== 'platform/countries.ts')
    // Every copy of the list there was began with the codes of Andorra, the Emirates, Afghanistan, Antigua.
    .filter((file) => /AD AE AF AG/.test(readFileSync(join(src, file), 'utf8')));
  assert.deepEqual(copies, []);
  const checks = ['acquirer/risk/rule-validation.ts', 'acquirer/payments/card-sources.ts', 'acquirer/merchants/merchant-operator-routes.ts', 'issuer/billing-address.ts', 'issuer/cards/controls.ts', 'billing/invoices/billing-profile.ts', 'billing/config.ts', 'network/message-validation.ts', 'issuer/authorization/validate.ts'];
  for (const file of checks) assert.match(readFileSync(join(src, file), 'utf8'), /isCountryCode[(,]/, file);
});
