import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { BrowserContext } from 'playwright-core';
import { DEMO_OWNER_EMAIL } from '../../src/billing/billing-start.ts';
import { checkAccessibility, NO_CHROMIUM, openEnglishPhone, waitForText } from '../support/browser.ts';
import { e2eWorkspace, EXIT_BOUND_MS, spawnCardlane, START_BOUND_MS } from '../support/cli.ts';
import { testDatabaseKind } from '../support/databases.ts';

// The billing page (Preact, src/web/billing/) in a real browser (Debian's
// chromium, driven by playwright-core) at a phone's viewport against
// `cardlane up`: the demo organization's owner signs in with a code from
// the sandbox mailbox, adds a card (tokenized at the acquirer with the
// publishable key, verified with the $5.00 hold), makes it the default,
// buys $10.00 of credits, sees a declined card explained in plain words,
// turns auto-recharge on and invites a member, makes them an owner (stepping
// down itself is refused while no other owner has accepted); the invited
// owner accepts, steps down, and then sees the billing without the controls
// that change it. axe-core checks each screen. The session is an HttpOnly cookie: nothing of it is in the page's
// storage or readable by a script.
// CARDLANE_APP_SCREENSHOTS=<dir> keeps phone-size screenshots there (the README's come from docs/).

const skip = NO_CHROMIUM;

const { workDir, location } = e2eWorkspace('billing-page');

