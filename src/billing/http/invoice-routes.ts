import type { FastifyPluginAsync } from 'fastify';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { endpoint, registerEndpoints, type AnyEndpoint } from '../../platform/http/typed-route.ts';
import { BillingError } from '../errors.ts';
import { readBillingProfile, saveBillingProfile, type BillingProfile } from '../invoices/billing-profile.ts';
import { readInvoiceWithAdjustments } from '../invoices/invoice-adjustments.ts';
import { renderInvoicePdf, type InvoiceLang, type InvoiceReading } from '../invoices/invoice-pdf.ts';
import { findInvoice, invoiceStatus, listInvoices, type Invoice } from '../invoices/invoices.ts';
import { organizationAuth, orgOf } from './billing-auth.ts';
import { amountObject } from './billing-objects.ts';

const TAG = ['billing'];
const LIST_MAX = 100;
const iso = (ms: number) => new Date(ms).toISOString();
/** Who issues the invoices: the API business Cardlane bills for. */
export const INVOICE_SELLER = { name: 'Cardlane API (demo merchant)' } as const;

const TEXT = (max: number) => ({ type: 'string', maxLength: max }) as const;
export const billingProfileBody = {
  type: 'object',
  required: ['name', 'address_line1', 'city', 'country'],
  additionalProperties: false,
  properties: {
    name: TEXT(200),
    address_line1: TEXT(200),
    address_line2: { type: ['string', 'null'], maxLength: 200 },
    city: TEXT(100),
    postal_code: { type: ['string', 'null'], maxLength: 12 },
    country: { type: 'string', minLength: 2, maxLength: 2, description: 'ISO 3166-1 alpha-2, e.g. DE; sets the tax rate' },
    tax_id: { type: ['string', 'null'], maxLength: 32, description: 'VAT number, EIN, unified social credit code, …' },
  },
} as const;
export const invoicesQuery = { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: LIST_MAX } } } as const;
// `inv_…` for the invoice, `inv_….pdf` for its PDF.
const invoiceParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 124 } } } as const;
export const invoiceQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    lang: { type: 'string', enum: ['en', 'zh-CN'], description: "The PDF's language: en or zh-CN; else from Accept-Language." },
    tz: { type: 'string', minLength: 1, maxLength: 64, description: "The reader's IANA time zone for the PDF's date of issue (e.g. Europe/Berlin); default Asia/Shanghai for zh-CN, UTC for en." },
  },
} as const;

/** The PDF's language and time zone: as asked, else from Accept-Language; an unknown zone is a 400 naming `tz`. */
function readingOf(acceptLanguage: string | string[] | undefined, query: { lang?: InvoiceLang; tz?: string }): InvoiceReading {
  const lang = query.lang ?? (typeof acceptLanguage === 'string' && /^\s*zh\b/i.test(acceptLanguage) ? 'zh-CN' : 'en');
  const timeZone = query.tz ?? (lang === 'zh-CN' ? 'Asia/Shanghai' : 'UTC');
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    throw new BillingError('parameter_invalid', `${timeZone} is not an IANA time zone, such as Europe/Berlin.`, { param: 'tz' });
  }
  return { lang, timeZone };
}

export function billingProfileObject(profile: BillingProfile | null, taxRatesBps: Readonly<Record<string, number>>) {
  if (profile === null) return { object: 'billing.profile', name: null, address_line1: null, address_line2: null, city: null, postal_code: null, country: null, tax_id: null, tax_rate_bps: 0, updated_at: null };
  return {
    object: 'billing.profile',
    name: profile.name,
    address_line1: profile.addressLine1,
    address_line2: profile.addressLine2,
    city: profile.city,
    postal_code: profile.postalCode,
    country: profile.country,
    tax_id: profile.taxId,
    tax_rate_bps: taxRatesBps[profile.country] ?? 0,
    updated_at: iso(profile.updatedAtMs),
  };
}

