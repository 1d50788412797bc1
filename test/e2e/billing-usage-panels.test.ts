import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromium, type BrowserContext } from 'playwright-core';
import { DEMO_OWNER_EMAIL, readDemoBillingCredentials } from '../../src/billing/billing-start.ts';
import { checkAccessibility, CHROMIUM, CHROMIUM_ARGS, NO_CHROMIUM, waitForText } from '../support/browser.ts';
import { CALL_BOUND_MS, e2eWorkspace, EXIT_BOUND_MS, spawnCardlane, START_BOUND_MS } from '../support/cli.ts';
import { testDatabaseKind } from '../support/databases.ts';

// The billing page's usage-and-costs and API-keys panels in Chromium against
// `cardlane up`: the demo organization buys $10.00 of credits and spends some
// through two keys in two projects; the page's total, chart, per-model and
// per-key tables agree to the cent with what the credits went down by (the
// ledger's balance); the CSV downloads with the reader's time zone; an owner
// creates a key (its secret shown once), which works, then revokes it, after
// which it is refused at once. In Chinese too; axe-core checks each screen.

const skip = NO_CHROMIUM;
const { workDir, location } = e2eWorkspace('billing-usage-panels');

test('usage and costs, and API keys, on the billing page in Chromium: totals agree with the ledger to the cent; keys are created, used and revoked', { timeout: 300_000, skip }, async () => {
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
    const complete = (key: string, content: string) => call('/merchant/v1/chat/completions', key, 'POST', { model: 'cardlane-echo-1', messages: [{ role: 'user', content }] });

    // $10.00 of credits, bought with a card tokenized at the provider as the page does.
    const settings = (await call('/billing/v1/settings', demo.api_key)).json;
    const tokenized = await fetch(`${settings.provider.base_url.replace(/\/+$/, '')}/v1/payment_methods`, {
      method: 'POST',
      headers: { authorization: `Bearer ${settings.provider.publishable_key}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ type: 'card', 'card[number]': '4242424242424242', 'card[exp_month]': '12', 'card[exp_year]': '2034', 'card[cvc]': '123', 'billing_details[address][postal_code]': '94104' }),
    });
    const token = (await tokenized.json()) as { id: string };
    const card = await call('/billing/v1/payment_methods', demo.api_key, 'POST', { payment_method: token.id });
    assert.equal(card.status, 201, JSON.stringify(card.json));
    assert.equal((await call('/billing/v1/credit_purchases', demo.api_key, 'POST', { amount: 1000, payment_method: card.json.id })).status, 200);

    // Projects and keys are made by an owner signed in (an API key only reads them): the demo owner signs in over HTTP.
    assert.equal((await call('/billing/v1/sessions/code', '', 'POST', { email: DEMO_OWNER_EMAIL })).status, 200);
    const letter = await call(`/billing/v1/sandbox/mail?to=${encodeURIComponent(DEMO_OWNER_EMAIL)}`, operatorKey);
    const signedIn = await call('/billing/v1/sessions', '', 'POST', { email: DEMO_OWNER_EMAIL, code: /\b(\d{6})\b/.exec(letter.json.data[0].subject)![1]! });
    assert.equal(signedIn.status, 200, JSON.stringify(signedIn.json));
    const ownerToken = signedIn.json.token as string;
    assert.equal((await call('/merchant/v1/organization/projects', demo.api_key, 'POST', { name: 'by a key' })).json.error.code, 'session_required');

    // Spend through two keys in two projects.
    const project = await call('/merchant/v1/organization/projects', ownerToken, 'POST', { name: '搜索 Search' });
    assert.equal(project.status, 201);
    const searchKey = await call(`/merchant/v1/organization/projects/${project.json.id}/api_keys`, ownerToken, 'POST', { name: 'search-bot' });
    assert.equal(searchKey.status, 201);
    for (let i = 0; i < 3; i++) assert.equal((await complete(demo.api_key, `hello ${i} ${'x'.repeat(300 * i)}`)).status, 200);
    for (let i = 0; i < 2; i++) assert.equal((await complete(searchKey.json.value, `search ${i}`)).status, 200);
    const balance = (await call('/billing/v1/credit_balance', demo.api_key)).json.available.amount_minor as number;
    const spentCents = 1000 - balance;
    assert.ok(spentCents > 0);

    context = await chromium.launchPersistentContext(mkdtempSync(join(workDir, 'chromium-profile-')), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      locale: 'en-US',
      // Days start at the reader's midnight: far from UTC, so a wrong day boundary would show.
      timezoneId: 'Asia/Shanghai',
      viewport: { width: 1000, height: 900 },
      acceptDownloads: true,
    });
    // A canvas keeps no text: note what each canvas draws since it was last cleared, to read the chart's axis labels.
    await context.addInitScript(() => {
      const proto = (globalThis as any).CanvasRenderingContext2D.prototype;
      const fillText = proto.fillText;
      const clearRect = proto.clearRect;
      proto.fillText = function (this: any, text: string, ...rest: unknown[]) {
        (this.canvas.drawnTexts ??= []).push(String(text));
        return fillText.call(this, text, ...rest);
      };
      proto.clearRect = function (this: any, ...rest: number[]) {
        this.canvas.drawnTexts = [];
        return clearRect.apply(this, rest);
      };
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(CALL_BOUND_MS);
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && !/status of 40[12]/.test(message.text())) problems.push(`console: ${message.text()}`);
    });

    // The page takes the owner's session from above (a second code within the minute would be refused) in its cookie, as a reload keeps it.
    await context.addCookies([{ name: 'cardlane_billing', value: ownerToken, url: info.url, httpOnly: true, sameSite: 'Strict' }]);
    await page.goto(`${info.url}/billing`);
    await page.locator('#dashboard').waitFor({ state: 'visible' });

    // The usage panel: its total is what the credits went down by, to the cent; so are its tables.
    const usd = `$${(spentCents / 100).toFixed(2)}`;
    await waitForText(page, '#usage-total', new RegExp(`^Total cost: \\${usd}$`));
    assert.equal(await page.getAttribute('#usage-total', 'data-total-cents'), String(spentCents));
    await page.locator('#usage-chart canvas').first().waitFor({ state: 'attached' });
    assert.match((await page.getAttribute('#usage-chart', 'aria-label')) ?? '', new RegExp(`^Daily cost, .* to .*: \\${usd} in all\\.`));
    assert.equal(await page.getAttribute('#usage-chart', 'data-days'), '7');
    await waitForText(page, '#usage-by-model', /cardlane-echo-1\s*5/);
    assert.equal(await page.getAttribute('#usage-by-model tr[data-model="cardlane-echo-1"]', 'data-cents'), String(spentCents));
    await waitForText(page, '#usage-by-key', /search-bot.*搜索 Search/);
    const keyCents = await page.$$eval('#usage-by-key tbody tr', (rows) => rows.map((row) => Number((row as any).dataset.cents)));
    assert.equal(keyCents.reduce((a, b) => a + b, 0), spentCents);
    await waitForText(page, '#usage-by-key tfoot', new RegExp(`Total\\s*\\${usd}`));
    await checkAccessibility(page, 'usage panel');

    // The CSV: the reader's days (+08:00), the names as typed, a BOM for Excel.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#usage-csv')]);
    const csv = readFileSync((await download.path())!);
    assert.deepEqual([...csv.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    const text = csv.toString('utf8');
    assert.match(text, /T00:00:00\+08:00,/);
    assert.match(text, /search-bot/);
    assert.match(text, /搜索 Search/);

    // The keys panel: create a key in the search project, use it, revoke it.
    await waitForText(page, '#api-keys-list', /Secret key.*sk-cl-….*search-bot/);
    // Who made each key: the first key's maker is unknown (Cardlane made it), search-bot's is the owner.
    await waitForText(page, '#api-keys-list', /Secret key.*unknown.*search-bot.*owner@demo\.cardlane\.test/);
    await page.fill('#create-key-name', 'browser 浏览器');
    await page.selectOption('#create-key-project', project.json.id);
    await page.click('#create-key-submit');
    await waitForText(page, '#api-keys-message', /Key “browser 浏览器” created\. Copy it now/);
    const secret = await page.inputValue('#new-key-value');
    assert.match(secret, /^sk-cl-[0-9A-Za-z]{48}$/);
    assert.equal(await page.evaluate(() => JSON.stringify({ ...(globalThis as any).sessionStorage }) + JSON.stringify({ ...(globalThis as any).localStorage })).then((s) => s.includes(secret)), false, 'the secret is never kept in the browser');
    assert.equal((await complete(secret, 'from the new key')).status, 200);
    await checkAccessibility(page, 'new key shown');
    await page.click('#new-key-done');
    await page.locator('#new-key-value').waitFor({ state: 'detached' });
    const row = page.locator('#api-keys-list tbody tr', { hasText: 'browser 浏览器' });
    await row.locator('button[data-action="revoke-key"]').click();
    await page.locator('#revoke-key-dialog').waitFor({ state: 'visible' });
    await checkAccessibility(page, 'revoke dialog');
    await page.click('#revoke-key-dialog-confirm');
    await waitForText(page, '#api-keys-message', /“browser 浏览器” was revoked/);
    assert.equal((await complete(secret, 'refused')).status, 401, 'revoked: refused at once');
    await page.locator('#api-keys-list tbody tr', { hasText: 'browser 浏览器' }).waitFor({ state: 'detached' });

    // Rename the search key.
    await page.locator('#api-keys-list tbody tr', { hasText: 'search-bot' }).locator('button[data-action="rename-key"]').click();
    await page.fill('#rename-key-name', '搜索机器人');
    await page.click('#rename-key-save');
    await waitForText(page, '#api-keys-message', /The key is now called “搜索机器人”\./);

    // 中文: the panels speak Chinese, and the new usage (the revoked key's request) is counted.
    await page.click('#lang-toggle');
    await waitForText(page, '#panel-usage-title', /^用量与费用$/);
    await waitForText(page, '#panel-api-keys-title', /^API 密钥$/);
    const after = (await call('/billing/v1/credit_balance', demo.api_key)).json.available.amount_minor as number;
    await waitForText(page, '#usage-total', new RegExp(`^总费用：\\$${((1000 - after) / 100).toFixed(2)}$`));
    await waitForText(page, '#usage-by-key', /搜索机器人/);
    await waitForText(page, '#usage-by-key', /browser 浏览器（已吊销）/);
    await checkAccessibility(page, 'panels in Chinese');

    // On a phone (390 px), in both languages: nothing cut off at the right, the hard-limit checkbox the size of its
    // words and beside them, the budget's buttons apart, the chart's y-axis without a repeated label.
    // CARDLANE_APP_SCREENSHOTS=<dir> keeps a screenshot of each panel.
    const shots = process.env.CARDLANE_APP_SCREENSHOTS;
    if (shots) mkdirSync(shots, { recursive: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.fill('#budget-amount', '100.00');
    await page.check('#budget-hard');
    await page.click('#budget-save');
    await page.locator('#budget-remove').waitFor({ state: 'visible' });
    for (const lang of ['zh', 'en'] as const) {
      if (lang === 'en') {
        await page.click('#lang-toggle');
        await waitForText(page, '#panel-usage-title', /^Usage and costs$/);
      }
      await page.locator('#usage-chart canvas').first().waitFor({ state: 'attached' });
      const layout = await page.evaluate(() => {
        const doc = (globalThis as any).document;
        const view = doc.documentElement;
        const cut = [...doc.querySelectorAll('.scroll, .panel')]
          .filter((box: any) => box.scrollWidth > box.clientWidth + 1)
          .map((box: any) => `${box.querySelector('table')?.id || box.id}: ${box.scrollWidth} > ${box.clientWidth}`);
        const box = doc.querySelector('#budget-hard').getBoundingClientRect();
        const label = doc.querySelector('label[for="budget-hard"]');
        const words = label.getBoundingClientRect();
        const save = doc.querySelector('#budget-save').getBoundingClientRect();
        const remove = doc.querySelector('#budget-remove').getBoundingClientRect();
        const apart = Math.max(remove.left - save.right, save.left - remove.right, remove.top - save.bottom, save.top - remove.bottom);
        const drawn: string[] = [...doc.querySelectorAll('#usage-chart canvas')].flatMap((c: any) => c.drawnTexts ?? []);
        const yLabels = drawn.filter((text) => text.startsWith('$'));
        const xLabels = drawn.filter((text) => !text.startsWith('$') && text.trim() !== '');
        const chartPx = doc.querySelector('#usage-chart canvas')?.clientWidth ?? 0;
        return { xLabels, chartPx, overflow: view.scrollWidth - view.clientWidth, cut, box: [box.width, box.height], fontSize: parseFloat((globalThis as any).getComputedStyle(label).fontSize), besideWords: box.top >= words.top - 1 && box.bottom <= words.bottom + 1, apart, yLabels };
      });
      assert.equal(layout.overflow, 0, `${lang}: the page scrolls sideways by ${layout.overflow}px`);
      assert.deepEqual(layout.cut, [], `${lang}: cut off at the right`);
      for (const side of layout.box) assert.ok(side >= layout.fontSize * 0.8 && side <= layout.fontSize * 1.6, `${lang}: checkbox ${layout.box} for ${layout.fontSize}px words`);
      assert.ok(layout.besideWords, `${lang}: the checkbox sits on its words' line`);
      assert.ok(layout.apart >= 8, `${lang}: the budget's buttons are ${layout.apart}px apart`);
      assert.ok(layout.yLabels.length >= 2, `${lang}: y-axis labels ${layout.yLabels}`);
      assert.equal(new Set(layout.yLabels).size, layout.yLabels.length, `${lang}: y-axis labels repeat: ${layout.yLabels.join(' ')}`);
      // The days' labels fit beside each other (about 64px each) instead of running together.
      assert.ok(layout.xLabels.length >= 2 && layout.xLabels.length * 64 <= layout.chartPx, `${lang}: ${layout.xLabels.length} day labels on a ${layout.chartPx}px chart: ${layout.xLabels.join(' ')}`);
      // Each row of the wide tables is a card: its cells carry their column's name, the header stays for screen readers.
      for (const table of ['#usage-by-model', '#usage-by-key', '#credit-grants-list', '#api-keys-list']) {
        assert.equal(await page.locator(`${table} tbody tr`).first().evaluate((row) => (globalThis as any).getComputedStyle(row).display), 'grid', `${table} stacks`);
      }
      await checkAccessibility(page, `phone panels (${lang})`);
      if (shots) {
        for (const panel of ['usage', 'budget', 'credit-grants', 'api-keys']) await page.locator(`#panel-${panel}`).screenshot({ path: join(shots, `${panel}-${lang}.png`) });
      }
    }
    assert.deepEqual(problems, []);

    await context.close();
    context = undefined;
    server.child.kill('SIGTERM');
    assert.deepEqual(await server.waitForExit(EXIT_BOUND_MS), { code: 0, signal: null }, server.stderr());
    const audit = spawnCardlane(['audit', '--data-dir', dataDir, ...dbArgs], { cwd: workDir });
    assert.equal((await audit.waitForExit(EXIT_BOUND_MS)).code, 0, `${audit.stdout()}\n${audit.stderr()}`);
  } finally {
    await context?.close().catch(() => undefined);
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  }
});
