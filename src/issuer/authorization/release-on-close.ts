import type { Tx } from '../../platform/db/database.ts';
import type { Ledger } from '../../ledger/index.ts';
import { expireAuthorization, isPastExpiry } from './expire.ts';
import { changeHold } from './holds.ts';
import { insertMessage } from './message-records.ts';
import { AUTHORIZATION_COLUMNS, changeOf, updateAuthorization, type AuthorizationRow } from './records.ts';

/**
 * Closing a card releases every hold its open authorizations still have
 * (the merchant can no longer capture against a closed card), in the
 * close's transaction, after the card row is locked. Each authorization
 * ends `reversed` (or `closed` if part of it was cleared) with a
 * `card_closed` event on the statement. Returns how many were released.
 */
export async function releaseCardAuthorizations(tx: Tx, ledger: Ledger, cardId: string, nowMs: number): Promise<number> {
  const rows = await tx.all<AuthorizationRow>(
    `SELECT ${AUTHORIZATION_COLUMNS} FROM issuer_authorizations WHERE card_id = ? AND status = 'pending' ORDER BY id ${tx.forUpdate}`,
    [cardId],
  );
  let released = 0;
  for (const row of rows) {
    if (isPastExpiry(row, nowMs)) {
      await expireAuthorization(tx, row, nowMs);
      continue;
    }
    const held = Number(row.held_usd_minor);
    const change = await changeHold(tx, ledger, row, { kind: 'void' }, 0, nowMs);
    if (!change.ok) {
      await expireAuthorization(tx, row, Math.max(nowMs, Number(row.expires_at_ms)));
      continue;
    }
    await updateAuthorization(
      tx,
      row.id,
      {
        ...changeOf(row),
        status: Number(row.cleared_usd_minor) > 0 ? 'closed' : 'reversed',
        heldUsdMinor: 0,
        releasedUsdMinor: Number(row.released_usd_minor) + held,
        ledgerSeq: change.ledgerSeq,
        closedAtMs: nowMs,
      },
      nowMs,
    );
    await insertMessage(tx, {
      id: `${row.id}:card_closed`,
      type: 'card_closed',
      originalId: row.request_id,
      authorizationId: row.id,
      cardId,
      amountMinor: held,
      currency: row.currency,
      final: null,
      responseCode: '00',
      reason: 'card_closed',
      approvalCode: null,
      movedUsdMinor: held,
      checks: null,
      createdAtMs: nowMs,
    });
    released += 1;
  }
  return released;
}
