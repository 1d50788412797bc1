import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import Stripe from 'stripe';
import { customerEndpoints } from '../../src/acquirer/customers/customer-endpoints.ts';
import { eventEndpoints } from '../../src/acquirer/events/event-endpoints.ts';
import type { Database } from '../../src/platform/db/database.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';

let f: AcquirerFixture;
beforeEach(async () => {
  f = await acquirerFixture({ endpoints: (deps) => [...customerEndpoints(deps), ...eventEndpoints(deps)] });
});
afterEach(async () => f.close());

/**
 * A payment method row as the payment methods module stores it (its table
 * is the lead's; only id, merchant_id and customer_id matter here).
 */
async function insertPaymentMethod(db: Database, input: { id: string; merchantId: string; customerId: string | null; nowMs: number }): Promise<void> {
  await db.run(
    `INSERT INTO acquirer_payment_methods
       (id, merchant_id, customer_id, pan_sealed, fingerprint, bin, last4, brand, country, funding, exp_month, exp_year,
        billing_details, checks, metadata, created_at_ms, attached_at_ms, detached_at_ms)
     VALUES (?, ?, ?, 'v1:unused', 'fp', '424242', '4242', 'visa', 'US', 'credit', 12, 2030, '{}', '{}', '{}', ?, ?, NULL)`,
    [input.id, input.merchantId, input.customerId, input.nowMs, input.customerId === null ? null : input.nowMs],
  );
}

function stripeError(code: string, param?: string, type?: new (...args: any[]) => Error) {
  return (error: any) => {
    if (type) assert.ok(error instanceof type, `expected ${type.name}, got ${error?.constructor?.name}: ${error?.message}`);
    assert.equal(error.code, code, error.message);
    if (param !== undefined) assert.equal(error.param, param);
    return true;
  };
}

test('create, retrieve, update and delete a customer; each change records its event', async () => {
  const created = await f.stripe.customers.create({
    email: 'ada@example.com',
    name: 'Ada Lovelace',
    phone: '+14155550100',
    description: 'first customer',
    metadata: { org: 'org_1' },
  });
  assert.match(created.id, /^cus_[0-9A-Z]{26}$/);
  assert.equal(created.object, 'customer');
  assert.equal(created.created, Math.floor(f.clock.nowMs() / 1000));
  assert.equal(created.email, 'ada@example.com');
  assert.equal(created.name, 'Ada Lovelace');
  assert.equal(created.phone, '+14155550100');
  assert.equal(created.description, 'first customer');
  assert.deepEqual(created.metadata, { org: 'org_1' });
  assert.equal(created.invoice_settings.default_payment_method, null);
  assert.equal(created.livemode, false);
  assert.equal('deleted' in created, false);

  const fetched = await f.stripe.customers.retrieve(created.id);
  assert.deepEqual(fetched, created);

  f.clock.advanceMs(5_000);
  const updated = await f.stripe.customers.update(created.id, { name: 'Ada King', description: '', metadata: { tier: 'plus' } });
  assert.equal(updated.name, 'Ada King');
  assert.equal(updated.description, null, 'an empty string clears a field');
  assert.equal(updated.email, 'ada@example.com', 'fields not sent stay as they were');
  assert.deepEqual(updated.metadata, { org: 'org_1', tier: 'plus' });

  // An update that changes nothing records no event, as at Stripe.
  await f.stripe.customers.update(created.id, { name: 'Ada King' });

  f.clock.advanceMs(5_000);
  const deleted = await f.stripe.customers.del(created.id);
  assert.deepEqual(deleted, { id: created.id, object: 'customer', deleted: true });

  const events = await f.stripe.events.list({ type: 'customer.*' });
  assert.deepEqual(
    events.data.map((e) => e.type),
    ['customer.deleted', 'customer.updated', 'customer.created'],
  );
  const [deletedEvent, updatedEvent, createdEvent] = events.data as [Stripe.Event, Stripe.Event, Stripe.Event];
  assert.deepEqual(createdEvent.data.object, created);
  assert.equal(createdEvent.data.previous_attributes, undefined);
  assert.deepEqual(updatedEvent.data.object, updated);
  assert.deepEqual(updatedEvent.data.previous_attributes, { description: 'first customer', metadata: { tier: null }, name: 'Ada Lovelace' });
  assert.equal((deletedEvent.data.object as Stripe.Customer).id, created.id);
  for (const event of events.data) {
    assert.equal(event.object, 'event');
    assert.equal(event.livemode, false);
    assert.equal(event.pending_webhooks, 0, 'no webhook endpoints, nothing pending');
    assert.match(event.request?.id ?? '', /^req_/);
    assert.equal(event.api_version, '2026-10-28.endive');
  }
  assert.equal(updatedEvent.created, createdEvent.created + 5);
});

