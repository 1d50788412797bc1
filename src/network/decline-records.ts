import type { AuthorizationCount, RecordPosition, TimeWindow } from '../doctor/index.ts';
import type { Sql } from '../platform/db/database.ts';
import type { DecidedBy, IsoResponseCode } from './messages.ts';
import { SELECT_COLUMNS, toRecord, type NetworkMessageRecord, type NetworkMessageRow } from './network-records.ts';

/**
 * The network's authorizations over a period, for the operator's view of
 * declines by cause (the doctor's `NetworkRecords` port). Both reads are
 * ranges of the partial indexes of migration network/006: `type` and the
 * approval code are literals in the SQL so the planner can match them.
 */

// Distinct (decider, code, reason) triples are a few dozen; the cap only bounds a corrupted table.
const GROUPS_MAX = 500;

export async function countAuthorizations(sql: Sql, window: TimeWindow): Promise<AuthorizationCount[]> {
  const rows = await sql.all<{ decided_by: DecidedBy; response_code: IsoResponseCode; reason: string; n: number | string }>(
    `SELECT decided_by, response_code, reason, COUNT(*) AS n FROM network_messages
      WHERE type = 'authorization' AND answered_at_ms >= ? AND answered_at_ms < ?
      GROUP BY decided_by, response_code, reason ORDER BY n DESC, response_code, reason LIMIT ${GROUPS_MAX}`,
    [window.fromMs, window.toMs],
  );
  return rows.map((row) => ({ decidedBy: row.decided_by, responseCode: row.response_code, reason: row.reason, count: Number(row.n) }));
}

export async function listDeclinedAuthorizations(sql: Sql, window: TimeWindow, after: RecordPosition | null, limit: number): Promise<NetworkMessageRecord[]> {
  const position = after === null ? '' : 'AND (answered_at_ms < ? OR (answered_at_ms = ? AND id < ?))';
  const rows = await sql.all<NetworkMessageRow>(
    `SELECT ${SELECT_COLUMNS} FROM network_messages
      WHERE type = 'authorization' AND response_code <> '00' AND answered_at_ms >= ? AND answered_at_ms < ? ${position}
      ORDER BY answered_at_ms DESC, id DESC LIMIT ?`,
    [window.fromMs, window.toMs, ...(after === null ? [] : [after.atMs, after.atMs, after.id]), limit],
  );
  return rows.map(toRecord);
}
