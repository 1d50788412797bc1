import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Stripe from 'stripe';
import type { Cardlane } from '../../src/app/start.ts';
import type { BillingServices } from '../../src/billing/billing-services.ts';
import { REFUNDS_LISTED_MAX, type InvoiceRefund } from '../../src/billing/invoices/invoice-adjustments.ts';
import { adjustmentSectionLines } from '../../src/billing/invoices/invoice-pdf-adjustments.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { demoMerchantStripe, startInProcessCardlane, type InProcessCardlane } from '../support/in-process-cardlane.ts';
import { readPdf } from '../support/pdf-text.ts';
import { orgWithPurchase as purchaseFor, spendCredits, type CreditWorld } from './credit-purchase-fixture.ts';

// A customer's accountant reads the invoice PDF, not the billing page: a purchase refunded (by billing or at the
// payment provider) or charged back read there as fully paid, though the invoice list said otherwise. Its PDF now
// lists each refund and dispute step below the totals — on the reader's calendar day, with its amount and how much
// left the balance as credits or became debt — with the amount refunded, what was paid net, and the status the
// API and the invoice list give. A purchase with neither has no such section.

const HOUR_MS = 3_600_000;
const clock = new ManualClock(Date.UTC(2026, 4, 1, 10));
let cardlane: Cardlane;
let billing: BillingServices;
let merchant: Stripe;
let tokenizer: Stripe;

let running: InProcessCardlane;

before(async () => {
  running = await startInProcessCardlane('invoice-adjustments', clock);
  cardlane = running.cardlane;
  billing = cardlane.billing.services;
  ({ merchant, tokenizer } = demoMerchantStripe(cardlane));
});
after(() => running?.close());

const sweep = () => cardlane.runTask('billing.provider-events');
const step = () => clock.advanceMs(1_000);

/**
 * Moves the clock to 20:00 UTC at least a day on: a moment whose calendar day in UTC is the day before Shanghai's
 * (UTC+8, no daylight saving time), so a date drawn in the wrong zone shows. Returns both days.
 */
function toLateEveningUtc(): { utcDay: string; shanghaiDay: string } {
  const next = new Date(clock.nowMs() + 24 * HOUR_MS);
  const ms = Date.UTC(next.getUTCFullYear(), next.getUTCMonth(), next.getUTCDate(), 20);
  clock.setMs(ms);
  return { utcDay: new Date(ms).toISOString().slice(0, 10), shanghaiDay: new Date(ms + 8 * HOUR_MS).toISOString().slice(0, 10) };
}

const world = (): CreditWorld => ({ cardlane, tokenizer, clock });
const orgWithPurchase = (amountMinor: number, number?: string) => purchaseFor(world(), 'Invoice reader', amountMinor, number);
const spend = (orgId: string, amountMinor: number, id: string) => spendCredits(world(), orgId, amountMinor, id);

async function api(apiKey: string, path: string): Promise<any> {
  const response = await fetch(`${cardlane.url}/billing/v1${path}`, { headers: { authorization: `Bearer ${apiKey}` } });
  assert.equal(response.status, 200);
  return response.json();
}

async function invoiceOf(apiKey: string, payment: string): Promise<any> {
  const invoice = (await api(apiKey, '/invoices')).data.find((i: any) => i.payment === payment);
  assert.ok(invoice, `an invoice for ${payment}`);
  return invoice;
}

/** The PDF's text, one drawn string a line. */
async function pdfLines(apiKey: string, invoice: { pdf: string }, query = ''): Promise<string[]> {
  const response = await fetch(`${cardlane.url}${invoice.pdf}${query}`, { headers: { authorization: `Bearer ${apiKey}` } });
  assert.equal(response.status, 200, await response.clone().text());
  return readPdf(Buffer.from(await response.arrayBuffer())).text.split('\n');
}

/** `expected` appear in `lines` in this order (not necessarily one after another). */
function assertInOrder(lines: readonly string[], expected: readonly string[]): void {
  let from = 0;
  for (const want of expected) {
    const at = lines.indexOf(want, from);
    assert.ok(at >= 0, `“${want}” after line ${from} of:\n${lines.join('\n')}`);
    from = at + 1;
  }
}

