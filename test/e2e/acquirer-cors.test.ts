import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { acquirerEndpoints } from '../../src/acquirer/acquirer-endpoints.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';
import { CHROMIUM, CHROMIUM_ARGS, NO_CHROMIUM } from '../support/browser.ts';
import { testPaymentNetwork } from '../support/payment-network.ts';

// A merchant's checkout page, served from its own origin, tokenizes a card
// with the publishable key straight from the browser, as with Stripe: the
// acquirer's API answers cross-origin calls (preflights included), and a
// refusal is readable by the page too.


let f: AcquirerFixture;
before(async () => {
  f = await acquirerFixture({ endpoints: acquirerEndpoints, network: (base) => testPaymentNetwork(base) });
});
after(async () => f.close());

test('a preflight is answered for any origin, and answers (refusals too) carry the CORS headers', async () => {
  const preflight = await fetch(`${f.url}/v1/payment_methods`, {
    method: 'OPTIONS',
    headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, idempotency-key' },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
  assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);
  assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Authorization.*Content-Type.*Idempotency-Key/);
  assert.equal(preflight.headers.get('access-control-allow-credentials'), null, 'keys are headers, never cookies');

  const refused = await fetch(`${f.url}/v1/customers`, { headers: { origin: 'https://shop.example', authorization: `Bearer ${f.merchant.publishableKey}` } });
  assert.equal(refused.status, 403);
  assert.equal(refused.headers.get('access-control-allow-origin'), '*');
  assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'permission_denied');
});

test('a checkout page on another origin tokenizes a card in Chromium with the publishable key', { skip: NO_CHROMIUM, timeout: 120_000 }, async () => {
  const page = `<!doctype html><meta charset="utf-8"><title>checkout</title><script>
    window.tokenize = async (api, key) => {
      const answer = await fetch(api + '/v1/payment_methods', {
        method: 'POST',
        headers: { authorization: 'Bearer ' + key, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'type=card&card[number]=4242424242424242&card[exp_month]=12&card[exp_year]=2030&card[cvc]=123',
      });
      return { status: answer.status, body: await answer.json(), requestId: answer.headers.get('request-id') };
    };
  </script>`;
  const shop: Server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end(page));
  await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
  // localhost and 127.0.0.1 are different origins: the page's calls to the acquirer are cross-origin.
  const shopUrl = `http://localhost:${(shop.address() as { port: number }).port}/`;
  const profile = mkdtempSync(join(tmpdir(), 'cardlane-cors-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    const tab = context.pages()[0] ?? (await context.newPage());
    await tab.goto(shopUrl);
    const result = (await tab.evaluate(([api, key]) => (globalThis as any).tokenize(api, key), [f.url, f.merchant.publishableKey] as const)) as {
      status: number;
      body: { id: string; object: string; card: { last4: string; brand: string } };
      requestId: string | null;
    };
    assert.equal(result.status, 200, JSON.stringify(result.body));
    assert.deepEqual([result.body.object, result.body.card.brand, result.body.card.last4], ['payment_method', 'visa', '4242']);
    assert.match(result.body.id, /^pm_/);
    assert.match(result.requestId ?? '', /^req_/, 'exposed to the page');
    // The card the page tokenized is the merchant's to charge with its secret key.
    assert.equal((await f.stripe.paymentMethods.retrieve(result.body.id)).card?.last4, '4242');
  } finally {
    await context.close();
    shop.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
