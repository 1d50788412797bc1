import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Stripe from 'stripe';
import type { BrowserContext, Page } from 'playwright-core';
import { startCardlane } from '../../src/app/start.ts';
import { DEMO_OWNER_EMAIL } from '../../src/billing/billing-start.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { checkAccessibility, NO_CHROMIUM, openEnglishPhone, waitForText } from '../support/browser.ts';
import { e2eWorkspace } from '../support/cli.ts';

// A review found that the billing page never said why credits left the balance when a purchase was refunded at
// the payment provider or charged back: the balance dropped (or went below zero, usage paused) with no word, and
// the invoice of a disputed purchase still read "Paid". Now a "Refunds and disputes" panel under the balance
// lists each adjustment — the reader's local time, the signed amount, what happened in the reader's words, the
// purchase's invoice — and the invoice list says the purchase was disputed, won back or refunded at the provider.
// Made through the real APIs: credits bought with cards tokenized at the provider, a refund by the demo merchant
// with the `stripe` SDK, a chargeback by the test bank (and the merchant winning it), billing's provider-events
// task run as its next run. Chromium at 390 px, English and 中文, axe-clean, no raw UTC, nothing wider than the phone.

const skip = NO_CHROMIUM;
const { workDir, location } = e2eWorkspace('billing-credit-adjustments');
const ISO = /\d{4}-\d\d-\d\dT\d\d:/;

