import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromium, type BrowserContext } from 'playwright-core';
import { DEMO_OWNER_EMAIL, readDemoBillingCredentials } from '../../src/billing/billing-start.ts';
import { checkAccessibility, CHROMIUM, CHROMIUM_ARGS, NO_CHROMIUM, waitForText } from '../support/browser.ts';
import { CALL_BOUND_MS, e2eWorkspace, EXIT_BOUND_MS, spawnCardlane, START_BOUND_MS } from '../support/cli.ts';
import { testDatabaseKind } from '../support/databases.ts';
import { readPdf } from '../support/pdf-text.ts';

// The billing page's budget, credit-grant and invoice panels in Chromium
// against `cardlane up`: an owner enters the billing details (a German VAT
// number) and a 5-cent budget with a hard limit on the page; credits bought
// make a grant that expires in a year and an invoice with 19% tax; usage
// sends the alerts to the sandbox mailbox once each and is then refused;
// the invoice's PDF downloads and carries the tax ID and the tax. In Chinese
// too; axe-core checks each screen.

const skip = NO_CHROMIUM;
const { workDir, location } = e2eWorkspace('billing-spending-panels');

test('budget, credit grants and invoices on the billing page in Chromium: alerts once each, a hard limit, a grant that expires, an invoice PDF with tax ID and tax', { timeout: 300_000, skip }, async () => {
  const dataDir = join(workDir, 'data');
  const dbArgs = testDatabaseKind() === 'postgres' ? ['--database', location.url] : [];
  const server = spawnCardlane(['up', '--port', '0', '--data-dir', dataDir, '--json', ...dbArgs], { cwd: workDir });
  let context: BrowserContext | undefined;
  try {
    const info = JSON.parse(await server.waitForLine((l) => l.startsWith('{'), START_BOUND_MS)) as { url: string; operator_key_file: string };
    const operatorKey = readFileSync(info.operator_key_file, 'utf8').trim();
    const demo = readDemoBillingCredentials(dataDir)!;
    const call = async (path: string, key: string, method = 'GET', body?: unknown) => {
      const response = await fetch(`${info.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, json: (await response.json().catch(() => null)) as any };
    };
    const complete = (content: string) => call('/merchant/v1/chat/completions', demo.api_key, 'POST', { model: 'cardlane-echo-1', messages: [{ role: 'user', content }] });

    context = await chromium.launchPersistentContext(mkdtempSync(join(workDir, 'chromium-profile-')), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      locale: 'en-US',
      timezoneId: 'Asia/Shanghai',
      viewport: { width: 1000, height: 900 },
      acceptDownloads: true,
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(CALL_BOUND_MS);
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && !/status of 40[0-4]/.test(message.text())) problems.push(`console: ${message.text()}`);
    });

    await page.goto(`${info.url}/billing`);
    await page.fill('#signin-email', DEMO_OWNER_EMAIL);
    await page.click('#signin-send');
    await page.locator('#signin-code').waitFor({ state: 'visible' });
    const mail = await call(`/billing/v1/sandbox/mail?to=${encodeURIComponent(DEMO_OWNER_EMAIL)}`, operatorKey);
    await page.fill('#signin-code', /\b(\d{6})\b/.exec(mail.json.data[0].subject)![1]!);
    await page.click('#signin-submit');
    await page.locator('#dashboard').waitFor({ state: 'visible' });

    // Billing details on the page: a bad country is refused in words, then the details are saved.
    await page.locator('#billing-profile-form').waitFor({ state: 'visible' });
    await page.fill('#profile-name', 'Ada Lovelace GmbH');
    await page.fill('#profile-address_line1', 'Hauptstraße 1');
    await page.fill('#profile-city', 'Berlin');
    await page.fill('#profile-postal_code', '10115');
    await page.fill('#profile-country', 'D1');
    await page.fill('#profile-tax_id', 'DE123456789');
    await page.click('#profile-save');
    await waitForText(page, '#profile-message', /country/i);
    await page.fill('#profile-country', 'DE');
    await page.click('#profile-save');
    await waitForText(page, '#profile-message', /new invoices are made out to Ada Lovelace GmbH/);
    await waitForText(page, '#profile-tax', /19\.00%/);

    // A 5-cent budget with alerts at 50% and 100% and a hard limit, on the page.
    await page.fill('#budget-amount', '0.05');
    await page.fill('#budget-thresholds', '50, 100');
    await page.check('#budget-hard');
    await page.click('#budget-save');
    await waitForText(page, '#budget-message', /Budget saved/);
    await waitForText(page, '#budget-summary', /\$0\.00 of \$0\.05 spent this month/);
    await checkAccessibility(page, 'budget and billing details');

    // $11.90 of credits with a card tokenized at the provider, as the page does.
    const settings = (await call('/billing/v1/settings', demo.api_key)).json;
    const tokenized = await fetch(`${settings.provider.base_url.replace(/\/+$/, '')}/v1/payment_methods`, {
      method: 'POST',
      headers: { authorization: `Bearer ${settings.provider.publishable_key}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ type: 'card', 'card[number]': '4242424242424242', 'card[exp_month]': '12', 'card[exp_year]': '2034', 'card[cvc]': '123', 'billing_details[address][postal_code]': '94104' }),
    });
    const card = await call('/billing/v1/payment_methods', demo.api_key, 'POST', { payment_method: ((await tokenized.json()) as { id: string }).id });
    assert.equal(card.status, 201, JSON.stringify(card.json));
    assert.equal((await call('/billing/v1/credit_purchases', demo.api_key, 'POST', { amount: 1190, payment_method: card.json.id })).status, 200);

    // Usage until the hard limit refuses it; each alert arrives once.
    let refused: any = null;
    for (let i = 0; i < 30 && refused === null; i++) {
      const answer = await complete(`spend ${i} ${'x'.repeat(4000)}`);
      if (answer.status !== 200) refused = answer;
    }
    assert.equal(refused?.status, 429);
    assert.equal(refused.json.error.code, 'billing_hard_limit_reached');
    const letters = async () => (await call('/billing/v1/notifications?limit=100', demo.api_key)).json.data.filter((l: any) => /Budget alert/.test(l.subject));
    for (let i = 0; i < 100 && (await letters()).length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 500));
    assert.deepEqual((await letters()).map((l: any) => /(\d+)%/.exec(l.subject)![1]).sort(), ['100', '50']);

    await page.reload();
    await page.locator('#dashboard').waitFor({ state: 'visible' });
    await waitForText(page, '#budget-details', /Hard limit.*Alerts sent this month: 50%.*100%/);
    await waitForText(page, '#credit-grants-list', /\$11\.90/);
    const expires = await page.locator('#credit-grants-list tbody tr').first().locator('td').nth(3).innerText();
    assert.match(expires, new RegExp(String(new Date().getUTCFullYear() + 1)));
    await waitForText(page, '#invoices-list', /INV-.*-000001.*\$11\.90.*\$1\.90.*Paid/s);
    // The invoice's time in the reader's zone and words, never a raw UTC ISO string.
    assert.equal(/\d{4}-\d\d-\d\dT/.test((await page.textContent('#invoices-list')) ?? ''), false);
    await checkAccessibility(page, 'grants and invoices');

    const downloadPdf = async () => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#invoices-list button[data-action="download-invoice"]').first().click()]);
      assert.match(download.suggestedFilename(), /^INV-.*-000001\.pdf$/);
      const pdf = readFileSync((await download.path())!);
      assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
      return readPdf(pdf).text;
    };
    const text = await downloadPdf();
    assert.match(text, /^API credits$/m);
    assert.match(text, /Tax ID: DE123456789/);
    assert.match(text, /Tax \(19\.00%, DE\)/);
    assert.match(text, /\$1\.90/);
    assert.match(text, /Date of issue: \d{4}-\d\d-\d\d \(Asia\/Shanghai\)/, 'the date of issue in the reader’s time zone');

    // 中文.
    await page.click('#lang-toggle');
    await waitForText(page, '#panel-budget-title', /^月度预算$/);
    await waitForText(page, '#panel-credit-grants-title', /^额度发放与到期$/);
    await waitForText(page, '#panel-invoices-title', /^发票$/);
    await waitForText(page, '#panel-billing-profile-title', /^开票信息$/);
    await waitForText(page, '#invoices-list', /INV-.*-000001.*API 额度.*\$11\.90.*\$1\.90.*已支付/s);
    await waitForText(page, '#budget-details', /硬性上限/);
    // The PDF in the reader's language: Chinese labels, drawn with the embedded Chinese font.
    const chinese = await downloadPdf();
    assert.match(chinese, /^发票号码：INV-.*-000001$/m);
    assert.match(chinese, /^API 额度$/m, 'the line in the reader’s words, not the English it was issued with');
    assert.match(chinese, /^税号：DE123456789$/m);
    assert.match(chinese, /^税额（19\.00%，DE）$/m);
    assert.match(chinese, /^开票日期：\d{4}-\d\d-\d\d（Asia\/Shanghai）$/m);
    await checkAccessibility(page, 'panels in Chinese');
    assert.deepEqual(problems, []);

    await context.close();
    context = undefined;
    server.child.kill('SIGTERM');
    assert.deepEqual(await server.waitForExit(EXIT_BOUND_MS), { code: 0, signal: null }, server.stderr());
  } finally {
    await context?.close().catch(() => undefined);
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  }
});
