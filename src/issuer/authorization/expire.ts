import type { Clock } from '../../platform/clock.ts';
import type { Database, Tx } from '../../platform/db/database.ts';
import { insertMessage } from './message-records.ts';
import { AUTHORIZATION_COLUMNS, updateAuthorization, changeOf, type AuthorizationRow } from './records.ts';

/**
 * Authorizations whose hold passed its expiry. The ledger stops counting an
 * expired hold at once (and its own sweeper finalizes it); this brings the
 * records along: the status becomes `expired` (or `closed` when part was
 * cleared before), what was held counts as released, and an `expiry` event
 * is written for the card statement. It happens lazily when a follow-up
 * names such an authorization, and in the background for the rest.
 */

/** Marks one (locked) pending authorization as expired; mutates and returns the row. */
export async function expireAuthorization(tx: Tx, row: AuthorizationRow, nowMs: number): Promise<AuthorizationRow> {
  if (row.status !== 'pending' || row.expires_at_ms === null || Number(row.expires_at_ms) > nowMs) {
    throw new Error(`authorization ${row.id} is not a pending authorization past its expiry`);
  }
  const held = Number(row.held_usd_minor);
  const cleared = Number(row.cleared_usd_minor);
  const expiresAtMs = Number(row.expires_at_ms);
  const change = {
    ...changeOf(row),
    status: cleared > 0 ? ('closed' as const) : ('expired' as const),
    heldUsdMinor: 0,
    releasedUsdMinor: Number(row.released_usd_minor) + held,
    // It expired when its hold did, not when someone noticed.
    closedAtMs: expiresAtMs,
  };
  await updateAuthorization(tx, row.id, change, nowMs);
  await insertMessage(tx, {
    id: `${row.id}:expiry`,
    type: 'expiry',
    originalId: row.request_id,
    authorizationId: row.id,
    cardId: row.card_id,
    amountMinor: held,
    currency: row.currency,
    final: null,
    responseCode: '00',
    reason: 'authorization_expired',
    approvalCode: null,
    movedUsdMinor: held,
    checks: null,
    createdAtMs: expiresAtMs,
  });
  Object.assign(row, { status: change.status, held_usd_minor: 0, released_usd_minor: change.releasedUsdMinor, closed_at_ms: expiresAtMs, updated_at_ms: nowMs });
  return row;
}

export function isPastExpiry(row: AuthorizationRow, nowMs: number): boolean {
  return row.status === 'pending' && row.expires_at_ms !== null && Number(row.expires_at_ms) <= nowMs;
}

const SWEEP_BATCH = 200;
/** A bound on one run; the next run takes the rest. */
const SWEEP_MAX_BATCHES = 50;

/**
 * The background sweep: expires due authorizations in batches, each in its
 * own transaction. Rows are claimed with SKIP LOCKED (PostgreSQL) so that
 * several processes can sweep at once and a follow-up holding a row is
 * simply skipped (it expires that row itself).
 */
export async function expireDueAuthorizations(db: Database, clock: Clock): Promise<number> {
  let total = 0;
  for (let batch = 0; batch < SWEEP_MAX_BATCHES; batch++) {
    const nowMs = clock.nowMs();
    const expired = await db.transaction(async (tx) => {
      const rows = await tx.all<AuthorizationRow>(
        `SELECT ${AUTHORIZATION_COLUMNS} FROM issuer_authorizations
          WHERE status = 'pending' AND expires_at_ms <= ? ORDER BY expires_at_ms LIMIT ${SWEEP_BATCH} ${tx.forUpdateSkipLocked}`,
        [nowMs],
      );
      for (const row of rows) await expireAuthorization(tx, row, nowMs);
      return rows.length;
    });
    total += expired;
    if (expired < SWEEP_BATCH) break;
  }
  return total;
}
