import type { T } from '../strings.ts';
import type { Payment } from '../types.ts';

/**
 * What the history's amount cell says. A card verification charges nothing
 * (a zero-amount check, or a small hold that is released): its cell says
 * what happened to the check, so a declined one never reads as a payment of $0.00.
 */
export function paymentAmount(payment: Pick<Payment, 'kind' | 'status' | 'amount'>, t: T): string {
  if (payment.kind !== 'verification') return payment.amount.formatted;
  if (payment.status === 'failed') return t('checkDeclined');
  return payment.amount.amount_minor > 0 ? payment.amount.formatted : t('checkPassed');
}
