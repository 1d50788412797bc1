import { formatMoney, money } from '../../platform/money.ts';
import { hasAdjustments, invoiceStanding, type InvoiceAdjustments, type InvoiceDisputeStep, type InvoiceRefund } from './invoice-adjustments.ts';
import type { Invoice, InvoiceStatus } from './invoices.ts';

/**
 * The invoice PDF's section below the totals for a payment refunded or
 * disputed after it was issued (invoice-adjustments.ts): its status in the
 * invoice list's words, each refund and dispute step on the reader's
 * calendar day with its amount (and how much of it left the balance as
 * credits or became debt, where billing recorded that), then the amount
 * refunded and what was paid net. As lines for invoice-pdf.ts to draw; none
 * for a payment with neither, whose invoice stays as it was.
 */

export type SectionLineStyle = 'heading' | 'status' | 'entry' | 'detail' | 'sum' | 'net';

export interface SectionLine {
  readonly style: SectionLineStyle;
  readonly text: string;
  /** The amount drawn on the right, formatted; null for a line of text only. */
  readonly value: string | null;
}

type StatusWords = (status: InvoiceStatus, refunded: string) => string;

interface SectionLabels {
  readonly heading: (day: string, zone: string) => string;
  readonly status: (words: string) => string;
  readonly statusWords: StatusWords;
  readonly disputed: string;
  readonly refund: Readonly<Record<InvoiceRefund['source'], string>>;
  readonly disputeStep: Readonly<Record<InvoiceDisputeStep['step'], string>>;
  readonly fromCredits: (amount: string) => string;
  readonly asDebt: (amount: string) => string;
  readonly restored: (amount: string) => string;
  readonly join: string;
  readonly notListed: (count: number) => string;
  readonly amountRefunded: string;
  readonly chargedBack: string;
  readonly netPaid: string;
}

// The status words are the invoice list's (src/web/billing/panels/spending-strings.ts), so the file and the page agree.
const LABELS: Readonly<Record<'en' | 'zh-CN', SectionLabels>> = {
  en: {
    heading: (day, zone) => `Refunds and disputes, as of ${day} (${zone})`,
    status: (words) => `Status: ${words}`,
    statusWords: (status, refunded) => (status === 'refunded' ? 'Refunded' : status === 'partially_refunded' ? `Paid, ${refunded} refunded` : 'Paid'),
    disputed: "; disputed with the card's bank (chargeback)",
    refund: { billing: 'Refund', provider: 'Refund made at the payment provider' },
    disputeStep: { withdrawn: "Dispute opened with the card's bank: funds withdrawn (chargeback)", reinstated: 'Dispute decided for the merchant: funds reinstated' },
    fromCredits: (amount) => `${amount} taken back from credits`,
    asDebt: (amount) => `${amount} had been spent and is owed as debt`,
    restored: (amount) => `${amount} of credits given back`,
    join: '; ',
    notListed: (count) => `${count} more ${count === 1 ? 'refund' : 'refunds'} not listed; the amount refunded counts them all`,
    amountRefunded: 'Amount refunded',
    chargedBack: 'Withdrawn by the dispute (chargeback)',
    netPaid: 'Net paid',
  },
  'zh-CN': {
    heading: (day, zone) => `退款与争议（截至 ${day}，${zone}）`,
    status: (words) => `状态：${words}`,
    statusWords: (status, refunded) => (status === 'refunded' ? '已退款' : status === 'partially_refunded' ? `已支付，已退款 ${refunded}` : '已支付'),
    disputed: '；已被向发卡行提出争议（拒付）',
    refund: { billing: '退款', provider: '在支付服务商处办理的退款' },
    disputeStep: { withdrawn: '向发卡行提出争议：款项已被扣回（拒付）', reinstated: '争议已判商户胜诉：款项已恢复' },
    fromCredits: (amount) => `从额度中扣回 ${amount}`,
    asDebt: (amount) => `${amount} 已被使用，计为欠款`,
    restored: (amount) => `退回 ${amount} 额度`,
    join: '；',
    notListed: (count) => `另有 ${count} 笔退款未列出；退款金额已全部计入`,
    amountRefunded: '退款金额',
    chargedBack: '争议扣回金额（拒付）',
    netPaid: '实付净额',
  },
};

