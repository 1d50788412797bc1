import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BrowserContext } from 'playwright-core';
import { NO_CHROMIUM } from '../support/browser.ts';
import { openPhoneBrowser, startAppServer } from '../support/cardholder-app-journey.ts';
import { e2eWorkspace } from '../support/cli.ts';

// The cardholder app's session survives a reload (it used to live in the page's memory only, so every reload signed
// the person out and asked for a new SMS code, until the per-phone cap locked them out): in Chromium, the demo
// cardholder signs in, opens the cards tab, reloads — and is still signed in, on the same screen, with no new SMS,
// nothing in localStorage or sessionStorage and nothing a script can read in document.cookie; the session is an
// HttpOnly, SameSite=Strict cookie. Signing out (a change, so it needs the anti-CSRF token the page holds) ends it:
// a reload then shows the sign-in form.

const skip = NO_CHROMIUM;
const { workDir, location } = e2eWorkspace('cardholder-app-session-reload');

test('Chromium: signed in, reloaded, still signed in on the same screen, with nothing in browser storage; sign-out ends it', { timeout: 240_000, skip }, async () => {
  const app = await startAppServer(workDir, location);
  const { info, latestCode, newestSmsId } = app;
  const phone = info.cardholder_app.phone;
  let context: BrowserContext | undefined;
  try {
    const browser = await openPhoneBrowser(workDir, info.url);
    context = browser.context;
    const { page, problems } = browser;

    await page.goto(`${info.url}/app`);
    await page.locator('#phone').waitFor({ state: 'visible' });
    await page.fill('#phone', phone);
    await page.click('#send-code');
    await page.locator('#code').waitFor({ state: 'visible' });
    await page.fill('#code', await latestCode(phone));
    await page.click('#sign-in');
    await page.locator('#tab-cards').waitFor({ state: 'visible' });
    await page.click('#tab-cards');
    await page.locator('#card-list').waitFor({ state: 'visible' });
    assert.match(page.url(), /#\/cards$/);
    const smsBeforeReload = await newestSmsId(phone);

    await page.reload();
    // Straight back to the screen in the URL: no sign-in form on the way.
    await page.locator('#card-list').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#phone').count(), 0, 'the reload asked to sign in again');
    assert.equal(await page.getAttribute('#tab-cards', 'aria-current'), 'page');
    assert.equal(await newestSmsId(phone), smsBeforeReload, 'no new SMS code was sent');

    // The session is an HttpOnly cookie: nothing in storage, nothing a script can read.
    assert.deepEqual(await page.evaluate(() => [(globalThis as any).localStorage.length, (globalThis as any).sessionStorage.length]), [0, 0]);
    assert.equal(await page.evaluate(() => (globalThis as any).document.cookie), '');
    const cookies = await context.cookies(info.url);
    assert.deepEqual(
      cookies.map((cookie) => [cookie.name, cookie.httpOnly, cookie.sameSite, cookie.path]),
      [['cardlane_cardholder', true, 'Strict', '/']],
    );

    // A change made after the reload (the page's anti-CSRF token came from the session endpoint): signing out.
    await page.click('#tab-me');
    await page.click('#sign-out');
    await page.locator('#phone').waitFor({ state: 'visible' });
    assert.deepEqual(await context.cookies(info.url), [], 'sign-out cleared the cookie');
    await page.reload();
    await page.locator('#phone').waitFor({ state: 'visible' });
    assert.deepEqual(problems, []);
  } finally {
    await context?.close();
    await app.stopAndAudit();
  }
});
