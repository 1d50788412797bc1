import type { AcquirerDeps } from '../acquirer-deps.ts';
import { AcquirerError } from '../errors.ts';
import { deleteCustomer } from '../customers/customers.ts';
import { refuseExpand } from '../events/refuse-expand.ts';
import { listPage, parseListQuery, stripeList, type ListQuery } from '../stripe/list.ts';
import type { StripeCall, StripeEndpoint } from '../stripe/route.ts';
import {
  advanceTestClock,
  createTestClock,
  deletedTestClockObject,
  deleteTestClock,
  requireTestClock,
  TEST_CLOCK_COLUMNS,
  TEST_CLOCK_MAX_ADVANCE_MS,
  TEST_CLOCK_NAME_MAX_CHARS,
  testClockObject,
  type TestClockRow,
  type TestClockWork,
} from './test-clocks.ts';

/**
 * Stripe's test clock endpoints under /v1/test_helpers/test_clocks: create,
 * retrieve, list, delete and advance (test-clocks.ts). Secret key only.
 */

// Unix seconds: far enough to hold any date a test sets, small enough that `* 1000` stays a safe integer.
const FROZEN_TIME_MAX_S = 100_000_000_000;

export function testClockEndpoints(deps: AcquirerDeps, work: readonly TestClockWork[] = []): StripeEndpoint<any>[] {
  const eventDeps = (call: StripeCall) => ({ ids: deps.ids, nowMs: call.nowMs });
  const request = (call: StripeCall) => ({ id: call.requestId, idempotencyKey: call.idempotencyKey ?? null });

  const create: StripeEndpoint<{ frozenTimeMs: number; name: string | null }> = {
    method: 'POST',
    url: '/test_helpers/test_clocks',
    summary: 'Create a test clock',
    parse: (params, call) => {
      refuseExpand(params);
      const frozenTimeS = params.integer('frozen_time', { required: true, min: 0, max: FROZEN_TIME_MAX_S })!;
      if (frozenTimeS * 1000 - call.nowMs > TEST_CLOCK_MAX_ADVANCE_MS) {
        throw new AcquirerError('parameter_invalid', 'frozen_time may be at most two years in the future.', { param: 'frozen_time' });
      }
      return { frozenTimeMs: frozenTimeS * 1000, name: params.string('name', { maxChars: TEST_CLOCK_NAME_MAX_CHARS }) ?? null };
    },
    run: async (input, call) => {
      const row = await deps.db.transaction(async (tx) => {
        const created = await createTestClock(tx, eventDeps(call), { merchantId: call.merchant.id, ...input, request: request(call) });
        await call.recovery.record(tx, created.id);
        return created;
      });
      return testClockObject(row);
    },
    // A create cut short after it committed answers the clock it made.
    resume: async (_input, call, id) => testClockObject(await requireTestClock(deps.db, call.merchant.id, id, 'id')),
  };

  const retrieve: StripeEndpoint<{ id: string }> = {
    method: 'GET',
    url: '/test_helpers/test_clocks/:id',
    summary: 'Retrieve a test clock',
    parse: (params, call) => {
      refuseExpand(params);
      return { id: call.path.id! };
    },
    run: async (input, call) => testClockObject(await requireTestClock(deps.db, call.merchant.id, input.id, 'id')),
  };

  const list: StripeEndpoint<{ query: ListQuery }> = {
    method: 'GET',
    url: '/test_helpers/test_clocks',
    summary: 'List test clocks',
    parse: (params) => {
      refuseExpand(params);
      return { query: parseListQuery(params) };
    },
    run: async (input, call) => {
      const page = await listPage<TestClockRow>(deps.db, {
        table: 'acquirer_test_clocks',
        columns: TEST_CLOCK_COLUMNS,
        where: 'merchant_id = ? AND deleted_at_ms IS NULL',
        params: [call.merchant.id],
        query: input.query,
      });
      return stripeList('/v1/test_helpers/test_clocks', page.rows.map(testClockObject), page.hasMore);
    },
  };

  const remove: StripeEndpoint<{ id: string }> = {
    method: 'DELETE',
    url: '/test_helpers/test_clocks/:id',
    summary: "Delete a test clock (and, as at Stripe, the customers on it)",
    parse: (_params, call) => ({ id: call.path.id! }),
    run: async (input, call) => {
      await deps.db.transaction((tx) =>
        deleteTestClock(tx, eventDeps(call), { merchantId: call.merchant.id, id: input.id, request: request(call) }, (inner, customerId) =>
          deleteCustomer(inner, eventDeps(call), { merchantId: call.merchant.id, id: customerId, request: request(call) }),
        ),
      );
      return deletedTestClockObject(input.id);
    },
  };

  const advance: StripeEndpoint<{ id: string; frozenTimeMs: number }> = {
    method: 'POST',
    url: '/test_helpers/test_clocks/:id/advance',
    summary: 'Advance a test clock: what falls due up to frozen_time happens now',
    parse: (params, call) => {
      refuseExpand(params);
      return { id: call.path.id!, frozenTimeMs: params.integer('frozen_time', { required: true, min: 0, max: FROZEN_TIME_MAX_S })! * 1000 };
    },
    run: async (input, call) => {
      const advancing = await advanceTestClock(deps.db, eventDeps(call), work, { merchantId: call.merchant.id, id: input.id, frozenTimeMs: input.frozenTimeMs, request: request(call) });
      // Payments that fell due are made now, outside the advance's transaction (test-clocks.ts TestClockWork).
      if (advancing.status !== 'internal_failure') {
        for (const step of work) await step.settle?.({ id: input.id, merchantId: call.merchant.id, toMs: input.frozenTimeMs });
      }
      return testClockObject(advancing);
    },
  };

  return [create, retrieve, list, remove, advance];
}