/** How a refund or a chargeback left the balance, as far as billing recorded it (nothing for a refund recorded before it did). */
function balanceEffect(l: SectionLabels, format: (minor: number) => string, creditsMinor: number | null, debtMinor: number | null): string | null {
  const parts: string[] = [];
  if (creditsMinor !== null && creditsMinor > 0) parts.push(l.fromCredits(format(creditsMinor)));
  if (debtMinor !== null && debtMinor > 0) parts.push(l.asDebt(format(debtMinor)));
  return parts.length === 0 ? null : parts.join(l.join);
}

/**
 * The section's lines in the reader's language, `day` giving a moment's calendar day in the reader's time zone;
 * empty when nothing happened to the payment. The heading is dated by the latest refund or step it lists, so the
 * same state of the invoice is the same file.
 */
export function adjustmentSectionLines(
  invoice: Pick<Invoice, 'currency' | 'totalMinor' | 'refundedMinor'>,
  adjustments: InvoiceAdjustments,
  reading: { readonly lang: 'en' | 'zh-CN'; readonly timeZone: string },
  day: (ms: number) => string,
): SectionLine[] {
  if (!hasAdjustments(adjustments)) return [];
  const l = LABELS[reading.lang];
  const format = (minor: number) => formatMoney(money(minor, invoice.currency));
  const standing = invoiceStanding(invoice, adjustments);

  type Entry = { atMs: number; text: string; value: string; detail: string | null };
  const entries: Entry[] = [
    ...adjustments.refunds.map((refund) => ({
      atMs: refund.atMs,
      text: `${day(refund.atMs)}  ${l.refund[refund.source]}`,
      value: format(refund.amountMinor),
      detail: balanceEffect(l, format, refund.creditsRemovedMinor, refund.debtMinor),
    })),
    ...adjustments.disputeSteps.map((step) => ({
      atMs: step.atMs,
      text: `${day(step.atMs)}  ${l.disputeStep[step.step]}`,
      value: format(step.amountMinor),
      detail: step.step === 'reinstated' ? (step.creditsRestoredMinor > 0 ? l.restored(format(step.creditsRestoredMinor)) : null) : balanceEffect(l, format, step.creditsRemovedMinor, step.debtMinor),
    })),
  ];
  // Oldest first (a stable sort keeps refunds before dispute steps of the same moment).
  entries.sort((a, b) => a.atMs - b.atMs);

  const lines: SectionLine[] = [];
  // Refunds not listed are later than the listed ones, of which there are then REFUNDS_LISTED_MAX: a date is always there.
  lines.push({ style: 'heading', text: l.heading(day(latestAdjustmentMs(adjustments)!), reading.timeZone), value: null });
  lines.push({ style: 'status', text: l.status(l.statusWords(standing.status, format(standing.refundedMinor)) + (standing.disputed ? l.disputed : '')), value: null });
  for (const entry of entries) {
    lines.push({ style: 'entry', text: entry.text, value: entry.value });
    if (entry.detail !== null) lines.push({ style: 'detail', text: entry.detail, value: null });
  }
  if (adjustments.refundsNotListed > 0) lines.push({ style: 'detail', text: l.notListed(adjustments.refundsNotListed), value: null });
  lines.push({ style: 'sum', text: l.amountRefunded, value: format(standing.refundedMinor) });
  if (standing.chargedBackMinor > 0) lines.push({ style: 'sum', text: l.chargedBack, value: format(standing.chargedBackMinor) });
  lines.push({ style: 'net', text: l.netPaid, value: format(standing.netPaidMinor) });
  return lines;
}

/** The moment the section's state dates from (its latest refund, listed or not, or dispute step), or null when it has none. */
export function latestAdjustmentMs(adjustments: InvoiceAdjustments): number | null {
  const moments = [...adjustments.refunds.map((refund) => refund.atMs), ...adjustments.disputeSteps.map((step) => step.atMs)];
  if (adjustments.latestNotListedMs !== null) moments.push(adjustments.latestNotListedMs);
  return moments.length === 0 ? null : Math.max(...moments);
}