test('a deleted customer: retrieve answers deleted, update and delete are 404, lists leave it out, its cards are detached', async () => {
  const customer = await f.stripe.customers.create({ email: 'gone@example.com' });
  const keep = await f.stripe.customers.create({ email: 'gone@example.com' });
  const pmId = f.deps.ids.next('pm');
  const otherPm = f.deps.ids.next('pm');
  await insertPaymentMethod(f.db, { id: pmId, merchantId: f.merchant.merchant.id, customerId: customer.id, nowMs: f.clock.nowMs() });
  await insertPaymentMethod(f.db, { id: otherPm, merchantId: f.merchant.merchant.id, customerId: keep.id, nowMs: f.clock.nowMs() });
  await f.stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pmId } });

  f.clock.advanceMs(1_000);
  await f.stripe.customers.del(customer.id);

  assert.deepEqual(await f.stripe.customers.retrieve(customer.id), { id: customer.id, object: 'customer', deleted: true });
  await assert.rejects(f.stripe.customers.update(customer.id, { name: 'x' }), stripeError('resource_missing', 'id', Stripe.errors.StripeInvalidRequestError));
  await assert.rejects(f.stripe.customers.del(customer.id), stripeError('resource_missing', 'id'));
  const listed = await f.stripe.customers.list({ email: 'gone@example.com' });
  assert.deepEqual(listed.data.map((c) => c.id), [keep.id]);

  const pms = await f.db.all<{ id: string; customer_id: string | null; detached_at_ms: number | string | null }>(
    'SELECT id, customer_id, detached_at_ms FROM acquirer_payment_methods ORDER BY id',
  );
  assert.deepEqual(
    pms.map((pm) => ({ id: pm.id, customer_id: pm.customer_id, detached_at_ms: pm.detached_at_ms === null ? null : Number(pm.detached_at_ms) })),
    [
      { id: pmId, customer_id: null, detached_at_ms: f.clock.nowMs() },
      { id: otherPm, customer_id: keep.id, detached_at_ms: null },
    ],
  );
});

test('invoice_settings[default_payment_method]: set when attached to this customer, unset with an empty string, refused otherwise', async () => {
  const merchantId = f.merchant.merchant.id;
  const other = await f.addMerchant({ name: 'Other' });
  const customer = await f.stripe.customers.create({ name: 'Ada' });
  const neighbour = await f.stripe.customers.create({ name: 'Bob' });
  const ids = {
    attached: f.deps.ids.next('pm'),
    neighbours: f.deps.ids.next('pm'),
    detached: f.deps.ids.next('pm'),
    otherMerchants: f.deps.ids.next('pm'),
  };
  const nowMs = f.clock.nowMs();
  await insertPaymentMethod(f.db, { id: ids.attached, merchantId, customerId: customer.id, nowMs });
  await insertPaymentMethod(f.db, { id: ids.neighbours, merchantId, customerId: neighbour.id, nowMs });
  await insertPaymentMethod(f.db, { id: ids.detached, merchantId, customerId: null, nowMs });
  await insertPaymentMethod(f.db, { id: ids.otherMerchants, merchantId: other.merchant.id, customerId: customer.id, nowMs });

  const param = 'invoice_settings[default_payment_method]';
  const refusals: Array<{ name: string; pm: string; code: string }> = [
    { name: 'no such payment method', pm: 'pm_DOESNOTEXIST0000000000000', code: 'resource_missing' },
    { name: "another merchant's payment method looks missing", pm: ids.otherMerchants, code: 'resource_missing' },
    { name: "another customer's payment method", pm: ids.neighbours, code: 'parameter_invalid' },
    { name: 'a detached payment method', pm: ids.detached, code: 'parameter_invalid' },
  ];
  for (const refusal of refusals) {
    await assert.rejects(
      f.stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: refusal.pm } }),
      stripeError(refusal.code, param),
      refusal.name,
    );
  }
  // On create there is nothing attached yet (attaching on create is not offered), so any default is refused.
  await assert.rejects(f.stripe.customers.create({ invoice_settings: { default_payment_method: ids.attached } }), stripeError('parameter_invalid', param));
  await assert.rejects(f.stripe.customers.create({ payment_method: ids.attached } as any), stripeError('parameter_unknown', 'payment_method'));

  const set = await f.stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: ids.attached } });
  assert.equal(set.invoice_settings.default_payment_method, ids.attached);
  const unset = await f.stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: '' } });
  assert.equal(unset.invoice_settings.default_payment_method, null);

  const updates = await f.stripe.events.list({ type: 'customer.updated' });
  assert.deepEqual(
    updates.data.map((e) => e.data.previous_attributes),
    [{ invoice_settings: { default_payment_method: ids.attached } }, { invoice_settings: { default_payment_method: null } }],
  );
  const count = await f.db.get<{ n: number | string }>("SELECT COUNT(*) AS n FROM acquirer_customers WHERE merchant_id = ?", [merchantId]);
  assert.equal(Number(count!.n), 2, 'refused creates left nothing behind');
});

