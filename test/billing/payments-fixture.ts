import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import OpenAI from 'openai';
import Stripe from 'stripe';
import { acquirerEndpoints } from '../../src/acquirer/acquirer-endpoints.ts';
import { setCardVerificationAmount } from '../../src/acquirer/merchants/merchants.ts';
import { BLOCK_PREPAID_ON_CUSTOMER_INITIATED, BLOCK_PREPAID_ON_CUSTOMER_INITIATED_EXCEPT_PLUS } from '../../src/acquirer/risk/presets.ts';
import { createRiskRule } from '../../src/acquirer/risk/risk-rules.ts';
import { createBillingServices, type BillingServices } from '../../src/billing/billing-services.ts';
import { creditBalance } from '../../src/billing/billing-ledger.ts';
import { billingRoutes } from '../../src/billing/http/billing-routes.ts';
import { subscriptionRoutes } from '../../src/billing/http/subscription-routes.ts';
import { budgetRoutes } from '../../src/billing/http/budget-routes.ts';
import { creditLotRoutes } from '../../src/billing/http/credit-lot-routes.ts';
import { invoiceRoutes } from '../../src/billing/http/invoice-routes.ts';
import { autoRechargeRoutes } from '../../src/billing/http/auto-recharge-routes.ts';
import { merchantApiRoutes } from '../../src/billing/merchant-api-routes.ts';
import { createOrganization } from '../../src/billing/organizations.ts';
import { BillingProvider } from '../../src/billing/payments/provider.ts';
import type { BillingConfig } from '../../src/billing/config.ts';
import { createHttpServer } from '../../src/platform/http/server.ts';
import { IdGenerator, seededRandom } from '../../src/platform/ids.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { acquirerFixture, type AcquirerFixture } from '../support/acquirer-fixture.ts';
import { cardFixture, type CardFixture, type OpenedCard } from '../support/card-fixture.ts';
import { testPaymentNetwork } from '../support/payment-network.ts';

/**
 * Merchant billing on the whole payment path: Cardlane's issuer and the
 * test bank behind the card network, the Stripe-compatible acquirer on a
 * real HTTP port with a merchant configured like the seed's (a $5
 * verification hold, prepaid cards refused on customer-initiated
 * purchases), and billing paying through it with the official `stripe` SDK
 * — plus billing's own API and the merchant's OpenAI-compatible API on a
 * second server, for the `openai` SDK and plain HTTP.
 */

export const BILLING_TEST_CONFIG: BillingConfig = {
  stripeBaseUrl: null,
  stripeSecretKey: null,
  stripePublishableKey: null,
  purchaseMinimumMinor: 500,
  purchaseMaximumMinor: 100_000,
  rechargeMinimumMinor: 1_000,
  creditExpiryDays: 365,
  taxRatesBps: { DE: 1900, CN: 600 },
};

