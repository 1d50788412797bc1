import type { Sql, Tx } from '../../platform/db/database.ts';

/**
 * Which grant the organization's credits came from (migrations.ts). Every
 * change to the credit account's posted balance changes the lots in the same
 * transaction: a grant adds a lot, and every debit — usage, a refund, debt
 * settled, an expiry — takes from lots, oldest expiry first (lots that never
 * expire last; ties by grant time). So `Σ remaining = credits posted − debits
 * posted` always, and the credits that expire soonest are the ones spent.
 *
 * Lock order, to stay free of deadlocks on PostgreSQL: every path locks the
 * organization's lots (lockLots) before it touches the ledger.
 */

export interface CreditLot {
  readonly id: string;
  readonly orgId: string;
  readonly reason: string;
  readonly grantedMinor: number;
  readonly remainingMinor: number;
  readonly expiredMinor: number;
  readonly currency: string;
  readonly grantedAtMs: number;
  /** Null: never expires. */
  readonly expiresAtMs: number | null;
}

const COLUMNS = 'id, org_id, reason, granted_minor, remaining_minor, expired_minor, currency, granted_at_ms, expires_at_ms';
// Oldest expiry first, never-expiring last (NULL ordering differs between SQLite and PostgreSQL, so it is spelled out).
const SPEND_ORDER = 'CASE WHEN expires_at_ms IS NULL THEN 1 ELSE 0 END, expires_at_ms, granted_at_ms, id';

function fromRow(row: any): CreditLot {
  return {
    id: row.id,
    orgId: row.org_id,
    reason: row.reason,
    grantedMinor: Number(row.granted_minor),
    remainingMinor: Number(row.remaining_minor),
    expiredMinor: Number(row.expired_minor),
    currency: row.currency,
    grantedAtMs: Number(row.granted_at_ms),
    expiresAtMs: row.expires_at_ms === null ? null : Number(row.expires_at_ms),
  };
}

/** The organization's lots with credits left, in spending order, locked for the transaction. */
export async function lockLots(tx: Tx, orgId: string): Promise<CreditLot[]> {
  return (await tx.all(`SELECT ${COLUMNS} FROM billing_credit_lots WHERE org_id = ? AND remaining_minor > 0 ORDER BY ${SPEND_ORDER} ${tx.forUpdate}`, [orgId])).map(fromRow);
}

/** A granted lot; the lot's id is the grant's transfer id, so a replayed grant adds nothing. */
export async function insertLot(tx: Tx, lot: Omit<CreditLot, 'remainingMinor' | 'expiredMinor'>): Promise<void> {
  await tx.run(
    `INSERT INTO billing_credit_lots (id, org_id, reason, granted_minor, remaining_minor, expired_minor, currency, granted_at_ms, expires_at_ms)
     VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
    [lot.id, lot.orgId, lot.reason.slice(0, 64), lot.grantedMinor, lot.grantedMinor, lot.currency, lot.grantedAtMs, lot.expiresAtMs],
  );
}

/**
 * Takes `amountMinor` the ledger has just debited from the organization's
 * credits out of its lots: from `firstLotId` first if given (a refund's own
 * purchase, an expiring lot), then oldest expiry first. `expired` books it as
 * expired on the lots. Credits granted before lots existed have no lot: what
 * the lots cannot cover came from those.
 */
export async function takeFromLots(tx: Tx, orgId: string, amountMinor: number, options: { firstLotId?: string; expired?: boolean } = {}): Promise<void> {
  if (amountMinor <= 0) return;
  const lots = await lockLots(tx, orgId);
  const first = lots.findIndex((lot) => lot.id === options.firstLotId);
  if (first > 0) lots.unshift(...lots.splice(first, 1));
  let left = amountMinor;
  for (const lot of lots) {
    if (left === 0) break;
    const take = Math.min(left, lot.remainingMinor);
    await tx.run(`UPDATE billing_credit_lots SET remaining_minor = remaining_minor - ?, expired_minor = expired_minor + ? WHERE id = ?`, [take, options.expired ? take : 0, lot.id]);
    left -= take;
  }
}

/** The organization's lots, newest first (spent and expired ones too), for the page. */
export async function listLots(sql: Sql, orgId: string, limit: number): Promise<CreditLot[]> {
  return (await sql.all(`SELECT ${COLUMNS} FROM billing_credit_lots WHERE org_id = ? ORDER BY granted_at_ms DESC, id DESC LIMIT ?`, [orgId, limit])).map(fromRow);
}

/** Lots past their expiry with credits left (any organization), for the expiry task. */
export async function dueLots(sql: Sql, nowMs: number, limit: number): Promise<{ id: string; orgId: string }[]> {
  const rows = await sql.all<{ id: string; org_id: string }>(
    'SELECT id, org_id FROM billing_credit_lots WHERE expires_at_ms <= ? AND remaining_minor > 0 ORDER BY expires_at_ms, id LIMIT ?',
    [nowMs, limit],
  );
  return rows.map((row) => ({ id: row.id, orgId: row.org_id }));
}

export async function findLot(sql: Sql, id: string): Promise<CreditLot | null> {
  const row = await sql.get(`SELECT ${COLUMNS} FROM billing_credit_lots WHERE id = ?`, [id]);
  return row === undefined ? null : fromRow(row);
}
