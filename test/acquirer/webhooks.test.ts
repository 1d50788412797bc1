import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import Stripe from 'stripe';
import type { AcquirerDeps } from '../../src/acquirer/acquirer-deps.ts';
import { customerEndpoints } from '../../src/acquirer/customers/customer-endpoints.ts';
import { eventEndpoints } from '../../src/acquirer/events/event-endpoints.ts';
import { backoffMs, claim } from '../../src/platform/jobs/index.ts';
import { webhookDeliveryHandler } from '../../src/acquirer/webhooks/webhook-delivery.ts';
import { acquirerWebhookTask } from '../../src/acquirer/webhooks/webhook-task.ts';
import { WEBHOOK_BACKOFF, WEBHOOK_MAX_ATTEMPTS } from '../../src/acquirer/webhooks/webhook-outbox.ts';
import { webhookEndpointEndpoints } from '../../src/acquirer/webhooks/webhook-endpoint-endpoints.ts';
import { openWebhookSecret } from '../../src/acquirer/webhooks/webhook-secret.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';
import { closedPortUrl, webhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

let f: AcquirerFixture;
/** The acquirer as local development runs it: these tests' receivers listen on 127.0.0.1, so private networks are allowed. */
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

interface DeliveryRow {
  event_id: string;
  endpoint_id: string;
  attempt: number;
  delivered: number;
  status_code: number | null;
  error: string | null;
  response_excerpt: string | null;
  attempted_at_ms: number | string;
}

const deliveries = () =>
  f.db.all<DeliveryRow>(
    'SELECT event_id, endpoint_id, attempt, delivered, status_code, error, response_excerpt, attempted_at_ms FROM acquirer_webhook_deliveries ORDER BY id',
  );

const webhookJobs = () =>
  f.db.all<{ state: string; attempts: number; run_at_ms: number | string; last_error: string | null }>(
    "SELECT state, attempts, run_at_ms, last_error FROM jobs WHERE queue = 'acquirer.webhook' ORDER BY id",
  );

test('webhook endpoints: create answers the secret once; retrieve, update, list and delete', async () => {
  const created = await f.stripe.webhookEndpoints.create({
    url: 'https://billing.example.com/stripe/webhook',
    enabled_events: ['customer.created', 'payment_intent.succeeded', 'customer.created'],
    description: 'billing',
    metadata: { env: 'test' },
  });
  assert.match(created.id, /^we_[0-9A-Z]{26}$/);
  assert.match(created.secret!, /^whsec_[0-9A-Za-z]{32}$/);
  assert.equal(created.object, 'webhook_endpoint');
  assert.equal(created.status, 'enabled');
  assert.deepEqual(created.enabled_events, ['customer.created', 'payment_intent.succeeded'], 'duplicates folded');
  assert.equal(created.description, 'billing');
  assert.deepEqual(created.metadata, { env: 'test' });
  assert.equal(created.api_version, null);

  const fetched = await f.stripe.webhookEndpoints.retrieve(created.id);
  assert.equal(fetched.secret, undefined, 'the secret is shown only when created');
  assert.deepEqual(JSON.parse(JSON.stringify(fetched)), JSON.parse(JSON.stringify({ ...created, secret: undefined })));

  // Stored sealed: the row never holds the secret itself, and it opens only for its own endpoint.
  const row = (await f.db.get<{ secret_sealed: string }>('SELECT secret_sealed FROM acquirer_webhook_endpoints WHERE id = ?', [created.id]))!;
  assert.equal(row.secret_sealed.includes(created.secret!.slice(6)), false);
  assert.equal(openWebhookSecret(f.deps.vaultKey, created.id, row.secret_sealed), created.secret);
  assert.throws(() => openWebhookSecret(f.deps.vaultKey, 'we_other', row.secret_sealed));

  const updated = await f.stripe.webhookEndpoints.update(created.id, {
    url: 'http://127.0.0.1:4000/hook',
    enabled_events: ['*'],
    disabled: true,
    description: '',
    metadata: { env: '' },
  });
  assert.equal(updated.url, 'http://127.0.0.1:4000/hook');
  assert.deepEqual(updated.enabled_events, ['*']);
  assert.equal(updated.status, 'disabled');
  assert.equal(updated.description, null);
  assert.deepEqual(updated.metadata, {});
  assert.equal((await f.stripe.webhookEndpoints.update(created.id, { disabled: false })).status, 'enabled');

  const second = await f.stripe.webhookEndpoints.create({ url: 'https://b.example.com/hook', enabled_events: ['*'] });
  assert.deepEqual((await f.stripe.webhookEndpoints.list()).data.map((e) => e.id), [second.id, created.id]);
  assert.deepEqual(await f.stripe.webhookEndpoints.del(created.id), { id: created.id, object: 'webhook_endpoint', deleted: true });
  await assert.rejects(f.stripe.webhookEndpoints.retrieve(created.id), (e: any) => e.statusCode === 404 && e.code === 'resource_missing');
  await assert.rejects(f.stripe.webhookEndpoints.del(created.id), (e: any) => e.code === 'resource_missing');
  assert.deepEqual((await f.stripe.webhookEndpoints.list()).data.map((e) => e.id), [second.id]);

  const other = f.stripeFor((await f.addMerchant({ name: 'Other' })).secretKey);
  await assert.rejects(other.webhookEndpoints.retrieve(second.id), (e: any) => e.code === 'resource_missing');
  await assert.rejects(other.webhookEndpoints.update(second.id, { disabled: true }), (e: any) => e.code === 'resource_missing');
  assert.deepEqual((await other.webhookEndpoints.list()).data, []);
});

test('webhook endpoint parameters are checked', async () => {
  const refusals: Array<[string, Record<string, unknown>, string, string]> = [
    ['no url', { enabled_events: ['*'] }, 'parameter_missing', 'url'],
    ['no events', { url: 'https://a.example.com' }, 'parameter_missing', 'enabled_events'],
    ['ftp', { url: 'ftp://a.example.com/x', enabled_events: ['*'] }, 'url_invalid', 'url'],
    ['javascript', { url: 'javascript:alert(1)', enabled_events: ['*'] }, 'url_invalid', 'url'],
    ['not a url', { url: 'billing endpoint', enabled_events: ['*'] }, 'url_invalid', 'url'],
    ['credentials', { url: 'https://user:pw@a.example.com/x', enabled_events: ['*'] }, 'url_invalid', 'url'],
    ['an unknown event', { url: 'https://a.example.com', enabled_events: ['customer.created', 'customer.exploded'] }, 'parameter_invalid', 'enabled_events[1]'],
    ['a pattern is not an event', { url: 'https://a.example.com', enabled_events: ['customer.*'] }, 'parameter_invalid', 'enabled_events[0]'],
    ['connect endpoints', { url: 'https://a.example.com', enabled_events: ['*'], connect: true }, 'parameter_unknown', 'connect'],
  ];
  for (const [name, params, code, param] of refusals) {
    await assert.rejects(f.stripe.webhookEndpoints.create(params as any), (e: any) => {
      assert.equal(e.code, code, `${name}: ${e.message}`);
      assert.equal(e.param, param, name);
      return true;
    });
  }
  for (let i = 0; i < 16; i++) await f.stripe.webhookEndpoints.create({ url: `https://a.example.com/${i}`, enabled_events: ['*'] });
  await assert.rejects(f.stripe.webhookEndpoints.create({ url: 'https://a.example.com/17', enabled_events: ['*'] }), /maximum of 16/);
});

test('a delivery that fails twice is retried after its back-offs, then verifies with the SDK; every attempt is recorded', async () => {
  const hook = await receiver((_request, index) => (index < 2 ? { status: 500, body: 'database down' } : { status: 200, body: 'ok' }));
  const endpoint = await f.stripe.webhookEndpoints.create({ url: hook.url, enabled_events: ['customer.created'] });
  const task = acquirerWebhookTask(local, { workerId: 'test-webhooks' });

  const customer = await f.stripe.customers.create({ email: 'hook@example.com' });
  const [event] = (await f.stripe.events.list({ type: 'customer.created' })).data;
  assert.equal(event!.pending_webhooks, 1);

  await task.run();
  assert.equal(hook.received.length, 1);
  f.clock.advanceMs(WEBHOOK_BACKOFF.baseMs - 1);
  await task.run();
  assert.equal(hook.received.length, 1, 'not before the back-off has passed');
  f.clock.advanceMs(1);
  await task.run();
  assert.equal(hook.received.length, 2);
  f.clock.advanceMs(2 * WEBHOOK_BACKOFF.baseMs);
  await task.run();
  assert.equal(hook.received.length, 3);
  await task.run();
  f.clock.advanceMs(24 * 60 * 60 * 1000);
  await task.run();
  assert.equal(hook.received.length, 3, 'a delivered event is not sent again');

  const accepted = hook.received[2]!;
  assert.equal(accepted.method, 'POST');
  assert.equal(accepted.path, '/hook');
  assert.match(String(accepted.headers['content-type']), /^application\/json/);
  const header = String(accepted.headers['stripe-signature']);
  assert.match(header, /^t=\d+,v1=[0-9a-f]{64}$/);
  const verified = f.stripe.webhooks.constructEvent(accepted.body, header, endpoint.secret!, 300, undefined, f.clock.nowMs() - 24 * 60 * 60 * 1000);
  assert.equal(verified.id, event!.id);
  assert.equal(verified.type, 'customer.created');
  assert.equal((verified.data.object as Stripe.Customer).id, customer.id);

  const tampered = accepted.body.replace('hook@example.com', 'evil@example.com');
  assert.notEqual(tampered, accepted.body);
  const rejects = (body: string, signature: string, secret: string, receivedAtMs: number) =>
    assert.throws(() => f.stripe.webhooks.constructEvent(body, signature, secret, 300, undefined, receivedAtMs), Stripe.errors.StripeSignatureVerificationError);
  const sentAtMs = Number(/^t=(\d+)/.exec(header)![1]) * 1000;
  rejects(tampered, header, endpoint.secret!, sentAtMs);
  rejects(accepted.body, header, 'whsec_' + 'x'.repeat(32), sentAtMs);
  rejects(accepted.body, header, endpoint.secret!, sentAtMs + 301_000);
  // Each attempt is signed afresh at its own time.
  assert.notEqual(hook.received[0]!.headers['stripe-signature'], header);

  const rows = await deliveries();
  assert.deepEqual(
    rows.map((r) => [r.attempt, Number(r.delivered), r.status_code, r.error, r.response_excerpt]),
    [
      [1, 0, 500, 'HTTP 500', 'database down'],
      [2, 0, 500, 'HTTP 500', 'database down'],
      [3, 1, 200, null, 'ok'],
    ],
  );
  assert.ok(rows.every((r) => r.event_id === event!.id && r.endpoint_id === endpoint.id));
  assert.equal((await f.stripe.events.retrieve(event!.id)).pending_webhooks, 0);
  assert.deepEqual((await webhookJobs()).map((j) => [j.state, j.attempts]), [['done', 3]]);
});

test('only enabled endpoints subscribed to the type receive an event; pending_webhooks counts them until each answers', async () => {
  const ok = await receiver(() => ({ status: 204 }));
  const failing = await receiver(() => ({ status: 503 }));
  const all = await f.stripe.webhookEndpoints.create({ url: ok.url, enabled_events: ['*'] });
  await f.stripe.webhookEndpoints.create({ url: failing.url, enabled_events: ['customer.created'] });
  await f.stripe.webhookEndpoints.create({ url: ok.url, enabled_events: ['customer.deleted'] });
  const disabled = await f.stripe.webhookEndpoints.create({ url: ok.url, enabled_events: ['*'] });
  await f.stripe.webhookEndpoints.update(disabled.id, { disabled: true });
  const other = f.stripeFor((await f.addMerchant({ name: 'Other' })).secretKey);
  await other.webhookEndpoints.create({ url: ok.url, enabled_events: ['*'] });

  await f.stripe.customers.create({ name: 'Ada' });
  const [event] = (await f.stripe.events.list()).data;
  assert.equal(event!.pending_webhooks, 2);

  await acquirerWebhookTask(local, { workerId: 'test-webhooks' }).run();
  assert.equal(ok.received.length, 1);
  assert.equal(failing.received.length, 1);
  assert.equal((await f.stripe.events.retrieve(event!.id)).pending_webhooks, 1, 'the failing endpoint is still pending');
  const rows = await deliveries();
  assert.deepEqual(
    rows.map((r) => [r.endpoint_id === all.id ? 'all' : 'failing', Number(r.delivered), r.status_code]).sort(),
    [
      ['all', 1, 204],
      ['failing', 0, 503],
    ],
  );
});

test('failures: a redirect is not followed, a slow endpoint times out, a closed port and a 404 are retried later', async () => {
  const redirected = await receiver((request) => (request.path === '/hook' ? { status: 302, headers: { location: '/elsewhere' } } : { status: 200 }));
  const slow = await receiver(() => 'hang');
  const missing = await receiver(() => ({ status: 404, body: 'x'.repeat(10_000) }));
  const cases = [
    { name: 'redirect', url: redirected.url, error: /^HTTP 302: redirects are not followed$/, status: 302 },
    { name: 'time-out', url: slow.url, error: /^timed out after 300 ms$/, status: null },
    { name: 'closed port', url: await closedPortUrl(), error: /^fetch failed: ECONNREFUSED$/, status: null },
    { name: 'not found', url: missing.url, error: /^HTTP 404$/, status: 404 },
  ];
  const endpointIds: string[] = [];
  for (const c of cases) endpointIds.push((await f.stripe.webhookEndpoints.create({ url: c.url, enabled_events: ['customer.created'] })).id);
  await f.stripe.customers.create({ name: 'Ada' });

  const before = f.clock.nowMs();
  await acquirerWebhookTask(local, { workerId: 'test-webhooks', timeoutMs: 300 }).run();

  const rows = await deliveries();
  cases.forEach((c, i) => {
    const row = rows.find((r) => r.endpoint_id === endpointIds[i]);
    assert.ok(row, c.name);
    assert.equal(Number(row.delivered), 0, c.name);
    assert.equal(row.status_code, c.status, c.name);
    assert.match(row.error ?? '', c.error, c.name);
  });
  assert.equal(redirected.received.length, 1, 'the redirect target was never requested');
  const excerpt = rows.find((r) => r.endpoint_id === endpointIds[3])!.response_excerpt!;
  assert.equal(excerpt.length, 1_000, 'only the start of a long answer is kept');
  const jobs = await webhookJobs();
  assert.equal(jobs.length, 4);
  for (const job of jobs) {
    assert.equal(job.state, 'ready');
    assert.equal(Number(job.run_at_ms), before + WEBHOOK_BACKOFF.baseMs);
  }
  const [event] = (await f.stripe.events.list()).data;
  assert.equal(event!.pending_webhooks, 4);
});

test('an endpoint deleted before its delivery gets nothing; the job ends', async () => {
  const hook = await receiver(() => ({ status: 200 }));
  const endpoint = await f.stripe.webhookEndpoints.create({ url: hook.url, enabled_events: ['*'] });
  await f.stripe.customers.create({ name: 'Ada' });
  await f.stripe.webhookEndpoints.del(endpoint.id);
  await acquirerWebhookTask(local, { workerId: 'test-webhooks' }).run();
  assert.equal(hook.received.length, 0);
  assert.deepEqual((await deliveries()).map((r) => [Number(r.delivered), r.error]), [[0, 'endpoint deleted; not sent']]);
  assert.deepEqual((await webhookJobs()).map((j) => j.state), ['done']);
});

test(`the retry schedule: ${WEBHOOK_MAX_ATTEMPTS} attempts with doubling back-off capped at 6 h, about three days, then the job is dead`, async () => {
  const hook = await receiver(() => ({ status: 500 }));
  await f.stripe.webhookEndpoints.create({ url: hook.url, enabled_events: ['*'] });
  await f.stripe.customers.create({ name: 'Ada' });
  const task = acquirerWebhookTask(local, { workerId: 'test-webhooks' });
  const startMs = f.clock.nowMs();
  const waits: number[] = [];
  for (let attempt = 1; attempt <= WEBHOOK_MAX_ATTEMPTS; attempt++) {
    await task.run();
    assert.equal(hook.received.length, attempt);
    const [job] = await webhookJobs();
    if (attempt < WEBHOOK_MAX_ATTEMPTS) {
      assert.equal(job!.state, 'ready');
      const wait = Number(job!.run_at_ms) - f.clock.nowMs();
      waits.push(wait);
      f.clock.advanceMs(wait);
    } else {
      assert.equal(job!.state, 'dead');
      assert.match(job!.last_error ?? '', /HTTP 500/);
    }
  }
  assert.deepEqual(waits.slice(0, 9), [1, 2, 4, 8, 16, 32, 64, 128, 256].map((m) => m * 60_000));
  assert.ok(waits.slice(9).every((w) => w === 6 * 60 * 60 * 1000));
  assert.deepEqual(waits, waits.map((_, i) => backoffMs(i + 1, WEBHOOK_BACKOFF)));
  const spanHours = (f.clock.nowMs() - startMs) / 3_600_000;
  assert.ok(spanHours > 66 && spanHours <= 72, `the attempts span ${spanHours} h`);
  f.clock.advanceMs(7 * 24 * 60 * 60 * 1000);
  await task.run();
  assert.equal(hook.received.length, WEBHOOK_MAX_ATTEMPTS, 'a dead delivery is not tried again');
  assert.equal((await deliveries()).length, WEBHOOK_MAX_ATTEMPTS);
  assert.equal((await f.stripe.events.list()).data[0]!.pending_webhooks, 1);
});

test('a delivery job that runs twice (its lease was lost) sends twice but counts once', async () => {
  const ok = await receiver(() => ({ status: 200 }));
  const down = await receiver(() => ({ status: 500 }));
  const okEndpoint = await f.stripe.webhookEndpoints.create({ url: ok.url, enabled_events: ['*'] });
  await f.stripe.webhookEndpoints.create({ url: down.url, enabled_events: ['*'] });
  await f.stripe.customers.create({ name: 'Ada' });
  const jobs = await claim(f.db, { queues: ['acquirer.webhook'], workerId: 'w1', limit: 10, leaseMs: 60_000, nowMs: f.clock.nowMs() });
  const job = jobs.find((j) => (j.payload as { endpointId: string }).endpointId === okEndpoint.id)!;
  const handler = webhookDeliveryHandler(local);
  await handler(job);
  await handler(job);
  assert.equal(ok.received.length, 2, 'at least once: receivers dedupe on the event id');
  assert.equal(JSON.parse(ok.received[0]!.body).id, JSON.parse(ok.received[1]!.body).id);
  const [event] = (await f.stripe.events.list()).data;
  assert.equal(event!.pending_webhooks, 1, 'the other endpoint is still pending');
  assert.deepEqual((await deliveries()).map((r) => [r.endpoint_id === okEndpoint.id, Number(r.delivered)]), [
    [true, 1],
    [true, 1],
  ]);
});
