import type { Database } from '../../platform/db/database.ts';
import { openPan } from '../cards/vault.ts';

/**
 * Gives payment methods vaulted before PARs existed their card account's
 * PAR, from the sealed number the vault keeps (a merchant charges a saved
 * card later, so the acquirer has to keep it — which is what makes this
 * possible). Run at start-up; idempotent: only rows still without a PAR are
 * touched, and a row another process filled meanwhile is left as it is.
 *
 * Bounded: `batchSize` rows per transaction, walked in id order, so a large
 * table neither holds one long transaction nor is read whole. A row whose
 * number does not open under this vault key (a key replaced, a copied
 * database) is skipped, not fatal: it stays without a PAR, as it was, and
 * the start goes on (such a card cannot be charged either).
 */

export const PAR_BACKFILL_BATCH_SIZE = 200;

export interface ParBackfillResult {
  readonly updated: number;
  /** Rows left without a PAR: the sealed number did not open under the vault key (or the network gave none). */
  readonly skipped: number;
}

export async function backfillPaymentMethodPars(
  db: Database,
  vaultKey: Buffer,
  paymentAccountReference: (pan: string) => string | null,
  batchSize = PAR_BACKFILL_BATCH_SIZE,
): Promise<ParBackfillResult> {
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  let updated = 0;
  let skipped = 0;
  let afterId = '';
  for (;;) {
    const batch = await db.transaction(async (tx) => {
      const rows = await tx.all<{ id: string; pan_sealed: string }>(
        'SELECT id, pan_sealed FROM acquirer_payment_methods WHERE payment_account_reference IS NULL AND id > ? ORDER BY id LIMIT ?',
        [afterId, batchSize],
      );
      let filled = 0;
      let unopened = 0;
      for (const row of rows) {
        const par = parOf(vaultKey, row.pan_sealed, paymentAccountReference);
        if (par === null) unopened++;
        else filled += await tx.run('UPDATE acquirer_payment_methods SET payment_account_reference = ? WHERE id = ? AND payment_account_reference IS NULL', [par, row.id]);
      }
      // Counted here and added after the commit, so a transaction that rolls back counts nothing.
      return { size: rows.length, lastId: rows.at(-1)?.id ?? afterId, filled, unopened };
    });
    updated += batch.filled;
    skipped += batch.unopened;
    if (batch.size < batchSize) return { updated, skipped };
    afterId = batch.lastId;
  }
}

/** The number exists only inside this call, for the network's PAR function. */
function parOf(vaultKey: Buffer, sealed: string, paymentAccountReference: (pan: string) => string | null): string | null {
  try {
    return paymentAccountReference(openPan(vaultKey, sealed));
  } catch {
    return null;
  }
}