export interface BillingPaymentsFixture {
  readonly f: AcquirerFixture & { base: CardFixture };
  readonly cards: CardFixture;
  readonly billing: BillingServices;
  /** Billing's API and the merchant's API (`/billing/v1`, `/merchant/v1`). */
  readonly billingUrl: string;
  /** The SDK as a billing page's browser would use it: publishable key only, to tokenize cards. */
  readonly tokenizer: Stripe;
  newOrg(name?: string): Promise<{ orgId: string; apiKey: string }>;
  /** A Cardlane card with `loadUsdMinor` on it, tokenized at the acquirer as a browser would. */
  cardlaneCard(loadUsdMinor: number): Promise<{ card: OpenedCard; pmId: string }>;
  /** A Stripe test card number, tokenized. */
  testCard(number: string): Promise<string>;
  /** A new organization with `pmId` (default: a tokenized 4242 card) added and made its default card. */
  orgWithDefaultCard(pmId?: string): Promise<{ orgId: string; apiKey: string; pmId: string }>;
  balance(orgId: string): Promise<number>;
  openai(apiKey: string): OpenAI;
  /** Calls billing's API as the organization. */
  api(apiKey: string, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export async function billingPaymentsFixture(options: { config?: Partial<BillingConfig>; seedRule?: boolean | 'demo' } = {}): Promise<BillingPaymentsFixture> {
  const cards = await cardFixture();
  const f = await acquirerFixture({ base: cards, endpoints: acquirerEndpoints, network: (b) => testPaymentNetwork(b, b.issuer) });
  await f.db.transaction(async (tx) => {
    await setCardVerificationAmount(tx, f.merchant.merchant.id, 500);
    // 'demo': the rule `cardlane up` seeds for the demo merchant (Plus exempt).
    const rule = options.seedRule === 'demo' ? BLOCK_PREPAID_ON_CUSTOMER_INITIATED_EXCEPT_PLUS : BLOCK_PREPAID_ON_CUSTOMER_INITIATED;
    if (options.seedRule !== false) await createRiskRule(tx, { ids: f.deps.ids, nowMs: f.clock.nowMs() }, f.merchant.merchant.id, rule);
  });
  const config = { ...BILLING_TEST_CONFIG, ...options.config };
  const provider = new BillingProvider({ stripeBaseUrl: f.url, stripeSecretKey: f.merchant.secretKey, stripePublishableKey: f.merchant.publishableKey }, '/nonexistent');
  const random = seededRandom(11);
  const ids = new IdGenerator(f.clock, random);
  const billing = createBillingServices({ db: f.db, clock: f.clock, settings: config, provider, ids, ledger: f.ledger });
  const app: FastifyInstance = await createHttpServer({
    db: f.db,
    logger: createLogger({ level: 'silent' }),
    version: 'test',
    routes: [
      { plugin: billingRoutes(billing), prefix: '/billing/v1' },
      { plugin: subscriptionRoutes(billing), prefix: '/billing/v1' },
      { plugin: autoRechargeRoutes(billing), prefix: '/billing/v1' },
      { plugin: budgetRoutes(billing.deps), prefix: '/billing/v1' },
      { plugin: creditLotRoutes(billing.deps), prefix: '/billing/v1' },
      { plugin: invoiceRoutes(billing.deps), prefix: '/billing/v1' },
      { plugin: merchantApiRoutes(f.db, { clock: f.clock, ids, random, ledger: f.ledger }), prefix: '/merchant/v1' },
    ],
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const billingUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const tokenizer = f.stripeFor(f.merchant.publishableKey);
  const address = { line1: '548 Market St', postal_code: '94104', country: 'US' };
  const tokenize = async (card: { number: string; exp_month: number; exp_year: number; cvc: string }) =>
    (await tokenizer.paymentMethods.create({ type: 'card', card, billing_details: { name: 'Li Lei', address } })).id;

  const fixture: BillingPaymentsFixture = {
    f,
    cards,
    billing,
    billingUrl,
    tokenizer,
    async newOrg(name = 'Example API customer') {
      const created = await f.db.transaction((tx) => createOrganization(tx, { clock: f.clock, ids, random, ledger: f.ledger }, { name }));
      return { orgId: created.organization.id, apiKey: created.apiKey };
    },
    async cardlaneCard(loadUsdMinor) {
      const card = await cards.openCard({ loadUsdMinor });
      return { card, pmId: await tokenize({ number: card.pan, exp_month: card.expMonth, exp_year: card.expYear, cvc: card.cvv2 }) };
    },
    testCard: (number) => tokenize({ number, exp_month: 12, exp_year: 2034, cvc: '123' }),
    async orgWithDefaultCard(pmId) {
      const org = await fixture.newOrg();
      const card = pmId ?? (await fixture.testCard('4242424242424242'));
      const added = await fixture.api(org.apiKey, 'POST', '/payment_methods', { payment_method: card });
      assert.equal(added.status, 201, JSON.stringify(added.body));
      const made = await fixture.api(org.apiKey, 'POST', `/payment_methods/${card}/default`);
      assert.equal(made.status, 200, JSON.stringify(made.body));
      return { ...org, pmId: card };
    },
    async balance(orgId) {
      return (await creditBalance(f.db, orgId))?.available_minor ?? 0;
    },
    openai: (apiKey) => new OpenAI({ apiKey, baseURL: `${billingUrl}/merchant/v1`, maxRetries: 0 }),
    async api(apiKey, method, path, body, headers = {}) {
      const response = await fetch(`${billingUrl}/billing/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: await response.json() };
    },
    async close() {
      await app.close();
      await f.close();
    },
  };
  return fixture;
}
