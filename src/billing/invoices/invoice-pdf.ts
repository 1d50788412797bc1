import { PDFDocument, rgb, StandardFonts, type PDFFont } from 'pdf-lib';
import { formatMoney, money } from '../../platform/money.ts';
import type { Invoice } from './invoices.ts';

/**
 * An invoice as a one-page A4 PDF (pdf-lib, no native parts). It is drawn
 * with the standard Helvetica font, which every PDF reader has, so the file
 * stays a few kilobytes; that font covers Latin text only (Windows-1252),
 * so characters outside it — a Chinese billing name — are drawn as "?" on
 * the page, while the document's title and subject keep them exactly
 * (PDF text strings are Unicode). Embedding a CJK font would draw them, at
 * several megabytes per font; see the README.
 */

const A4 = [595.28, 841.89] as const;
const MARGIN = 56;

function drawable(font: PDFFont, text: string): string {
  const supported = new Set(font.getCharacterSet());
  return [...text].map((char) => (supported.has(char.codePointAt(0)!) ? char : '?')).join('');
}

const amount = (minor: number, currency: string) => formatMoney(money(minor, currency));

export async function renderInvoicePdf(invoice: Invoice, seller: { readonly name: string }): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const issued = new Date(invoice.issuedAtMs);
  pdf.setTitle(`Invoice ${invoice.number}`);
  pdf.setSubject(invoice.billTo === null ? invoice.description : `${invoice.description} — ${invoice.billTo.name}`);
  pdf.setAuthor(seller.name);
  pdf.setCreator('Cardlane');
  pdf.setProducer('Cardlane (pdf-lib)');
  // The invoice's own time, not the time of rendering: the same invoice is the same file.
  pdf.setCreationDate(issued);
  pdf.setModificationDate(issued);
  const page = pdf.addPage([...A4]);
  const regular = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  let y = A4[1] - MARGIN;
  const line = (text: string, options: { size?: number; font?: PDFFont; x?: number; gap?: number } = {}) => {
    const font = options.font ?? regular;
    const size = options.size ?? 10;
    page.drawText(drawable(font, text), { x: options.x ?? MARGIN, y, size, font, color: rgb(0.1, 0.1, 0.12) });
    y -= options.gap ?? size + 5;
  };
  const right = (text: string, atY: number, font: PDFFont = regular, size = 10) => {
    const safe = drawable(font, text);
    page.drawText(safe, { x: A4[0] - MARGIN - font.widthOfTextAtSize(safe, size), y: atY, size, font });
  };

  line('INVOICE', { size: 22, font: bold, gap: 30 });
  line(`Invoice number: ${invoice.number}`);
  line(`Date of issue: ${issued.toISOString().slice(0, 10)} (UTC)`);
  line(`Paid with ${invoice.card}`, { gap: 24 });

  line('From', { font: bold });
  line(seller.name, { gap: 24 });

  line('Bill to', { font: bold });
  if (invoice.billTo === null) {
    line('(no billing details were set when this invoice was issued)', { gap: 24 });
  } else {
    line(invoice.billTo.name);
    for (const part of invoice.billTo.address) line(part);
    line(invoice.billTo.taxId === null ? 'Tax ID: none' : `Tax ID: ${invoice.billTo.taxId}`, { gap: 24 });
  }

  const rule = () => {
    page.drawLine({ start: { x: MARGIN, y: y + 8 }, end: { x: A4[0] - MARGIN, y: y + 8 }, thickness: 0.5, color: rgb(0.6, 0.6, 0.65) });
    y -= 6;
  };
  line('Description', { font: bold, gap: 0 });
  right('Amount', y, bold);
  y -= 18;
  rule();
  const row = (label: string, value: string, font: PDFFont = regular) => {
    line(label, { font, gap: 0 });
    right(value, y, font);
    y -= 18;
  };
  row(invoice.description, amount(invoice.subtotalMinor, invoice.currency));
  rule();
  row('Subtotal (net)', amount(invoice.subtotalMinor, invoice.currency));
  row(`Tax (${(invoice.taxRateBps / 100).toFixed(2)}%${invoice.billTo ? `, ${invoice.billTo.country}` : ''})`, amount(invoice.taxMinor, invoice.currency));
  row('Total paid', amount(invoice.totalMinor, invoice.currency), bold);
  y -= 12;
  line('Prices include tax. Thank you for your business.', { size: 9 });
  // Without object streams the document's information (its Unicode title and subject) stays plain text in the file.
  return pdf.save({ useObjectStreams: false });
}
