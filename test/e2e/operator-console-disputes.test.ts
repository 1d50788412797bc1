import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Stripe from 'stripe';
import type { BrowserContext } from 'playwright-core';
import { startCardlane, type Cardlane } from '../../src/app/start.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { checkAccessibility, NO_CHROMIUM, openEnglishPhone, waitForText } from '../support/browser.ts';
import { e2eWorkspace } from '../support/cli.ts';
import { call, signUpCardholder, type Json } from '../support/operator-console.ts';

// The operator console's disputes screen (src/web/console/screens/disputes.tsx) in Chromium at a phone's
// viewport, against an in-process Cardlane whose clock the test moves (the issuer texts a phone once a
// minute, and revealing the card takes a second text). Two real disputes of the demo card's payments, each
// answered by the merchant through the `stripe` SDK: the merchant's evidence is named in the reader's words
// (not Stripe's field names), the decide buttons say which dispute they decide, the confirmation dialog gives
// the keyboard back where it was, a decided dispute says when it closed (not when the merchant's answer was
// due) and that a provisional credit was taken back — in English and 中文, axe-clean.

const skip = NO_CHROMIUM;
const { workDir, location } = e2eWorkspace('operator-console-disputes');

/** Two settled payments of the demo card at the demo merchant (its prepaid rule removed), each disputed and answered by the merchant. */
async function twoAnsweredDisputes(cardlane: Cardlane, clock: ManualClock, op: string): Promise<{ big: string; small: string }> {
  const secret = cardlane.demoMerchant.secret_key;
  const stripe = new Stripe(secret, { host: '127.0.0.1', port: Number(new URL(cardlane.url).port), protocol: 'http', maxNetworkRetries: 0, telemetry: false });
  for (const rule of (await call(cardlane.url, 'GET', '/v1/risk_rules', { bearer: secret })).body.data as Json[]) {
    assert.equal((await call(cardlane.url, 'DELETE', `/v1/risk_rules/${rule.id}`, { bearer: secret })).status, 200);
  }
  const phone = cardlane.demoCardholder.phone;
  const cardId = cardlane.demoCardholder.card_id;
  clock.advanceMs(61_000);
  const token = await signUpCardholder(cardlane.url, op, phone);
  clock.advanceMs(61_000);
  assert.equal((await call(cardlane.url, 'POST', `/issuer/v1/cards/${cardId}/reveal-code`, { bearer: token })).status, 200);
  const sms = await call(cardlane.url, 'GET', `/issuer/v1/operator/sms?phone=${encodeURIComponent(phone)}`, { bearer: op });
  const code = /\b(\d{6})\b/.exec(sms.body.data[0].body)![1];
  const card = (await call(cardlane.url, 'POST', `/issuer/v1/cards/${cardId}/reveal`, { bearer: token, body: { code } })).body;
  const pm = await stripe.paymentMethods.create({ type: 'card', card: { number: card.number, exp_month: card.exp_month, exp_year: card.exp_year, cvc: card.cvc } });
  const disputed: string[] = [];
  for (const [amount, evidence] of [
    [700, { shipping_carrier: 'UPS', shipping_tracking_number: '1Z999' }],
    [300, { uncategorized_text: 'The customer used the credits.', customer_name: 'Li Lei' }],
  ] as const) {
    const pi = await stripe.paymentIntents.create({ amount, currency: 'usd', payment_method: pm.id, confirm: true });
    assert.equal(pi.status, 'succeeded');
    const statement = (await call(cardlane.url, 'GET', `/issuer/v1/cards/${cardId}/statement?limit=100`, { bearer: token })).body.data as Json[];
    const authorization = statement.find((l) => l.type === 'authorization' && l.amount === -amount)!.authorization as string;
    const opened = await call(cardlane.url, 'POST', '/issuer/v1/disputes', { bearer: token, body: { authorization_id: authorization, reason: 'product_not_received', evidence: 'It never arrived.' } });
    assert.equal(opened.status, 200, JSON.stringify(opened.body));
    const merchantSide = (await stripe.disputes.list({ payment_intent: pi.id })).data[0]!;
    await stripe.disputes.update(merchantSide.id, { evidence: { ...evidence }, submit: true });
    disputed.push(opened.body.id as string);
    clock.advanceMs(1_000);
  }
  const waiting = (await call(cardlane.url, 'GET', '/issuer/v1/operator/disputes?status=merchant_responded', { bearer: op })).body.data as Json[];
  assert.deepEqual(waiting.map((d) => d.id).sort(), [...disputed].sort());
  return { big: disputed[0]!, small: disputed[1]! };
}

