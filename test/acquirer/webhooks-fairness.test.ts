import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type { AcquirerDeps } from '../../src/acquirer/acquirer-deps.ts';
import { customerEndpoints } from '../../src/acquirer/customers/customer-endpoints.ts';
import { eventEndpoints } from '../../src/acquirer/events/event-endpoints.ts';
import { WEBHOOK_CONNECT_TIMEOUT_MS, WEBHOOK_TIMEOUT_MS } from '../../src/acquirer/webhooks/webhook-delivery.ts';
import { WEBHOOK_DISABLE_AFTER_FAILING_MS, WEBHOOK_DISABLE_AFTER_FAILURES } from '../../src/acquirer/webhooks/webhook-endpoint-health.ts';
import { postWebhook, type Resolver } from '../../src/acquirer/webhooks/webhook-http.ts';
import { webhookEndpointEndpoints } from '../../src/acquirer/webhooks/webhook-endpoint-endpoints.ts';
import { acquirerWebhookTask, WEBHOOK_MAX_IN_FLIGHT_PER_MERCHANT } from '../../src/acquirer/webhooks/webhook-task.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';
import { webhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

/**
 * One merchant must not starve everyone's webhooks: deliveries are shared
 * fairly between merchants, connections time out early, and an endpoint
 * that keeps failing is disabled, with an event. Asserted on what was sent
 * and in what order, never on elapsed time.
 */

let f: AcquirerFixture;
/** The receivers listen on 127.0.0.1: the acquirer as local development runs it. */
let local: AcquirerDeps;
const receivers: WebhookReceiver[] = [];
beforeEach(async () => {
  f = await acquirerFixture({
    endpoints: (deps) => {
      local = { ...deps, webhookNetwork: { allowPrivateNetworks: true } };
      return [...customerEndpoints(deps), ...eventEndpoints(deps), ...webhookEndpointEndpoints(local)];
    },
  });
});
afterEach(async () => {
  for (const receiver of receivers.splice(0)) await receiver.close();
  await f.close();
});

async function receiver(respond: Parameters<typeof webhookReceiver>[0]): Promise<WebhookReceiver> {
  const r = await webhookReceiver(respond);
  receivers.push(r);
  return r;
}

/** Waits for a condition with a bound on the number of looks; never asserts on elapsed time. */
async function eventually(condition: () => boolean, what: string, looks = 1_000): Promise<void> {
  for (let i = 0; i < looks; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail(`gave up waiting until ${what}`);
}

test('the connect time-out is short and separate from the answer time-out', async () => {
  assert.ok(WEBHOOK_CONNECT_TIMEOUT_MS >= 2_000 && WEBHOOK_CONNECT_TIMEOUT_MS <= 3_000);
  assert.ok(WEBHOOK_CONNECT_TIMEOUT_MS < WEBHOOK_TIMEOUT_MS);
  // A connection that never comes up (here: its name never resolves, as with a black-holed address) ends at the connect
  // time-out, however long the answer may take; the answer's own time-out is far away.
  const never: Resolver = () => undefined;
  const options = { timeoutMs: 600_000, connectTimeoutMs: 50, readMaxBytes: 1_000, policy: { allowPrivateNetworks: false }, resolve: never };
  await assert.rejects(postWebhook('https://black-hole.example/hook', {}, '{}', options), /^WebhookTransportError: connect timed out after 50 ms$/);
});

test("a merchant with 16 endpoints at a socket that never answers does not hold up another merchant's webhook", async () => {
  const blackHole = await receiver(() => 'hang');
  const healthy = await receiver(() => ({ status: 200, body: 'ok' }));
  const attacker = f.stripe;
  for (let i = 0; i < 16; i++) await attacker.webhookEndpoints.create({ url: `${blackHole.url}?n=${i}`, enabled_events: ['*'] });
  // Two events each: 32 deliveries that will hang, all older than the victim's one.
  await attacker.customers.create({ name: 'Flood 1' });
  await attacker.customers.create({ name: 'Flood 2' });
  const victim = f.stripeFor((await f.addMerchant({ name: 'Victim' })).secretKey);
  await victim.webhookEndpoints.create({ url: healthy.url, enabled_events: ['customer.created'] });
  await victim.customers.create({ name: 'Ada' });

  // The answer time-out is long on purpose: the hanging deliveries end only when the test lets them.
  const run = acquirerWebhookTask(local, { workerId: 'test-webhooks', timeoutMs: 600_000 }).run();
  // The bound on waiting is generous for a loaded machine; without fair sharing the victim waits for the 10-minute time-out.
  await eventually(() => healthy.received.length === 1, "the victim's webhook has been delivered", 6_000);
  // A request the black hole has not finished reading is not counted yet, hence at most.
  assert.ok(blackHole.received.length <= WEBHOOK_MAX_IN_FLIGHT_PER_MERCHANT, `the flooding merchant holds only its own share of the slots (${blackHole.received.length})`);
  await eventually(() => blackHole.received.length === WEBHOOK_MAX_IN_FLIGHT_PER_MERCHANT, 'the flooding merchant has its share', 6_000);
  // Let the hanging ones fail (the connections are cut and the port closes) so the run can end.
  await blackHole.close();
  receivers.splice(receivers.indexOf(blackHole), 1);
  await run;
  const [victimEvent] = (await victim.events.list()).data;
  assert.equal(victimEvent!.pending_webhooks, 0);
});

test('an endpoint that keeps failing for days is disabled with an event; the merchant enables it again', async () => {
  const broken = await receiver(() => ({ status: 500 }));
  const watcher = await receiver(() => ({ status: 200 }));
  const endpoint = await f.stripe.webhookEndpoints.create({ url: broken.url, enabled_events: ['customer.created'] });
  await f.stripe.webhookEndpoints.create({ url: watcher.url, enabled_events: ['webhook_endpoint.automatically_disabled' as any] });
  const task = acquirerWebhookTask(local, { workerId: 'test-webhooks' });
  const status = async () => (await f.stripe.webhookEndpoints.retrieve(endpoint.id)).status;

  // Many failures at once are not enough…
  for (let i = 0; i < WEBHOOK_DISABLE_AFTER_FAILURES; i++) await f.stripe.customers.create({ name: `c${i}` });
  await task.run();
  assert.equal(broken.received.length, WEBHOOK_DISABLE_AFTER_FAILURES);
  assert.equal(await status(), 'enabled');
  // …nor days of failures without enough of them (one event's retries, alone, never disable an endpoint).
  f.clock.advanceMs(WEBHOOK_DISABLE_AFTER_FAILING_MS - 1);
  await task.run();
  assert.equal(await status(), 'enabled', 'failing for just under three days');
  assert.equal(watcher.received.length, 0);

  // Both bounds passed: the next failure disables it.
  f.clock.advanceMs(1);
  await f.stripe.customers.create({ name: 'last straw' });
  const sentBefore = broken.received.length;
  await task.run();
  assert.equal(broken.received.length, sentBefore + 1);
  assert.equal(await status(), 'disabled');
  const [notice] = (await f.stripe.events.list({ type: 'webhook_endpoint.automatically_disabled' })).data;
  assert.ok(notice, 'the merchant is told by an event');
  const object = notice.data.object as unknown as { id: string; object: string; status: string; secret?: string };
  assert.deepEqual([object.id, object.object, object.status, object.secret], [endpoint.id, 'webhook_endpoint', 'disabled', undefined]);
  await task.run();
  assert.equal(watcher.received.length, 1, "the merchant's other endpoint received the event");
  assert.equal(JSON.parse(watcher.received[0]!.body).type, 'webhook_endpoint.automatically_disabled');

  // Disabled: its retries are dropped without being sent, and new events are not queued for it.
  f.clock.advanceMs(WEBHOOK_DISABLE_AFTER_FAILING_MS);
  await f.stripe.customers.create({ name: 'after' });
  await task.run();
  assert.equal(broken.received.length, sentBefore + 1, 'nothing more is sent to a disabled endpoint');

  // The merchant fixes its receiver and enables the endpoint again: a fresh start.
  const enabled = await f.stripe.webhookEndpoints.update(endpoint.id, { disabled: false });
  assert.equal(enabled.status, 'enabled');
  const counters = await f.db.get<{ consecutive_failures: number | string; failing_since_ms: number | string | null }>(
    'SELECT consecutive_failures, failing_since_ms FROM acquirer_webhook_endpoints WHERE id = ?',
    [endpoint.id],
  );
  assert.deepEqual([Number(counters!.consecutive_failures), counters!.failing_since_ms], [0, null]);
  await f.stripe.customers.create({ name: 'back' });
  await task.run();
  assert.equal(broken.received.length, sentBefore + 2, 'an enabled endpoint receives events again');
  assert.equal(await status(), 'enabled', 'one failure after a fresh start does not disable it');
});
