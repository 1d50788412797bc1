import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Cardlane } from '../../src/app/start.ts';
import { invoiceRoutes } from '../../src/billing/http/invoice-routes.ts';
import type { Database, Sql } from '../../src/platform/db/database.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { createHttpServer } from '../../src/platform/http/server.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { demoMerchantStripe, startInProcessCardlane, type InProcessCardlane } from '../support/in-process-cardlane.ts';
import { readPdf } from '../support/pdf-text.ts';
import { orgWithPurchase } from './credit-purchase-fixture.ts';

// An invoice's PDF shows the amount refunded (read with the invoice) and lists the refunds (read after it). Read
// apart, a refund committed between the two reads made one file that listed a refund its totals did not count.
//
// What this proves: the invoice routes are served here on the suite's real database, wrapped so that right after
// the invoice's row is read, a real billing refund of that purchase is made and committed (through the unwrapped
// database, as a concurrent request would). The PDF read during that race must be the invoice as it stood when its
// reading began — no refund counted and none listed — which only holds if every read of the PDF comes from one
// snapshot. A fresh download afterwards shows the refund both ways, so the refund really did commit mid-read.

const clock = new ManualClock(Date.UTC(2026, 4, 1, 10));
let running: InProcessCardlane;
let cardlane: Cardlane;

before(async () => {
  running = await startInProcessCardlane('invoice-pdf-snapshot', clock);
  cardlane = running.cardlane;
});
after(() => running?.close());

/**
 * `db`, except that once, right after the first read of `billing_invoices` (by `db` itself or inside one of its
 * snapshots), `between` runs to its end before that read returns. Everything else passes straight through.
 */
function withChangeAfterInvoiceRead(db: Database, between: () => Promise<void>): { db: Database; fired: () => boolean } {
  let pending: (() => Promise<void>) | null = between;
  const hooked = <S extends Sql>(inner: S): S =>
    new Proxy(inner, {
      get(target, key) {
        const value: unknown = Reflect.get(target, key, target);
        if (key === 'get' || key === 'all') {
          const read = (target as Sql)[key].bind(target) as (sql: string, params?: readonly unknown[]) => Promise<unknown>;
          return async (sql: string, params?: readonly unknown[]) => {
            const result = await read(sql, params);
            if (pending !== null && /\bFROM billing_invoices\b/.test(sql)) {
              const run = pending;
              pending = null;
              await run();
            }
            return result;
          };
        }
        if (key === 'snapshot') return <T>(fn: (sql: Sql) => Promise<T>) => (target as unknown as Database).snapshot((view) => fn(hooked(view)));
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  return { db: hooked(db), fired: () => pending === null };
}

async function pdfLines(url: string, apiKey: string, invoiceId: string): Promise<string[]> {
  const response = await fetch(`${url}/billing/v1/invoices/${invoiceId}.pdf?lang=en&tz=UTC`, { headers: { authorization: `Bearer ${apiKey}` } });
  assert.equal(response.status, 200, await response.clone().text());
  return readPdf(Buffer.from(await response.arrayBuffer())).text.split('\n');
}

/** The drawn string after `label` (a total's amount is drawn right after its label). */
function valueAfter(lines: readonly string[], label: string): string | undefined {
  const at = lines.indexOf(label);
  return at < 0 ? undefined : lines[at + 1];
}

test('a refund committed while an invoice PDF is being read is in neither its amount refunded nor its list of refunds', async () => {
  const billing = cardlane.billing.services;
  const { tokenizer } = demoMerchantStripe(cardlane);
  const { orgId, apiKey, purchase } = await orgWithPurchase({ cardlane, tokenizer, clock }, 'Snapshot reader', 2_000);
  const invoice = await cardlane.db.get<{ id: string }>('SELECT id FROM billing_invoices WHERE org_id = ? AND attempt_id = ?', [orgId, purchase.id]);
  assert.ok(invoice, 'the purchase has an invoice');

  const racing = withChangeAfterInvoiceRead(cardlane.db, async () => {
    assert.equal((await billing.refunds.refund(purchase.id, { amountMinor: 1_000 })).status, 'succeeded');
  });
  const app: FastifyInstance = await createHttpServer({
    db: cardlane.db,
    logger: createLogger({ level: 'silent' }),
    version: 'test',
    routes: [{ plugin: invoiceRoutes({ ...billing.deps, db: racing.db }), prefix: '/billing/v1' }],
  });
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;

    const during = await pdfLines(url, apiKey, invoice.id);
    assert.ok(racing.fired(), 'the refund was made between the reads');
    assert.ok(!during.some((line) => line.startsWith('Refunds and disputes')), `no refund listed:\n${during.join('\n')}`);
    assert.equal(valueAfter(during, 'Amount refunded'), undefined, 'no amount refunded');
    assert.equal(valueAfter(during, 'Total paid'), '$20.00');

    const afterwards = await pdfLines(url, apiKey, invoice.id);
    assert.ok(afterwards.some((line) => line.startsWith('Refunds and disputes')), `the refund listed:\n${afterwards.join('\n')}`);
    assert.equal(valueAfter(afterwards, 'Amount refunded'), '$10.00');
    assert.equal(valueAfter(afterwards, 'Net paid'), '$10.00');
  } finally {
    await app.close();
  }
});
