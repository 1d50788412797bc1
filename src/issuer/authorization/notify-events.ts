import type { Tx } from '../../platform/db/database.ts';
import type { Notifier } from '../notifications/notifier.ts';
import type { AuthorizationRow } from './records.ts';

/**
 * The cardholder's notifications of what follow-ups and the engine's own
 * events did to an authorization: a hold released (reversal, stand-in
 * advice, expiry) or a refund. In the caller's transaction; nothing without
 * a notifier, a cardholder or money moved.
 */
export async function notifyMovement(
  tx: Tx,
  notifier: Notifier | undefined,
  kind: 'hold_release' | 'refund',
  row: AuthorizationRow,
  eventKey: string,
  movedUsdMinor: number,
  nowMs: number,
): Promise<void> {
  if (notifier === undefined || row.cardholder_id === null || movedUsdMinor <= 0) return;
  await notifier.record(tx, [
    {
      kind,
      cardholderId: row.cardholder_id,
      subjectId: row.id,
      eventKey,
      cardId: row.card_id,
      merchantName: row.merchant_name,
      amountMinor: movedUsdMinor,
      currency: 'USD',
      reason: null,
      createdAtMs: nowMs,
    },
  ]);
}

export const notifyRelease = (tx: Tx, notifier: Notifier | undefined, row: AuthorizationRow, eventKey: string, movedUsdMinor: number, nowMs: number) =>
  notifyMovement(tx, notifier, 'hold_release', row, eventKey, movedUsdMinor, nowMs);