test('a refunded purchase’s PDF lists each refund (billing’s and the provider’s) on the reader’s day, with credits and debt, the amount refunded, net paid and the API’s status', async () => {
  const { orgId, apiKey, purchase } = await orgWithPurchase(2_000);
  const other = await billing.purchases.buy(orgId, { amountMinor: 1_000, paymentMethodId: purchase.paymentMethodId });
  assert.equal(other.status, 'succeeded');
  await spend(orgId, 2_500, 'spend-1');
  // $5.00 of credits are left when billing refunds $10.00 of the $20.00 purchase: $5.00 from credits, $5.00 as debt.
  const days = toLateEveningUtc();
  assert.equal((await billing.refunds.refund(purchase.id, { amountMinor: 1_000 })).status, 'succeeded');
  step();
  // Then the merchant's operator refunds $2.50 at the acquirer: nothing is left, all of it is debt.
  await merchant.refunds.create({ payment_intent: purchase.providerIntentId!, amount: 250 });
  step();
  await sweep();

  const invoice = await invoiceOf(apiKey, purchase.id);
  assert.deepEqual([invoice.status, invoice.amount_refunded.amount_minor], ['partially_refunded', 1_250]);
  const en = await pdfLines(apiKey, invoice, '?lang=en&tz=UTC');
  assertInOrder(en, [
    'Total paid',
    '$20.00',
    `Refunds and disputes, as of ${days.utcDay} (UTC)`,
    'Status: Paid, $12.50 refunded',
    `${days.utcDay}  Refund`,
    '$10.00',
    '$5.00 taken back from credits; $5.00 had been spent and is owed as debt',
    `${days.utcDay}  Refund made at the payment provider`,
    '$2.50',
    '$2.50 had been spent and is owed as debt',
    'Amount refunded',
    '$12.50',
    'Net paid',
    '$7.50',
    'Prices include tax. Thank you for your business.',
  ]);
  assert.ok(!en.some((line) => /dispute \(chargeback\)|disputed/.test(line)), 'no dispute');

  // Chinese, in China's time zone (the default for zh-CN): the same refunds on Shanghai's calendar day, a day later.
  assert.notEqual(days.shanghaiDay, days.utcDay);
  const zh = await pdfLines(apiKey, invoice, '?lang=zh-CN');
  assertInOrder(zh, [
    '实付合计',
    `退款与争议（截至 ${days.shanghaiDay}，Asia/Shanghai）`,
    '状态：已支付，已退款 $12.50',
    `${days.shanghaiDay}  退款`,
    '$10.00',
    '从额度中扣回 $5.00；$5.00 已被使用，计为欠款',
    `${days.shanghaiDay}  在支付服务商处办理的退款`,
    '$2.50',
    '$2.50 已被使用，计为欠款',
    '退款金额',
    '$12.50',
    '实付净额',
    '$7.50',
  ]);
  assert.ok(!zh.includes(`${days.utcDay}  退款`), 'the date is Shanghai’s, not UTC’s');

  // Refunded in full: the status says so, as the API does, and nothing was paid net.
  assert.equal((await billing.refunds.refund(purchase.id)).status, 'succeeded');
  assert.equal((await invoiceOf(apiKey, purchase.id)).status, 'refunded');
  assertInOrder(await pdfLines(apiKey, invoice, '?tz=UTC'), ['Status: Refunded', 'Amount refunded', '$20.00', 'Net paid', '$0.00']);

  // The organization's other purchase was not refunded: its invoice has no such section.
  const otherLines = await pdfLines(apiKey, await invoiceOf(apiKey, other.id), '?tz=UTC');
  assert.ok(!otherLines.some((line) => /Refund|Net paid|Status:/.test(line)), otherLines.join('\n'));
});

