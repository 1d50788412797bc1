import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import type { AcquirerDeps } from '../../src/acquirer/acquirer-deps.ts';
import { acquirerConfigSection } from '../../src/acquirer/config.ts';
import { customerEndpoints } from '../../src/acquirer/customers/customer-endpoints.ts';
import { eventEndpoints } from '../../src/acquirer/events/event-endpoints.ts';
import { refusedAddressReason, refusedHostReason } from '../../src/acquirer/webhooks/webhook-address-policy.ts';
import { createWebhookEndpoint } from '../../src/acquirer/webhooks/webhook-endpoints.ts';
import { webhookEndpointEndpoints } from '../../src/acquirer/webhooks/webhook-endpoint-endpoints.ts';
import { postWebhook, type Resolver } from '../../src/acquirer/webhooks/webhook-http.ts';
import { WEBHOOK_BACKOFF } from '../../src/acquirer/webhooks/webhook-outbox.ts';
import { acquirerWebhookTask } from '../../src/acquirer/webhooks/webhook-task.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';
import { closedPortUrl, webhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

/**
 * SSRF through webhook endpoints: a merchant's URL must not reach loopback,
 * private, link-local (metadata), unique-local, CGNAT or other non-public
 * addresses, however the address is spelt, and the check is on the address
 * actually connected to. Local development turns it off with one switch.
 */

let f: AcquirerFixture;
/** The same acquirer configured for local development (private networks allowed). */
let local: AcquirerDeps;
const receivers: WebhookReceiver[] = [];
beforeEach(async () => {
  f = await acquirerFixture({ endpoints: (deps) => [...customerEndpoints(deps), ...eventEndpoints(deps), ...webhookEndpointEndpoints(deps)] });
  local = { ...f.deps, webhookNetwork: { allowPrivateNetworks: true } };
});
afterEach(async () => {
  for (const receiver of receivers.splice(0)) await receiver.close();
  await f.close();
});

async function receiver(): Promise<WebhookReceiver> {
  const r = await webhookReceiver(() => ({ status: 200, body: 'ok' }));
  receivers.push(r);
  return r;
}

const REFUSED_URLS = [
  'http://127.0.0.1/hook',
  'http://127.0.0.1:4400/v1/customers',
  'http://0x7f000001/hook',
  'http://2130706433/hook',
  'http://0177.0.0.1/hook',
  'http://127.1/hook',
  'http://0/hook',
  'http://0.0.0.0/hook',
  'http://[::1]/hook',
  'http://[::]/hook',
  'http://[::ffff:127.0.0.1]/hook',
  'http://[::ffff:7f00:1]/hook',
  'http://[::ffff:169.254.169.254]/latest/meta-data',
  'http://[0:0:0:0:0:ffff:10.0.0.1]/hook',
  'http://[64:ff9b::a9fe:a9fe]/hook',
  'http://[2002:7f00:1::1]/hook',
  'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
  'http://169.254.0.1/hook',
  'http://[fd00:ec2::254]/latest/meta-data',
  'http://[fc00::1]/hook',
  'http://[fe80::1]/hook',
  'http://10.0.0.1/hook',
  'http://172.16.0.1/hook',
  'http://172.31.255.255/hook',
  'http://192.168.1.1/hook',
  'http://100.64.0.1/hook',
  'http://100.100.100.200/hook',
  'http://224.0.0.1/hook',
  'http://255.255.255.255/hook',
  'http://[ff02::1]/hook',
  'http://localhost/hook',
  'http://LOCALHOST./hook',
  'http://api.localhost:8080/hook',
  'https://[::1]:443/hook',
];

const PUBLIC_HOSTS = ['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '169.255.0.1', '[2606:4700:4700::1111]', '[::ffff:8.8.8.8]', 'example.com', 'hooks.example.org'];

test('every non-public address is refused, however it is spelt; public ones are not', () => {
  for (const url of REFUSED_URLS) assert.notEqual(refusedHostReason(new URL(url).hostname), null, url);
  for (const host of PUBLIC_HOSTS) assert.equal(refusedHostReason(new URL(`https://${host}/hook`).hostname), null, host);
  assert.match(refusedAddressReason('169.254.169.254')!, /link-local/);
  assert.match(refusedAddressReason('fd00:ec2::254')!, /unique-local/);
  assert.match(refusedAddressReason('::ffff:10.1.2.3')!, /private/);
  assert.match(refusedAddressReason('100.64.0.1')!, /carrier-grade NAT/);
  assert.equal(refusedAddressReason('2606:4700:4700::1111'), null);
});

test('creating or updating an endpoint with a non-public URL is a 400 url_invalid on url, and changes nothing', async () => {
  for (const url of REFUSED_URLS) {
    await assert.rejects(f.stripe.webhookEndpoints.create({ url, enabled_events: ['*'] }), (e: any) => {
      assert.equal(e.statusCode, 400, url);
      assert.equal(e.code, 'url_invalid', url);
      assert.equal(e.param, 'url', url);
      assert.match(e.message, /public address/, url);
      return true;
    });
  }
  assert.deepEqual((await f.stripe.webhookEndpoints.list()).data, []);
  const endpoint = await f.stripe.webhookEndpoints.create({ url: 'https://hooks.example.com/stripe', enabled_events: ['*'] });
  await assert.rejects(f.stripe.webhookEndpoints.update(endpoint.id, { url: 'http://0x7f000001:22/' }), (e: any) => e.code === 'url_invalid' && e.param === 'url');
  assert.equal((await f.stripe.webhookEndpoints.retrieve(endpoint.id)).url, 'https://hooks.example.com/stripe');
});

test('with private networks allowed (local development), a loopback URL is accepted', async () => {
  // Its own endpoints on its own database: the idempotency key and the endpoint it records are in one database, as in the program.
  const app = await acquirerFixture({ endpoints: (deps) => webhookEndpointEndpoints({ ...deps, webhookNetwork: { allowPrivateNetworks: true } }) });
  try {
    const created = await app.stripe.webhookEndpoints.create({ url: 'http://127.0.0.1:4400/hook', enabled_events: ['*'] });
    assert.equal(created.url, 'http://127.0.0.1:4400/hook');
  } finally {
    await app.close();
  }
});

test('a delivery to a refused address never reaches it: it fails like a connection error and is retried, and open and closed ports look the same', async () => {
  const open = await receiver();
  const closed = await closedPortUrl();
  // Saved while the switch was on (or before this defence existed); delivered with it off.
  for (const url of [open.url, closed]) {
    await f.db.transaction((tx) =>
      createWebhookEndpoint(
        tx,
        { ids: f.deps.ids, random: f.deps.random, vaultKey: f.deps.vaultKey, nowMs: f.clock.nowMs() },
        { merchantId: f.merchant.merchant.id, url, enabledEvents: ['customer.created'], description: null, metadata: undefined },
      ),
    );
  }
  await f.stripe.customers.create({ name: 'Mallory' });
  const before = f.clock.nowMs();
  await acquirerWebhookTask(f.deps, { workerId: 'test-webhooks' }).run();
  assert.equal(open.received.length, 0, 'nothing reached the loopback receiver');
  const rows = await f.db.all<{ delivered: number; status_code: number | null; error: string }>(
    'SELECT delivered, status_code, error FROM acquirer_webhook_deliveries ORDER BY id',
  );
  assert.equal(rows.length, 2);
  for (const row of rows) {
    assert.equal(Number(row.delivered), 0);
    assert.equal(row.status_code, null);
    assert.match(row.error, /^refused: 127\.0\.0\.1 is a loopback address/);
  }
  assert.equal(rows[0]!.error, rows[1]!.error, 'an open port and a closed one fail alike: no port-scan oracle');
  const jobs = await f.db.all<{ state: string; run_at_ms: number | string }>("SELECT state, run_at_ms FROM jobs WHERE queue = 'acquirer.webhook'");
  assert.deepEqual(
    jobs.map((job) => [job.state, Number(job.run_at_ms)]),
    jobs.map(() => ['ready', before + WEBHOOK_BACKOFF.baseMs]),
    'retried per the usual schedule',
  );
});

test('the address checked is the address connected to: a name resolving to loopback (DNS rebinding) is refused at connect time', async () => {
  const hook = await receiver();
  const port = new URL(hook.url).port;
  let lookups = 0;
  // A name server that says "public" first and "loopback" afterwards, as a rebinding attacker's would.
  const rebinding: Resolver = (_hostname, _options, callback) => {
    lookups += 1;
    callback(null, lookups === 1 ? [{ address: '93.184.216.34', family: 4 }] : [{ address: '127.0.0.1', family: 4 }]);
  };
  assert.equal(refusedHostReason('rebind.example'), null, 'the name itself passes when the endpoint is saved');
  // The first answer (public) is what any check made before connecting would have seen.
  rebinding('rebind.example', { all: true }, () => undefined);
  const options = { timeoutMs: 2_000, connectTimeoutMs: 1_000, readMaxBytes: 1_000, policy: { allowPrivateNetworks: false }, resolve: rebinding };
  await assert.rejects(postWebhook(`http://rebind.example:${port}/hook`, {}, '{}', options), /^WebhookTransportError: refused: rebind\.example resolves to 127\.0\.0\.1, a loopback address/);
  const mixed: Resolver = (_hostname, _options, callback) => callback(null, [{ address: '93.184.216.34', family: 4 }, { address: '::1', family: 6 }]);
  await assert.rejects(postWebhook(`http://mixed.example:${port}/hook`, {}, '{}', { ...options, resolve: mixed }), /refused: mixed\.example resolves to ::1/);
  assert.equal(hook.received.length, 0);
  // With the switch on (local development), loopback is reached.
  const answer = await postWebhook(`http://localhost:${port}/hook`, {}, '{}', { ...options, policy: { allowPrivateNetworks: true } });
  assert.equal(answer.status, 200);
});

test('the switch: acquirer.webhooksAllowPrivateNetworks in the config file or CARDLANE_ACQUIRER_WEBHOOKS_ALLOW_PRIVATE_NETWORKS, off by default', () => {
  const load = (env: Record<string, string>) => loadConfig({ env: { CARDLANE_DATA_DIR: '/nonexistent-cardlane-test', ...env } }, [acquirerConfigSection]);
  assert.equal(load({}).acquirer.webhooksAllowPrivateNetworks, false);
  assert.equal(load({ CARDLANE_ACQUIRER_WEBHOOKS_ALLOW_PRIVATE_NETWORKS: 'true' }).acquirer.webhooksAllowPrivateNetworks, true);
  assert.equal(load({ CARDLANE_ACQUIRER_WEBHOOKS_ALLOW_PRIVATE_NETWORKS: '0' }).acquirer.webhooksAllowPrivateNetworks, false);
  assert.throws(() => load({ CARDLANE_ACQUIRER_WEBHOOKS_ALLOW_PRIVATE_NETWORKS: 'yes please' }), /acquirer\.webhooksAllowPrivateNetworks .*must be true or false/);
});
