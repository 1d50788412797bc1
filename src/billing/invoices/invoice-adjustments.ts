import type { Database, Sql } from '../../platform/db/database.ts';
import { findInvoice, invoiceStatus, type Invoice, type InvoiceStatus } from './invoices.ts';

/**
 * What happened to an invoice's payment after it was issued: its refunds
 * (billing's own and those made at the payment provider, both kept in
 * `billing_refunds`) and the steps of a dispute (chargeback) of it, kept as
 * credit adjustments by provider-events/. The invoice itself stays as issued;
 * its PDF lists these below the totals, so a reader of the file does not take
 * a refunded or charged-back purchase for one fully paid.
 */

export interface InvoiceRefund {
  /** When the money went back (the refund's success; its creation for a row without one). */
  readonly atMs: number;
  readonly amountMinor: number;
  /** `billing`: refunded by the merchant through billing; `provider`: made at the payment provider outside billing. */
  readonly source: 'billing' | 'provider';
  /** How much of it left the balance as credits and how much became debt; null on refunds recorded before that was kept. */
  readonly creditsRemovedMinor: number | null;
  readonly debtMinor: number | null;
}

/**
 * One step of a dispute as billing recorded it: `withdrawn` when the card's bank opened a chargeback and took the
 * money back (an inquiry moves no money and is not recorded), `reinstated` when it was decided for the merchant.
 * A lost dispute records no further step: its withdrawal stands.
 */
export interface InvoiceDisputeStep {
  readonly atMs: number;
  readonly step: 'withdrawn' | 'reinstated';
  readonly disputeId: string;
  readonly amountMinor: number;
  readonly creditsRemovedMinor: number;
  readonly debtMinor: number;
  readonly creditsRestoredMinor: number;
}

export interface InvoiceAdjustments {
  /** Succeeded refunds, oldest first, at most REFUNDS_LISTED_MAX. */
  readonly refunds: readonly InvoiceRefund[];
  /** Succeeded refunds beyond those listed (the invoice's amount refunded counts them all). */
  readonly refundsNotListed: number;
  /** When the latest of those not listed went back (null when all are listed): the section is dated by it too. */
  readonly latestNotListedMs: number | null;
  /** Oldest first. */
  readonly disputeSteps: readonly InvoiceDisputeStep[];
}

/**
 * A payment refunded in more parts than this lists the first ones and says how many more: the section then still
 * ends on the invoice's second page (an entry with its credits-and-debt line takes about 34 points of height).
 */
export const REFUNDS_LISTED_MAX = 20;
/** A charge has at most one dispute at the provider, of two steps; this bounds anything else. */
const DISPUTE_STEPS_MAX = 20;

export const NO_ADJUSTMENTS: InvoiceAdjustments = { refunds: [], refundsNotListed: 0, latestNotListedMs: null, disputeSteps: [] };

export function hasAdjustments(adjustments: InvoiceAdjustments): boolean {
  return adjustments.refunds.length > 0 || adjustments.refundsNotListed > 0 || adjustments.disputeSteps.length > 0;
}

const nullable = (value: unknown) => (value === null || value === undefined ? null : Number(value));

