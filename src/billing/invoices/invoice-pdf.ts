import { PDFDocument, rgb, type PDFFont } from 'pdf-lib';
import { formatMoney, money } from '../../platform/money.ts';
import { NO_ADJUSTMENTS, type InvoiceAdjustments } from './invoice-adjustments.ts';
import { adjustmentSectionLines, latestAdjustmentMs } from './invoice-pdf-adjustments.ts';
import { embedInvoiceFonts } from './invoice-fonts.ts';
import type { Invoice, InvoiceLine } from './invoices.ts';

/**
 * An invoice as a one-page A4 PDF (pdf-lib, no native parts), in English or
 * Chinese. Latin-only invoices are drawn with Helvetica, which every reader
 * has; an invoice with any other character (Chinese labels, a Chinese
 * billing name or address) embeds a subset of Noto Sans SC (invoice-fonts.ts).
 * The date of issue is the reader's calendar day in their time zone, named
 * on the invoice. A payment refunded or disputed after it was issued gets a
 * section below the totals saying so (invoice-pdf-adjustments.ts); one with
 * neither is drawn exactly as before that section existed.
 */

export type InvoiceLang = 'en' | 'zh-CN';

export interface InvoiceReading {
  readonly lang: InvoiceLang;
  /** An IANA time zone (checked by the caller). */
  readonly timeZone: string;
}

const A4 = [595.28, 841.89] as const;
const MARGIN = 56;

const LABELS = {
  en: {
    title: 'INVOICE',
    documentTitle: (n: string) => `Invoice ${n}`,
    number: (n: string) => `Invoice number: ${n}`,
    issued: (day: string, zone: string) => `Date of issue: ${day} (${zone})`,
    paidWith: (card: string) => `Paid with ${card}`,
    from: 'From',
    billTo: 'Bill to',
    noBillTo: '(no billing details were set when this invoice was issued)',
    taxId: (id: string | null) => (id === null ? 'Tax ID: none' : `Tax ID: ${id}`),
    description: 'Description',
    kinds: { purchase: 'API credits', auto_recharge: 'API credits (auto-recharge)' } as Readonly<Record<string, string>>,
    period: (plan: string, start: string, end: string) => `${plan} subscription, ${start} to ${end}`,
    amount: 'Amount',
    subtotal: 'Subtotal (net)',
    tax: (rate: string, country: string | null) => `Tax (${rate}%${country ? `, ${country}` : ''})`,
    total: 'Total paid',
    footer: 'Prices include tax. Thank you for your business.',
  },
  'zh-CN': {
    title: '发票',
    documentTitle: (n: string) => `发票 ${n}`,
    number: (n: string) => `发票号码：${n}`,
    issued: (day: string, zone: string) => `开票日期：${day}（${zone}）`,
    paidWith: (card: string) => `付款卡：${card}`,
    from: '开票方',
    billTo: '购买方',
    noBillTo: '（开具本发票时尚未填写开票信息）',
    taxId: (id: string | null) => `税号：${id ?? '无'}`,
    description: '项目',
    kinds: { purchase: 'API 额度', auto_recharge: 'API 额度（自动充值）' } as Readonly<Record<string, string>>,
    period: (plan: string, start: string, end: string) => `${plan} 订阅，${start} 至 ${end}`,
    amount: '金额',
    subtotal: '小计（不含税）',
    tax: (rate: string, country: string | null) => `税额（${rate}%${country ? `，${country}` : ''}）`,
    total: '实付合计',
    footer: '价格已含税。感谢你的惠顾。',
  },
} as const;

const amount = (minor: number, currency: string) => formatMoney(money(minor, currency));

/** The calendar day of `ms` in `timeZone`, as YYYY-MM-DD. */
function dayIn(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);
}

/**
 * The invoice's line in the reader's language (a subscription's period in their calendar days); the issued English
 * words for a kind not known here, and for a subscription invoiced before its period was kept (they name the period).
 */
function lineText(line: InvoiceLine, description: string, reading: InvoiceReading): string {
  const l = LABELS[reading.lang];
  const period = line.subscription;
  if (period !== null) return l.period(period.plan, dayIn(period.startMs, reading.timeZone), dayIn(period.endMs, reading.timeZone));
  return l.kinds[line.kind] ?? description;
}

/** Draws what the font can: a character it lacks (a rare ideograph) becomes "?" rather than failing the invoice. */
function drawable(font: PDFFont, text: string): string {
  const supported = new Set(font.getCharacterSet());
  return [...text].map((char) => (supported.has(char.codePointAt(0)!) ? char : '?')).join('');
}

