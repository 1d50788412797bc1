import type { CreditAdjustment } from '../types.ts';
import type { SpendingT } from './spending-strings.ts';

/**
 * What the refunds and disputes made at the payment provider mean for one invoice's purchase, in the invoice
 * list's words: a dispute open or lost says its credits were taken back; one decided for the merchant says they
 * came back (a dispute's steps share its `provider_object`); a refund made at the provider says so (the invoice's
 * status already counts its amount). Read from billing's credit adjustments, which name the payment the invoice has.
 */
export function invoiceAdjustmentNotes(payment: string, adjustments: readonly CreditAdjustment[], t: SpendingT): { readonly kind: 'disputed' | 'dispute_won' | 'refunded_at_provider'; readonly text: string }[] {
  const own = adjustments.filter((adjustment) => adjustment.payment === payment);
  const notes: { kind: 'disputed' | 'dispute_won' | 'refunded_at_provider'; text: string }[] = [];
  const disputes = new Set(own.filter((a) => a.kind === 'dispute_withdrawn').map((a) => a.provider_object));
  for (const dispute of disputes) {
    const withdrawn = own.find((a) => a.kind === 'dispute_withdrawn' && a.provider_object === dispute)!;
    const reinstated = own.find((a) => a.kind === 'dispute_reinstated' && a.provider_object === dispute);
    notes.push(
      reinstated
        ? { kind: 'dispute_won', text: t('invoice_dispute_won', { amount: reinstated.amount.formatted }) }
        : { kind: 'disputed', text: t('invoice_disputed', { amount: withdrawn.amount.formatted }) },
    );
  }
  // A refund that failed afterwards returned nothing: its credits came back, and the invoice is not refunded by it.
  const failed = new Set(own.filter((a) => a.kind === 'provider_refund_failed').map((a) => a.provider_object));
  if (own.some((a) => a.kind === 'provider_refund' && !failed.has(a.provider_object))) notes.push({ kind: 'refunded_at_provider', text: t('invoice_refunded_at_provider') });
  return notes;
}
