import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import fontkit from '@pdf-lib/fontkit';
import { includedTax } from '../../src/billing/invoices/invoices.ts';
import { readPdf } from '../support/pdf-text.ts';
import { billingPaymentsFixture, type BillingPaymentsFixture } from './payments-fixture.ts';

// Invoices: one per payment, numbered per organization without gaps (also
// when paid at once), made out to the billing profile with the tax of its
// country included, and a PDF whose text carries the tax ID and the tax.
// Also the credit grants (lots) each purchase makes, with their expiry.

const require = createRequire(import.meta.url);

let b: BillingPaymentsFixture;
beforeEach(async () => {
  b = await billingPaymentsFixture();
});
afterEach(async () => {
  await b.close();
});

/** The text a PDF draws, one string per line. */
const pdfText = (bytes: Buffer) => readPdf(bytes).text;

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
  // Latin text only: drawn with Helvetica, which every reader has; no font is embedded, the file stays small.
  assert.deepEqual(readPdf(pdf).fonts, []);
  assert.ok(pdf.length < 8_000, `${pdf.length} bytes`);

  // Refunds (an operator's, there is no customer endpoint) leave the invoice as issued; its status says what went back.
  assert.deepEqual(invoices.map((i: any) => i.status), ['paid', 'paid', 'paid']);
  await b.billing.refunds.refund(bought.id, { amountMinor: 190 });
  const afterPartial = (await b.api(apiKey, 'GET', `/invoices/${first.id}`)).body;
  assert.deepEqual([afterPartial.status, afterPartial.amount_refunded.amount_minor, afterPartial.total.amount_minor], ['partially_refunded', 190, 1190]);
  await b.billing.refunds.refund(bought.id);
  assert.equal((await b.api(apiKey, 'GET', `/invoices/${first.id}`)).body.status, 'refunded');
  assert.deepEqual((await b.api(apiKey, 'GET', '/invoices')).body.data.filter((i: any) => i.id !== first.id).map((i: any) => i.status), ['paid', 'paid']);

  // Another organization can neither read nor download it.
  const other = await b.newOrg();
  assert.equal((await b.api(other.apiKey, 'GET', `/invoices/${first.id}`)).status, 404);
  assert.equal((await fetch(`${b.billingUrl}${first.pdf}`, { headers: { authorization: `Bearer ${other.apiKey}` } })).status, 404);
});