test('lists: newest first, auto-pagination walks every page, ending_before goes back, email and created filter', async () => {
  const made: string[] = [];
  for (let i = 0; i < 7; i++) {
    made.push((await f.stripe.customers.create({ email: i % 2 === 0 ? 'even@example.com' : `odd${i}@example.com` })).id);
    f.clock.advanceMs(1_000);
  }
  const newestFirst = [...made].reverse();

  const all = await f.stripe.customers.list({ limit: 2 }).autoPagingToArray({ limit: 100 });
  assert.deepEqual(all.map((c) => c.id), newestFirst);

  const first = await f.stripe.customers.list({ limit: 3 });
  assert.deepEqual(first.data.map((c) => c.id), newestFirst.slice(0, 3));
  assert.equal(first.has_more, true);
  assert.equal(first.url, '/v1/customers');
  const second = await f.stripe.customers.list({ limit: 3, starting_after: newestFirst[2] });
  assert.deepEqual(second.data.map((c) => c.id), newestFirst.slice(3, 6));
  const last = await f.stripe.customers.list({ limit: 3, starting_after: newestFirst[5] });
  assert.deepEqual(last.data.map((c) => c.id), newestFirst.slice(6));
  assert.equal(last.has_more, false);

  const before = await f.stripe.customers.list({ limit: 2, ending_before: newestFirst[4] });
  assert.deepEqual(before.data.map((c) => c.id), newestFirst.slice(2, 4), 'the two just newer than the cursor, still newest first');
  assert.equal(before.has_more, true);
  const backwards = await f.stripe.customers.list({ limit: 2, ending_before: newestFirst[6] }).autoPagingToArray({ limit: 100 });
  assert.deepEqual(new Set(backwards.map((c) => c.id)), new Set(newestFirst.slice(0, 6)), 'auto-pagination backwards reaches the newest');

  const evens = await f.stripe.customers.list({ email: 'even@example.com' });
  assert.deepEqual(evens.data.map((c) => c.id), [made[6], made[4], made[2], made[0]]);
  assert.deepEqual((await f.stripe.customers.list({ email: 'EVEN@example.com' })).data, [], 'the email filter is case-sensitive, as at Stripe');

  const createdOf = (id: string) => all.find((c) => c.id === id)!.created;
  const window = await f.stripe.customers.list({ created: { gte: createdOf(made[2]!), lt: createdOf(made[5]!) } });
  assert.deepEqual(window.data.map((c) => c.id), [made[4], made[3], made[2]]);
  const exact = await f.stripe.customers.list({ created: createdOf(made[1]!) });
  assert.deepEqual(exact.data.map((c) => c.id), [made[1]]);
  const after = await f.stripe.customers.list({ created: { gt: createdOf(made[5]!) } });
  assert.deepEqual(after.data.map((c) => c.id), [made[6]]);

  const refusals: Array<[Stripe.CustomerListParams, string, string]> = [
    [{ limit: 0 }, 'parameter_invalid', 'limit'],
    [{ limit: 101 }, 'parameter_invalid', 'limit'],
    [{ starting_after: made[0], ending_before: made[1] }, 'parameter_invalid', 'ending_before'],
    [{ test_clock: 'clock_1' }, 'parameter_unknown', 'test_clock'],
    [{ created: { gte: -1 } }, 'parameter_invalid', 'created[gte]'],
    [{ created: { after: 1 } } as any, 'parameter_unknown', 'created[after]'],
  ];
  for (const [params, code, param] of refusals) {
    await assert.rejects(f.stripe.customers.list(params), stripeError(code, param), JSON.stringify(params));
  }
});