export function invoiceObject(invoice: Invoice) {
  return {
    id: invoice.id,
    object: 'billing.invoice',
    number: invoice.number,
    payment: invoice.attemptId,
    description: invoice.description,
    // The line as data, for a page to word in its reader's language (description is the English words).
    line: {
      kind: invoice.line.kind,
      plan: invoice.line.subscription?.plan ?? null,
      period: invoice.line.subscription === null ? null : { start: iso(invoice.line.subscription.startMs), end: iso(invoice.line.subscription.endMs) },
    },
    subtotal: amountObject(invoice.subtotalMinor, invoice.currency),
    tax: amountObject(invoice.taxMinor, invoice.currency),
    tax_rate_bps: invoice.taxRateBps,
    total: amountObject(invoice.totalMinor, invoice.currency),
    status: invoiceStatus(invoice),
    amount_refunded: amountObject(invoice.refundedMinor, invoice.currency),
    bill_to: invoice.billTo === null ? null : { name: invoice.billTo.name, address: invoice.billTo.address, country: invoice.billTo.country, tax_id: invoice.billTo.taxId },
    card: invoice.card,
    issued_at: iso(invoice.issuedAtMs),
    pdf: `/billing/v1/invoices/${invoice.id}.pdf`,
  };
}

/** The billing profile invoices are made out to, and the invoices with their PDFs (invoices.ts), mounted at `/billing/v1`. */
export function invoiceEndpoints(deps: { readonly db: Database; readonly clock: Clock; readonly config: { readonly taxRatesBps: Readonly<Record<string, number>> } }): AnyEndpoint[] {
  const { db, clock, config } = deps;
  const auth = organizationAuth(db, clock);
  return [
    endpoint({
      method: 'GET',
      url: '/billing_profile',
      auth,
      schema: { tags: TAG, summary: 'Who invoices are made out to: name, address, country and tax ID' },
      handler: async (request) => billingProfileObject(await readBillingProfile(db, orgOf(request).id), config.taxRatesBps),
    }),
    endpoint({
      method: 'POST',
      url: '/billing_profile',
      auth,
      schema: { tags: TAG, summary: 'Set the billing name, address, country and tax ID (for invoices issued from now on)', body: billingProfileBody },
      handler: async (request) => {
        const body = request.body;
        const profile = await saveBillingProfile(db, clock, orgOf(request).id, {
          name: body.name,
          addressLine1: body.address_line1,
          addressLine2: body.address_line2 ?? null,
          city: body.city,
          postalCode: body.postal_code ?? null,
          country: body.country,
          taxId: body.tax_id ?? null,
        });
        return billingProfileObject(profile, config.taxRatesBps);
      },
    }),
    endpoint({
      method: 'GET',
      url: '/invoices',
      auth,
      schema: { tags: TAG, summary: 'Invoices, newest first: one for every payment', querystring: invoicesQuery },
      handler: async (request) => ({ object: 'list', data: (await listInvoices(db, orgOf(request).id, request.query.limit ?? 20)).map(invoiceObject) }),
    }),
    endpoint({
      method: 'GET',
      url: '/invoices/:id',
      auth,
      schema: { tags: TAG, summary: 'One invoice; `/invoices/{id}.pdf` is its PDF (`lang`, `tz` choose its language and date)', params: invoiceParams, querystring: invoiceQuery },
      handler: async (request, reply) => {
        const asPdf = request.params.id.endsWith('.pdf');
        const id = asPdf ? request.params.id.slice(0, -4) : request.params.id;
        if (!asPdf) {
          const invoice = await findInvoice(db, orgOf(request).id, id);
          if (invoice === null) throw new BillingError('resource_missing', `No invoice ${id}.`);
          return invoiceObject(invoice);
        }
        // Refunds and dispute steps after issue are listed on the PDF, so the file does not read as fully paid; read
        // with the invoice in one snapshot, so its amount refunded and its list agree.
        const found = await readInvoiceWithAdjustments(db, orgOf(request).id, id);
        if (found === null) throw new BillingError('resource_missing', `No invoice ${id}.`);
        const { invoice, adjustments } = found;
        const reading = readingOf(request.headers['accept-language'], request.query);
        const bytes = await renderInvoicePdf(invoice, INVOICE_SELLER, reading, adjustments);
        reply.type('application/pdf').header('content-disposition', `attachment; filename="${invoice.number}.pdf"`).header('cache-control', 'private, no-store');
        return Buffer.from(bytes);
      },
    }),
  ];
}

export function invoiceRoutes(deps: Parameters<typeof invoiceEndpoints>[0]): FastifyPluginAsync {
  return async (app) => registerEndpoints(app, invoiceEndpoints(deps));
}
