import type { Database } from './database.ts';

export const BACKFILL_BATCH_SIZE = 200;

export interface BackfillResult {
  readonly updated: number;
  /** Rows left as they were: `valueOf` had no value for them. */
  readonly skipped: number;
}

export interface ColumnBackfill<Row extends { readonly id: string }> {
  readonly table: string;
  /** The column to fill where it is still NULL. */
  readonly column: string;
  /** The columns `valueOf` reads (besides `id`). */
  readonly sourceColumns: readonly string[];
  /** The value for a row, or null to leave it as it is (the start goes on). */
  valueOf(row: Row): string | null;
}

/**
 * Fills a column that a later migration added, for the rows written before
 * it, from other columns of the same row. Run at start-up; idempotent: only
 * rows still NULL are touched, and a row another process filled meanwhile is
 * left as it is. Bounded: `batchSize` rows per transaction, walked in id
 * order, so a large table neither holds one long transaction nor is read
 * whole. Table and column names are the caller's constants, never input.
 */
export async function backfillColumn<Row extends { readonly id: string }>(
  db: Database,
  spec: ColumnBackfill<Row>,
  batchSize = BACKFILL_BATCH_SIZE,
): Promise<BackfillResult> {
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const select = `SELECT id, ${spec.sourceColumns.join(', ')} FROM ${spec.table} WHERE ${spec.column} IS NULL AND id > ? ORDER BY id LIMIT ?`;
  const update = `UPDATE ${spec.table} SET ${spec.column} = ? WHERE id = ? AND ${spec.column} IS NULL`;
  let updated = 0;
  let skipped = 0;
  let afterId = '';
  for (;;) {
    const batch = await db.transaction(async (tx) => {
      const rows = await tx.all<Row>(select, [afterId, batchSize]);
      let filled = 0;
      let left = 0;
      for (const row of rows) {
        const value = spec.valueOf(row);
        if (value === null) left++;
        else filled += await tx.run(update, [value, row.id]);
      }
      // Counted here and added after the commit, so a transaction that rolls back counts nothing.
      return { size: rows.length, lastId: rows.at(-1)?.id ?? afterId, filled, left };
    });
    updated += batch.filled;
    skipped += batch.left;
    if (batch.size < batchSize) return { updated, skipped };
    afterId = batch.lastId;
  }
}