test('the billing page in Chromium: sign in with a mailed code, add a card, make it default, buy credits, see a decline explained, turn auto-recharge on; roles change, and a member only looks', { timeout: 300_000, skip }, async () => {
  const dataDir = join(workDir, 'data');
  const shots = process.env.CARDLANE_APP_SCREENSHOTS ?? join(workDir, 'screenshots');
  mkdirSync(shots, { recursive: true });
  const dbArgs = testDatabaseKind() === 'postgres' ? ['--database', location.url] : [];
  const server = spawnCardlane(['up', '--port', '0', '--data-dir', dataDir, '--json', ...dbArgs], { cwd: workDir });
  let context: BrowserContext | undefined;
  try {
    const info = JSON.parse(await server.waitForLine((l) => l.startsWith('{'), START_BOUND_MS)) as { url: string; operator_key_file: string };
    const operatorKey = readFileSync(info.operator_key_file, 'utf8').trim();
    const sandboxCode = async (to = DEMO_OWNER_EMAIL) => {
      const answer = await fetch(`${info.url}/billing/v1/sandbox/mail?to=${encodeURIComponent(to)}`, { headers: { authorization: `Bearer ${operatorKey}` } });
      assert.equal(answer.status, 200);
      const letters = ((await answer.json()) as { data: Array<{ subject: string }> }).data;
      return /\b(\d{6})\b/.exec(letters[0]?.subject ?? '')?.[1];
    };

    // Anything the page logs as an error — a script error, a request the CSP blocked — fails the test; expected: the one
    // purchase below the minimum the test makes on purpose (400), the invited reader's sign-in that asks them to choose (409), and
    // the only owner's stepping down (409 last_owner).
    const phone = await openEnglishPhone(
      workDir,
      (message) =>
        (/status of 400/.test(message.text()) && message.location().url.endsWith('/billing/v1/credit_purchases')) ||
        (/status of 409/.test(message.text()) && message.location().url.endsWith('/billing/v1/browser-session')) ||
        (/status of 409/.test(message.text()) && /\/billing\/v1\/members\/mem_\w+$/.test(message.location().url)),
    );
    context = phone.context;
    const { page, problems } = phone;

    const shot = (name: string) => page.screenshot({ path: join(shots, `billing-${name}.png`) });

    await page.goto(`${info.url}/billing`);
    await page.locator('#signin').waitFor({ state: 'visible' });
    assert.equal(await page.getAttribute('html', 'lang'), 'en', 'English from Accept-Language');
    await checkAccessibility(page, 'sign-in');

    // Sign in as the demo owner with the code from the sandbox mailbox.
    await page.fill('#signin-email', DEMO_OWNER_EMAIL);
    await page.click('#signin-send');
    await page.locator('#signin-code').waitFor({ state: 'visible' });
    await waitForText(page, '#signin-sent', /owner@demo\.cardlane\.test/);
    const code = await sandboxCode();
    assert.match(code ?? '', /^\d{6}$/);
    await page.fill('#signin-code', code!);
    await page.click('#signin-submit');
    await page.locator('#dashboard').waitFor({ state: 'visible' });
    await waitForText(page, '#who', /owner@demo\.cardlane\.test \(owner\) · Demo API customer/);
    await waitForText(page, '#balance', /^\$0\.00$/);
    await waitForText(page, '#ar-status', /^Off$/);
    await checkAccessibility(page, 'dashboard');

    // The session is an HttpOnly, SameSite=Strict cookie: no token in sessionStorage or localStorage, none a script can read.
    const cookies = (await context.cookies(info.url)).filter((cookie) => cookie.name === 'cardlane_billing');
    assert.deepEqual(cookies.map((cookie) => [cookie.httpOnly, cookie.sameSite, cookie.path]), [[true, 'Strict', '/']]);
    const token = cookies[0]!.value;
    assert.match(token, /^sess-cl-/);
    // No named function inside: the test runner's transform would name it with a helper the page does not have.
    const storage = await page.evaluate(() => ({
      session: Object.entries({ ...(globalThis as any).sessionStorage }).map(([key, value]) => `${key}=${value}`),
      local: Object.entries({ ...(globalThis as any).localStorage }).map(([key, value]) => `${key}=${value}`),
      cookie: (globalThis as any).document.cookie as string,
    }));
    assert.deepEqual(storage.session, [], 'nothing in sessionStorage');
    assert.equal(storage.local.some((entry: string) => entry.includes(token) || entry.includes('sess-cl-')), false, `no session token in localStorage: ${storage.local}`);
    assert.equal(storage.cookie, '', 'no cookie a script can read');
    // A reload keeps the member signed in (the page asks GET /sessions/current); every change below uses the anti-CSRF token it was told then.
    await page.reload();
    await page.locator('#dashboard').waitFor({ state: 'visible' });
    await waitForText(page, '#who', /owner@demo\.cardlane\.test \(owner\) · Demo API customer/);

    const addCard = async (number: string) => {
      if (!(await page.locator('#card-add-box').evaluate((details) => (details as unknown as { open: boolean }).open))) await page.click('#card-add-box summary');
      await page.fill('#card-number', number);
      await page.fill('#card-exp', '12/34');
      await page.fill('#card-cvc', '123');
      await page.fill('#card-name', 'Li Lei');
      await page.fill('#card-zip', '94104');
      await page.click('#card-add');
    };

    // A good card: verified with the demo merchant's $5.00 hold, which it keeps for 6 hours (shown in the reader's time); then the default.
    await addCard('4242 4242 4242 4242');
    await waitForText(page, '#card-message', /Card added: visa •••• 4242\. It was checked with a \$5\.00 hold \(not a charge\), which the merchant keeps until \w+ \d+, \d{4}, \d+:\d\d\s?[AP]M\./);
    assert.equal(await page.inputValue('#card-number'), '', 'the number leaves the form once tokenized');
    await page.click('#cards-list button[data-action="default"]');
    await waitForText(page, '#card-message', /visa •••• 4242 is now your default card/);
    await waitForText(page, '#cards-list', /Default/);

    // Buy $10.00 of credits.
    await page.fill('#buy-amount', '10.00');
    await page.click('#buy-submit');
    await waitForText(page, '#buy-message', /Paid \$10\.00/);
    await waitForText(page, '#balance', /^\$10\.00$/);
    // The receipt list became an invoice list: number, what it paid, the amount, its status.
    await waitForText(page, '#invoices-list', /INV-.*API credits.*\$10\.00.*Paid/s);
    // The README's picture of the page (docs/billing-dashboard.png): the top of the dashboard just after a purchase.
    await page.evaluate(() => (globalThis as any).scrollTo(0, 0));
    await shot('dashboard');

    // A card its bank declines: a plain explanation, never a raw code.
    await addCard('4000000000000002');
    const declined = await waitForText(page, '#card-message', /This card could not be added/);
    assert.equal(declined, "This card could not be added: the card's bank declined it. Contact the bank to ask why, or use another card.");
    assert.equal(/generic_decline|card_declined|do_not_honor|\b05\b/.test(declined), false);
    assert.equal(await page.locator('#cards-list li').count(), 1);
    await waitForText(page, '#payments-list', /Card check.*Declined.*The card's bank declined it\./);
    await waitForText(page, '#payments-list', /Card check.*\$5\.00.*Succeeded.*A \$5\.00 hold, not a charge/);

    // Auto-recharge on: below $5.00, back to $10.00.
    await page.fill('#ar-threshold', '5.00');
    await page.fill('#ar-target', '10.00');
    await page.click('#ar-save');
    await waitForText(page, '#ar-message', /Auto-recharge saved\./);
    await waitForText(page, '#ar-status', /^Active$/);
    await waitForText(page, '#ar-detail', /When your balance falls below \$5\.00, your default card is charged to bring it back to \$10\.00\./);

    // 中文: the same page, the API's Chinese explanations.
    await page.click('#lang-toggle');
    await waitForText(page, '#ar-status', /^已开启$/);
    await waitForText(page, '#card-message', /无法添加这张卡：发卡行拒绝了这笔付款/);
    await waitForText(page, '#balance', /^\$10\.00$/);
    assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
    // Every word in Chinese: the card's funding, the invoice's line, and refusals the APIs word in English (by their codes).
    await waitForText(page, '#cards-list', /visa •••• 4242.*信用卡/s);
    await waitForText(page, '#invoices-list', /INV-.*API 额度.*\$10\.00.*已支付/s);
    await page.locator('#panel-invoices').scrollIntoViewIfNeeded();
    await shot('zh-invoices');
    // On a phone both lists are cards, each value under its column's name (nothing squeezed or cut at the edge).
    assert.equal(await page.locator('#invoices-list tr').first().evaluate((row) => (globalThis as any).getComputedStyle(row).display), 'grid');
    await page.locator('#panel-payments').scrollIntoViewIfNeeded();
    await shot('zh-payments');
    await page.fill('#buy-amount', '0.01');
    await page.click('#buy-submit');
    await waitForText(page, '#buy-message', /^金额超出了表单下方所示的购买范围。$/);
    await page.locator('#panel-balance').scrollIntoViewIfNeeded();
    await shot('zh-purchase-refused');
    await addCard('4242 4242 4242 4241');
    await waitForText(page, '#card-message', /^卡号不正确。$/);
    await page.locator('#card-message').scrollIntoViewIfNeeded();
    await shot('zh-card-number-refused');
    // Times in the reader's zone and language, never raw UTC ISO strings.
    assert.equal(/\d{4}-\d\d-\d\dT/.test((await page.textContent('#payments-list')) ?? ''), false);
    await waitForText(page, '#payments-list', /\d{4}年\d{1,2}月\d{1,2}日/);
    await checkAccessibility(page, 'dashboard (中文)');
    await shot('zh');
    await page.click('#lang-toggle');
    await waitForText(page, '#ar-status', /^Active$/);

    // Never "on" while it cannot recharge: with no default card left it shows paused, and why.
    await page.click('#cards-list button[data-action="remove"]');
    await waitForText(page, '#card-message', /visa •••• 4242 was removed\./);
    await waitForText(page, '#ar-status', /^Paused$/);
    await waitForText(page, '#ar-detail', /there is no default card to charge/);

    // The owner invites a reader (a member: looks, does not change) from the page before leaving.
    await page.fill('#invite-email', 'reader@demo.cardlane.test');
    await page.click('#invite-submit');
    await waitForText(page, '#members-message', /reader@demo\.cardlane\.test was invited as member/);
    await waitForText(page, '#members-list', /owner@demo\.cardlane\.test.*owner.*you.*reader@demo\.cardlane\.test.*member.*invited, not accepted yet.*Remove/);
    // Roles: the invitation becomes an owner's; the owner stepping down is asked first, and refused (in the reader's words)
    // while no other owner has accepted.
    await page.getByRole('button', { name: 'Make owner: reader@demo.cardlane.test' }).click();
    await waitForText(page, '#members-message', /The role of reader@demo\.cardlane\.test is now owner\./);
    await page.getByRole('button', { name: 'Make member: owner@demo.cardlane.test' }).click();
    await waitForText(page, '#step-down-dialog', /Step down as owner\?.*The API keys you made keep working\./);
    await checkAccessibility(page, 'step down (dialog)');
    await page.click('#step-down-dialog-confirm');
    await waitForText(page, '#members-message', /only owner \(an invited owner counts once they accept\): make another member an owner first\./);
    await page.click('#lang-toggle');
    await waitForText(page, '#members-message', /^你是该组织唯一的所有者（受邀的所有者接受邀请后才算）：请先将另一位成员设为所有者。$/);
    await page.click('#lang-toggle');
    await waitForText(page, '#who', /owner@demo\.cardlane\.test \(owner\)/);
    // Signing out ends the session for good (the token the cookie held, even used as a bearer token) and clears the cookie.
    await page.click('#signout');
    await page.locator('#signin').waitFor({ state: 'visible' });
    const after = await fetch(`${info.url}/billing/v1/credit_balance`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(after.status, 401);
    assert.deepEqual((await context.cookies(info.url)).filter((cookie) => cookie.name === 'cardlane_billing'), [], 'sign-out cleared the cookie');
    // A reload keeps the page signed out.
    await page.reload();
    await page.locator('#signin').waitFor({ state: 'visible' });

    // The reader signs in and sees the billing, without the controls that change it.
    if (!(await page.locator('#signin-email').isVisible())) await page.click('#signin-other');
    await page.fill('#signin-email', 'reader@demo.cardlane.test');
    await page.click('#signin-send');
    await page.locator('#signin-code').waitFor({ state: 'visible' });
    await page.fill('#signin-code', (await sandboxCode('reader@demo.cardlane.test'))!);
    await page.click('#signin-submit');
    // Only an invitation: the reader chooses the organization, which accepts it (nothing is chosen for them).
    await waitForText(page, '#signin-invitations', /Accept and sign in to Demo API customer \(owner\)/);
    await checkAccessibility(page, 'sign-in (invitations)');
    await page.click('#signin-invitations button');
    await page.locator('#dashboard').waitFor({ state: 'visible' });
    await waitForText(page, '#who', /reader@demo\.cardlane\.test \(owner\) · Demo API customer/);
    // With another owner who has accepted, the reader steps down (asked first): from its answer on, the page is a member's.
    await page.getByRole('button', { name: 'Make member: reader@demo.cardlane.test' }).click();
    await page.click('#step-down-dialog-confirm');
    await waitForText(page, '#members-message', /You are now a member of Demo API customer/);
    await waitForText(page, '#who', /reader@demo\.cardlane\.test \(member\) · Demo API customer/);
    await waitForText(page, '#balance', /^\$10\.00$/);
    await waitForText(page, '#look-only', /an owner changes it/);
    for (const control of ['#buy-form', '#card-add-box', '#ar-form', '#invite-form']) assert.equal(await page.locator(control).isVisible(), false, `${control} is an owner's`);
    await waitForText(page, '#members-list', /owner@demo\.cardlane\.test.*reader@demo\.cardlane\.test.*you/);
    assert.equal(await page.locator('#members-list button').count(), 0, 'a member removes nobody');
    await checkAccessibility(page, 'dashboard (member)');
    await page.click('#signout');
    await page.locator('#signin').waitFor({ state: 'visible' });
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
