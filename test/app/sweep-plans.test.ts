import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startCardlane } from '../../src/app/start.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { tallyStatements } from '../../src/platform/db/statement-tally.ts';
import { createLogger } from '../../src/platform/logger.ts';

/**
 * Issue 15's "cost flat as data grows", for the background tasks: every few
 * seconds (the ledger's roll-up every 200 ms) each process runs every
 * module's sweeps — payments left processing, challenges abandoned, holds
 * to release, renewals due — and a sweep that reads a table whole costs
 * more every day: 100,000 payment intents read to find the three still
 * processing, or two million applied ledger entries walked to reach the
 * fifty that are not (73 ms of the one thread, five times a second). Each
 * statement the tasks run is planned by SQLite as a database that was never
 * analyzed plans it (no statistics: the plan does not depend on the data)
 * and must reach each table through an index: a search, or a scan of a
 * partial index whose rows are only those in the state swept.
 */

test('every statement the background tasks run reaches a growing table through an index', { timeout: 120_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cardlane-sweep-plans-'));
  const clock = new ManualClock(Date.UTC(2026, 2, 1));
  const cardlane = await startCardlane({ flags: { port: '0', database: join(dataDir, 'cardlane.db'), dataDir }, env: {}, clock, tasks: () => [], logger: createLogger({ level: 'silent' }) });
  try {
    const ran = new Set<string>();
    for (const name of cardlane.taskNames) {
      const { sql } = await tallyStatements(() => cardlane.runTask(name));
      for (const statement of sql) ran.add(statement);
    }
    assert.ok(ran.size > 10, `the tasks ran ${ran.size} distinct statements`);

    const tables = new Set((await cardlane.db.all<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table'`)).map((row) => row.name));
    const partialIndexes = new Set(
      (await cardlane.db.all<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE '% WHERE %'`)).map((row) => row.name),
    );
    const scans: string[] = [];
    for (const statement of ran) {
      const params = Array.from(statement.matchAll(/\?/g), () => null);
      const plan = await cardlane.db.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${statement}`, params);
      for (const { detail } of plan) {
        const scan = /^SCAN (\w+)(?: AS \w+)?(?: USING (?:COVERING )?INDEX (\w+))?/.exec(detail);
        if (scan === null) continue;
        const [, table, index] = scan;
        // A scan of a WITH clause's rows or of a partial index is bounded by what the sweep looks for.
        if (!tables.has(table!) || (index !== undefined && partialIndexes.has(index))) continue;
        scans.push(`${detail}\n    in: ${statement.replace(/\s+/g, ' ').slice(0, 240)}`);
      }
    }
    assert.deepEqual(scans, [], `statements of the background tasks that read a table whole:\n  ${scans.join('\n  ')}`);
  } finally {
    await cardlane.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