export async function renderInvoicePdf(
  invoice: Invoice,
  seller: { readonly name: string },
  reading: InvoiceReading,
  adjustments: InvoiceAdjustments = NO_ADJUSTMENTS,
): Promise<Uint8Array> {
  const l = LABELS[reading.lang];
  const item = lineText(invoice.line, invoice.description, reading);
  const section = adjustmentSectionLines(invoice, adjustments, reading, (ms) => dayIn(ms, reading.timeZone));
  const pdf = await PDFDocument.create();
  const issued = new Date(invoice.issuedAtMs);
  pdf.setTitle(l.documentTitle(invoice.number));
  pdf.setSubject(invoice.billTo === null ? item : `${item} — ${invoice.billTo.name}`);
  pdf.setAuthor(seller.name);
  pdf.setCreator('Cardlane');
  pdf.setProducer('Cardlane (pdf-lib)');
  pdf.setLanguage(reading.lang);
  // The invoice's own time, not the time of rendering: the same invoice is the same file.
  pdf.setCreationDate(issued);
  // A refund or a dispute step changed what the file says: it dates from the latest one, still not from rendering.
  const adjustedMs = latestAdjustmentMs(adjustments);
  pdf.setModificationDate(adjustedMs === null ? issued : new Date(adjustedMs));

  const rate = (invoice.taxRateBps / 100).toFixed(2);
  const rows: [string, string, 'regular' | 'bold'][] = [
    [l.subtotal, amount(invoice.subtotalMinor, invoice.currency), 'regular'],
    [l.tax(rate, invoice.billTo?.country ?? null), amount(invoice.taxMinor, invoice.currency), 'regular'],
    [l.total, amount(invoice.totalMinor, invoice.currency), 'bold'],
  ];
  const header = [l.title, l.number(invoice.number), l.issued(dayIn(invoice.issuedAtMs, reading.timeZone), reading.timeZone), l.paidWith(invoice.card)];
  const billTo = invoice.billTo === null ? [l.noBillTo] : [invoice.billTo.name, ...invoice.billTo.address, l.taxId(invoice.billTo.taxId)];
  const fonts = await embedInvoiceFonts(pdf, [...header, l.from, seller.name, l.billTo, ...billTo, l.description, l.amount, item, ...rows.flat(), l.footer, ...section.flatMap((s) => (s.value === null ? [s.text] : [s.text, s.value]))]);

  let page = pdf.addPage([...A4]);
  let y = A4[1] - MARGIN;
  // Only a long list of refunds reaches the bottom of the page: it goes on on another.
  const room = (height: number) => {
    if (y - height >= MARGIN) return;
    page = pdf.addPage([...A4]);
    y = A4[1] - MARGIN;
  };
  const line = (text: string, options: { size?: number; font?: PDFFont; gap?: number; indent?: number } = {}) => {
    const font = options.font ?? fonts.regular;
    const size = options.size ?? 10;
    page.drawText(drawable(font, text), { x: MARGIN + (options.indent ?? 0), y, size, font, color: rgb(0.1, 0.1, 0.12) });
    y -= options.gap ?? size + 5;
  };
  const right = (text: string, font: PDFFont) => {
    const safe = drawable(font, text);
    page.drawText(safe, { x: A4[0] - MARGIN - font.widthOfTextAtSize(safe, 10), y, size: 10, font });
  };
  const rule = () => {
    page.drawLine({ start: { x: MARGIN, y: y + 8 }, end: { x: A4[0] - MARGIN, y: y + 8 }, thickness: 0.5, color: rgb(0.6, 0.6, 0.65) });
    y -= 6;
  };
  const row = (label: string, value: string, font: PDFFont = fonts.regular) => {
    line(label, { font, gap: 0 });
    right(value, font);
    y -= 18;
  };

  const [title, ...facts] = header;
  line(title!, { size: 22, font: fonts.bold, gap: 30 });
  facts.forEach((fact, i) => line(fact, i === facts.length - 1 ? { gap: 24 } : {}));
  line(l.from, { font: fonts.bold });
  line(seller.name, { gap: 24 });
  line(l.billTo, { font: fonts.bold });
  billTo.forEach((part, i) => line(part, i === billTo.length - 1 ? { gap: 24 } : {}));

  row(l.description, l.amount, fonts.bold);
  rule();
  row(item, amount(invoice.subtotalMinor, invoice.currency));
  rule();
  for (const [label, value, weight] of rows) row(label, value, fonts[weight]);
  if (section.length > 0) {
    y -= 12;
    for (const [i, part] of section.entries()) {
      room(part.style === 'heading' ? 60 : 24);
      if (part.style === 'heading') line(part.text, { font: fonts.bold, gap: 18 });
      else if (part.style === 'status') line(part.text, { gap: 20 });
      else if (part.style === 'detail') line(part.text, { size: 9, indent: 12, gap: 16 });
      else {
        // A rule above the sums, as above the invoice's own totals.
        if (part.style === 'sum' && section[i - 1]?.style !== 'sum') rule();
        row(part.text, part.value ?? '', part.style === 'net' ? fonts.bold : fonts.regular);
      }
    }
  }
  y -= 12;
  room(14);
  line(l.footer, { size: 9 });
  // Without object streams the document's information (its Unicode title and subject) stays plain text in the file.
  return pdf.save({ useObjectStreams: false });
}