test('refunds at the provider and disputes on the billing page: each adjustment with its local time, amount, words and invoice; the invoices say disputed / won back — English and 中文, at 390 px', { timeout: 300_000, skip }, async () => {
  const shots = process.env.CARDLANE_APP_SCREENSHOTS ?? join(tmpdir(), 'cardlane-billing-credit-adjustments-screens');
  mkdirSync(shots, { recursive: true });
  const cardlane = await startCardlane({ flags: { port: '0', database: location.url, dataDir: join(workDir, 'data') }, env: {}, tasks: () => [], logger: createLogger({ level: 'silent' }) });
  let context: BrowserContext | undefined;
  try {
    const operatorKey = readFileSync(cardlane.operatorKeyFile!, 'utf8').trim();
    const apiKey = cardlane.demoOrganization.api_key;
    const call = async (path: string, key: string, method = 'GET', body?: unknown, headers: Record<string, string> = {}) => {
      const response = await fetch(`${cardlane.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, json: (await response.json().catch(() => null)) as any };
    };
    const port = Number(new URL(cardlane.url).port);
    const sdk = (key: string) => new Stripe(key, { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0, telemetry: false });
    const merchant = sdk(cardlane.demoMerchant.secret_key);
    const tokenizer = sdk(cardlane.demoMerchant.publishable_key);
    /** Credits bought with a new card of `number`, as the page does (tokenized at the provider, then billing's API). */
    const buy = async (number: string, amount: number) => {
      const pm = await tokenizer.paymentMethods.create({ type: 'card', card: { number, exp_month: 12, exp_year: 2034, cvc: '123' } });
      const card = await call('/billing/v1/payment_methods', apiKey, 'POST', { payment_method: pm.id });
      assert.equal(card.status, 201, JSON.stringify(card.json));
      const paid = await call('/billing/v1/credit_purchases', apiKey, 'POST', { amount, payment_method: pm.id }, { 'idempotency-key': `buy-${number}-${amount}` });
      assert.equal(paid.status, 200, JSON.stringify(paid.json));
      return paid.json as { id: string; provider_payment: string };
    };
    const sweep = () => cardlane.runTask('billing.provider-events');
    const adjustments = async () => (await call('/billing/v1/credit_adjustments', apiKey)).json.data as any[];

    const phone = await openEnglishPhone(workDir);
    context = phone.context;
    const { page, problems } = phone;
    await page.goto(`${cardlane.url}/billing`);
    await page.fill('#signin-email', DEMO_OWNER_EMAIL);
    await page.click('#signin-send');
    await page.locator('#signin-code').waitFor({ state: 'visible' });
    const mail = await call(`/billing/v1/sandbox/mail?to=${encodeURIComponent(DEMO_OWNER_EMAIL)}`, operatorKey);
    await page.fill('#signin-code', /\b(\d{6})\b/.exec(mail.json.data[0].subject)![1]!);
    await page.click('#signin-submit');
    await page.locator('#dashboard').waitFor({ state: 'visible' });

    // Nothing yet: the panel is under the balance and says so.
    await waitForText(page, '#panel-credit-adjustments-title', /^Refunds and disputes$/);
    await waitForText(page, '#credit-adjustments-list', /No refunds or disputes have changed your balance\./);
    const order = await page.$$eval('section.panel', (sections) => sections.map((s) => s.id));
    assert.deepEqual(order.slice(0, 2), ['panel-balance', 'panel-credit-adjustments']);
    await checkAccessibility(page, 'refunds and disputes, none yet');

    // A $5.00 purchase, part of it spent (its credits expire first, so usage takes them), then a $25.00 one with
    // the card the test bank charges back. The merchant refunds the first at the acquirer with the stripe SDK.
    const first = await buy('4242424242424242', 500);
    const spent = await call('/merchant/v1/chat/completions', apiKey, 'POST', { model: 'cardlane-echo-1', messages: [{ role: 'user', content: `spend ${'x'.repeat(4000)}` }] });
    assert.equal(spent.status, 200, JSON.stringify(spent.json));
    await merchant.refunds.create({ payment_intent: first.provider_payment, reason: 'requested_by_customer' });
    await sweep();
    const owed = (await call('/billing/v1/credit_balance', apiKey)).json.available;
    assert.ok(owed.amount_minor < 0, `the spent part is owed: ${JSON.stringify(owed)}`);
    // The balance below zero is what the customer sees first; the panel under it says why.
    await page.reload();
    await page.locator('#dashboard').waitFor({ state: 'visible' });
    await waitForText(page, '#balance', /^-\$0\.\d\d$/);
    await waitForText(page, '#credit-adjustments-list', /refunded this purchase at the payment provider/);
    await shoot(page, join(shots, 'billing-credit-adjustments-debt-en.png'), null);
    const second = await buy('4000000000000259', 2_500);
    let dispute: Stripe.Dispute | undefined;
    for (let i = 0; i < 10 && dispute === undefined; i++) {
      await cardlane.runTask('network.test-bank-disputes');
      dispute = (await merchant.disputes.list({ payment_intent: second.provider_payment })).data[0];
    }
    assert.ok(dispute, 'the test bank charged the second purchase back');
    await sweep();
    const taken = await adjustments();
    assert.deepEqual(taken.map((a) => a.kind).sort(), ['dispute_withdrawn', 'provider_refund']);
    const refund = taken.find((a) => a.kind === 'provider_refund')!;
    assert.ok(refund.debt.amount_minor > 0, `the spent part of the refunded purchase is owed: ${JSON.stringify(refund)}`);
    const invoices = (await call('/billing/v1/invoices', apiKey)).json.data as any[];
    const invoiceOf = (payment: string) => invoices.find((i) => i.payment === payment)!.number as string;

    // The page, read again: each adjustment's row.
    await page.reload();
    await page.locator('#dashboard').waitFor({ state: 'visible' });
    const row = (payment: string, kind: string) => `#credit-adjustments-list tr[data-payment="${payment}"][data-kind="${kind}"]`;
    // The rows come with the adjustments and name their invoice once the invoices (a request of their own) arrive: wait for both.
    const refundRow = await waitForText(page, row(first.id, 'provider_refund'), new RegExp(`refunded this purchase at the payment provider.*Invoice ${invoiceOf(first.id)}`, 's'));
    assert.match(refundRow, /-\$5\.00/);
    assert.match(refundRow, new RegExp(`${refund.debt.formatted.replace('$', '\\$')} of them had already been spent and is owed: API requests are paused`));
    assert.match(refundRow, new RegExp(`Invoice ${invoiceOf(first.id)} · Credit purchase \\$5\\.00`));
    // Its time is the reader's (New York), as they would write it — never the UTC ISO the API sends.
    const local = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'America/New_York' }).format(Date.parse(refund.created_at));
    assert.ok(refundRow.includes(local), `${refundRow} has ${local}`);
    const disputeRow = await waitForText(page, row(second.id, 'dispute_withdrawn'), new RegExp(`disputed with the card’s bank \\(a chargeback\\): \\$25\\.00 of credits were removed.*Invoice ${invoiceOf(second.id)}`, 's'));
    assert.match(disputeRow, /-\$25\.00/);
    assert.match(disputeRow, new RegExp(`Invoice ${invoiceOf(second.id)} · Credit purchase \\$25\\.00`));
    assert.doesNotMatch((await page.textContent('#credit-adjustments-list')) ?? '', ISO);
    // The invoices: the disputed purchase says so; the refunded one says where it was refunded.
    const invoiceRow = (payment: string) => `#invoices-list tr[data-invoice="${invoices.find((i) => i.payment === payment)!.id}"]`;
    await waitForText(page, invoiceRow(second.id), /Disputed with the card’s bank \(chargeback\): \$25\.00 of credits taken back/);
    await waitForText(page, invoiceRow(first.id), /Refunded.*Refunded by the merchant at the payment provider/s);
    await checkAccessibility(page, 'a provider refund and a chargeback');
    await assertFitsPhone(page);
    await shoot(page, join(shots, 'billing-credit-adjustments-en.png'), join(shots, 'billing-invoices-disputed-en.png'));

    // The merchant wins the dispute: the credits come back, and both say so.
    await merchant.disputes.update(dispute.id, { evidence: { uncategorized_text: 'winning_evidence' } });
    for (let i = 0; i < 10 && (await merchant.disputes.retrieve(dispute.id)).status !== 'won'; i++) await cardlane.runTask('network.test-bank-disputes');
    assert.equal((await merchant.disputes.retrieve(dispute.id)).status, 'won');
    await sweep();
    await page.reload();
    await page.locator('#dashboard').waitFor({ state: 'visible' });
    const wonRow = await waitForText(page, row(second.id, 'dispute_reinstated'), /decided for the merchant: \$25\.00 of credits were given back/);
    assert.match(wonRow, /\+\$25\.00/);
    await waitForText(page, invoiceRow(second.id), /Dispute decided for the merchant: \$25\.00 of credits given back/);
    await checkAccessibility(page, 'a won dispute');

    // 中文: the same, in the reader's words.
    await page.click('#lang-toggle');
    await waitForText(page, '#panel-credit-adjustments-title', /^退款与争议$/);
    const zhRefund = await waitForText(page, row(first.id, 'provider_refund'), new RegExp(`商户已在支付服务商处为这笔购买退款：扣除了 \\$5\\.00 额度。.*已被使用，计为欠款.*发票 ${invoiceOf(first.id)}`, 's'));
    assert.match(zhRefund, new RegExp(`发票 ${invoiceOf(first.id)} · 购买额度 \\$5\\.00`));
    assert.match(zhRefund, /\d{4}年\d{1,2}月\d{1,2}日/);
    await waitForText(page, row(second.id, 'dispute_withdrawn'), /被向发卡行提出争议（拒付）：扣除了 \$25\.00 额度/);
    await waitForText(page, row(second.id, 'dispute_reinstated'), /争议已判商户胜诉：退回了 \$25\.00 额度/);
    await waitForText(page, invoiceRow(second.id), /争议已判商户胜诉：退回 \$25\.00 额度/);
    await waitForText(page, invoiceRow(first.id), /商户已在支付服务商处退款/);
    assert.doesNotMatch((await page.textContent('#credit-adjustments-list')) ?? '', /refund|dispute|Invoice|Purchase/i);
    await checkAccessibility(page, 'refunds and disputes (中文)');
    await assertFitsPhone(page);
    await shoot(page, join(shots, 'billing-credit-adjustments-zh.png'), join(shots, 'billing-invoices-disputed-zh.png'));

    assert.deepEqual(problems, []);
    assert.equal((await cardlane.auditLedger()).ok, true);
  } finally {
    await context?.close().catch(() => undefined);
    await cardlane.close();
  }
});

/** Nothing on the page is wider than the phone: no sideways scrolling of the page or of a table's box. */
async function assertFitsPhone(page: Page): Promise<void> {
  const wide = await page.evaluate(() => {
    const doc = (globalThis as any).document;
    const boxes = [...doc.querySelectorAll('#panel-credit-adjustments .scroll, #panel-invoices .scroll')].filter((box: any) => box.scrollWidth > box.clientWidth + 1).map((box: any) => box.id || box.parentElement.id);
    return { page: doc.documentElement.scrollWidth - doc.documentElement.clientWidth, boxes };
  });
  assert.deepEqual(wide, { page: 0, boxes: [] });
}

async function shoot(page: Page, adjustmentsPath: string, invoicesPath: string | null): Promise<void> {
  await page.evaluate(() => (globalThis as any).scrollTo(0, 0));
  await page.screenshot({ path: adjustmentsPath });
  if (invoicesPath !== null) await page.locator('#panel-invoices').screenshot({ path: invoicesPath });
}
