import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { BrowserContext } from 'playwright-core';
import { DEMO_OWNER_EMAIL } from '../../src/billing/billing-start.ts';
import { checkAccessibility, NO_CHROMIUM, openEnglishPhone, waitForText } from '../support/browser.ts';
import { e2eWorkspace, spawnCardlane, START_BOUND_MS } from '../support/cli.ts';
import { testDatabaseKind } from '../support/databases.ts';

// The billing page in Chromium against `cardlane up`, with a card its bank
// wants 3-D Secure for (Stripe's 4000002760003184): adding it takes the tab
// to the test bank's challenge page; "Complete" brings it back to the
// billing page, still signed in, which finishes the verification and shows
// the card. A failed challenge (4000002500003155, "Fail") is explained.

const skip = NO_CHROMIUM;
const { workDir, location } = e2eWorkspace('billing-card-challenge');

test('the billing page completes a 3-D Secure challenge when a card is added, and explains a failed one', { timeout: 300_000, skip }, async () => {
  const dbArgs = testDatabaseKind() === 'postgres' ? ['--database', location.url] : [];
  const server = spawnCardlane(['up', '--port', '0', '--data-dir', join(workDir, 'data'), '--json', ...dbArgs], { cwd: workDir });
  let context: BrowserContext | undefined;
  try {
    const info = JSON.parse(await server.waitForLine((l) => l.startsWith('{'), START_BOUND_MS)) as { url: string; operator_key_file: string };
    const operatorKey = readFileSync(info.operator_key_file, 'utf8').trim();
    // The test bank's challenge page has no icon; its favicon request is the bank's, not the billing page's.
    const phone = await openEnglishPhone(workDir, (message) => message.location().url.endsWith('/favicon.ico'));
    context = phone.context;
    const { page, problems } = phone;

    await page.goto(`${info.url}/billing`);
    await page.fill('#signin-email', DEMO_OWNER_EMAIL);
    await page.click('#signin-send');
    await page.locator('#signin-code').waitFor({ state: 'visible' });
    const mail = await fetch(`${info.url}/billing/v1/sandbox/mail?to=${encodeURIComponent(DEMO_OWNER_EMAIL)}`, { headers: { authorization: `Bearer ${operatorKey}` } });
    const code = /\b(\d{6})\b/.exec(((await mail.json()) as { data: Array<{ subject: string }> }).data[0]?.subject ?? '')?.[1];
    await page.fill('#signin-code', code!);
    await page.click('#signin-submit');
    await page.locator('#dashboard').waitFor({ state: 'visible' });

    const addCard = async (number: string) => {
      if (!(await page.locator('#card-add-box').evaluate((details) => (details as unknown as { open: boolean }).open))) await page.click('#card-add-box summary');
      await page.fill('#card-number', number);
      await page.fill('#card-exp', '12/34');
      await page.fill('#card-cvc', '123');
      await page.click('#card-add');
    };
    const challenge = async (button: 'complete' | 'fail') => {
      await page.waitForURL(/\/3ds\/test-bank\//);
      await page.click(`button[value="${button}"]`);
      await page.waitForURL(/\/billing$/);
      await page.locator('#dashboard').waitFor({ state: 'visible' });
    };

    await addCard('4000 0027 6000 3184');
    await challenge('complete');
    await waitForText(page, '#card-message', /Card added: visa •••• 3184\./);
    await waitForText(page, '#cards-list', /visa •••• 3184/);
    assert.equal(new URL(page.url()).search, '', 'the return query (with the set-up client secret) leaves the address bar');
    await checkAccessibility(page, 'card added after 3-D Secure');

    await addCard('4000 0025 0000 3155');
    await challenge('fail');
    await waitForText(page, '#card-message', /This card could not be added: /);
    assert.equal(await page.locator('#cards-list li').count(), 1);
    await checkAccessibility(page, 'card challenge failed');
    assert.deepEqual(problems, []);
  } finally {
    await context?.close().catch(() => undefined);
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  }
});
