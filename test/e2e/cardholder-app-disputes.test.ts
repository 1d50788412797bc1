import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BrowserContext } from 'playwright-core';
import Stripe from 'stripe';
import { checkAccessibility, NO_CHROMIUM, waitForText } from '../support/browser.ts';
import { openPhoneBrowser, signUpToRevealedCard, startAppServer } from '../support/cardholder-app-journey.ts';
import { e2eWorkspace } from '../support/cli.ts';

// Disputes in the cardholder app (/app) in Chromium at a phone's viewport,
// against `cardlane up`: sign up, verify, top up, open and fund a card, pay
// the demo merchant with it through the `stripe` SDK and capture; then from
// the statement "发起争议" as "付了款但没收到", see the case with its steps,
// the 已临时退款 badge and the provisional credit line; a second dispute of
// the same payment is refused in Chinese. axe-core checks the new screens.
// CARDLANE_APP_SCREENSHOTS=<dir> keeps phone-size screenshots there (docs/app-dispute.png).

const skip = NO_CHROMIUM;

const { workDir, location } = e2eWorkspace('cardholder-app-disputes');

test('the cardholder app disputes a settled payment from the statement: the form, the case and its steps, the provisional credit line and the state badge', { timeout: 420_000, skip }, async () => {
  const app = await startAppServer(workDir, location);
  const { info } = app;
  let context: BrowserContext | undefined;
  try {
    const browser = await openPhoneBrowser(workDir, info.url);
    context = browser.context;
    const { page, problems, shot } = browser;
    const { number, cvc, expMonth, expYear } = await signUpToRevealedCard(app, browser);

    // Pay the demo merchant through the stripe SDK: an automatic charge, held then captured.
    const url = new URL(info.url);
    const stripe = new Stripe(info.acquirer.secret_key, { host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries: 0, telemetry: false });
    const customer = await stripe.customers.create({ email: 'li.lei@example.com' });
    const pm = await stripe.paymentMethods.create({ type: 'card', card: { number, exp_month: expMonth, exp_year: 2000 + expYear, cvc } });
    await stripe.setupIntents.create({ customer: customer.id, payment_method: pm.id, confirm: true, usage: 'off_session' });
    const held = await stripe.paymentIntents.create({ amount: 1_000, currency: 'usd', customer: customer.id, payment_method: pm.id, confirm: true, off_session: true, capture_method: 'manual' });
    assert.equal(held.status, 'requires_capture');
    await stripe.paymentIntents.capture(held.id);

    // The statement offers 发起争议 on the settled payment.
    await page.click('#card-activity');
    await page.locator('#statement a.dispute-this').waitFor({ state: 'visible', timeout: 60_000 });
    await checkAccessibility(page, 'statement with a disputable payment');
    await page.click('#statement a.dispute-this');
    await page.locator('#dispute-form').waitFor({ state: 'visible' });
    await waitForText(page, '#dispute-time-limit', /120 天/);
    assert.equal(await page.inputValue('#dispute-amount'), '10.00', 'the whole payment by default');
    // Evidence is required: nothing is sent without it.
    await page.click('#dispute-submit');
    await waitForText(page, '#dispute-error', /请说明发生了什么/);
    await page.check('input[name="reason"][value="product_not_received"]');
    await page.fill('#dispute-evidence', '付款后一直没有收到 API 额度。');
    await checkAccessibility(page, 'dispute form');
    await shot('dispute-form');
    const disputeUrl = page.url();
    await page.click('#dispute-submit');

    // The case: its status, the provisional credit, and each step in local time.
    await page.locator('#dispute-case').waitFor({ state: 'visible' });
    await waitForText(page, '#dispute-provisional', /^\$10\.00$/);
    await waitForText(page, '#dispute-steps', /你发起了争议/);
    await waitForText(page, '#dispute-steps', /我们已临时退款到你的卡/);
    await checkAccessibility(page, 'dispute case');
    await shot('dispute');

    // Back on the statement: the badge and the provisional credit line in plain words.
    await page.click('#dispute-case a.button');
    await waitForText(page, '#statement', /临时退款（争议中）/);
    await waitForText(page, '#statement', /已临时退款/);
    assert.equal(await page.locator('#statement a.dispute-this').count(), 0, 'a disputed payment is not offered again');
    await checkAccessibility(page, 'statement with a dispute');

    // The same payment again (an old link): the refusal in the app's Chinese.
    await page.goto(disputeUrl);
    await page.locator('#dispute-form').waitFor({ state: 'visible' });
    await page.fill('#dispute-evidence', '再次提交');
    await page.click('#dispute-submit');
    await waitForText(page, '#dispute-error', /这笔付款已在争议中/);

    assert.deepEqual(problems, []);
    await context.close();
    context = undefined;
    await app.stopAndAudit();
  } finally {
    await context?.close().catch(() => undefined);
    if (app.server.child.exitCode === null && app.server.child.signalCode === null) app.server.child.kill('SIGKILL');
  }
});
