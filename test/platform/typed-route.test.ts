import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../../src/platform/errors.ts';
import { createHttpServer } from '../../src/platform/http/server.ts';
import { endpoint, registerEndpoints, type FromSchema, type RouteAuth } from '../../src/platform/http/typed-route.ts';
import { createLogger } from '../../src/platform/logger.ts';

// Type-level checks: `tsc -p .` fails if FromSchema derives another type.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(): T | undefined {
  return undefined;
}

const bodySchema = {
  type: 'object',
  required: ['amount', 'kind'],
  additionalProperties: false,
  properties: {
    amount: { type: 'integer', minimum: 1 },
    kind: { type: 'string', enum: ['purchase', 'refund'] },
    note: { type: 'string', nullable: true },
    limit: { type: ['integer', 'null'] },
    at_period_end: { type: 'boolean', default: false },
    tags: { type: 'array', items: { type: 'string' } },
    anything: { description: 'no type: the handler checks it' },
    amount_or_null: { anyOf: [{ $ref: 'ErrorResponse#' }, { type: 'null' }] },
  },
} as const;

expectType<
  Equal<
    FromSchema<typeof bodySchema>,
    {
      readonly amount: number;
      readonly kind: 'purchase' | 'refund';
      readonly at_period_end: boolean;
      readonly note?: string | null;
      readonly limit?: number | null;
      readonly tags?: string[];
      readonly anything?: unknown;
      readonly amount_or_null?: unknown;
    }
  >
>();
expectType<Equal<FromSchema<{ readonly type: 'object'; readonly additionalProperties: { readonly type: 'string' } }>, Readonly<Record<string, string>>>>();
expectType<Equal<FromSchema<{ readonly type: 'object' }>, Readonly<Record<string, unknown>>>>();

test('endpoints are registered from data: typed request, auth at its phase with its security, an optional body read as {}', async () => {
  const seen: string[] = [];
  const auth: RouteAuth = {
    phase: 'onRequest',
    check: async (request) => {
      seen.push(`auth ${request.method} ${request.url}`);
      if (request.headers.authorization !== 'Bearer ok') throw new AppError('authentication_required', 'No.');
    },
    security: [{ operatorKey: [] }],
  };
  const endpoints = [
    endpoint({
      method: 'POST',
      url: '/things/:id',
      auth,
      schema: {
        summary: 'Make a thing',
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 10 } } },
        querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', default: 20 } } },
        body: bodySchema,
      },
      handler: async (request) => {
        // Typed: no casts.
        const id: string = request.params.id;
        const limit: number = request.query.limit;
        const amount: number = request.body.amount;
        return { id, limit, amount, kind: request.body.kind };
      },
    }),
    endpoint({
      method: 'POST',
      url: '/things/:id/cancel',
      auth: null,
      optionalBody: true,
      schema: {
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
        body: { type: 'object', additionalProperties: false, properties: { at_period_end: { type: 'boolean', default: false } } },
      },
      handler: async (request) => ({ id: request.params.id, at_period_end: request.body.at_period_end }),
    }),
  ];

  const app = await createHttpServer({
    db: { ping: async () => undefined },
    logger: createLogger({ level: 'silent' }),
    version: 'test',
    routes: [{ prefix: '/t', plugin: async (scope) => registerEndpoints(scope, endpoints) }],
  });
  try {
    const made = await app.inject({ method: 'POST', url: '/t/things/a1', headers: { authorization: 'Bearer ok' }, payload: { amount: 5, kind: 'purchase' } });
    assert.equal(made.statusCode, 200, made.body);
    assert.deepEqual(made.json(), { id: 'a1', limit: 20, amount: 5, kind: 'purchase' });

    // onRequest: refused before the body is even read, so a bad body is not the answer.
    const refused = await app.inject({ method: 'POST', url: '/t/things/a1', payload: { nope: 1 } });
    assert.deepEqual([refused.statusCode, refused.json().error.code], [401, 'authentication_required']);
    const invalid = await app.inject({ method: 'POST', url: '/t/things/a1', headers: { authorization: 'Bearer ok' }, payload: { amount: 5, kind: 'purchase', amout: 1 } });
    assert.deepEqual([invalid.statusCode, invalid.json().error.code], [400, 'parameter_unknown']);

    const noBody = await app.inject({ method: 'POST', url: '/t/things/b2/cancel' });
    assert.deepEqual([noBody.statusCode, noBody.json()], [200, { id: 'b2', at_period_end: false }]);
    const withBody = await app.inject({ method: 'POST', url: '/t/things/b2/cancel', payload: { at_period_end: true } });
    assert.deepEqual(withBody.json(), { id: 'b2', at_period_end: true });
    assert.equal(seen.filter((line) => line.includes('cancel')).length, 0, 'a public endpoint runs no check');

    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    assert.deepEqual(doc.paths['/t/things/{id}'].post.security, [{ operatorKey: [] }], "the auth's security requirement is documented");
    assert.equal(doc.paths['/t/things/{id}/cancel'].post.security, undefined);
  } finally {
    await app.close();
  }
});
