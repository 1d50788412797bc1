import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type { AcquirerDeps } from '../../src/acquirer/acquirer-deps.ts';
import { customerEndpoints } from '../../src/acquirer/customers/customer-endpoints.ts';
import { webhookEndpointEndpoints } from '../../src/acquirer/webhooks/webhook-endpoint-endpoints.ts';
import { acquirerWebhookTask } from '../../src/acquirer/webhooks/webhook-task.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';
import { webhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

/**
 * Receivers often authenticate Stripe's POSTs with a secret in the endpoint's
 * query (`?token=…`, `?api_key=…`). A failed delivery is logged by the jobs
 * worker and its error kept on the job row; both named the endpoint by its
 * whole URL, so the receiver's secret went into the operator's log — which
 * the request log never does for a secret query parameter (loggableUrl).
 * The delivery log the merchant reads keeps what failed, never the URL.
 */

let f: AcquirerFixture;
let local: AcquirerDeps;
let receiver: WebhookReceiver;
beforeEach(async () => {
  f = await acquirerFixture({
    endpoints: (deps) => {
      local = { ...deps, webhookNetwork: { allowPrivateNetworks: true } };
      return [...customerEndpoints(deps), ...webhookEndpointEndpoints(local)];
    },
  });
  receiver = await webhookReceiver(() => ({ status: 500, body: 'down' }));
});
afterEach(async () => {
  await receiver.close();
  await f.close();
});

test("a failed delivery's log line and stored error keep the endpoint's path but never a secret in its query", async () => {
  const secret = 'rcv_5ecret_in_the_query_0123456789';
  const url = `${receiver.url}?token=${secret}&api_key=${secret}&source=stripe`;
  await f.stripe.webhookEndpoints.create({ url, enabled_events: ['customer.created'] });
  await f.stripe.customers.create({ name: 'Ada' });

  const logged: string[] = [];
  const logger = { warn: (details: object, message: string) => void logged.push(JSON.stringify({ details, message })), error: (details: object, message: string) => void logged.push(JSON.stringify({ details, message })) };
  await acquirerWebhookTask(local, { workerId: 'test-webhooks', logger }).run();

  assert.equal(receiver.received.length, 1, 'the delivery was made (and failed with a 500)');
  assert.ok(logged.some((line) => line.includes('job failed; will retry')), logged.join('\n'));
  const jobs = await f.db.all<{ last_error: string | null }>("SELECT last_error FROM jobs WHERE queue = 'acquirer.webhook'");
  const stored = jobs.map((job) => job.last_error ?? '');
  for (const text of [...logged, ...stored]) {
    assert.ok(!text.includes(secret), `the receiver's secret leaked: ${text}`);
  }
  // Still says which endpoint failed and why.
  assert.ok(stored.some((text) => text.includes(new URL(receiver.url).host) && text.includes('source=stripe') && text.includes('HTTP 500')), stored.join('\n'));
});
