import type { Sql, Tx } from '../../platform/db/database.ts';
import type { IdGenerator } from '../../platform/ids.ts';
import { AcquirerError, noSuchObject } from '../errors.ts';
import { recordEvent } from '../events/events.ts';

/**
 * Test clocks: storage, Stripe's object, and the time an object attached to
 * one sees. Each object that belongs to a customer reads its "now" through
 * `timeOfCustomer` — the clock's `frozen_time` for a customer on a test
 * clock, the server's clock otherwise — so moving a test clock moves only
 * its own customers' world, never the server's or another merchant's.
 *
 * `advance` is the one way time moves: it runs every piece of work that
 * falls due between the old and the new time (`TestClockWork`) and records
 * `test_helpers.test_clock.advancing` then `…ready` (or `…internal_failure`
 * when that work failed). Stripe advances asynchronously and answers
 * `advancing`; Cardlane does the work within the request and answers the
 * same `advancing` object, so a client that polls until `ready` (as Stripe's
 * docs show) works unchanged and finds it at once.
 */

/** Stripe deletes a test clock 30 days after it was made. */
export const TEST_CLOCK_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000;
/** Stripe's limit on how far ahead a clock may be set or moved at once (two years, with subscriptions: two intervals). */
export const TEST_CLOCK_MAX_ADVANCE_MS = 2 * 366 * 24 * 60 * 60 * 1000;
export const TEST_CLOCK_NAME_MAX_CHARS = 300;

export type TestClockStatus = 'ready' | 'advancing' | 'internal_failure';

export interface TestClockRow {
  id: string;
  merchant_id: string;
  name: string | null;
  frozen_time_ms: number | string;
  status: TestClockStatus;
  created_at_ms: number | string;
  deletes_after_ms: number | string;
  deleted_at_ms: number | string | null;
}

export const TEST_CLOCK_COLUMNS = 'id, merchant_id, name, frozen_time_ms, status, created_at_ms, deletes_after_ms, deleted_at_ms';

/**
 * Work that falls due when a test clock passes a moment (a renewal, an
 * expiry). `due`, given the clock and the window `(fromMs, toMs]`, records
 * in the advance's transaction what happens as of `toMs` for the clock's
 * customers; `settle`, after that transaction committed, does what must not
 * run inside one (a payment at the card network) — before the advance
 * answers, so a client that advanced finds the outcome. What `settle` leaves
 * undone (a crash) its module's own sweep finishes. Registered by the
 * modules that own such work; run in the advance's order.
 */
export interface TestClockWork {
  readonly due: (tx: Tx, clock: { readonly id: string; readonly merchantId: string; readonly fromMs: number; readonly toMs: number }) => Promise<void>;
  readonly settle?: (clock: { readonly id: string; readonly merchantId: string; readonly toMs: number }) => Promise<void>;
}

export interface TestClockDeps {
  readonly ids: IdGenerator;
  readonly nowMs: number;
}

type EventRequest = { readonly id: string | null; readonly idempotencyKey: string | null };

export function testClockObject(row: TestClockRow) {
  return {
    id: row.id,
    object: 'test_helpers.test_clock' as const,
    created: Math.floor(Number(row.created_at_ms) / 1000),
    deletes_after: Math.floor(Number(row.deletes_after_ms) / 1000),
    frozen_time: Math.floor(Number(row.frozen_time_ms) / 1000),
    livemode: false,
    name: row.name,
    status: row.status,
    status_details: row.status === 'advancing' ? { advancing: { target_frozen_time: Math.floor(Number(row.frozen_time_ms) / 1000) } } : {},
  };
}

export function deletedTestClockObject(id: string) {
  return { id, object: 'test_helpers.test_clock' as const, deleted: true as const };
}

export function noSuchTestClock(id: string, param = 'test_clock'): Error {
  return noSuchObject(`No such test_clock: '${id}'`, param);
}

/**
 * A live (not deleted) test clock of this merchant, or Stripe's `resource_missing` naming `param`
 * (404 for the path's `id`, 400 for a customer's `test_clock`); `lock` only inside a transaction.
 */
export async function requireTestClock(sql: Sql, merchantId: string, id: string, param = 'test_clock', lock = false): Promise<TestClockRow> {
  const row = await sql.get<TestClockRow>(
    `SELECT ${TEST_CLOCK_COLUMNS} FROM acquirer_test_clocks WHERE merchant_id = ? AND id = ? AND deleted_at_ms IS NULL${lock ? ` ${(sql as Tx).forUpdate}` : ''}`,
    [merchantId, id],
  );
  if (row === undefined) throw noSuchTestClock(id, param);
  return row;
}

/** The "now" a customer's objects see: its test clock's frozen time, else the server's. */
export async function timeOfCustomer(sql: Sql, merchantId: string, customerId: string | null | undefined, serverNowMs: number): Promise<number> {
  if (customerId === null || customerId === undefined) return serverNowMs;
  const row = await sql.get<{ frozen_time_ms: number | string }>(
    `SELECT c.frozen_time_ms FROM acquirer_customers u JOIN acquirer_test_clocks c ON c.id = u.test_clock_id
     WHERE u.merchant_id = ? AND u.id = ? AND c.deleted_at_ms IS NULL`,
    [merchantId, customerId],
  );
  return row === undefined ? serverNowMs : Number(row.frozen_time_ms);
}

