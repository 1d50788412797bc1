import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { checkAccessibility, NO_CHROMIUM, openEnglishPhone, waitForText } from '../support/browser.ts';
import { e2eWorkspace, EXIT_BOUND_MS, spawnCardlane, START_BOUND_MS } from '../support/cli.ts';
import { testDatabaseKind } from '../support/databases.ts';
import { call, openTopUp, payAtDemoMerchant, signUpCardholder, startKyc } from '../support/operator-console.ts';

// The operator console (Preact, src/web/console/) in a real browser (Debian's chromium, driven by
// playwright-core) at a phone's viewport against `cardlane up`: the operator pastes the operator key
// (exchanged for an HttpOnly, SameSite=Strict cookie; the key never in storage or a URL), approves a
// pending KYC, rejects another with a reason code (seeing what the cardholder will be told), plays an open Alipay top-up through the sandbox, sees a decline counted under its cause with
// its response code, and runs the ledger audit — in English, then again in Chinese after signing out and in.
// axe-core checks each screen. CARDLANE_APP_SCREENSHOTS=<dir> keeps phone-size screenshots there (the
// README's come from docs/).

const skip = NO_CHROMIUM;

const { workDir, location } = e2eWorkspace('operator-console');

test('the operator console in Chromium: key sign-in to a cookie session, approve a KYC, play a top-up, a decline under its cause, the audit — in English and 中文', { timeout: 300_000, skip }, async () => {
  const dataDir = join(workDir, 'data');
  const shots = process.env.CARDLANE_APP_SCREENSHOTS ?? join(workDir, 'screenshots');
  mkdirSync(shots, { recursive: true });
  const dbArgs = testDatabaseKind() === 'postgres' ? ['--database', location.url] : [];
  const server = spawnCardlane(['up', '--port', '0', '--data-dir', dataDir, '--json', ...dbArgs], { cwd: workDir });
  let context: BrowserContext | undefined;
  try {
    const info = JSON.parse(await server.waitForLine((l) => l.startsWith('{'), START_BOUND_MS)) as { url: string; operator_key_file: string };
    const url = info.url;
    const operatorKey = readFileSync(info.operator_key_file, 'utf8').trim();
    const credentials = JSON.parse(readFileSync(join(dataDir, 'demo-credentials.json'), 'utf8')) as { acquirer: { secret_key: string }; issuer: { phone: string } };

    // The world the operator looks at: three people waiting for KYC, an unpaid top-up, an approved payment and declines.
    const waiting: string[] = [];
    const tokens: string[] = [];
    for (const phone of ['+8613900000011', '+8613900000012', '+8613900000013']) {
      tokens.push(await signUpCardholder(url, operatorKey, phone));
      waiting.push(await startKyc(url, tokens.at(-1)!));
    }
    const demo = await signUpCardholder(url, operatorKey, credentials.issuer.phone);
    const order = await openTopUp(url, demo, 20_000);
    assert.equal((await payAtDemoMerchant(url, credentials.acquirer.secret_key, 'pm_card_visa', 1_200)).status, 200);
    for (const amount of [2_500, 2_600]) {
      assert.equal((await payAtDemoMerchant(url, credentials.acquirer.secret_key, 'pm_card_chargeDeclinedInsufficientFunds', amount)).declineCode, 'insufficient_funds');
    }

    // The network going down is part of the round (below): the browser's own report of it is expected.
    const phone = await openEnglishPhone(workDir, (message) => /ERR_INTERNET_DISCONNECTED/.test(message.text()));
    context = phone.context;
    const { page, problems } = phone;
    const urls: string[] = [];
    page.on('request', (request) => urls.push(request.url()));
    const shot = (name: string) => page.screenshot({ path: join(shots, `console-${name}.png`) });
    // Every section's tab in sight on a phone: none cut at the screen's edge.
    const tabsInSight = async () => {
      for (const id of ['kyc', 'money', 'declines', 'disputes', 'audit']) {
        const box = await page.locator(`#tab-${id}`).boundingBox();
        assert.ok(box !== null && box.x >= 0 && box.x + box.width <= 390, `#tab-${id} at ${JSON.stringify(box)}`);
      }
    };
    // Where the keyboard is: after an action that removed the focused button, never the document's start.
    const focusedId = () => page.evaluate(() => (globalThis as any).document.activeElement?.id ?? '');
    const describedBy = async (selector: string) => {
      const ids = ((await page.getAttribute(selector, 'aria-describedby')) ?? '').split(' ').filter(Boolean);
      assert.ok(ids.length > 0, `${selector} has no description`);
      return (await Promise.all(ids.map((id) => page.textContent(`#${id}`)))).join(' ');
    };
    const tab = async (id: string) => {
      await page.click(`#tab-${id}`);
      await page.locator(`#screen-${id}`).waitFor({ state: 'visible' });
    };

    await page.goto(`${url}/console`);
    await page.locator('#signin').waitFor({ state: 'visible' });
    assert.equal(await page.getAttribute('html', 'lang'), 'en', 'English from Accept-Language');
    await checkAccessibility(page, 'sign-in');
    await shot('sign-in');
    // A wrong key: said in plain words (the key was refused — no session had ended), no session.
    await page.fill('#signin-key', 'op_wrong');
    await page.click('#signin-submit');
    await waitForText(page, '#signin-message', /That key was not accepted: it may be mistyped, revoked, or not an operator key\./);
    assert.doesNotMatch((await page.textContent('#signin-message')) ?? '', /session/);
    assert.equal(await page.inputValue('#signin-key'), '', 'the field is wiped after each try');

    const signIn = async (who: RegExp) => {
      await page.fill('#signin-key', operatorKey);
      await page.click('#signin-submit');
      await waitForText(page, '#who', who);
      // The key is never kept: not in storage, not in a URL; the session is a cookie no script can read.
      assert.equal(await page.inputValue('#signin-key').catch(() => ''), '');
      const stored = await page.evaluate(() => JSON.stringify({ ...(globalThis as any).localStorage, ...(globalThis as any).sessionStorage }));
      assert.equal(stored.includes(operatorKey), false);
      assert.equal(urls.some((u) => u.includes(operatorKey) || u.includes(encodeURIComponent(operatorKey))), false);
      assert.equal(await page.evaluate(() => (globalThis as any).document.cookie), '', 'HttpOnly: invisible to the page');
      const cookies = await context!.cookies(url);
      assert.deepEqual(
        cookies.map((c) => [c.name, c.httpOnly, c.sameSite, c.path]),
        [['cardlane_operator', true, 'Strict', '/']],
      );
      return cookies[0]!.value;
    };

    // English: the whole round.
    const firstCookie = await signIn(/Key “bootstrap” \(op_/);
    await page.locator('#screen-kyc').waitFor({ state: 'visible' });
    // The form is gone: the keyboard lands on the screen's heading, not back at the top of the document.
    await page.waitForFunction(() => (globalThis as any).document.activeElement?.id === 'kyc-title');
    await tabsInSight();
    // A queue: oldest first, whoever has waited longest at the top, and the screen says so.
    await waitForText(page, '#kyc-list', /\+86139\*\*\*\*0011.*Pending.*\+86139\*\*\*\*0012.*Pending/s);
    await waitForText(page, '#kyc-order', /^Oldest first: whoever has waited longest is at the top\.$/);
    assert.equal(/\d{4}-\d\d-\d\dT\d\d:/.test((await page.textContent('#kyc-list')) ?? ''), false, 'times in the reader’s zone, never raw UTC');
    await waitForText(page, '#kyc-list', /Submitted [A-Z][a-z]{2} \d+, \d{4}, \d+:\d\d\s?[AP]M/);
    await checkAccessibility(page, 'kyc');
    await shot('kyc');
    // Keyboard only, and each button says whose verification it decides (a screen reader hears "Approve" and the phone).
    const approveSecond = `#kyc-list li[data-id="${waiting[1]}"] button[data-action="approve"]`;
    assert.match(await describedBy(approveSecond), /\+86139\*\*\*\*0012/);
    // "Reject…" puts the keyboard in the reason's choice; none chosen keeps it there, marked; Cancel goes back to "Reject…".
    await page.focus(`#kyc-list li[data-id="${waiting[0]}"] button[data-action="reject"]`);
    await page.keyboard.press('Enter');
    await page.waitForFunction((id) => (globalThis as any).document.activeElement?.id === `reject-${id}`, waiting[0]);
    await page.keyboard.press('Tab'); // the internal note
    await page.keyboard.press('Tab'); // "Reject"
    await page.keyboard.press('Enter');
    await waitForText(page, '#kyc-message', /Choose a reason, so the cardholder is told what went wrong and what to do next\./);
    assert.equal(await focusedId(), `reject-${waiting[0]}`);
    assert.equal(await page.getAttribute(`#reject-${waiting[0]}`, 'aria-invalid'), 'true');
    await page.click(`#kyc-list li[data-id="${waiting[0]}"] button[data-action="reject-cancel"]`);
    await page.waitForFunction((id) => (globalThis as any).document.activeElement?.id === `kyc-${id}-reject`, waiting[0]);
    await page.focus(approveSecond);
    await page.keyboard.press('Enter');
    await waitForText(page, '#kyc-message', /Approved \+86139\*\*\*\*0012: they may now open cards and top up\./);
    await page.waitForFunction(() => (globalThis as any).document.activeElement?.id === 'kyc-title');
    assert.equal((await call(url, 'GET', `/issuer/v1/operator/kyc?status=approved`, { bearer: operatorKey })).body.data.some((v: { id: string }) => v.id === waiting[1]), true);
    // Gone from the pending queue once the list is read again; the other one stays.
    await page.locator(`#kyc-list li[data-id="${waiting[1]}"]`).waitFor({ state: 'detached' });
    await waitForText(page, '#kyc-list', /\+86139\*\*\*\*0011/);

    // Rejecting takes a reason from a list (in the console's language) and shows what the cardholder will read before it
    // is sent: a screening match in neutral words, final; an expired document, with what to do. The note is for operators.
    const third = `#kyc-list li[data-id="${waiting[2]}"]`;
    await page.click(`${third} button[data-action="reject"]`);
    await page.selectOption(`#reject-${waiting[2]}`, 'sanctions_or_watchlist_match');
    const told = `#reject-${waiting[2]}-told`;
    await waitForText(page, told, /The cardholder is told:.*After reviewing your verification, we cannot offer you a card\..*Final: they cannot verify again\./s);
    assert.doesNotMatch((await page.textContent(told)) ?? '', /sanction|watchlist/i);
    await page.selectOption(`#reject-${waiting[2]}`, 'document_expired');
    await waitForText(page, told, /The ID document you used has expired\..*Verify again with an ID document that is still valid.*They may verify again\./s);
    assert.match(await describedBy(`#reject-${waiting[2]}`), /The ID document you used has expired/);
    await page.fill(`#reject-${waiting[2]}-note`, 'Passport expired 2024-03; told them by phone too');
    await checkAccessibility(page, 'kyc reject form');
    await page.locator(`${third} form.reject`).screenshot({ path: join(shots, 'console-kyc-reject-form.png') });
    await shot('kyc-reject');
    await page.click(`${third} button[data-action="reject-confirm"]`);
    await waitForText(page, '#kyc-message', /Rejected \+86139\*\*\*\*0013: Document expired\./);
    await page.locator(third).waitFor({ state: 'detached' });
    // The cardholder reads the reason and the next step, never the note.
    const cardholderKyc = await call(url, 'GET', '/issuer/v1/kyc', { bearer: tokens[2] });
    assert.deepEqual([cardholderKyc.body.status, cardholderKyc.body.reason, cardholderKyc.body.can_resubmit], ['rejected', 'document_expired', true]);
    assert.equal(cardholderKyc.body.reason_text.zh, '你使用的证件已过有效期。');
    assert.equal(JSON.stringify(cardholderKyc.body).includes('Passport expired'), false);

    await tab('money');
    await waitForText(page, '#topups-list', /\$27\.\d\d.*Waiting for payment.*¥200\.00 → \$27\.\d\d \(fee ¥\d+\.\d\d; \d+\.\d+ CNY per USD\)/s);
    assert.match(await describedBy(`#topups-list li[data-id="${order}"] button[data-action="pay"]`), /¥200\.00 → \$27/);
    await checkAccessibility(page, 'money');
    await page.click(`#topups-list li[data-id="${order}"] button[data-action="pay"]`);
    await waitForText(page, '#topups-message', new RegExp(`Order ${order} is now: Credited\\.`));
    await waitForText(page, `#topups-list li[data-id="${order}"]`, /Credited/);
    await page.waitForFunction(() => (globalThis as any).document.activeElement?.id === 'topups-title');

    await tab('declines');
    await waitForText(page, '#total-declined', /^2 /);
    await waitForText(page, '#total-authorizations', /^\d+$/);
    const cause = '#causes [data-cause="insufficient_funds_or_limit"]';
    await waitForText(page, `${cause} h3`, /Not enough balance, or a limit\s*2/);
    await waitForText(page, `${cause} tr[data-code="51"]`, /51.*Card issuer.*2/s);
    await waitForText(page, '#declines-list', /visa •••• 9995.*\$26\.00/s);
    assert.equal(((await page.textContent('#declines-list')) ?? '').includes('4000000000009995'), false);
    await checkAccessibility(page, 'declines');
    await page.locator(cause).scrollIntoViewIfNeeded();
    await shot('declines');
    // A period of its own: the last hour holds them too; a period ending before it began is refused.
    await page.selectOption('#period-preset', 'custom');
    await page.fill('#period-from', '2026-01-02T10:00');
    await page.fill('#period-to', '2026-01-01T10:00');
    await page.click('#period-show');
    await waitForText(page, '#declines-message', /Choose a start before the end/);
    await page.selectOption('#period-preset', '1h');
    await page.click('#period-show');
    await waitForText(page, `${cause} h3`, /2/);
    // The network down: said in plain words, and no "Loading…" left beside it as if an answer were coming; back up, it shows again.
    await context.setOffline(true);
    await page.click('#period-show');
    await waitForText(page, '#declines-message', /Cardlane could not be reached\. Check the connection and try again\./);
    await waitForText(page, '#declines-error', /Cardlane could not be reached/);
    assert.doesNotMatch((await page.textContent('section[aria-labelledby="declines-title"]')) ?? '', /Loading…/);
    assert.equal(await page.locator('#declines-totals').count(), 0);
    await context.setOffline(false);
    await page.click('#period-show');
    await waitForText(page, `${cause} h3`, /2/);
    assert.equal(await page.textContent('#declines-message'), '');

    await tab('disputes');
    await waitForText(page, '#disputes-empty', /No disputes here\./);
    await checkAccessibility(page, 'disputes');

    await tab('audit');
    await page.click('#audit-run');
    await waitForText(page, '#audit-result', /^Passed: every check holds\.$/);
    await waitForText(page, '#audit-checks', /Every transfer balances.*Passed/s);
    assert.ok((await page.locator('#audit-checks > li.ok').count()) >= 9);
    await checkAccessibility(page, 'audit');
    await shot('audit');

    // Signing out ends the session for good: the old cookie opens nothing.
    await page.click('#signout');
    await page.locator('#signin').waitFor({ state: 'visible' });
    await waitForText(page, '#signin-message', /Signed out\./);
    assert.equal((await call(url, 'GET', '/issuer/v1/operator/kyc', { cookie: `cardlane_operator=${firstCookie}` })).status, 401);

    // 中文: the same round in Chinese.
    await page.click('#lang-toggle');
    assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
    await waitForText(page, '#signin-title', /^用运营密钥登录$/);
    await signIn(/密钥“bootstrap”（op_/);
    await page.locator('#screen-audit').waitFor({ state: 'visible' }); // where the address says it was
    await waitForText(page, '#tab-kyc', /^实名审核$/);
    await tabsInSight();
    await tab('kyc');
    await waitForText(page, '#kyc-list', /\+86139\*\*\*\*0011.*待审核/s);
    await waitForText(page, '#kyc-order', /^最早的在前：等待最久的排在最上面。$/);
    await waitForText(page, '#kyc-list', /提交于 \d{4}年\d{1,2}月\d{1,2}日/);
    await page.click(`#kyc-list li[data-id="${waiting[0]}"] button[data-action="approve"]`);
    await waitForText(page, '#kyc-message', /已通过 \+86139\*\*\*\*0011 的实名认证/);
    await waitForText(page, '#kyc-empty', /这里没有认证记录。/);
    await checkAccessibility(page, 'kyc (中文)');
    await shot('zh-kyc');
    // The rejected one under its status: the reason in the console's language, and the operators' note.
    await page.selectOption('#kyc-status', 'rejected');
    await waitForText(page, `#kyc-list li[data-id="${waiting[2]}"]`, /原因：证件已过期.*内部备注：Passport expired 2024-03/s);
    await shot('zh-kyc-rejected');

    await tab('money');
    await waitForText(page, `#topups-list li[data-id="${order}"]`, /已入账/);
    await waitForText(page, '#topups-list', /¥200\.00 → \$27\.\d\d（手续费 ¥\d+\.\d\d，汇率 \d+\.\d+ 元\/美元）/);
    await checkAccessibility(page, 'money (中文)');
    await shot('zh-money');

    await tab('declines');
    await waitForText(page, `${cause} h3`, /余额不足或超出限额\s*2/);
    await waitForText(page, `${cause} tr[data-code="51"]`, /51.*发卡行.*2/s);
    await waitForText(page, '#declines-list', /visa •••• 9995.*持卡人发起/s);
    assert.equal(/customer|merchant-initiated|Card issuer/.test((await page.textContent('#screen-declines')) ?? ''), false, 'no English left');
    await waitForText(page, '#total-declined', /拒绝率/);
    await checkAccessibility(page, 'declines (中文)');
    await page.locator(cause).scrollIntoViewIfNeeded();
    await shot('zh-declines');

    await tab('audit');
    await page.click('#audit-run');
    await waitForText(page, '#audit-result', /^通过：所有检查均成立。$/);
    await waitForText(page, '#audit-checks', /每笔转账都平衡.*通过/s);
    await checkAccessibility(page, 'audit (中文)');
    await shot('zh-audit');

    // A reload keeps the session (the cookie) and the language; the anti-CSRF token is asked for again, so a change still works.
    await page.reload();
    await page.locator('#screen-audit').waitFor({ state: 'visible' });
    await page.click('#audit-run');
    await waitForText(page, '#audit-result', /^通过：所有检查均成立。$/);

    // Comfortable on a desktop too: the money screen in two columns.
    await page.setViewportSize({ width: 1280, height: 900 });
    await tab('declines');
    await waitForText(page, `${cause} h3`, /2/);
    await shot('zh-declines-desktop');
    await checkAccessibility(page, 'declines (desktop)');

    assert.deepEqual(problems, []);
    await context.close();
    context = undefined;
    server.child.kill('SIGTERM');
    assert.deepEqual(await server.waitForExit(EXIT_BOUND_MS), { code: 0, signal: null }, server.stderr());
    // The server's log never printed the key.
    assert.equal(server.stderr().includes(operatorKey) || server.stdout().includes(operatorKey), false);
  } finally {
    await context?.close().catch(() => undefined);
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  }
});

export type { Page };
