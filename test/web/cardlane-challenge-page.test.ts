import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { checkAccessibility, CHROMIUM, CHROMIUM_ARGS, NO_CHROMIUM, PHONE_VIEWPORT, waitForText } from '../support/browser.ts';
import { cardlaneThreeDSecureFixture, wrongCode } from '../support/cardlane-three-d-secure.ts';

// Cardlane's 3-D Secure challenge page in a real browser, on a phone: axe-clean
// in Chinese and English (the first screen and a wrong code's), and the code
// typed in finishes the payment — the browser ends on the acquirer's page.

test('the issuer\'s challenge page: axe-clean on a phone in both languages; typing the SMS code completes the payment', { skip: NO_CHROMIUM }, async () => {
  const f = await cardlaneThreeDSecureFixture({ mode: 'always', aboveUsdMinor: 3_000 });
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'cardlane-3ds-')), {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    locale: 'zh-CN',
    ...PHONE_VIEWPORT,
  });
  try {
    const card = await f.base.openCard({ loadUsdMinor: 10_000 });
    const pm = await f.paymentMethod(card);
    // No return_url: the acquirer's own page ends the journey (a merchant's site is not reachable from the test).
    const pi = await f.stripe.paymentIntents.create({ amount: 2_000, currency: 'usd', payment_method: pm.id, confirm: true });
    assert.equal(pi.status, 'requires_action');
    const url = pi.next_action!.redirect_to_url!.url!;
    const page = await context.newPage();

    await page.goto(url);
    await waitForText(page, 'h1', /确认是你本人/);
    await waitForText(page, 'dl', /US\$20\.00/);
    await checkAccessibility(page, 'challenge zh-CN');
    // CARDLANE_APP_SCREENSHOTS=<dir> keeps phone-size screenshots of the page there, to look at.
    if (process.env.CARDLANE_APP_SCREENSHOTS) await page.screenshot({ path: `${process.env.CARDLANE_APP_SCREENSHOTS}/issuer-challenge-zh.png` });
    await page.goto(`${url}?lang=en`);
    await waitForText(page, 'h1', /Confirm it is you/);
    await checkAccessibility(page, 'challenge en');

    const [code] = await f.smsCodes(card);
    await page.fill('#code', wrongCode(code!));
    await page.click('button[type=submit]:not(.secondary)');
    await waitForText(page, '.error', /2 more tries/);
    await checkAccessibility(page, 'challenge en, wrong code');
    if (process.env.CARDLANE_APP_SCREENSHOTS) await page.screenshot({ path: `${process.env.CARDLANE_APP_SCREENSHOTS}/issuer-challenge-en-wrong-code.png` });

    await page.fill('#code', code!);
    await page.click('button[type=submit]:not(.secondary)');
    // The acquirer's page speaks the language the customer chose on the challenge (English), though the phone is set to Chinese.
    await waitForText(page, 'main', /Authentication complete/);
    assert.match(page.url(), /\/acquirer\/3ds\/return\/[^?]+\?lang=en$/);
    await checkAccessibility(page, 'acquirer return en');
    if (process.env.CARDLANE_APP_SCREENSHOTS) await page.screenshot({ path: `${process.env.CARDLANE_APP_SCREENSHOTS}/acquirer-return-en.png` });
    // Its switch goes to the other language, and the payment stays done.
    await page.click('.lang a');
    await waitForText(page, 'main', /验证已完成/);
    if (process.env.CARDLANE_APP_SCREENSHOTS) await page.screenshot({ path: `${process.env.CARDLANE_APP_SCREENSHOTS}/acquirer-return-zh.png` });
    assert.equal((await f.stripe.paymentIntents.retrieve(pi.id)).status, 'succeeded');
  } finally {
    await context.close();
    await f.base.assertConsistent();
    await f.close();
  }
});
