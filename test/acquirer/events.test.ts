import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { customerEndpoints } from '../../src/acquirer/customers/customer-endpoints.ts';
import { eventEndpoints } from '../../src/acquirer/events/event-endpoints.ts';
import { EVENT_API_VERSION, recordEvent } from '../../src/acquirer/events/events.ts';
import { createWebhookEndpoint } from '../../src/acquirer/webhooks/webhook-endpoints.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';

let f: AcquirerFixture;
beforeEach(async () => {
  f = await acquirerFixture({ endpoints: (deps) => [...customerEndpoints(deps), ...eventEndpoints(deps)] });
});
afterEach(async () => f.close());

const record = (type: string, id: string, merchantId = f.merchant.merchant.id) =>
  f.db.transaction((tx) => recordEvent(tx, { ids: f.deps.ids, nowMs: f.clock.nowMs() }, { merchantId, type, object: { id, object: type.split('.')[0]! } }));

test('recordEvent stores Stripe’s event shape; retrieve answers it', async () => {
  const id = await f.db.transaction((tx) =>
    recordEvent(tx, { ids: f.deps.ids, nowMs: f.clock.nowMs() }, {
      merchantId: f.merchant.merchant.id,
      type: 'payment_intent.succeeded',
      object: { id: 'pi_1', object: 'payment_intent', amount: 1000 },
      previousAttributes: { status: 'requires_confirmation' },
    }),
  );
  assert.match(id, /^evt_[0-9A-Z]{26}$/);
  const event = await f.stripe.events.retrieve(id);
  assert.deepEqual(JSON.parse(JSON.stringify(event)), {
    id,
    object: 'event',
    api_version: EVENT_API_VERSION,
    created: Math.floor(f.clock.nowMs() / 1000),
    data: { object: { id: 'pi_1', object: 'payment_intent', amount: 1000 }, previous_attributes: { status: 'requires_confirmation' } },
    livemode: false,
    pending_webhooks: 0,
    request: { id: null, idempotency_key: null },
    type: 'payment_intent.succeeded',
  });
  await assert.rejects(f.stripe.events.retrieve('evt_00000000000000000000000000'), (e: any) => e.code === 'resource_missing' && e.param === 'id');
});

test('recordEvent refuses an unknown type, and a rolled-back change leaves neither event nor delivery job', async () => {
  await f.db.transaction((tx) =>
    createWebhookEndpoint(tx, { ...f.deps, nowMs: f.clock.nowMs() }, {
      merchantId: f.merchant.merchant.id,
      url: 'http://127.0.0.1:9/hook',
      enabledEvents: ['*'],
      description: null,
      metadata: undefined,
    }),
  );
  await assert.rejects(record('customer.exploded', 'cus_1'), /unknown event type customer\.exploded/);
  await assert.rejects(
    f.db.transaction(async (tx) => {
      await recordEvent(tx, { ids: f.deps.ids, nowMs: f.clock.nowMs() }, { merchantId: f.merchant.merchant.id, type: 'customer.created', object: { id: 'cus_1' } });
      throw new Error('the change failed after its event was recorded');
    }),
    /the change failed/,
  );
  assert.equal(Number((await f.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM acquirer_events'))!.n), 0);
  assert.equal(Number((await f.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM jobs'))!.n), 0);
  // The same call committed: one event, one delivery job, in one transaction.
  const id = await record('customer.created', 'cus_2');
  assert.equal((await f.stripe.events.retrieve(id)).pending_webhooks, 1);
  const jobs = await f.db.all<{ queue: string; payload: string }>('SELECT queue, payload FROM jobs');
  assert.equal(jobs.length, 1);
  assert.equal(jobs[0]!.queue, 'acquirer.webhook');
  assert.equal(JSON.parse(jobs[0]!.payload).eventId, id);
});

test('list filters: exact type, a * pattern (with _ matching only itself), types[], created', async () => {
  const made: Array<{ type: string; id: string }> = [];
  for (const type of ['customer.created', 'payment_intent.created', 'payment_intent.succeeded', 'charge.succeeded', 'customer.updated']) {
    made.push({ type, id: await record(type, `obj_${made.length}`) });
    f.clock.advanceMs(1_000);
  }
  // A row whose type differs from payment_intent only where `_` stands: an unescaped LIKE would match it.
  await f.db.run(
    `INSERT INTO acquirer_events (id, merchant_id, type, api_version, data, request_id, idempotency_key, pending_webhooks, created_at_ms)
     VALUES (?, ?, 'paymentXintent.created', ?, '{"object":{"id":"x"}}', NULL, NULL, 0, ?)`,
    [f.deps.ids.next('evt'), f.merchant.merchant.id, EVENT_API_VERSION, f.clock.nowMs()],
  );
  const idsOf = (types: string[]) => made.filter((m) => types.includes(m.type)).map((m) => m.id).reverse();

  const cases: Array<[Record<string, unknown>, string[]]> = [
    [{ type: 'charge.succeeded' }, ['charge.succeeded']],
    [{ type: 'payment_intent.*' }, ['payment_intent.created', 'payment_intent.succeeded']],
    [{ type: '*.succeeded' }, ['payment_intent.succeeded', 'charge.succeeded']],
    [{ type: 'customer.*' }, ['customer.created', 'customer.updated']],
    [{ types: ['customer.created', 'charge.succeeded'] }, ['customer.created', 'charge.succeeded']],
  ];
  for (const [params, types] of cases) {
    const page = await f.stripe.events.list(params as any);
    assert.deepEqual(page.data.map((e) => e.id), idsOf(types), JSON.stringify(params));
  }
  const createdOf = async (id: string) => (await f.stripe.events.retrieve(id)).created;
  const window = await f.stripe.events.list({ created: { gte: await createdOf(made[1]!.id), lte: await createdOf(made[3]!.id) } });
  assert.deepEqual(window.data.map((e) => e.id), [made[3]!.id, made[2]!.id, made[1]!.id]);
  const paged = await f.stripe.events.list({ limit: 2, type: 'payment_intent.*' }).autoPagingToArray({ limit: 10 });
  assert.deepEqual(paged.map((e) => e.id), idsOf(['payment_intent.created', 'payment_intent.succeeded']));

  const refusals: Array<[Record<string, unknown>, string, string]> = [
    [{ type: 'Customer.Created' }, 'parameter_invalid', 'type'],
    [{ type: 'customer.created', types: ['customer.updated'] }, 'parameter_invalid', 'types'],
    [{ types: ['customer.*'] }, 'parameter_invalid', 'types[0]'],
    [{ delivery_success: true }, 'parameter_unknown', 'delivery_success'],
  ];
  for (const [params, code, param] of refusals) {
    await assert.rejects(f.stripe.events.list(params as any), (e: any) => e.code === code && e.param === param, JSON.stringify(params));
  }
});
