import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { inflateSync } from 'node:zlib';
import { includedTax } from '../../src/billing/invoices/invoices.ts';
import { billingPaymentsFixture, type BillingPaymentsFixture } from './payments-fixture.ts';

// Invoices: one per payment, numbered per organization without gaps (also
// when paid at once), made out to the billing profile with the tax of its
// country included, and a PDF whose text carries the tax ID and the tax.
// Also the credit grants (lots) each purchase makes, with their expiry.

let b: BillingPaymentsFixture;
beforeEach(async () => {
  b = await billingPaymentsFixture();
});
afterEach(async () => {
  await b.close();
});

/** The text a PDF draws: its content streams inflated, and the strings shown with Tj (pdf-lib writes them as hex, in Windows-1252). */
function pdfText(bytes: Buffer): string {
  const raw = bytes.toString('latin1');
  const texts: string[] = [];
  for (const match of raw.matchAll(/stream\r?\n([\s\S]*?)\r?\nendstream/g)) {
    let content: string;
    try {
      content = inflateSync(Buffer.from(match[1]!, 'latin1')).toString('latin1');
    } catch {
      content = match[1]!;
    }
    for (const shown of content.matchAll(/<([0-9A-Fa-f]*)>\s*Tj/g)) texts.push(Buffer.from(shown[1]!, 'hex').toString('latin1'));
    for (const shown of content.matchAll(/\(((?:\\.|[^\\)])*)\)\s*Tj/g)) texts.push(shown[1]!);
  }
  return texts.join('\n');
}

test('included tax is rounded half up in whole cents', () => {
  assert.equal(includedTax(1190, 1900), 190);
  assert.equal(includedTax(1000, 1900), 160);
  assert.equal(includedTax(500, 600), 28);
  assert.equal(includedTax(1234, 0), 0);
  for (let total = 0; total < 3000; total += 7) {
    const tax = includedTax(total, 2000);
    assert.ok(Math.abs(tax - (total * 2000) / 12000) <= 0.5, `tax on ${total}`);
  }
});

