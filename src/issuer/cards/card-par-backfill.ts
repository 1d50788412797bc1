import { backfillColumn, type BackfillResult } from '../../platform/db/backfill.ts';
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

export type CardParBackfillResult = BackfillResult;

export function backfillCardPaymentAccountReferences(
  db: Database,
  keyring: Keyring,
  paymentAccountReference: (pan: string) => string | null,
  batchSize = CARD_PAR_BACKFILL_BATCH_SIZE,
): Promise<CardParBackfillResult> {
  return backfillColumn<{ id: string; pan_ciphertext: string; pan_kid: string }>(
    db,
    {
      table: 'issuer_cards',
      column: 'payment_account_reference',
      sourceColumns: ['pan_ciphertext', 'pan_kid'],
      valueOf: (row) => parOf(keyring, row, paymentAccountReference),
    },
    batchSize,
  );
}

/** The number exists only inside this call, for the network's PAR function. */
function parOf(keyring: Keyring, row: { pan_ciphertext: string; pan_kid: string }, paymentAccountReference: (pan: string) => string | null): string | null {
  try {
    return paymentAccountReference(decryptPan(keyring, { ciphertext: row.pan_ciphertext, kid: row.pan_kid }));
  } catch {
    return null;
  }
}