export async function readInvoiceAdjustments(sql: Sql, invoice: Pick<Invoice, 'orgId' | 'attemptId'>): Promise<InvoiceAdjustments> {
  // Only refunds that succeeded, as the invoice's amount refunded counts them.
  const refundRows = await sql.all<any>(
    `SELECT amount_minor, source, credits_removed_minor, debt_minor, COALESCE(finished_at_ms, created_at_ms) AS at_ms
       FROM billing_refunds WHERE attempt_id = ? AND org_id = ? AND status = 'succeeded'
      ORDER BY at_ms, id LIMIT ?`,
    [invoice.attemptId, invoice.orgId, REFUNDS_LISTED_MAX + 1],
  );
  let refundsNotListed = 0;
  let latestNotListedMs: number | null = null;
  if (refundRows.length > REFUNDS_LISTED_MAX) {
    const counted = await sql.get<{ n: number | string; latest_ms: number | string }>(
      `SELECT COUNT(*) AS n, MAX(COALESCE(finished_at_ms, created_at_ms)) AS latest_ms FROM billing_refunds WHERE attempt_id = ? AND org_id = ? AND status = 'succeeded'`,
      [invoice.attemptId, invoice.orgId],
    );
    refundsNotListed = Number(counted!.n) - REFUNDS_LISTED_MAX;
    latestNotListedMs = Number(counted!.latest_ms);
  }
  // A refund made at the provider is also a credit adjustment (`provider_refund`): it is listed once, from billing_refunds.
  const disputeRows = await sql.all<any>(
    `SELECT kind, provider_object_id, amount_minor, credits_removed_minor, debt_minor, credits_restored_minor, created_at_ms
       FROM billing_credit_adjustments WHERE org_id = ? AND attempt_id = ? AND kind IN ('dispute_withdrawn', 'dispute_reinstated')
      ORDER BY created_at_ms, id LIMIT ?`,
    [invoice.orgId, invoice.attemptId, DISPUTE_STEPS_MAX],
  );
  return {
    refunds: refundRows.slice(0, REFUNDS_LISTED_MAX).map((row) => ({
      atMs: Number(row.at_ms),
      amountMinor: Number(row.amount_minor),
      source: row.source === 'provider' ? 'provider' : 'billing',
      creditsRemovedMinor: nullable(row.credits_removed_minor),
      debtMinor: nullable(row.debt_minor),
    })),
    refundsNotListed,
    latestNotListedMs,
    disputeSteps: disputeRows.map((row) => ({
      atMs: Number(row.created_at_ms),
      step: row.kind === 'dispute_reinstated' ? 'reinstated' : 'withdrawn',
      disputeId: row.provider_object_id,
      amountMinor: Number(row.amount_minor),
      creditsRemovedMinor: Number(row.credits_removed_minor),
      debtMinor: Number(row.debt_minor),
      creditsRestoredMinor: Number(row.credits_restored_minor),
    })),
  };
}

/**
 * An invoice and its adjustments as they stood at one moment, for its PDF. Read apart, a refund committed between
 * the reads showed in the list of refunds but not in the amount refunded (or the other way round), and the file
 * contradicted itself; one snapshot (a read-only transaction that does not block writers) makes them agree.
 */
export async function readInvoiceWithAdjustments(
  db: Database,
  orgId: string,
  invoiceId: string,
): Promise<{ invoice: Invoice; adjustments: InvoiceAdjustments } | null> {
  return db.snapshot(async (sql) => {
    const invoice = await findInvoice(sql, orgId, invoiceId);
    return invoice === null ? null : { invoice, adjustments: await readInvoiceAdjustments(sql, invoice) };
  });
}

/** Where the invoice's money stands: its status as the API and the invoice list give it, and what the card kept, net. */
export interface InvoiceStanding {
  readonly status: InvoiceStatus;
  /** A chargeback open or lost (withdrawn and not given back), as the invoice list's "disputed" note says. */
  readonly disputed: boolean;
  readonly refundedMinor: number;
  /** What chargebacks took back and have not given back. */
  readonly chargedBackMinor: number;
  readonly netPaidMinor: number;
}

export function invoiceStanding(invoice: Pick<Invoice, 'totalMinor' | 'refundedMinor'>, adjustments: InvoiceAdjustments): InvoiceStanding {
  let chargedBackMinor = 0;
  const disputes = new Set(adjustments.disputeSteps.map((step) => step.disputeId));
  let disputed = false;
  for (const dispute of disputes) {
    const steps = adjustments.disputeSteps.filter((step) => step.disputeId === dispute);
    const withdrawn = steps.filter((step) => step.step === 'withdrawn').reduce((sum, step) => sum + step.amountMinor, 0);
    const reinstated = steps.filter((step) => step.step === 'reinstated').reduce((sum, step) => sum + step.amountMinor, 0);
    if (withdrawn > reinstated) disputed = true;
    chargedBackMinor += Math.max(0, withdrawn - reinstated);
  }
  return {
    status: invoiceStatus(invoice),
    disputed,
    refundedMinor: invoice.refundedMinor,
    chargedBackMinor,
    // Below zero when a card's bank charged back more than the refunds left (a dispute of the whole charge after a
    // partial refund, which a provider may allow): the customer then got more back than was paid, and the PDF says so.
    netPaidMinor: invoice.totalMinor - invoice.refundedMinor - chargedBackMinor,
  };
}
