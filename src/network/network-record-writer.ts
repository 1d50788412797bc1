import { GroupCommit } from '../platform/db/group-commit.ts';
import type { Database, Tx } from '../platform/db/database.ts';
import { loadNetworkRows, NETWORK_MESSAGE_COLUMNS, type NetworkMessageRow } from './network-records.ts';

/**
 * Writes the network's records through group commit: concurrent callers
 * share one transaction (and one fsync), each waits for its own record to be
 * durable before it answers. On SQLite with synchronous=FULL a commit costs
 * far more than a row, so this is what lets the network keep up with many
 * authorizations a second.
 *
 * `insert` adds a record unless one with that id exists; `retry` replaces the
 * answer of a follow-up whose stored answer was a "try again" (91/96). Either
 * way the caller gets back the row as stored: its own, or the first one when
 * another answer got there first (a repeat racing its original), so every
 * sender of an id gets the same answer.
 */

export type RecordWrite = { readonly mode: 'insert' | 'retry'; readonly row: NetworkMessageRow };

/** Rows per multi-row INSERT: 38 columns × 25 = 950 parameters, well under both databases' limits. */
const ROWS_PER_INSERT = 25;
const MAX_RECORDS_PER_COMMIT = 500;
const POSTGRES_COMMITS_IN_FLIGHT = 2;
const RETRYABLE_CODES = ['91', '96'];

const INSERT_COLUMNS = NETWORK_MESSAGE_COLUMNS.join(', ');
const ROW_PLACEHOLDERS = `(${NETWORK_MESSAGE_COLUMNS.map(() => '?').join(', ')})`;
const INSERT_ONE_SQL = `INSERT INTO network_messages (${INSERT_COLUMNS}) VALUES ${ROW_PLACEHOLDERS} ON CONFLICT (id) DO NOTHING`;
/** Columns a retry replaces: the answer, never what was asked. */
const ANSWER_COLUMNS = [
  'issuer', 'response_code', 'reason', 'decided_by', 'approval_code', 'answer_amount_minor', 'avs_line1', 'avs_postal_code',
  'cvv2', 'issuer_authorization_id', 'issuer_outcome', 'latency_us', 'answered_at_ms',
] as const satisfies ReadonlyArray<keyof NetworkMessageRow>;
const RETRY_SQL = `UPDATE network_messages SET ${ANSWER_COLUMNS.map((c) => `${c} = ?`).join(', ')}, attempts = attempts + 1
  WHERE id = ? AND response_code IN (${RETRYABLE_CODES.map(() => '?').join(', ')})`;

export class NetworkRecordWriter {
  readonly #group: GroupCommit<RecordWrite, NetworkMessageRow>;

  constructor(db: Database) {
    this.#group = new GroupCommit(db, applyWrites, {
      maxInFlight: db.dialect === 'sqlite' ? 1 : POSTGRES_COMMITS_IN_FLIGHT,
      maxEventsPerCommit: MAX_RECORDS_PER_COMMIT,
      sizeOf: () => 1,
    });
  }

  /** Resolves with the row as stored once it is committed. */
  write(write: RecordWrite): Promise<NetworkMessageRow> {
    return this.#group.submit(write);
  }
}

/** Writes records in the caller's transaction; each write gets back the row as stored (see the class above). */
export async function applyWrites(tx: Tx, writes: readonly RecordWrite[]): Promise<NetworkMessageRow[]> {
  const written = new Set<string>();
  const inserts = writes.filter((w) => w.mode === 'insert');
  if (tx.dialect === 'sqlite') {
    // SQLite runs in process: one cached single-row statement per record costs
    // less than building and binding multi-row statements (measured), and
    // `changes` says whether the row went in.
    for (const w of inserts) {
      if ((await tx.run(INSERT_ONE_SQL, rowValues(w.row))) === 1) written.add(w.row.id);
    }
  } else {
    // PostgreSQL is a round trip away: many rows a statement.
    for (let start = 0; start < inserts.length; start += ROWS_PER_INSERT) {
      const chunk = inserts.slice(start, start + ROWS_PER_INSERT);
      const returned = await tx.all<{ id: string }>(
        `INSERT INTO network_messages (${INSERT_COLUMNS}) VALUES ${chunk.map(() => ROW_PLACEHOLDERS).join(', ')}
         ON CONFLICT (id) DO NOTHING RETURNING id`,
        chunk.flatMap((w) => rowValues(w.row)),
      );
      for (const { id } of returned) written.add(id);
    }
  }
  for (const w of writes) {
    if (w.mode !== 'retry') continue;
    await tx.run(RETRY_SQL, [...ANSWER_COLUMNS.map((column) => w.row[column]), w.row.id, ...RETRYABLE_CODES]);
  }
  // A write is answered with its own row only if it inserted it (the first of
  // two inserts of one id in a batch); anything else (a conflict, a retry,
  // whether it replaced a settled answer or not) is answered with what is stored.
  const ours = new Set<number>();
  const claimed = new Set<string>();
  writes.forEach((w, i) => {
    if (w.mode === 'insert' && written.has(w.row.id) && !claimed.has(w.row.id)) {
      claimed.add(w.row.id);
      ours.add(i);
    }
  });
  const stored = await loadNetworkRows(tx, writes.filter((_, i) => !ours.has(i)).map((w) => w.row.id));
  return writes.map((w, i) => {
    if (ours.has(i)) return w.row;
    const row = stored.get(w.row.id);
    if (!row) throw new Error(`network record ${w.row.id} vanished while it was being written`);
    return row;
  });
}

function rowValues(row: NetworkMessageRow): unknown[] {
  return NETWORK_MESSAGE_COLUMNS.map((column) => row[column]);
}
