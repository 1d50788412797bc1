import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import openapiTS, { astToString } from 'openapi-typescript';
import createClient from 'openapi-fetch';
import ts from 'typescript';
import { acquirerEndpoints } from '../../src/acquirer/acquirer-endpoints.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';
import { testPaymentNetwork } from '../support/payment-network.ts';

// Issue 20, "the OpenAPI document generates a typed client whose calls compile
// for the README's examples": openapi-typescript turns /openapi.json into
// types, and a client written with openapi-fetch against them — the README's
// /v1 calls, and the subscriptions a test clock renews — compiles under
// `strict`, while a misspelt parameter or a missing required one does not.

let f: AcquirerFixture;
let dir: string;
before(async () => {
  f = await acquirerFixture({ endpoints: acquirerEndpoints, network: (base) => testPaymentNetwork(base) });
  dir = mkdtempSync(join(tmpdir(), 'cardlane-typed-client-'));
});
after(async () => {
  await f.close();
  rmSync(dir, { recursive: true, force: true });
});

const README_CALLS = `
import createClient from 'openapi-fetch';
import type { paths } from './schema';

const v1 = createClient<paths>({ baseUrl: 'http://127.0.0.1:4400' });
export async function readme(): Promise<void> {
  const pm = await v1.POST('/v1/payment_methods', { body: { type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' } } });
  const id: string | undefined = pm.data?.id;
  const pi = await v1.POST('/v1/payment_intents', { body: { amount: 2000, currency: 'usd', payment_method: id ?? '', confirm: true } });
  const status: string | undefined = pi.data?.status;
  void status;
  await v1.POST('/v1/risk_rules', { body: { condition: { kind: 'card_funding', in: ['prepaid'] }, applies_to: 'customer_initiated', purpose: 'purchase', except_when: { metadata: { product: 'plus' } } } });
  await v1.POST('/v1/account_settings', { body: { verification_hold_release: 'after_hours:6' } });
  const found = await v1.GET('/v1/customers/search', { params: { query: { query: "metadata['order']:'7'" } } });
  const first: string | undefined = found.data?.data[0]?.id;
  void first;
  await v1.GET('/v1/balance');
  await v1.GET('/v1/balance_transactions', { params: { query: { limit: 10 } } });
  // Subscriptions on a test clock.
  const clock = await v1.POST('/v1/test_helpers/test_clocks', { body: { frozen_time: 1_800_000_000 } });
  const customer = await v1.POST('/v1/customers', { body: { email: 'a@example.com', test_clock: clock.data?.id } });
  const price = await v1.POST('/v1/prices', { body: { product_data: { name: 'Pro' }, unit_amount: 2000, currency: 'usd', recurring: { interval: 'month' } } });
  const sub = await v1.POST('/v1/subscriptions', { body: { customer: customer.data?.id ?? '', items: [{ price: price.data?.id ?? '' }] } });
  const subStatus: 'incomplete' | 'incomplete_expired' | 'trialing' | 'active' | 'past_due' | 'canceled' | 'unpaid' | 'paused' | undefined = sub.data?.status;
  void subStatus;
  await v1.POST('/v1/test_helpers/test_clocks/{id}/advance', { params: { path: { id: clock.data?.id ?? '' } }, body: { frozen_time: 1_803_000_000 } });
  const invoices = await v1.GET('/v1/invoices', { params: { query: { subscription: sub.data?.id } } });
  const paid: number | undefined = invoices.data?.data[0]?.amount_paid;
  void paid;
}

export async function refused(): Promise<void> {
  // @ts-expect-error a misspelt parameter is not in the document
  await v1.POST('/v1/payment_intents', { body: { amout: 2000, currency: 'usd' } });
  // @ts-expect-error currency is required
  await v1.POST('/v1/payment_intents', { body: { amount: 2000 } });
  // @ts-expect-error an interval Stripe does not have
  await v1.POST('/v1/prices', { body: { product: 'prod_x', unit_amount: 1, currency: 'usd', recurring: { interval: 'fortnight' } } });
}
`;

test('openapi-typescript generates types from /openapi.json; a client of the README’s calls compiles under strict, and mistakes do not', async () => {
  const doc = (await (await fetch(`${f.url}/openapi.json`)).json()) as Record<string, unknown>;
  const schema = astToString(await openapiTS(doc as any));
  writeFileSync(join(dir, 'schema.d.ts'), schema);
  writeFileSync(join(dir, 'client.ts'), README_CALLS);
  const require = createRequire(import.meta.url);
  const fetchTypes = join(dirname(require.resolve('openapi-fetch')), 'index.d.mts');
  const program = ts.createProgram([join(dir, 'client.ts')], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    skipLibCheck: true,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: [],
    paths: { 'openapi-fetch': [fetchTypes] },
  });
  const problems = ts.getPreEmitDiagnostics(program).map((d) => {
    const line = d.file && d.start !== undefined ? `${d.file.fileName.split('/').pop()}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: ` : '';
    return `${line}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
  assert.deepEqual(problems, [], problems.join('\n'));
  assert.match(schema, /"\/v1\/subscriptions": \{/);
});

test('the generated client talks to Cardlane (Stripe’s form encoding as its body serializer)', async () => {
  const v1 = createClient<any>({
    baseUrl: `${f.url}`,
    headers: { authorization: `Bearer ${f.merchant.secretKey}` },
    bodySerializer: (body: any) => new URLSearchParams(body as Record<string, string>).toString(),
  });
  const made = await v1.POST('/v1/customers', { body: { email: 'typed@example.com' }, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal((made.data as { email: string }).email, 'typed@example.com');
  const balance = await v1.GET('/v1/balance', {});
  assert.equal((balance.data as { object: string }).object, 'balance');
});
