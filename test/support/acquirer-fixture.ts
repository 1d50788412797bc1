import type { FastifyInstance } from 'fastify';
import Stripe from 'stripe';
import { acquirerRoutes } from '../../src/acquirer/http/acquirer-routes.ts';
import type { AcquirerDeps, AcquirerNetwork } from '../../src/acquirer/acquirer-deps.ts';
import { CvcCache } from '../../src/acquirer/cards/vault.ts';
import { createMerchant, type MerchantWithKeys, type NewMerchant } from '../../src/acquirer/merchants/merchants.ts';
import type { StripeEndpoint } from '../../src/acquirer/stripe/route.ts';
import { createHttpServer } from '../../src/platform/http/server.ts';
import { IdGenerator, seededRandom } from '../../src/platform/ids.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { ledgerFixture, type LedgerFixture } from './ledger-fixture.ts';

export const DEMO_MERCHANT: NewMerchant = { name: 'Acme AI', mcc: '5734', country: 'US' };

export interface AcquirerFixture extends LedgerFixture {
  readonly deps: AcquirerDeps;
  readonly app: FastifyInstance;
  readonly url: string;
  readonly merchant: MerchantWithKeys;
  /** The official SDK, pointed at this server with the merchant's secret key (no retries, so tests see each answer). */
  readonly stripe: Stripe;
  /** Another merchant with its own keys, for scoping tests. */
  addMerchant(input?: Partial<NewMerchant>): Promise<MerchantWithKeys>;
  stripeFor(key: string): Stripe;
  close(): Promise<void>;
}

/** A network for tests of endpoints that never reach it: any call is a test bug. */
export const unreachableNetwork: AcquirerNetwork = {
  lookupCard: () => null,
  authorize: () => Promise.reject(new Error('this test does not wire a card network')),
  incrementAuthorization: () => Promise.reject(new Error('this test does not wire a card network')),
  reverse: () => Promise.reject(new Error('this test does not wire a card network')),
  clear: () => Promise.reject(new Error('this test does not wire a card network')),
  refund: () => Promise.reject(new Error('this test does not wire a card network')),
};

export async function acquirerFixture<F extends LedgerFixture = LedgerFixture>(options: {
  endpoints: (deps: AcquirerDeps) => ReadonlyArray<StripeEndpoint<any>>;
  network?: (f: F) => AcquirerNetwork | Promise<AcquirerNetwork>;
  seed?: number;
  /** Share another fixture's database (e.g. the card fixture's, so Cardlane's issuer and the acquirer meet); it is cleaned up with this one. */
  base?: F;
}): Promise<AcquirerFixture & { base: F }> {
  const f = (options.base ?? (await ledgerFixture())) as F;
  const random = seededRandom(options.seed ?? 42);
  const deps: AcquirerDeps = {
    db: f.db,
    clock: f.clock,
    ids: new IdGenerator(f.clock, random),
    random,
    ledger: f.ledger,
    network: options.network ? await options.network(f) : unreachableNetwork,
    acquirerId: 'cardlane-acquirer',
    vaultKey: Buffer.alloc(32, 7),
    cvcCache: new CvcCache(),
  };
  const app = await createHttpServer({
    db: f.db,
    logger: createLogger({ level: 'silent' }),
    version: 'test',
    routes: [{ plugin: acquirerRoutes(deps, options.endpoints(deps)), prefix: '/v1' }],
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  const addMerchant = (input: Partial<NewMerchant> = {}) =>
    f.db.transaction((tx) => createMerchant(tx, { ids: deps.ids, random, nowMs: f.clock.nowMs() }, { ...DEMO_MERCHANT, ...input }));
  const merchant = await addMerchant();
  const stripeFor = (key: string) =>
    new Stripe(key, { host: '127.0.0.1', port: address.port, protocol: 'http', maxNetworkRetries: 0, telemetry: false });
  return {
    ...f,
    base: f,
    deps,
    app,
    url,
    merchant,
    stripe: stripeFor(merchant.secretKey),
    addMerchant,
    stripeFor,
    async close() {
      await app.close();
      await f.cleanup();
    },
  };
}
