import type { Database } from '../../platform/db/database.ts';
import { decryptPan } from '../card-secrets.ts';
import type { Keyring } from '../keyring.ts';

/**
 * Gives cards opened before PARs existed their PAR: the issuer decrypts
 * each number under its own keyring, only inside this call, and asks the
 * network's PAR function. Run at start-up; idempotent: only cards still
 * without a PAR are touched, and one another process filled meanwhile is
 * left as it is.
 *
 * Bounded: `batchSize` cards per transaction, walked in id order, so a
 * large table neither holds one long transaction nor is read whole. A card
 * whose number does not decrypt (a key missing from the keyring) is
 * skipped, not fatal: it stays without a PAR, and the start goes on.
 */

export const CARD_PAR_BACKFILL_BATCH_SIZE = 200;

export interface CardParBackfillResult {
  readonly updated: number;
  /** Cards left without a PAR: the number did not decrypt (or the network gave none). */
  readonly skipped: number;
}

export async function backfillCardPaymentAccountReferences(
  db: Database,
  keyring: Keyring,
  paymentAccountReference: (pan: string) => string | null,
  batchSize = CARD_PAR_BACKFILL_BATCH_SIZE,
): Promise<CardParBackfillResult> {
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  let updated = 0;
  let skipped = 0;
  let afterId = '';
  for (;;) {
    const batch = await db.transaction(async (tx) => {
      const rows = await tx.all<{ id: string; pan_ciphertext: string; pan_kid: string }>(
        'SELECT id, pan_ciphertext, pan_kid FROM issuer_cards WHERE payment_account_reference IS NULL AND id > ? ORDER BY id LIMIT ?',
        [afterId, batchSize],
      );
      let filled = 0;
      let undecrypted = 0;
      for (const row of rows) {
        const par = parOf(keyring, row, paymentAccountReference);
        if (par === null) undecrypted++;
        else filled += await tx.run('UPDATE issuer_cards SET payment_account_reference = ? WHERE id = ? AND payment_account_reference IS NULL', [par, row.id]);
      }
      // Counted here and added after the commit, so a transaction that rolls back counts nothing.
      return { size: rows.length, lastId: rows.at(-1)?.id ?? afterId, filled, undecrypted };
    });
    updated += batch.filled;
    skipped += batch.undecrypted;
    if (batch.size < batchSize) return { updated, skipped };
    afterId = batch.lastId;
  }
}

function parOf(keyring: Keyring, row: { pan_ciphertext: string; pan_kid: string }, paymentAccountReference: (pan: string) => string | null): string | null {
  try {
    return paymentAccountReference(decryptPan(keyring, { ciphertext: row.pan_ciphertext, kid: row.pan_kid }));
  } catch {
    return null;
  }
}
