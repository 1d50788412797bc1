import type { FastifyInstance } from 'fastify';
import Stripe from 'stripe';
import { acquirerEndpoints } from '../../src/acquirer/acquirer-endpoints.ts';
import type { AcquirerDeps } from '../../src/acquirer/acquirer-deps.ts';
import { CvcCache } from '../../src/acquirer/cards/vault.ts';
import { acquirerRoutes } from '../../src/acquirer/http/acquirer-routes.ts';
import { authenticationReturnRoutes } from '../../src/acquirer/http/authentication-return-routes.ts';
import { createMerchant, type MerchantWithKeys } from '../../src/acquirer/merchants/merchants.ts';
import { PaymentIntents } from '../../src/acquirer/payments/payment-intents.ts';
import { SetupIntentFlow } from '../../src/acquirer/payments/setup-intent-flow.ts';
import { BinTable, defaultBinTable } from '../../src/network/bins.ts';
import { CardNetwork } from '../../src/network/card-network.ts';
import type { IssuerEndpoint } from '../../src/network/messages.ts';
import { TestBank } from '../../src/network/test-issuers/test-bank.ts';
import { testBankChallengeRoutes } from '../../src/network/test-issuers/test-bank-challenge-page.ts';
import type { RoutePlugin } from '../../src/platform/http/server.ts';
import { createHttpServer } from '../../src/platform/http/server.ts';
import { IdGenerator, seededRandom } from '../../src/platform/ids.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { DEMO_MERCHANT } from './acquirer-fixture.ts';
import { ledgerFixture, type LedgerFixture } from './ledger-fixture.ts';

/**
 * The parties a 3-D Secure payment crosses, on one HTTP server as in
 * `cardlane up`: the acquirer's Stripe API (/v1) and its return route, the
 * network with the test bank, whose challenge page is served too — and,
 * when a test passes them, another issuer (Cardlane's) and its routes.
 */
export interface ThreeDSecureFixture extends LedgerFixture {
  readonly deps: AcquirerDeps;
  readonly url: string;
  readonly merchant: MerchantWithKeys;
  readonly stripe: Stripe;
  readonly network: CardNetwork;
  readonly payments: PaymentIntents;
  /** The server itself, for requests from chosen client addresses (`inject`). */
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

export async function threeDSecureFixture(options: { base?: LedgerFixture; issuer?: IssuerEndpoint; routes?: readonly RoutePlugin[] } = {}): Promise<ThreeDSecureFixture> {
  const f = options.base ?? (await ledgerFixture());
  const random = seededRandom(42);
  const ids = new IdGenerator(f.clock, random);
  const testBank = new TestBank({ db: f.db, clock: f.clock, ids: new IdGenerator(f.clock, seededRandom(77)) });
  const defaults = defaultBinTable();
  const network = new CardNetwork({
    db: f.db,
    clock: f.clock,
    ids,
    bins: options.issuer ? defaults : new BinTable(defaults.entries.filter((entry) => entry.issuer !== 'cardlane')),
    issuers: [testBank, ...(options.issuer ? [options.issuer] : [])],
  });
  const deps: AcquirerDeps = {
    db: f.db,
    clock: f.clock,
    ids,
    random,
    ledger: f.ledger,
    network,
    acquirerId: 'cardlane-acquirer',
    vaultKey: Buffer.alloc(32, 7),
    cvcCache: new CvcCache(),
  };
  const payments = new PaymentIntents(deps, deps.cvcCache);
  const setups = new SetupIntentFlow(deps, deps.cvcCache);
  const app = await createHttpServer({
    db: f.db,
    logger: createLogger({ level: 'silent' }),
    version: 'test',
    routes: [
      { plugin: acquirerRoutes(deps, acquirerEndpoints(deps)), prefix: '/v1' },
      { plugin: authenticationReturnRoutes(payments, setups, () => f.clock.nowMs()), prefix: '' },
      { plugin: testBankChallengeRoutes(testBank.acs, f.clock), prefix: '' },
      ...(options.routes ?? []),
    ],
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  const merchant = await f.db.transaction((tx) => createMerchant(tx, { ids, random, nowMs: f.clock.nowMs() }, DEMO_MERCHANT));
  return {
    ...f,
    deps,
    url: `http://127.0.0.1:${port}`,
    merchant,
    stripe: new Stripe(merchant.secretKey, { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0, telemetry: false }),
    network,
    payments,
    app,
    async close() {
      await app.close();
      await f.cleanup();
    },
  };
}

/** A browser's step: fetch without following redirects, with the cookies a page would not need anyway. */
export async function browse(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, redirect: 'manual' });
}

/** Presses a button of a test challenge page (`complete` or `fail`), as the browser's form post does; returns where it redirects. */
export async function pressChallengeButton(pageUrl: string, action: 'complete' | 'fail'): Promise<string> {
  const page = await browse(pageUrl);
  const html = await page.text();
  const form = /<form method="post" action="([^"]+)"/.exec(html);
  if (form === null) throw new Error(`no challenge form on ${pageUrl}: ${html.slice(0, 300)}`);
  const target = new URL(form[1]!.replace(/&amp;/g, '&'), pageUrl);
  const answer = await browse(target.toString(), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `action=${action}` });
  if (answer.status !== 303) throw new Error(`challenge post answered ${answer.status}: ${await answer.text()}`);
  return new URL(answer.headers.get('location')!, pageUrl).toString();
}
