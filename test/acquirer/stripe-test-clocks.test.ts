import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { Ajv } from 'ajv';
import Stripe from 'stripe';
import { acquirerEndpoints } from '../../src/acquirer/acquirer-endpoints.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';
import { testPaymentNetwork } from '../support/payment-network.ts';

// Issue 20, item 1: Stripe's test clocks — create, retrieve, list, delete,
// advance, their events, and customers living on one.

let f: AcquirerFixture;
let stripe: Stripe;
beforeEach(async () => {
  f = await acquirerFixture({ endpoints: acquirerEndpoints, network: (base) => testPaymentNetwork(base) });
  stripe = f.stripe;
});
afterEach(async () => {
  await f.close();
});

const DAY_S = 24 * 60 * 60;
const nowS = () => Math.floor(f.clock.nowMs() / 1000);

test('a test clock in Stripe’s shape: create, retrieve, list, advance (events advancing then ready), delete', async () => {
  const frozen = nowS() - 10 * DAY_S;
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: frozen, name: 'Renewals' }, { idempotencyKey: 'clock-1' });
  assert.deepEqual(
    { ...clock, id: 'x', lastResponse: undefined },
    { id: 'x', object: 'test_helpers.test_clock', created: nowS(), deletes_after: nowS() + 30 * DAY_S, frozen_time: frozen, livemode: false, name: 'Renewals', status: 'ready', status_details: {}, lastResponse: undefined },
  );
  assert.match(clock.id, /^clock_/);
  assert.equal((await stripe.testHelpers.testClocks.retrieve(clock.id)).frozen_time, frozen);
  assert.deepEqual((await stripe.testHelpers.testClocks.list()).data.map((c) => c.id), [clock.id]);

  const advanced = await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: frozen + 31 * DAY_S });
  assert.equal(advanced.status, 'advancing', 'Stripe answers an advance with the clock advancing');
  assert.equal(advanced.frozen_time, frozen + 31 * DAY_S);
  // As Stripe's docs show: poll until ready.
  let polled = await stripe.testHelpers.testClocks.retrieve(clock.id);
  while (polled.status === 'advancing') polled = await stripe.testHelpers.testClocks.retrieve(clock.id);
  assert.deepEqual([polled.status, polled.frozen_time], ['ready', frozen + 31 * DAY_S]);

  const events = (await stripe.events.list({ type: 'test_helpers.test_clock.*' })).data;
  assert.deepEqual(events.map((e) => e.type).reverse(), ['test_helpers.test_clock.created', 'test_helpers.test_clock.advancing', 'test_helpers.test_clock.ready']);
  assert.equal(events[events.length - 1]!.request?.idempotency_key, 'clock-1', 'the create’s event names its Idempotency-Key');
  assert.equal((events[0]!.data.object as Stripe.TestHelpers.TestClock).status, 'ready');

  const deleted = await stripe.testHelpers.testClocks.del(clock.id);
  assert.deepEqual({ ...deleted, lastResponse: undefined }, { id: clock.id, object: 'test_helpers.test_clock', deleted: true, lastResponse: undefined });
  await assert.rejects(stripe.testHelpers.testClocks.retrieve(clock.id), (e: any) => e.statusCode === 404 && e.code === 'resource_missing');
  assert.equal((await stripe.events.list({ limit: 1 })).data[0]!.type, 'test_helpers.test_clock.deleted');
});

test('a clock moves only forward, at most two years at once; another merchant cannot see it; nothing is changed by a refusal', async () => {
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: nowS() });
  await assert.rejects(stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: nowS() }), (e: any) => e.statusCode === 400 && e.param === 'frozen_time');
  await assert.rejects(stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: nowS() - 1 }), (e: any) => e.statusCode === 400 && e.param === 'frozen_time');
  await assert.rejects(stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: nowS() + 800 * DAY_S }), (e: any) => e.statusCode === 400 && e.param === 'frozen_time');
  await assert.rejects(stripe.testHelpers.testClocks.create({ frozen_time: nowS() + 800 * DAY_S }), (e: any) => e.statusCode === 400 && e.param === 'frozen_time');
  await assert.rejects(stripe.testHelpers.testClocks.create({} as Stripe.TestHelpers.TestClockCreateParams), (e: any) => e.statusCode === 400 && e.code === 'parameter_missing');
  assert.equal((await stripe.testHelpers.testClocks.retrieve(clock.id)).frozen_time, nowS());
  const other = f.stripeFor((await f.addMerchant({ name: 'Other' })).secretKey);
  await assert.rejects(other.testHelpers.testClocks.retrieve(clock.id), (e: any) => e.statusCode === 404);
  // Named by a parameter, not the path: Stripe's 400 (missing-objects-status.test.ts).
  await assert.rejects(other.customers.create({ test_clock: clock.id }), (e: any) => e.statusCode === 400 && e.code === 'resource_missing' && e.param === 'test_clock');
  await assert.rejects(f.stripeFor(f.merchant.publishableKey).testHelpers.testClocks.list(), (e: any) => e.statusCode === 403);
});

test('a customer on a test clock lives at its frozen time, names it in test_clock, and is deleted with it', async () => {
  const frozen = nowS() - 100 * DAY_S;
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: frozen });
  const onClock = await stripe.customers.create({ email: 'clocked@example.com', test_clock: clock.id });
  const plain = await stripe.customers.create({ email: 'plain@example.com' });
  assert.equal(onClock.test_clock, clock.id);
  assert.equal(onClock.created, frozen);
  assert.equal(plain.test_clock, null);
  assert.equal(plain.created, nowS());
  await stripe.testHelpers.testClocks.del(clock.id);
  assert.equal(((await stripe.customers.retrieve(onClock.id)) as Stripe.DeletedCustomer).deleted, true);
  assert.equal(((await stripe.customers.retrieve(plain.id)) as Stripe.Customer).email, 'plain@example.com');
});

test('/openapi.json describes the test clock endpoints; live answers satisfy it', async () => {
  const doc = (await (await fetch(`${f.url}/openapi.json`)).json()) as any;
  const create = doc.paths['/v1/test_helpers/test_clocks'].post;
  assert.deepEqual(create.requestBody.content['application/x-www-form-urlencoded'].schema.required, ['frozen_time']);
  const ajv = new Ajv({ strict: false });
  const check = (path: string, method: string, value: unknown) => {
    const validate = ajv.compile(toJsonSchema(doc.paths[path][method].responses['200'].content['application/json'].schema));
    assert.ok(validate(value), `${method} ${path}: ${JSON.stringify(validate.errors)}`);
  };
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: nowS() });
  check('/v1/test_helpers/test_clocks', 'post', clock);
  check('/v1/test_helpers/test_clocks', 'get', await stripe.testHelpers.testClocks.list());
  check('/v1/test_helpers/test_clocks/{id}', 'get', await stripe.testHelpers.testClocks.retrieve(clock.id));
  check('/v1/test_helpers/test_clocks/{id}/advance', 'post', await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: nowS() + DAY_S }));
  check('/v1/test_helpers/test_clocks/{id}', 'delete', await stripe.testHelpers.testClocks.del(clock.id));
});

/** OpenAPI 3.0's `nullable` as JSON Schema. */
function toJsonSchema(schema: any): any {
  if (Array.isArray(schema)) return schema.map(toJsonSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: any = {};
  for (const [key, value] of Object.entries(schema)) if (key !== 'nullable' && key !== 'description') out[key] = toJsonSchema(value);
  if (schema.nullable === true) return { anyOf: [out, { type: 'null' }] };
  return out;
}
