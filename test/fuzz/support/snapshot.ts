import { createHash } from 'node:crypto';
import type { Database } from '../../../src/platform/db/database.ts';

/**
 * A fingerprint of the whole database — per table, its row count and a hash
 * of its rows (order-independent) — to check that a refused request changed
 * nothing.
 *
 * Tables left out, each because a refused request may rightly write to it:
 */
export const TABLES_CHANGED_BY_REFUSALS: Readonly<Record<string, string>> = {
  // Wrong one-time codes are counted on the code's row (its `attempts`), so
  // guessing is bounded: a 4xx "wrong code" MUST write here, or a guesser
  // could try every code.
  issuer_otp_codes: 'wrong sign-in codes are counted against the code (brute-force bound)',
  billing_member_codes: 'wrong e-mail sign-in codes are counted against the code (brute-force bound)',
};

export type Snapshot = ReadonlyMap<string, { readonly rows: number; readonly hash: string }>;

export async function listTables(db: Database): Promise<string[]> {
  const rows =
    db.dialect === 'postgres'
      ? await db.all<{ name: string }>(
          "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
        )
      : await db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
  return rows.map((row) => row.name).filter((name) => !(name in TABLES_CHANGED_BY_REFUSALS));
}

export async function takeSnapshot(db: Database, tables: readonly string[]): Promise<Snapshot> {
  const snapshot = new Map<string, { rows: number; hash: string }>();
  for (const table of tables) {
    const rows = await db.all<Record<string, unknown>>(`SELECT * FROM ${table}`);
    const lines = rows.map((row) => JSON.stringify(row, (_key, value) => (typeof value === 'bigint' ? value.toString() : value))).sort();
    const hash = createHash('sha256');
    for (const line of lines) hash.update(line).update('\n');
    snapshot.set(table, { rows: rows.length, hash: hash.digest('hex').slice(0, 16) });
  }
  return snapshot;
}

/** The tables whose rows differ, with their counts before → after; empty when nothing changed. */
export function snapshotDiff(before: Snapshot, after: Snapshot): string[] {
  const changed: string[] = [];
  for (const [table, was] of before) {
    const now = after.get(table);
    if (now === undefined || now.hash !== was.hash) changed.push(`${table} (${was.rows} → ${now?.rows ?? 'gone'} rows)`);
  }
  return changed;
}

export function sameSnapshot(a: Snapshot, b: Snapshot): boolean {
  return snapshotDiff(a, b).length === 0;
}