test('the console’s disputes in Chromium: the merchant’s evidence in words, decide buttons that say which dispute, the dialog gives the keyboard back, a decided dispute says when it closed — English and 中文', { timeout: 240_000, skip }, async () => {
  const dataDir = join(workDir, 'data');
  const shots = process.env.CARDLANE_APP_SCREENSHOTS ?? join(workDir, 'screenshots');
  mkdirSync(shots, { recursive: true });
  const clock = new ManualClock(Date.UTC(2026, 4, 2, 9));
  const cardlane = await startCardlane({ flags: { port: '0', database: location.url, dataDir }, env: {}, clock, tasks: () => [], logger: createLogger({ level: 'silent' }) });
  let context: BrowserContext | undefined;
  try {
    const op = readFileSync(cardlane.operatorKeyFile!, 'utf8').trim();
    const { big, small } = await twoAnsweredDisputes(cardlane, clock, op);

    const phone = await openEnglishPhone(workDir);
    context = phone.context;
    const { page, problems } = phone;
    const focusedId = () => page.evaluate(() => (globalThis as any).document.activeElement?.id ?? '');
    const item = (id: string) => `#disputes-list li[data-id="${id}"]`;

    await page.goto(`${cardlane.url}/console#disputes`);
    await page.fill('#signin-key', op);
    await page.click('#signin-submit');
    await page.locator('#screen-disputes').waitFor({ state: 'visible' });
    await page.waitForFunction(() => (globalThis as any).document.activeElement?.id === 'disputes-title');

    // The merchant's evidence, named as a person says it: never Stripe's snake_case field names.
    await waitForText(page, item(big), /Carrier\s*UPS.*Tracking number\s*1Z999/s);
    await waitForText(page, item(small), /Customer’s name\s*Li Lei.*Other evidence\s*The customer used the credits\./s);
    assert.doesNotMatch((await page.textContent('#disputes-list')) ?? '', /shipping_|uncategorized_|customer_name/);
    await waitForText(page, item(big), /Merchant’s answer due/);
    await checkAccessibility(page, 'disputes awaiting a decision');
    await page.screenshot({ path: join(shots, 'console-disputes.png'), fullPage: true });

    // Each decide button says which dispute it decides (a screen reader hears more than "Cardholder wins" twice).
    const cardholderWins = `${item(big)} button[data-action="cardholder"]`;
    const description = await page.getAttribute(cardholderWins, 'aria-describedby');
    assert.ok(description !== null);
    assert.match((await page.textContent(`#${description}`)) ?? '', /\$7\.00 at .* on card •••• \d{4}/);

    // Keyboard only: the dialog opens on Enter, Escape closes it and gives the keyboard back to the button that asked.
    await page.focus(cardholderWins);
    await page.keyboard.press('Enter');
    await page.locator('#decide-dialog').waitFor({ state: 'visible' });
    await page.keyboard.press('Escape');
    await page.locator('#decide-dialog').waitFor({ state: 'detached' });
    await page.waitForFunction((id) => (globalThis as any).document.activeElement?.id === id, `dispute-${big}-cardholder`);
    // Decided: the buttons are gone, the keyboard goes on from the list's heading, under which the outcome is said.
    await page.keyboard.press('Enter');
    await page.click('#decide-dialog-confirm');
    await waitForText(page, '#disputes-message', /^Decided for the cardholder\.$/);
    await page.locator(item(big)).waitFor({ state: 'detached' });
    await page.waitForFunction(() => (globalThis as any).document.activeElement?.id === 'disputes-title');
    assert.notEqual(await focusedId(), '');

    await page.click(`${item(small)} button[data-action="merchant"]`);
    await waitForText(page, '#decide-dialog', /The provisional credit of \$3\.00 is taken back from the cardholder\./);
    await page.click('#decide-dialog-confirm');
    await waitForText(page, '#disputes-message', /^Decided for the merchant\.$/);
    await waitForText(page, '#disputes-empty', /No disputes here\./);

    // Decided disputes: when each closed (no answer is due any more), and the credit the merchant's win took back.
    await page.selectOption('#disputes-status', '');
    await waitForText(page, item(big), /Cardholder won.*Provisional credit: \$7\.00.*Closed [A-Z][a-z]{2} \d+, 2026/s);
    await waitForText(page, item(small), /Merchant won.*Provisional credit of \$3\.00 taken back.*Closed [A-Z][a-z]{2} \d+, 2026/s);
    assert.doesNotMatch((await page.textContent('#disputes-list')) ?? '', /answer due/);
    const decided = (await call(cardlane.url, 'GET', '/issuer/v1/operator/disputes', { bearer: op })).body.data as Json[];
    assert.deepEqual(decided.map((d) => [d.id, d.status, d.winner, typeof d.closed_at]).sort(), [[big, 'won', 'cardholder', 'string'], [small, 'lost', 'merchant', 'string']].sort());
    await checkAccessibility(page, 'decided disputes');

    // 中文: the same screen, nothing left in English but the merchant's own words.
    await page.click('#lang-toggle');
    await waitForText(page, item(big), /持卡人胜诉.*承运商\s*UPS.*运单号\s*1Z999.*结案于 \d{4}年\d{1,2}月\d{1,2}日/s);
    await waitForText(page, item(small), /商户胜诉.*临时退款 \$3\.00 已收回.*客户姓名\s*Li Lei.*其他证据/s);
    assert.doesNotMatch((await page.textContent('#disputes-list')) ?? '', /Carrier|Tracking|Other evidence|Closed|答复期限/);
    await checkAccessibility(page, 'decided disputes (中文)');
    await page.screenshot({ path: join(shots, 'console-zh-disputes.png'), fullPage: true });

    assert.deepEqual(problems, []);
    assert.equal((await cardlane.auditLedger()).ok, true);
  } finally {
    await context?.close().catch(() => undefined);
    await cardlane.close();
  }
});
