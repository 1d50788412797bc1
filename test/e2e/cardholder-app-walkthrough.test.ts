import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { checkAccessibility, expectFocus, NO_CHROMIUM, waitForText } from '../support/browser.ts';
import { openPhoneBrowser, signUpToRevealedCard, startAppServer } from '../support/cardholder-app-journey.ts';
import { e2eWorkspace } from '../support/cli.ts';

// What a new user's walk through the cardholder app (/app) found, in Chromium at 390×844 against `cardlane up`:
// - starting KYC from the keyboard dropped the focus to the document's start (the start button goes away);
// - a copied card number stayed in the clipboard for good;
// - relative times ("现在", "1分钟前") never moved on their own (only when a poll happened to redraw the list).

const skip = NO_CHROMIUM;
const { workDir, location } = e2eWorkspace('cardholder-app-walkthrough');

/** Someone who is not the journey's cardholder, so the journey's own sign-up still starts from nothing. */
const KYC_PHONE = '+8613800138011';

const clipboard = (page: Page) => page.evaluate(() => (globalThis as any).navigator.clipboard.readText() as Promise<string>);

test('the new user’s walk: KYC keeps the keyboard on the screen, a copied card number leaves the clipboard after 60 s, relative times move on', { timeout: 420_000, skip }, async () => {
  const app = await startAppServer(workDir, location);
  let context: BrowserContext | undefined;
  try {
    const browser = await openPhoneBrowser(workDir, app.info.url);
    context = browser.context;
    const { page, problems, shot } = browser;

    // 1. Start KYC from the keyboard: the button goes, the focus lands on the scan's heading.
    await page.goto(`${app.info.url}/app`);
    await page.fill('#phone', KYC_PHONE);
    await page.click('#send-code');
    await page.fill('#code', await app.latestCode(KYC_PHONE));
    await page.click('#sign-in');
    await waitForText(page, '#kyc-status', /未开始/);
    await page.focus('#kyc-start');
    await page.keyboard.press('Enter');
    await page.locator('#kyc-qr').waitFor({ state: 'visible' });
    await expectFocus(page, 'h3#kyc-scan-title');
    await waitForText(page, '#kyc', /状态：审核中/);
    await shot('walkthrough-kyc-started');
    await checkAccessibility(page, 'kyc started');
    await page.click('#tab-me');
    await page.click('#sign-out');

    // 2. The journey's cardholder reveals their card and copies the number: said, then cleared after 60 s.
    const { number } = await signUpToRevealedCard(app, browser);
    await page.click('#copy-number');
    assert.equal(await clipboard(page), number);
    await waitForText(page, '#clipboard-note', /已复制。60 秒后如果此页面仍在前台，剪贴板会被清空/);
    await shot('walkthrough-copied');
    await checkAccessibility(page, 'card number copied');
    // The page's clock also runs in real time (the screenshot and axe take a few seconds): 50 s on is still within the minute.
    await page.clock.fastForward(50_000);
    assert.equal(await clipboard(page), number, 'not cleared before the minute');
    await page.clock.fastForward(11_000);
    for (let i = 0; i < 50 && (await clipboard(page)) !== ''; i += 1) await page.waitForTimeout(100);
    assert.equal(await clipboard(page), '', 'the card number is still in the clipboard a minute later');
    assert.deepEqual(await page.evaluate(() => [(globalThis as any).localStorage.length, (globalThis as any).sessionStorage.length]), [0, 0]);

    // 3. The wallet's times move on by themselves — even when no poll redraws the list (the network is gone).
    await page.click('#tab-wallet');
    await page.locator('#wallet-lines li').first().waitFor({ state: 'visible' });
    const before = (await page.textContent('#wallet-lines li:first-child .when')) ?? '';
    await page.route('**/issuer/v1/**', (route) => route.abort());
    await page.clock.runFor(3 * 60_000);
    const after = (await page.textContent('#wallet-lines li:first-child .when')) ?? '';
    assert.notEqual(after, before, `still "${before}" three minutes later`);
    assert.match(after, /分钟前/);
    await shot('walkthrough-times-moved');
    await checkAccessibility(page, 'wallet, times moved on');
    await page.unroute('**/issuer/v1/**');

    // Only the refused requests of the network we cut may be in the console.
    assert.deepEqual(problems.filter((problem) => !/ERR_FAILED|Failed to fetch|net::/.test(problem)), []);
    await context.close();
    context = undefined;
    await app.stopAndAudit();
  } finally {
    await context?.close().catch(() => undefined);
    if (app.server.child.exitCode === null && app.server.child.signalCode === null) app.server.child.kill('SIGKILL');
  }
});