test('a Chinese billing name and address are drawn in the PDF (Noto Sans SC, subset), in an English and a Chinese invoice; a purchase is a credit grant that expires in a year', async () => {
  const { apiKey } = await b.orgWithDefaultCard();
  const saved = await b.api(apiKey, 'POST', '/billing_profile', { name: '上海示例科技有限公司', address_line1: '浦东新区世纪大道 100 号', city: '上海', country: 'CN', tax_id: '91310000MA1FL0000X' });
  assert.equal(saved.status, 200);
  const bought = (await b.api(apiKey, 'POST', '/credit_purchases', { amount: 1060 })).body;
  const [invoice] = (await b.api(apiKey, 'GET', '/invoices')).body.data;
  assert.equal(invoice.bill_to.name, '上海示例科技有限公司');
  assert.deepEqual([invoice.tax.amount_minor, invoice.tax_rate_bps], [60, 600]);
  const download = async (query: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${b.billingUrl}${invoice.pdf}${query}`, { headers: { authorization: `Bearer ${apiKey}`, ...headers } });
    assert.equal(response.status, 200, await response.clone().text());
    return Buffer.from(await response.arrayBuffer());
  };

  // English: English labels, the customer's Chinese name and address as they are.
  const english = await download('');
  const en = readPdf(english);
  assert.match(en.text, /^Tax ID: 91310000MA1FL0000X$/m);
  assert.match(en.text, /^上海示例科技有限公司$/m);
  assert.match(en.text, /^浦东新区世纪大道 100 号$/m);
  assert.match(en.text, /^Tax \(6\.00%, CN\)$/m);
  assert.doesNotMatch(en.text, /\?|\uFFFD/, 'no character is drawn as "?"');
  // The title is a UTF-16 text string: the Chinese name is in the document's information too.
  const utf16 = Buffer.from('上海示例科技有限公司', 'utf16le').swap16().toString('hex').toUpperCase();
  assert.ok(english.toString('latin1').toUpperCase().includes(utf16), 'the Chinese name is in the PDF’s subject');

  // Chinese: Chinese labels (asked for, or from Accept-Language), the date in China's time zone.
  const chinese = await download('?lang=zh-CN');
  const zh = readPdf(chinese);
  for (const line of [`发票号码：${invoice.number}`, '上海示例科技有限公司', '浦东新区世纪大道 100 号', '税号：91310000MA1FL0000X', '税额（6.00%，CN）', '实付合计', '$10.60', '$0.60']) {
    assert.ok(zh.text.split('\n').includes(line), `the Chinese invoice shows ${line}:\n${zh.text}`);
  }
  const issuedInShanghai = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(Date.parse(invoice.issued_at));
  assert.ok(zh.text.includes(`开票日期：${issuedInShanghai}（Asia/Shanghai）`), zh.text);
  assert.equal(readPdf(await download('', { 'accept-language': 'zh-CN,zh;q=0.9' })).text, zh.text);
  const inBerlin = readPdf(await download('?tz=Europe/Berlin')).text;
  assert.ok(inBerlin.includes(`Date of issue: ${new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin' }).format(Date.parse(invoice.issued_at))} (Europe/Berlin)`), inBerlin);
  const badZone = await b.api(apiKey, 'GET', `/invoices/${invoice.id}.pdf?tz=Mars/Olympus_Mons`);
  assert.deepEqual([badZone.status, badZone.body.error.code, badZone.body.error.param], [400, 'parameter_invalid', 'tz']);
  assert.equal((await b.api(apiKey, 'GET', `/invoices/${invoice.id}.pdf?lang=fr`)).status, 400);

  // The font is a subset (the whole font is ten megabytes) whose every glyph is the font's own outline: readers draw them all.
  const original = {
    Regular: fontkit.create(readFileSync(require.resolve('@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf'))),
    Bold: fontkit.create(readFileSync(require.resolve('@expo-google-fonts/noto-sans-sc/700Bold/NotoSansSC_700Bold.ttf'))),
  };
  for (const pdf of [english, chinese]) {
    assert.ok(pdf.length < 60_000, `${pdf.length} bytes`);
    const { fonts } = readPdf(pdf);
    assert.equal(fonts.length, 2, 'regular and bold');
    assert.ok(fonts.some((font) => [...font.textOfGlyph.values()].includes('海')));
    for (const embedded of fonts) {
      const subset = fontkit.create(embedded.file);
      const whole = original[/-Bold-/.test(embedded.name) ? 'Bold' : 'Regular'];
      assert.ok(subset.numGlyphs < 200, `a subset of ${subset.numGlyphs} glyphs`);
      for (const [id, text] of embedded.textOfGlyph) {
        const drawn = subset.getGlyph(id).path.toSVG();
        if (text.trim() !== '') assert.notEqual(drawn, '', `${embedded.name}: “${text}” has an outline`);
        // Ideographs have one form (digits and Latin letters take contextual ones, as laid out beside Chinese text).
        if (/\p{Script=Han}/u.test(text)) assert.equal(drawn, whole.glyphForCodePoint(text.codePointAt(0)!).path.toSVG(), `${embedded.name}: “${text}” is drawn with its own outline`);
      }
    }
  }

  const grants = (await b.api(apiKey, 'GET', '/credit_grants')).body.data;
  assert.equal(grants.length, 1);
  assert.equal(grants[0].remaining.amount_minor, 1060);
  assert.equal(grants[0].status, 'active');
  assert.equal(Date.parse(grants[0].expires_at) - Date.parse(grants[0].granted_at), 365 * 86_400_000);
  assert.ok(bought.id);
});
