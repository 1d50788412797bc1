import { acquirerEndpoints } from '../../../src/acquirer/acquirer-endpoints.ts';
import type { AcquirerDeps } from '../../../src/acquirer/acquirer-deps.ts';
import { endpointParameters } from '../../../src/acquirer/stripe/openapi.ts';
import type { StripeEndpoint } from '../../../src/acquirer/stripe/route.ts';
import { systemClock } from '../../../src/platform/clock.ts';
import { cryptoRandom, IdGenerator } from '../../../src/platform/ids.ts';
import type { Schema } from './schema-values.ts';

/**
 * The /v1 routes' parameters, as JSON schemas, read from the acquirer's own
 * endpoint table by the same derivation that writes them into /openapi.json
 * (src/acquirer/stripe/openapi.ts: each endpoint's `parse` run against a
 * recording `Params`), with endpoints built on inert dependencies so nothing
 * is touched.
 *
 * Form values are strings on the wire; the schema says what the endpoint
 * reads them as (integer, boolean), and the form encoder writes them back
 * as text.
 */
export interface StripeOperation {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** OpenAPI style, `/v1/customers/{id}`. */
  readonly template: string;
  readonly allowPublishable: boolean;
  readonly schema: Schema;
}

/** Answers anything asked of it with itself: `parse` must not touch the database, and if it did, the recorder only needs to get past it. */
function inert(): any {
  const target = function () {} as any;
  const proxy: any = new Proxy(target, { get: (_t, key) => (key === 'then' ? undefined : proxy), apply: () => proxy });
  return proxy;
}

export function stripeOperations(): StripeOperation[] {
  const deps = {
    db: inert(),
    ledger: inert(),
    network: inert(),
    cvcCache: inert(),
    clock: systemClock,
    ids: new IdGenerator(systemClock, cryptoRandom),
    random: cryptoRandom,
    acquirerId: 'fuzz',
    vaultKey: Buffer.alloc(32),
  } as unknown as AcquirerDeps;
  return acquirerEndpoints(deps).map((endpoint: StripeEndpoint<unknown>) => ({
    method: endpoint.method,
    template: `/v1${endpoint.url.replace(/:(\w+)/g, '{$1}')}`,
    allowPublishable: endpoint.allowPublishable === true,
    schema: endpointParameters(endpoint),
  }));
}
