import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { acquirerEndpoints } from '../../src/acquirer/acquirer-endpoints.ts';
import { acquirerRoutes } from '../../src/acquirer/http/acquirer-routes.ts';
import { stripeJsRoutes } from '../../src/acquirer/stripe-js/stripe-js-routes.ts';
import { createHttpServer } from '../../src/platform/http/server.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';
import { CHROMIUM, CHROMIUM_ARGS, NO_CHROMIUM } from '../support/browser.ts';
import { testPaymentNetwork } from '../support/payment-network.ts';

// Issue 20, item 2: a merchant's checkout page on its own origin loads
// Cardlane's Stripe.js stand-in, mounts the card element (a frame on
// Cardlane's origin, so the page never holds the card number) and confirms
// a set-up and a payment with the publishable key, in real Chromium.

let f: AcquirerFixture;
let cardlane: FastifyInstance;
let api: string;
let shop: Server;
let shopUrl: string;
let context: BrowserContext;
let profile: string;

const CHECKOUT = (apiUrl: string, key: string) => `<!doctype html><html lang="en"><meta charset="utf-8"><title>Acme checkout</title>
<script src="${apiUrl}/js/stripe.js"></script>
<form id="pay"><div id="card"></div></form>
<script>
  const stripe = Stripe(${JSON.stringify(key)});
  const card = stripe.elements().create('card');
  window.changes = [];
  card.on('change', (event) => window.changes.push(event));
  card.mount('#card');
  window.checkout = {
    setUp: (clientSecret) => stripe.confirmCardSetup(clientSecret, { payment_method: { card, billing_details: { name: 'Ada Lovelace' } } }),
    pay: (clientSecret) => stripe.confirmCardPayment(clientSecret, { payment_method: { card } }),
    payWith: (clientSecret, paymentMethod) => stripe.confirmCardPayment(clientSecret, { payment_method: paymentMethod }),
    next: (clientSecret) => stripe.handleNextAction({ clientSecret }),
    clear: () => card.clear(),
  };
</script></html>`;

before(async () => {
  f = await acquirerFixture({ endpoints: acquirerEndpoints, network: (base) => testPaymentNetwork(base) });
  // Cardlane as `cardlane up` serves the acquirer: /v1 and /js on one origin.
  cardlane = await createHttpServer({
    db: f.db,
    logger: createLogger({ level: 'silent' }),
    version: 'test',
    routes: [
      { plugin: acquirerRoutes(f.deps, acquirerEndpoints(f.deps)), prefix: '/v1' },
      { plugin: stripeJsRoutes(), prefix: '/js' },
    ],
  });
  await cardlane.listen({ host: '127.0.0.1', port: 0 });
  api = `http://127.0.0.1:${(cardlane.server.address() as { port: number }).port}`;
  const page = CHECKOUT(api, f.merchant.publishableKey);
  shop = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page));
  await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
  // localhost and 127.0.0.1 are different origins: the shop's page is cross-origin to Cardlane.
  shopUrl = `http://localhost:${(shop.address() as { port: number }).port}/`;
  if (NO_CHROMIUM === false) {
    profile = mkdtempSync(join(tmpdir(), 'cardlane-stripejs-chromium-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  }
});

after(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  shop?.close();
  await cardlane?.close();
  await f.close();
});

async function checkoutPage(): Promise<Page> {
  const tab = await context.newPage();
  await tab.goto(shopUrl);
  await tab.frameLocator('iframe[name^="cardlane-card"]').locator('#number').waitFor();
  return tab;
}

async function typeCard(tab: Page, number: string): Promise<void> {
  const frame = tab.frameLocator('iframe[name^="cardlane-card"]');
  await frame.locator('#number').fill(number);
  await frame.locator('#expiry').pressSequentially('1234');
  await frame.locator('#cvc').fill('123');
}

test('/js/stripe.js and the card element frame are served to any origin; the frame’s own scripts only', async () => {
  const script = await fetch(`${api}/js/stripe.js`, { headers: { origin: 'http://shop.example' } });
  assert.equal(script.status, 200);
  assert.match(script.headers.get('content-type') ?? '', /javascript/);
  assert.equal(script.headers.get('access-control-allow-origin'), '*');
  assert.match(await script.text(), /confirmCardPayment/);
  const frame = await fetch(`${api}/js/card-element.html`);
  assert.match(frame.headers.get('content-security-policy') ?? '', /script-src 'self'.*connect-src 'self'/);
});

