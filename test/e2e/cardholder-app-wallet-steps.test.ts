import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { BrowserContext } from 'playwright-core';
import { checkAccessibility, NO_CHROMIUM, waitForText } from '../support/browser.ts';
import { JOURNEY_PHONE, openPhoneBrowser, startAppServer } from '../support/cardholder-app-journey.ts';
import { e2eWorkspace } from '../support/cli.ts';

// A new user's walk through the wallet (/app at 390×844, against `cardlane up`
// on its own data directory and port) found:
// - a withdrawal left at once, with no fee, no CNY amount and no confirmation;
// - the Alipay QR code had no way out (no cancel, no other amount), and an
//   order left behind could not be found again;
// - "余额不足" named neither the balance nor what it had, and moving money off
//   the card said 钱包余额不足 (the wallet's);
// - the sandbox hints' `npx cardlane issuer …` commands lacked --data-dir and
//   --url, so they looked for another server.

const skip = NO_CHROMIUM;
const { workDir, location } = e2eWorkspace('cardholder-app-wallet-steps');

test('the wallet previews a withdrawal and asks before it, lets an Alipay order be cancelled, changed or resumed, and names the short balance', { timeout: 300_000, skip }, async () => {
  const app = await startAppServer(workDir, location);
  const { info, api, operator, latestCode } = app;
  let context: BrowserContext | undefined;
  try {
    const browser = await openPhoneBrowser(workDir, info.url);
    context = browser.context;
    const { page, problems, shot } = browser;

    // The sign-in hint reaches this server: its data directory and its URL.
    await page.goto(`${info.url}/app`);
    await page.fill('#phone', '138 0013 8000');
    await page.click('#send-code');
    const hint = await waitForText(page, '#sms-hint', /sms-inbox/);
    assert.ok(hint.includes(`npx cardlane issuer sms-inbox --phone ${JOURNEY_PHONE} --data-dir ${join(workDir, 'data')} --url ${info.url}`), hint);
    await page.fill('#code', await latestCode(JOURNEY_PHONE));
    await page.press('#code', 'Enter');
    await page.click('#kyc-start');
    await waitForText(page, '#kyc-status', /审核中/);
    const verificationId = /verify\/([^?]+)/.exec((await page.getAttribute('#kyc-qr', 'data-payload')) ?? '')?.[1];
    await api('POST', `/operator/kyc/${verificationId}/approve`, operator);
    await page.click('#tab-wallet');
    await page.locator('#top-up-amount').waitFor({ state: 'visible' });

    // The QR code's ways out: another amount closes this order and keeps the amount to edit.
    await page.fill('#top-up-amount', '300');
    await page.click('#get-quote');
    await page.click('#pay-alipay');
    const first = /top-up pay (\S+)/.exec(await waitForText(page, '#alipay-hint', /top-up pay \S+/))?.[1];
    assert.match(await waitForText(page, '#alipay-hint', /--data-dir/), /--data-dir \S+ --url http:\/\/127\.0\.0\.1:\d+/);
    await shot('top-up-qr-ways-out');
    await checkAccessibility(page, 'Alipay QR with cancel and change');
    await page.click('#top-up-change');
    await page.locator('#top-up-amount').waitFor({ state: 'visible' });
    assert.equal(await page.inputValue('#top-up-amount'), '300');
    const closedFirst = await fetch(`${info.url}/issuer/v1/operator/sandbox/alipay/${first}/pay`, { method: 'POST', headers: operator });
    assert.equal(closedFirst.status, 409, 'the changed order’s QR code can no longer be paid');

    // Left for another screen, the open order waits in the wallet to be continued.
    await page.fill('#top-up-amount', '200');
    await page.click('#get-quote');
    await page.click('#pay-alipay');
    const second = /top-up pay (\S+)/.exec(await waitForText(page, '#alipay-hint', /top-up pay \S+/))?.[1];
    await page.click('#tab-cards');
    await page.click('#tab-wallet');
    await waitForText(page, '#open-top-up', /¥200\.00 的支付宝订单等待付款/);
    await shot('top-up-open-order');
    await checkAccessibility(page, 'wallet with an open order');
    await page.click('#resume-top-up');
    assert.ok((await waitForText(page, '#alipay-hint', /top-up pay \S+/)).includes(second!));
    // Cancel: closed on the server, back to the form.
    await page.click('#top-up-cancel');
    await waitForText(page, '#top-up-notice', /订单已取消/);
    assert.equal(await page.locator('#open-top-up').count(), 0);

    // A third order, paid.
    await page.fill('#top-up-amount', '200');
    await page.click('#get-quote');
    await page.click('#pay-alipay');
    const third = /top-up pay (\S+)/.exec(await waitForText(page, '#alipay-hint', /top-up pay \S+/))?.[1];
    await api('POST', `/operator/sandbox/alipay/${third}/pay`, operator);
    await waitForText(page, '#alipay-status', /付款成功/);
    await page.click('#top-up-again');

    // A withdrawal: the server's figures first, nothing taken until confirmed.
    const before = await page.textContent('#wallet-balance');
    await page.fill('#withdraw-amount', '5');
    await page.click('#withdraw-submit');
    await waitForText(page, '#withdraw-preview', /提现前请确认/);
    assert.equal(await page.textContent('#withdraw-preview-amount'), '$5.00');
    assert.match((await page.textContent('#withdraw-preview-fee')) ?? '', /^\$\d+\.\d\d$/);
    assert.match((await page.textContent('#withdraw-preview-cny')) ?? '', /^¥\d+\.\d\d$/);
    assert.match((await page.textContent('#withdraw-preview-rate')) ?? '', /1 美元 = [\d.]+ 人民币/);
    assert.equal(await page.locator('#withdraw-message').count(), 0, 'nothing was sent yet');
    assert.equal(await page.textContent('#wallet-balance'), before);
    await page.locator('#withdraw-preview').scrollIntoViewIfNeeded();
    await shot('withdraw-preview-zh');
    await checkAccessibility(page, 'withdrawal preview');
    const cny = await page.textContent('#withdraw-preview-cny');
    await page.click('#withdraw-confirm');
    const done = await waitForText(page, '#withdraw-message', /提现(成功|处理中)：\$5\.00/);
    assert.ok(done.includes(cny!), `${done} should pay out the previewed ${cny}`);

    // More than the wallet has: the preview says so with the wallet's balance, and offers no confirmation.
    await page.fill('#withdraw-amount', '500');
    await page.click('#withdraw-submit');
    await waitForText(page, '#withdraw-short', /钱包余额不足：可用余额为 \$\d+\.\d\d/);
    assert.equal(await page.locator('#withdraw-confirm').count(), 0);

    // Moving more off the card than it has: the card's balance, not the wallet's.
    await page.click('#tab-cards');
    await page.click('#open-card');
    await page.locator('#card').waitFor({ state: 'visible' });
    await page.fill('#move-amount', '10');
    await page.click('#load');
    await waitForText(page, '#move-message', /\$10\.00/);
    await page.fill('#move-amount', '50');
    await page.click('#unload');
    const cardShort = await waitForText(page, '#move', /卡内余额不足/);
    assert.match(cardShort, /卡内可用余额为 \$10\.00/);
    assert.doesNotMatch(cardShort, /钱包余额/);
    await page.fill('#move-amount', '5000');
    await page.click('#load');
    await waitForText(page, '#move', /钱包余额不足：可用余额为 \$\d+\.\d\d/);
    await shot('move-card-short');

    // The same in English.
    await page.click('#lang-switch');
    await page.fill('#move-amount', '50');
    await page.click('#unload');
    await waitForText(page, '#move', /Not enough money on the card: its available balance is \$10\.00/);
    await page.click('#tab-wallet');
    await page.fill('#withdraw-amount', '5');
    await page.click('#withdraw-submit');
    await waitForText(page, '#withdraw-preview', /Check before you withdraw[\s\S]*Arrives in your Alipay/);
    await waitForText(page, '#withdraw-confirm', /Confirm: withdraw \$5\.00/);
    await page.locator('#withdraw-preview').scrollIntoViewIfNeeded();
    await shot('withdraw-preview-en');
    await checkAccessibility(page, 'withdrawal preview (English)');

    assert.deepEqual(problems, []);
    await context.close();
    context = undefined;
    await app.stopAndAudit();
  } finally {
    await context?.close().catch(() => undefined);
    if (app.server.child.exitCode === null && app.server.child.signalCode === null) app.server.child.kill('SIGKILL');
  }
});
