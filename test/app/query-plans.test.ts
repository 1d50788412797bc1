import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Stripe from 'stripe';
import { startCardlane } from '../../src/app/start.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import type { Database } from '../../src/platform/db/database.ts';
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

    const scans = await wholeTableReads(cardlane.db, ran);
    assert.deepEqual(scans, [], `statements of the background tasks that read a table whole:\n  ${scans.join('\n  ')}`);
  } finally {
    await cardlane.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('every statement of the merchant API\'s common requests reaches each table through an index', { timeout: 120_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cardlane-request-plans-'));
  const cardlane = await startCardlane({ flags: { port: '0', database: join(dataDir, 'cardlane.db'), dataDir }, env: {}, tasks: () => [], logger: createLogger({ level: 'silent' }) });
  try {
    const stripe = new Stripe(cardlane.demoMerchant.secret_key, { host: '127.0.0.1', port: Number(new URL(cardlane.url).port), protocol: 'http', maxNetworkRetries: 0, telemetry: false });
    const { sql } = await tallyStatements(async () => {
      const customer = await stripe.customers.create({ email: 'ada@example.com' });
      const pm = await stripe.paymentMethods.create({ type: 'card', card: { number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' } });
      await stripe.paymentMethods.attach(pm.id, { customer: customer.id });
      // The benchmark's request (bench:payments), twice: the second runs on warm caches, as most do.
      for (const key of ['one', 'two']) {
        await stripe.paymentIntents.create({ amount: 1000, currency: 'usd', customer: customer.id, payment_method: pm.id, confirm: true, off_session: true }, { idempotencyKey: key });
      }
      const manual = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', customer: customer.id, payment_method: pm.id, confirm: true, capture_method: 'manual' });
      await stripe.paymentIntents.capture(manual.id, { amount_to_capture: 1500 });
      await stripe.refunds.create({ payment_intent: manual.id, amount: 500 });
      await stripe.paymentIntents.retrieve(manual.id);
      await stripe.paymentIntents.list({ limit: 10 });
      await stripe.paymentIntents.list({ limit: 10, customer: customer.id });
      await stripe.charges.list({ limit: 10 });
      await stripe.refunds.list({ limit: 10 });
      await stripe.events.list({ limit: 10 });
      await stripe.customers.list({ limit: 10 });
      await stripe.paymentMethods.list({ customer: customer.id, type: 'card' });
    });
    assert.ok(new Set(sql).size > 50, `the requests ran ${new Set(sql).size} distinct statements`);
    const scans = await wholeTableReads(cardlane.db, new Set(sql));
    assert.deepEqual(scans, [], `statements of the merchant API that read a table whole:\n  ${scans.join('\n  ')}`);
  } finally {
    await cardlane.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

/** The statements among `statements` that SQLite would run by reading a table whole (each with its plan's line). */
async function wholeTableReads(db: Database, statements: Iterable<string>): Promise<string[]> {
  const tables = new Set((await db.all<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table'`)).map((row) => row.name));
  const partialIndexes = new Set((await db.all<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE '% WHERE %'`)).map((row) => row.name));
  const scans: string[] = [];
  for (const statement of statements) {
    const params = Array.from(statement.matchAll(/\?/g), () => null);
    const plan = await db.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${statement}`, params);
    for (const { detail } of plan) {
      const scan = /^SCAN (\w+)(?: AS \w+)?(?: USING (?:COVERING )?INDEX (\w+))?/.exec(detail);
      if (scan === null) continue;
      const [, table, index] = scan;
      // A scan of a WITH clause's rows or of a partial index is bounded by what the statement looks for.
      if (!tables.has(table!) || (index !== undefined && partialIndexes.has(index))) continue;
      scans.push(`${detail}\n    in: ${statement.replace(/\s+/g, ' ').slice(0, 240)}`);
    }
  }
  return scans;
}
