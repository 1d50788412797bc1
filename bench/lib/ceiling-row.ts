import { renderDdl } from '../../src/platform/db/migrations.ts';
import type { Dialect } from '../../src/platform/db/database.ts';
import { systemClock } from '../../src/platform/clock.ts';
import { IdGenerator } from '../../src/platform/ids.ts';
import { accountId } from './workload.ts';

/**
 * The ceiling's row: the same 17 columns (plus the serial key and the unique
 * id) as `ledger_transfers`, filled with values of the same width — but none
 * of the ledger's work around it: no secondary indexes, no foreign keys, no
 * account reads or balance updates, no journal entry. What is left is the
 * cost of one durable commit carrying that much data, the floor the ledger
 * cannot go below on the same database.
 */
export const CEILING_WHAT_ROW =
  'raw INSERT of a ledger_transfers-shaped row (17 columns + serial key, UNIQUE id; no secondary indexes, no account update, no journal)';

export const CEILING_COLUMNS = [
  'id', 'debit_account_id', 'credit_account_id', 'amount', 'requested_amount', 'pending_id', 'ledger', 'currency',
  'code', 'flags', 'timeout_ms', 'expires_at_ms', 'metadata', 'created_at_ms', 'pending_status', 'resolved_at_ms', 'resolved_by',
] as const;

export function ceilingTableDdl(dialect: Dialect, table: string): string {
  return renderDdl(
    dialect,
    `CREATE TABLE ${table} (
      seq {{serial}},
      id TEXT NOT NULL UNIQUE,
      debit_account_id TEXT NOT NULL,
      credit_account_id TEXT NOT NULL,
      amount BIGINT NOT NULL,
      requested_amount BIGINT,
      pending_id TEXT,
      ledger INTEGER NOT NULL,
      currency TEXT NOT NULL,
      code INTEGER NOT NULL,
      flags INTEGER NOT NULL,
      timeout_ms BIGINT NOT NULL,
      expires_at_ms BIGINT,
      metadata TEXT NOT NULL,
      created_at_ms BIGINT NOT NULL,
      pending_status TEXT,
      resolved_at_ms BIGINT,
      resolved_by TEXT
    )`,
  );
}

/** `INSERT INTO t (…) VALUES (…), (…)` for `rows` rows, with `?` or `$n` placeholders. */
export function ceilingInsertSql(dialect: Dialect, table: string, rows: number): string {
  let n = 0;
  const placeholder = () => (dialect === 'postgres' ? `$${++n}` : '?');
  const tuple = () => `(${CEILING_COLUMNS.map(placeholder).join(', ')})`;
  return `INSERT INTO ${table} (${CEILING_COLUMNS.join(', ')}) VALUES ${Array.from({ length: rows }, tuple).join(', ')}`;
}

/** Parameters for `rows` rows, flattened in column order; values like a plain posted transfer's. */
export class CeilingRows {
  readonly #ids = new IdGenerator(systemClock);
  constructor(readonly accounts: number) {}

  params(rows: number): unknown[] {
    const out: unknown[] = [];
    for (let i = 0; i < rows; i++) {
      const amount = 1 + Math.floor(Math.random() * 1_000);
      out.push(
        this.#ids.next('tr'),
        accountId(Math.floor(Math.random() * this.accounts)),
        accountId(Math.floor(Math.random() * this.accounts)),
        amount, amount, null, 1, 'USD', 1, 0, 0, null, '{}', Date.now(), null, null, null,
      );
    }
    return out;
  }
}