test('a page on another origin confirms a set-up, then a payment, through the Stripe.js stand-in with the publishable key', { skip: NO_CHROMIUM, timeout: 120_000 }, async () => {
  const customer = await f.stripe.customers.create({ email: 'ada@example.com' });
  const tab = await checkoutPage();
  await typeCard(tab, '4242 4242 4242 4242');
  const last = (await tab.evaluate(() => (globalThis as any).changes.at(-1))) as { complete: boolean; brand: string };
  assert.deepEqual([last.complete, last.brand], [true, 'visa'], 'the page learns the state of the card, not the card');

  // The host page cannot reach into the card element: another origin's document.
  const reach = await tab.evaluate(() => {
    const doc = (globalThis as any).document;
    const frame = doc.querySelector('iframe');
    let inside: unknown = 'readable';
    try {
      inside = frame.contentDocument === null ? 'blocked' : 'readable';
    } catch {
      inside = 'blocked';
    }
    return { inside, html: doc.documentElement.outerHTML as string };
  });
  assert.equal(reach.inside, 'blocked');
  assert.ok(!reach.html.includes('4242 4242') && !reach.html.includes('4242424242424242'), 'no card number on the host page');

  const setup = await f.stripe.setupIntents.create({ customer: customer.id, usage: 'off_session' });
  const set = (await tab.evaluate((secret) => (globalThis as any).checkout.setUp(secret), setup.client_secret!)) as { setupIntent?: any; error?: any };
  assert.equal(set.error, undefined, JSON.stringify(set.error));
  assert.equal(set.setupIntent.status, 'succeeded');
  assert.equal(set.setupIntent.customer, undefined, 'the browser is shown the public fields only');
  const savedPm = (await f.stripe.setupIntents.retrieve(setup.id)).payment_method as string;
  const saved = await f.stripe.paymentMethods.retrieve(savedPm);
  assert.deepEqual([saved.customer, saved.card?.last4, saved.billing_details.name], [customer.id, '4242', 'Ada Lovelace']);

  const intent = await f.stripe.paymentIntents.create({ amount: 1999, currency: 'usd', customer: customer.id });
  const paid = (await tab.evaluate((secret) => (globalThis as any).checkout.pay(secret), intent.client_secret!)) as { paymentIntent?: any; error?: any };
  assert.equal(paid.error, undefined, JSON.stringify(paid.error));
  assert.equal(paid.paymentIntent.status, 'succeeded');
  const charged = await f.stripe.paymentIntents.retrieve(intent.id);
  assert.deepEqual([charged.status, charged.amount_received], ['succeeded', 1999]);

  // And off-session later, from the server, with the card the page set up.
  const later = await f.stripe.paymentIntents.create({ amount: 500, currency: 'usd', customer: customer.id, payment_method: savedPm, off_session: true, confirm: true });
  assert.equal(later.status, 'succeeded');

  // An intent that needs nothing more: handleNextAction answers it as it is.
  const next = (await tab.evaluate((secret) => (globalThis as any).checkout.next(secret), intent.client_secret!)) as { paymentIntent?: any };
  assert.equal(next.paymentIntent.status, 'succeeded');
  await tab.close();
});

test('a declined card and a wrong client_secret come back as Stripe.js errors; nothing is charged', { skip: NO_CHROMIUM, timeout: 120_000 }, async () => {
  const tab = await checkoutPage();
  await typeCard(tab, '4000000000000002');
  const intent = await f.stripe.paymentIntents.create({ amount: 1500, currency: 'usd' });
  const declined = (await tab.evaluate((secret) => (globalThis as any).checkout.pay(secret), intent.client_secret!)) as { error?: any };
  assert.deepEqual([declined.error.type, declined.error.code, declined.error.decline_code], ['card_error', 'card_declined', 'generic_decline']);
  assert.notEqual((await f.stripe.paymentIntents.retrieve(intent.id)).status, 'succeeded');

  const other = await f.stripe.paymentIntents.create({ amount: 1500, currency: 'usd' });
  const forged = `${other.id}_secret_not-the-secret`;
  const refused = (await tab.evaluate(([secret, pm]) => (globalThis as any).checkout.payWith(secret, pm), [forged, 'pm_card_visa'] as const)) as { error?: any };
  assert.equal(refused.error.code, 'payment_intent_invalid_parameter');
  assert.equal((await f.stripe.paymentIntents.retrieve(other.id)).status, 'requires_payment_method');

  // An incomplete card never leaves the frame: the element answers the error itself.
  await tab.evaluate(() => (globalThis as any).checkout.clear());
  const incomplete = (await tab.evaluate((secret) => (globalThis as any).checkout.pay(secret), other.client_secret!)) as { error?: any };
  assert.equal(incomplete.error.code, 'incomplete_card');
  await tab.close();
});
