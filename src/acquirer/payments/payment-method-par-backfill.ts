import { backfillColumn, type BackfillResult } from '../../platform/db/backfill.ts';
import type { Database } from '../../platform/db/database.ts';
import { openPan } from '../cards/vault.ts';

/**
 * Gives payment methods vaulted before PARs existed their card account's
 * PAR, from the sealed number the vault keeps (a merchant charges a saved
 * card later, so the acquirer has to keep it — which is what makes this
 * possible). Run at start-up; idempotent: only rows still without a PAR are
 * touched, and a row another process filled meanwhile is left as it is.
 * A row whose number does not open under this vault key (a key replaced, a copied
 * database) is skipped, not fatal: it stays without a PAR, as it was, and
 * the start goes on (such a card cannot be charged either).
 */

export const PAR_BACKFILL_BATCH_SIZE = 200;

export type ParBackfillResult = BackfillResult;

export function backfillPaymentMethodPars(
  db: Database,
  vaultKey: Buffer,
  paymentAccountReference: (pan: string) => string | null,
  batchSize = PAR_BACKFILL_BATCH_SIZE,
): Promise<ParBackfillResult> {
  return backfillColumn<{ id: string; pan_sealed: string }>(
    db,
    {
      table: 'acquirer_payment_methods',
      column: 'payment_account_reference',
      sourceColumns: ['pan_sealed'],
      valueOf: (row) => parOf(vaultKey, row.pan_sealed, paymentAccountReference),
    },
    batchSize,
  );
}

/** The number exists only inside this call, for the network's PAR function. */
function parOf(vaultKey: Buffer, sealed: string, paymentAccountReference: (pan: string) => string | null): string | null {
  try {
    return paymentAccountReference(openPan(vaultKey, sealed));
  } catch {
    return null;
  }
}