export async function createTestClock(
  tx: Tx,
  deps: TestClockDeps,
  input: { readonly merchantId: string; readonly frozenTimeMs: number; readonly name: string | null; readonly request: EventRequest },
): Promise<TestClockRow> {
  const id = deps.ids.next('clock');
  await tx.run(`INSERT INTO acquirer_test_clocks (${TEST_CLOCK_COLUMNS}) VALUES (?, ?, ?, ?, 'ready', ?, ?, NULL)`, [
    id,
    input.merchantId,
    input.name,
    input.frozenTimeMs,
    deps.nowMs,
    deps.nowMs + TEST_CLOCK_LIFETIME_MS,
  ]);
  const row = await requireTestClock(tx, input.merchantId, id);
  await recordEvent(tx, deps, { merchantId: input.merchantId, type: 'test_helpers.test_clock.created', object: testClockObject(row), request: input.request });
  return row;
}

/**
 * Moves the clock to `frozenTimeMs` and runs the work that fell due, all in
 * one transaction with the clock's row locked: a crash leaves the clock as
 * it was (never stuck `advancing`), and of two advances of one clock the
 * second waits, then must go beyond the first's time. The `advancing` and
 * `ready` events are both recorded, as Stripe sends them. If the work fails,
 * its writes roll back and, in a transaction of its own, the clock is moved
 * anyway and marked `internal_failure`, as Stripe reports it.
 * Answers the clock as it was while advancing (Stripe's answer to advance).
 */
export async function advanceTestClock(
  db: { transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> },
  deps: TestClockDeps,
  work: readonly TestClockWork[],
  input: { readonly merchantId: string; readonly id: string; readonly frozenTimeMs: number; readonly request: EventRequest },
): Promise<TestClockRow> {
  let workStarted = false;
  try {
    return await db.transaction(async (tx) => {
      const before = await requireTestClock(tx, input.merchantId, input.id, 'id', true);
      const fromMs = Number(before.frozen_time_ms);
      if (input.frozenTimeMs <= fromMs) {
        throw new AcquirerError('parameter_invalid', `Cannot advance a test clock to the past or to its current time: frozen_time must be after ${Math.floor(fromMs / 1000)}.`, { param: 'frozen_time' });
      }
      if (input.frozenTimeMs - fromMs > TEST_CLOCK_MAX_ADVANCE_MS) {
        throw new AcquirerError('parameter_invalid', 'A test clock can be advanced by at most two years at a time.', { param: 'frozen_time' });
      }
      await tx.run(`UPDATE acquirer_test_clocks SET status = 'advancing', frozen_time_ms = ? WHERE id = ?`, [input.frozenTimeMs, input.id]);
      const advancing = await requireTestClock(tx, input.merchantId, input.id, 'id');
      await recordEvent(tx, deps, { merchantId: input.merchantId, type: 'test_helpers.test_clock.advancing', object: testClockObject(advancing), request: input.request });
      // The event is a queued write: known written before the work starts, or a failure of it would be taken for the work's.
      await tx.settle();
      workStarted = true;
      for (const step of work) await step.due(tx, { id: input.id, merchantId: input.merchantId, fromMs, toMs: input.frozenTimeMs });
      await tx.run(`UPDATE acquirer_test_clocks SET status = 'ready' WHERE id = ?`, [input.id]);
      await recordEvent(tx, deps, { merchantId: input.merchantId, type: 'test_helpers.test_clock.ready', object: testClockObject({ ...advancing, status: 'ready' }), request: input.request });
      return advancing;
    });
  } catch (error) {
    if (!workStarted) throw error;
    return db.transaction(async (tx) => {
      await requireTestClock(tx, input.merchantId, input.id, 'id', true);
      await tx.run(`UPDATE acquirer_test_clocks SET status = 'internal_failure', frozen_time_ms = ? WHERE id = ?`, [input.frozenTimeMs, input.id]);
      const failed = await requireTestClock(tx, input.merchantId, input.id, 'id');
      await recordEvent(tx, deps, { merchantId: input.merchantId, type: 'test_helpers.test_clock.internal_failure', object: testClockObject(failed), request: input.request });
      return failed;
    });
  }
}

/** Deletes the clock and, as Stripe does, the customers on it (their payment methods are detached with them). */
export async function deleteTestClock(
  tx: Tx,
  deps: TestClockDeps,
  input: { readonly merchantId: string; readonly id: string; readonly request: EventRequest },
  deleteCustomerOnClock: (tx: Tx, customerId: string) => Promise<void>,
): Promise<void> {
  const row = await requireTestClock(tx, input.merchantId, input.id, 'id', true);
  const customers = await tx.all<{ id: string }>('SELECT id FROM acquirer_customers WHERE merchant_id = ? AND test_clock_id = ? AND deleted_at_ms IS NULL ORDER BY id', [
    input.merchantId,
    input.id,
  ]);
  for (const customer of customers) await deleteCustomerOnClock(tx, customer.id);
  await tx.run('UPDATE acquirer_test_clocks SET deleted_at_ms = ? WHERE id = ?', [deps.nowMs, input.id]);
  await recordEvent(tx, deps, { merchantId: input.merchantId, type: 'test_helpers.test_clock.deleted', object: testClockObject(row), request: input.request });
}