test('a disputed purchase’s PDF names the chargeback with its amount and the status "disputed"; a dispute won says the funds were reinstated and the purchase reads as paid again', async () => {
  // 4000000000000259: the test bank disputes the payment as fraudulent after the capture.
  const { apiKey, purchase } = await orgWithPurchase(2_500, '4000000000000259');
  let dispute: Stripe.Dispute | undefined;
  for (let i = 0; i < 5 && dispute === undefined; i++) {
    await cardlane.runTask('network.test-bank-disputes');
    dispute = (await merchant.disputes.list({ payment_intent: purchase.providerIntentId! })).data[0];
  }
  assert.ok(dispute, 'the test bank opened a dispute');
  const opened = toLateEveningUtc();
  await sweep();

  const invoice = await invoiceOf(apiKey, purchase.id);
  assert.equal(invoice.status, 'paid', 'the API counts refunds only; the dispute is the list’s note, and the PDF’s');
  assertInOrder(await pdfLines(apiKey, invoice, '?tz=UTC'), [
    'Total paid',
    `Refunds and disputes, as of ${opened.utcDay} (UTC)`,
    "Status: Paid; disputed with the card's bank (chargeback)",
    `${opened.utcDay}  Dispute opened with the card's bank: funds withdrawn (chargeback)`,
    '$25.00',
    '$25.00 taken back from credits',
    'Amount refunded',
    '$0.00',
    'Withdrawn by the dispute (chargeback)',
    '$25.00',
    'Net paid',
    '$0.00',
  ]);
  assertInOrder(await pdfLines(apiKey, invoice, '?lang=zh-CN'), [
    `退款与争议（截至 ${opened.shanghaiDay}，Asia/Shanghai）`,
    '状态：已支付；已被向发卡行提出争议（拒付）',
    `${opened.shanghaiDay}  向发卡行提出争议：款项已被扣回（拒付）`,
    '$25.00',
    '争议扣回金额（拒付）',
    '$25.00',
    '实付净额',
    '$0.00',
  ]);

  await merchant.disputes.update(dispute.id, { evidence: { uncategorized_text: 'winning_evidence' } });
  for (let i = 0; i < 5 && (await merchant.disputes.retrieve(dispute.id)).status !== 'won'; i++) await cardlane.runTask('network.test-bank-disputes');
  assert.equal((await merchant.disputes.retrieve(dispute.id)).status, 'won');
  const won = toLateEveningUtc();
  await sweep();
  const after = await pdfLines(apiKey, invoice, '?tz=UTC');
  assertInOrder(after, [
    `Refunds and disputes, as of ${won.utcDay} (UTC)`,
    'Status: Paid',
    `${opened.utcDay}  Dispute opened with the card's bank: funds withdrawn (chargeback)`,
    '$25.00',
    `${won.utcDay}  Dispute decided for the merchant: funds reinstated`,
    '$25.00',
    '$25.00 of credits given back',
    'Amount refunded',
    '$0.00',
    'Net paid',
    '$25.00',
  ]);
  assert.ok(!after.includes('Withdrawn by the dispute (chargeback)'), 'nothing stays withdrawn');
  assertInOrder(await pdfLines(apiKey, invoice, '?lang=zh-CN'), [`${won.shanghaiDay}  争议已判商户胜诉：款项已恢复`, '退回 $25.00 额度', '实付净额', '$25.00']);
});

test('a purchase neither refunded nor disputed has no such section: totals, then the footer, as before', async () => {
  const { apiKey, purchase } = await orgWithPurchase(1_000);
  const invoice = await invoiceOf(apiKey, purchase.id);
  const en = await pdfLines(apiKey, invoice);
  assert.deepEqual(en.slice(-3, -1), ['Total paid', '$10.00']);
  assert.match(en.at(-1)!, /^Prices include tax\./, 'the footer follows the totals');
  assert.ok(!en.some((line) => /Refund|dispute|Net paid|Status:/i.test(line)), en.join('\n'));
  const zh = await pdfLines(apiKey, invoice, '?lang=zh-CN');
  assert.deepEqual(zh.slice(-3, -1), ['实付合计', '$10.00']);
  assert.match(zh.at(-1)!, /^价格已含税。/, 'the footer follows the totals');
  assert.ok(!zh.some((line) => /退款|争议|状态/.test(line)), zh.join('\n'));
});

test('a payment refunded in more parts than a page lists names the first ones, says how many more, and is dated by the latest', () => {
  const dayMs = 86_400_000;
  const refunds: InvoiceRefund[] = Array.from({ length: REFUNDS_LISTED_MAX }, (_, i) => ({ atMs: Date.UTC(2026, 5, 1) + i * dayMs, amountMinor: 10, source: 'billing', creditsRemovedMinor: 10, debtMinor: 0 }));
  const lines = adjustmentSectionLines(
    { currency: 'USD', totalMinor: 10_000, refundedMinor: 10 * (REFUNDS_LISTED_MAX + 3) },
    { refunds, refundsNotListed: 3, latestNotListedMs: Date.UTC(2026, 7, 9, 12), disputeSteps: [] },
    { lang: 'en', timeZone: 'UTC' },
    (ms) => new Date(ms).toISOString().slice(0, 10),
  ).map((line) => line.text);
  assert.equal(lines[0], 'Refunds and disputes, as of 2026-08-09 (UTC)');
  assert.equal(lines.filter((line) => / {2}Refund$/.test(line)).length, REFUNDS_LISTED_MAX);
  assert.ok(lines.includes('3 more refunds not listed; the amount refunded counts them all'), lines.join('\n'));
  assert.ok(lines.includes('Status: Paid, $2.30 refunded'));
});