test('the billing profile is validated; every payment gets a sequential invoice with the country’s tax and a PDF carrying the tax ID and the tax', async () => {
  const { orgId, apiKey } = await b.orgWithDefaultCard();
  for (const [body, param] of [
    [{ name: 'Ada GmbH', address_line1: 'Hauptstr. 1', city: 'Berlin', country: 'D1' }, 'country'],
    [{ name: 'Ada GmbH', address_line1: 'Hauptstr. 1', city: 'Berlin', country: 'DE', tax_id: 'no digits' }, 'tax_id'],
    [{ name: '   ', address_line1: 'Hauptstr. 1', city: 'Berlin', country: 'DE' }, 'name'],
    [{ name: 'Ada\u0007', address_line1: 'Hauptstr. 1', city: 'Berlin', country: 'DE' }, 'name'],
  ] as const) {
    const answer = await b.api(apiKey, 'POST', '/billing_profile', body);
    assert.equal(answer.status, 400, JSON.stringify(answer.body));
    assert.deepEqual([answer.body.error.code, answer.body.error.param], ['billing_profile_invalid', param]);
  }
  // The request's shape is checked first, with the platform's codes.
  for (const body of [{ name: 'Ada' }, { name: 'Ada', address_line1: 'x', city: 'y', country: 'Germany' }]) {
    const answer = await b.api(apiKey, 'POST', '/billing_profile', body);
    assert.equal(answer.status, 400, JSON.stringify(answer.body));
  }
  assert.equal((await b.api(apiKey, 'GET', '/billing_profile')).body.name, null, 'refused edits changed nothing');
  const saved = await b.api(apiKey, 'POST', '/billing_profile', {
    name: 'Ada Lovelace GmbH',
    address_line1: 'Hauptstraße 1',
    city: 'Berlin',
    postal_code: '10115',
    country: 'de',
    tax_id: 'de 123456789',
  });
  assert.equal(saved.status, 200);
  assert.deepEqual([saved.body.country, saved.body.tax_id, saved.body.tax_rate_bps], ['DE', 'DE 123456789', 1900]);

  const bought = (await b.api(apiKey, 'POST', '/credit_purchases', { amount: 1190 })).body;
  assert.equal(bought.status, 'succeeded');
  // Two more paid at once: consecutive numbers, none shared, none skipped.
  await Promise.all([b.api(apiKey, 'POST', '/credit_purchases', { amount: 500 }), b.api(apiKey, 'POST', '/credit_purchases', { amount: 600 })]);
  const invoices = (await b.api(apiKey, 'GET', '/invoices')).body.data;
  assert.equal(invoices.length, 3);
  const suffix = orgId.slice(-6).toUpperCase();
  assert.deepEqual(invoices.map((i: any) => i.number).sort(), [1, 2, 3].map((n) => `INV-${suffix}-00000${n}`));
  const first = invoices.find((i: any) => i.payment === bought.id);
  assert.equal(first.number, `INV-${suffix}-000001`);
  assert.deepEqual([first.total.amount_minor, first.tax.amount_minor, first.subtotal.amount_minor, first.tax_rate_bps], [1190, 190, 1000, 1900]);
  assert.equal(first.bill_to.tax_id, 'DE 123456789');
  for (const invoice of invoices) assert.equal(invoice.subtotal.amount_minor + invoice.tax.amount_minor, invoice.total.amount_minor);

  const response = await fetch(`${b.billingUrl}${first.pdf}`, { headers: { authorization: `Bearer ${apiKey}` } });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'application/pdf');
  const pdf = Buffer.from(await response.arrayBuffer());
  assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
  const text = pdfText(pdf);
  assert.match(text, new RegExp(`Invoice number: INV-${suffix}-000001`));
  assert.match(text, /Tax ID: DE 123456789/);
  assert.match(text, /Tax \(19\.00%, DE\)/);
  assert.match(text, /\$1\.90/);
  assert.match(text, /\$11\.90/);
  assert.match(text, /Hauptstraße 1/);

  // Another organization can neither read nor download it.
  const other = await b.newOrg();
  assert.equal((await b.api(other.apiKey, 'GET', `/invoices/${first.id}`)).status, 404);
  assert.equal((await fetch(`${b.billingUrl}${first.pdf}`, { headers: { authorization: `Bearer ${other.apiKey}` } })).status, 404);
});

test('a Chinese billing name is kept on the invoice (and in the PDF’s title); a purchase is a credit grant that expires in a year', async () => {
  const { apiKey } = await b.orgWithDefaultCard();
  const saved = await b.api(apiKey, 'POST', '/billing_profile', { name: '上海示例科技有限公司', address_line1: '浦东新区世纪大道 100 号', city: '上海', country: 'CN', tax_id: '91310000MA1FL0000X' });
  assert.equal(saved.status, 200);
  const bought = (await b.api(apiKey, 'POST', '/credit_purchases', { amount: 1060 })).body;
  const [invoice] = (await b.api(apiKey, 'GET', '/invoices')).body.data;
  assert.equal(invoice.bill_to.name, '上海示例科技有限公司');
  assert.deepEqual([invoice.tax.amount_minor, invoice.tax_rate_bps], [60, 600]);
  const pdf = Buffer.from(await (await fetch(`${b.billingUrl}${invoice.pdf}`, { headers: { authorization: `Bearer ${apiKey}` } })).arrayBuffer());
  assert.match(pdfText(pdf), /Tax ID: 91310000MA1FL0000X/);
  // The title is a UTF-16 text string: the Chinese name is in the document exactly.
  const utf16 = Buffer.from('上海示例科技有限公司', 'utf16le').swap16().toString('hex').toUpperCase();
  assert.ok(pdf.toString('latin1').toUpperCase().includes(utf16), 'the Chinese name is in the PDF’s subject');

  const grants = (await b.api(apiKey, 'GET', '/credit_grants')).body.data;
  assert.equal(grants.length, 1);
  assert.equal(grants[0].remaining.amount_minor, 1060);
  assert.equal(grants[0].status, 'active');
  assert.equal(Date.parse(grants[0].expires_at) - Date.parse(grants[0].granted_at), 365 * 86_400_000);
  assert.ok(bought.id);
});