test("scoping: another merchant's customers are missing, and never listed", async () => {
  const mine = await f.stripe.customers.create({ email: 'a@example.com' });
  const other = await f.addMerchant({ name: 'Other Shop' });
  const theirs = f.stripeFor(other.secretKey);
  await assert.rejects(theirs.customers.retrieve(mine.id), (e: any) => {
    assert.equal(e.statusCode, 404);
    assert.equal(e.code, 'resource_missing');
    assert.equal(e.message, `No such customer: '${mine.id}'`);
    return true;
  });
  await assert.rejects(theirs.customers.update(mine.id, { name: 'x' }), stripeError('resource_missing', 'id'));
  await assert.rejects(theirs.customers.del(mine.id), stripeError('resource_missing', 'id'));
  assert.deepEqual((await theirs.customers.list()).data, []);
  assert.deepEqual((await theirs.events.list()).data, [], 'events are scoped too');
  const event = (await f.stripe.events.list()).data[0]!;
  await assert.rejects(theirs.events.retrieve(event.id), stripeError('resource_missing', 'id'));
  assert.equal((await f.stripe.customers.retrieve(mine.id)).id, mine.id);
});

test('parameters: metadata limits, e-mail, lengths and unknown names are refused and change nothing', async () => {
  const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
  const refusals: Array<[string, Stripe.CustomerCreateParams, string, string]> = [
    ['51 metadata keys', { metadata: many }, 'parameter_invalid', 'metadata'],
    ['a 41-character key', { metadata: { ['k'.repeat(41)]: 'v' } }, 'parameter_invalid', `metadata[${'k'.repeat(41)}]`],
    ['a 501-character value', { metadata: { k: 'v'.repeat(501) } }, 'parameter_invalid', 'metadata[k]'],
    ['metadata as a string', { metadata: 'x' } as any, 'parameter_invalid', 'metadata'],
    ['not an e-mail', { email: 'not-an-email' }, 'parameter_invalid', 'email'],
    ['a name of 257 characters', { name: 'n'.repeat(257) }, 'parameter_invalid', 'name'],
    ['a phone of 21 characters', { phone: '1'.repeat(21) }, 'parameter_invalid', 'phone'],
    ['an unknown parameter', { colour: 'red' } as any, 'parameter_unknown', 'colour'],
    ['an unknown invoice setting', { invoice_settings: { footer: 'x' } }, 'parameter_unknown', 'invoice_settings[footer]'],
    ['an expansion customers do not have', { expand: ['sources'] }, 'parameter_invalid', 'expand'],
  ];
  for (const [name, params, code, param] of refusals) {
    await assert.rejects(f.stripe.customers.create(params), stripeError(code, param), name);
  }
  assert.deepEqual((await f.stripe.customers.list()).data, []);
  assert.deepEqual((await f.stripe.events.list()).data, []);

  // 50 keys are fine; an update that would make 51 is refused; '' deletes a key; metadata='' clears them all.
  const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']));
  const customer = await f.stripe.customers.create({ metadata: fifty });
  assert.equal(Object.keys(customer.metadata).length, 50);
  await assert.rejects(f.stripe.customers.update(customer.id, { metadata: { extra: 'x' } }), stripeError('parameter_invalid', 'metadata'));
  const fewer = await f.stripe.customers.update(customer.id, { metadata: { k0: '', extra: 'x' } });
  assert.equal(fewer.metadata.k0, undefined);
  assert.equal(fewer.metadata.extra, 'x');
  const cleared = await f.stripe.customers.update(customer.id, { metadata: '' });
  assert.deepEqual(cleared.metadata, {});
});

test('idempotent create: a replay answers the same customer and records nothing new', async () => {
  const first = await f.stripe.customers.create({ email: 'once@example.com' }, { idempotencyKey: 'create-once' });
  const again = await f.stripe.customers.create({ email: 'once@example.com' }, { idempotencyKey: 'create-once' });
  assert.deepEqual(again, first);
  assert.equal((again as any).lastResponse.headers['idempotent-replayed'], 'true');
  await assert.rejects(
    f.stripe.customers.create({ email: 'other@example.com' }, { idempotencyKey: 'create-once' }),
    (e: any) => e instanceof Stripe.errors.StripeIdempotencyError,
  );
  assert.equal((await f.stripe.customers.list()).data.length, 1);
  assert.equal((await f.stripe.events.list({ type: 'customer.created' })).data.length, 1);
});
