import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Stripe from 'stripe';
import type { BrowserContext, Page } from 'playwright-core';
import { startCardlane } from '../../src/app/start.ts';
import { DEMO_OWNER_EMAIL } from '../../src/billing/billing-start.ts';
import { addMember } from '../../src/billing/members/members.ts';
import { systemClock } from '../../src/platform/clock.ts';
import { cryptoRandom, IdGenerator } from '../../src/platform/ids.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { checkAccessibility, expectFocus, NO_CHROMIUM, openEnglishPhone, waitForText } from '../support/browser.ts';
import { e2eWorkspace } from '../support/cli.ts';

// The billing page's organization switcher in Chromium at 390 px: the demo owner, also invited to a second
// organization, signs in (to the demo organization: an invitation is never the default), switches with the
// keyboard to the second — which accepts the invitation — and every panel shows its data (its balance, a
// member's view without the owner's controls); the switch replaces the HttpOnly session cookie and the old session
// stops working, with no token ever in the page's storage; then back, and in 中文.
// Run in-process (not `cardlane up`) because a second organization is made through billing's API here, as an
// API business's sign-up would. `npm run build` first: the page is served from dist/.

const skip = NO_CHROMIUM;
const { workDir, location } = e2eWorkspace('billing-organization-switch');

test('the billing page switches organizations: a header switcher (keyboard, axe-clean, phone width), every panel shows the new organization, the old token ends', { timeout: 300_000, skip }, async () => {
  const shots = process.env.CARDLANE_APP_SCREENSHOTS ?? join(tmpdir(), 'cardlane-billing-organization-switch-screens');
  mkdirSync(shots, { recursive: true });
  const cardlane = await startCardlane({ flags: { port: '0', database: location.url, dataDir: join(workDir, 'data') }, env: {}, tasks: () => [], logger: createLogger({ level: 'silent' }) });
  let context: BrowserContext | undefined;
  try {
    const call = async (path: string, key: string, method = 'GET', body?: unknown) => {
      const response = await fetch(`${cardlane.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, json: (await response.json().catch(() => null)) as any };
    };
    // $10.00 of credits in the demo organization, bought as the page does (a card tokenized at the provider, then billing's API).
    const port = Number(new URL(cardlane.url).port);
    const tokenizer = new Stripe(cardlane.demoMerchant.publishable_key, { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0, telemetry: false });
    const pm = await tokenizer.paymentMethods.create({ type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2034, cvc: '123' } });
    const demoKey = cardlane.demoOrganization.api_key;
    assert.equal((await call('/billing/v1/payment_methods', demoKey, 'POST', { payment_method: pm.id })).status, 201);
    assert.equal((await call('/billing/v1/credit_purchases', demoKey, 'POST', { amount: 1000, payment_method: pm.id })).status, 200);
    // A second organization, which invites the demo owner as a member.
    const second = await cardlane.billing.createOrganization('Second Lab');
    await cardlane.db.transaction((tx) =>
      addMember(tx, { ids: new IdGenerator(systemClock, cryptoRandom), nowMs: Date.now() }, { orgId: second.id, email: DEMO_OWNER_EMAIL, role: 'member', invitation: true }),
    );

    const phone = await openEnglishPhone(workDir);
    context = phone.context;
    const { page, problems } = phone;
    await page.goto(`${cardlane.url}/billing`);
    await page.fill('#signin-email', DEMO_OWNER_EMAIL);
    await page.click('#signin-send');
    await page.locator('#signin-code').waitFor({ state: 'visible' });
    const mail = await call(`/billing/v1/sandbox/mail?to=${encodeURIComponent(DEMO_OWNER_EMAIL)}`, readFileSync(cardlane.operatorKeyFile!, 'utf8').trim());
    await page.fill('#signin-code', /\b(\d{6})\b/.exec(mail.json.data[0].subject)![1]!);
    await page.click('#signin-submit');
    await page.locator('#dashboard').waitFor({ state: 'visible' });
    await waitForText(page, '#who', /owner@demo\.cardlane\.test \(owner\) · Demo API customer/);
    await waitForText(page, '#balance', /^\$10\.00$/);

    // The switcher: labelled, the current organization chosen, the invitation said to be one.
    await waitForText(page, '#org-switch label', /^Organization$/);
    assert.equal(await page.inputValue('#org-switch-select'), cardlane.demoOrganization.organization_id);
    assert.deepEqual(await page.locator('#org-switch-select option').allTextContents(), ['Demo API customer (owner)', 'Second Lab (member, invited: switching accepts)']);
    await assertFitsPhone(page);
    await checkAccessibility(page, 'dashboard with the organization switcher');
    // The session is the HttpOnly cookie's (the test reads it as the browser holds it; no script of the page can).
    const sessionCookie = async () => (await context!.cookies(cardlane.url)).find((cookie) => cookie.name === 'cardlane_billing')?.value ?? null;
    const oldToken = await sessionCookie();
    assert.match(oldToken ?? '', /^sess-cl-/);

    // With the keyboard: choose, then the button (choosing alone moves nobody).
    await page.focus('#org-switch-select');
    await page.selectOption('#org-switch-select', second.id);
    assert.equal(await page.locator('#look-only').count(), 0, 'still the demo organization until the button');
    // The button is enabled once the page has drawn the choice; Tab skips a button still disabled.
    await page.locator('#org-switch-submit:not([disabled])').waitFor();
    await page.keyboard.press('Tab');
    await expectFocus(page, 'button#org-switch-submit');
    await page.keyboard.press('Enter');
    await waitForText(page, '#org-switch-message', /^You are now in Second Lab\.$/);
    await waitForText(page, '#who', /owner@demo\.cardlane\.test \(member\) · Second Lab/);
    await waitForText(page, '#balance', /^\$0\.00$/);
    await waitForText(page, '#look-only', /an owner changes it/);
    assert.equal(await page.locator('#buy-form').isVisible(), false, "a member's view: no purchase form");
    await waitForText(page, '#members-list', /owner@demo\.cardlane\.test.*you/);
    assert.deepEqual(await page.locator('#org-switch-select option').allTextContents(), ['Demo API customer (owner)', 'Second Lab (member)'], 'the invitation is accepted');
    const newToken = await sessionCookie();
    assert.match(newToken ?? '', /^sess-cl-/);
    assert.notEqual(newToken, oldToken, 'the switch replaced the cookie');
    assert.deepEqual(await page.evaluate(() => [(globalThis as any).sessionStorage.length, (globalThis as any).localStorage.length]), [0, 0], 'nothing in browser storage');
    assert.equal((await call('/billing/v1/credit_balance', oldToken!)).status, 401, 'the old token ended with the switch');
    assert.equal((await call('/billing/v1/credit_balance', newToken!)).json.organization, second.id);
    await assertFitsPhone(page);
    await checkAccessibility(page, 'dashboard after switching');

    // Back, in 中文.
    await page.click('#lang-toggle');
    await waitForText(page, '#org-switch label', /^组织$/);
    await page.selectOption('#org-switch-select', cardlane.demoOrganization.organization_id);
    await page.click('#org-switch-submit');
    await waitForText(page, '#org-switch-message', /^你已切换到 Demo API customer。$/);
    await waitForText(page, '#balance', /^\$10\.00$/);
    assert.equal(await page.locator('#look-only').count(), 0);
    await page.evaluate(() => (globalThis as any).scrollTo(0, 0));
    await page.screenshot({ path: join(shots, 'billing-organization-switch-zh.png') });
    await checkAccessibility(page, 'dashboard after switching back (中文)');

    assert.deepEqual(problems, []);
    assert.equal((await cardlane.auditLedger()).ok, true);
  } finally {
    await context?.close().catch(() => undefined);
    await cardlane.close();
  }
});

/** Nothing on the page is wider than the phone. */
async function assertFitsPhone(page: Page): Promise<void> {
  const overflow = await page.evaluate(() => {
    const doc = (globalThis as any).document;
    const width = doc.documentElement.clientWidth;
    const wide = [...doc.querySelectorAll('body *')].filter((el: any) => el.getBoundingClientRect().right > width + 1).map((el: any) => `${el.tagName}#${el.id}.${el.className}`);
    return { page: doc.documentElement.scrollWidth - width, wide: wide.slice(0, 5) };
  });
  assert.deepEqual(overflow, { page: 0, wide: [] });
}
